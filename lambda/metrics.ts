import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** CloudWatch metrics as EMF log lines: no PutMetricData call, no extra IAM permission. */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'RootEcrMirror',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'root-ecr-mirror',
});

/** A count with one dimension of its own, e.g. `WebhooksRejected{reason=signature}`. */
export function countWithDimension(name: string, dimension: string, value: string): void {
  metrics.singleMetric().addDimension(dimension, value).addMetric(name, MetricUnit.Count, 1);
}

/** Flushes what this invocation recorded; silent when it recorded nothing. */
export function publishMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}

export { MetricUnit };
