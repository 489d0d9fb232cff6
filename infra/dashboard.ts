import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard/index.js';
import type { Construct } from 'constructs';
import { DASHBOARD_NAME, METRICS_NAMESPACE } from './names.js';

/**
 * The worker's metrics (Powertools EMF) and the dimensions each is published with:
 * Powertools adds `service` to every metric. A search expression matches exactly these
 * dimension sets, so keep this table in step with the worker's `addDimension` calls.
 */
export const WORKER_METRICS = {
  ImagesMirrored: ['service'],
  MirrorFailures: ['class', 'service'],
  BytesCopied: ['service'],
  BlobsCopied: ['service'],
  BlobsSkipped: ['service'],
  MirrorDurationMs: ['service'],
  WebhooksRejected: ['reason', 'service'],
  // Signatures, attestations, SBOMs and VEX copied with the images (lambda/registry/referrer-copy.ts).
  ReferrersCopied: ['service'],
  ReferrersRefused: ['service'],
  // Each registry request retried inside a copy (lambda/mirror/retry-report.ts).
  RegistryRetries: ['registry', 'service'],
  // The reconcile (lambda/reconcile/) and base-policy propagation (lambda/ecr/propagate-policies.ts).
  ReconcileTagsChecked: ['service'],
  ReconcileTagsQueued: ['service'],
  ReconcileErrors: ['service'],
  PolicyDrift: ['service'],
} as const satisfies Record<string, readonly string[]>;
type WorkerMetric = keyof typeof WORKER_METRICS;

/** Metric widgets use 5-minute points: SQS publishes no finer, and it keeps a week readable. */
const PERIOD = 300;
/** One row of alarm states; graphs start beneath it. */
const ALARM_ROW_HEIGHT = 3;

export interface DashboardTargets {
  readonly region: string;
  readonly functionName: string;
  readonly queueName: string;
  readonly deadLetterQueueName: string;
  /** Shown by state in the dashboard's top row. */
  readonly alarmArns: readonly string[];
}

export function mirrorDashboard(scope: Construct, targets: DashboardTargets): CloudwatchDashboard {
  // An empty label shows each series by its dimension values (e.g. the failure class).
  const search = (metric: WorkerMetric, stat: string, id: string, label = id) => {
    const schema = [METRICS_NAMESPACE, ...WORKER_METRICS[metric]].join(',');
    return { expression: `SEARCH('{${schema}} MetricName="${metric}"', '${stat}', ${PERIOD})`, id, label };
  };
  const lambda = (metric: string, stat: string, label: string) => ['AWS/Lambda', metric, 'FunctionName', targets.functionName, { stat, label }];
  const sqs = (queue: string, metric: string, label: string, extra: object = {}) => ['AWS/SQS', metric, 'QueueName', queue, { stat: 'Maximum', label, ...extra }];

  // Two graphs per row, each half the 24-column grid, below one full-width row of alarm states.
  const graphs = [
    graph('Images mirrored and failures (by class)', [[search('ImagesMirrored', 'Sum', 'mirrored')], [search('MirrorFailures', 'Sum', 'failures', '')]]),
    graph('Queue depth', [
      sqs(targets.queueName, 'ApproximateNumberOfMessagesVisible', 'waiting'),
      sqs(targets.queueName, 'ApproximateNumberOfMessagesNotVisible', 'in progress'),
      sqs(targets.deadLetterQueueName, 'ApproximateNumberOfMessagesVisible', 'dead-letter queue'),
      sqs(targets.queueName, 'ApproximateAgeOfOldestMessage', 'oldest waiting (s)', { yAxis: 'right' }),
    ]),
    graph('Bytes copied', [[search('BytesCopied', 'Sum', 'bytes')]]),
    graph('Blobs copied and skipped', [[search('BlobsCopied', 'Sum', 'copied')], [search('BlobsSkipped', 'Sum', 'skipped')]]),
    // What Root was answered: 5xx is what the webhook alarm watches; the rejections explain the 4xx.
    graph('Webhook responses (Function URL)', [
      lambda('UrlRequestCount', 'Sum', 'requests'),
      lambda('Url4xxCount', 'Sum', '4xx'),
      lambda('Url5xxCount', 'Sum', '5xx'),
    ]),
    graph('Webhooks rejected (by reason)', [[search('WebhooksRejected', 'Sum', 'rejected', '')]]),
    graph('Function invocations', [
      lambda('Invocations', 'Sum', 'invocations'),
      lambda('Errors', 'Sum', 'errors'),
      lambda('Throttles', 'Sum', 'throttles'),
      lambda('ConcurrentExecutions', 'Maximum', 'concurrency'),
    ]),
    graph('Function duration (ms)', [lambda('Duration', 'p50', 'p50'), lambda('Duration', 'p99', 'p99'), lambda('Duration', 'Maximum', 'max')]),
    // A reconcile in step checks every tag and queues none; drift counts policies changed by hand on mirrored repositories.
    graph('Reconcile: tags checked and queued; errors and policy drift', [
      [search('ReconcileTagsChecked', 'Sum', 'tags checked')],
      [search('ReconcileTagsQueued', 'Sum', 'tags queued')],
      [{ ...search('ReconcileErrors', 'Sum', 'reconcile errors'), yAxis: 'right' }],
      [{ ...search('PolicyDrift', 'Sum', 'policy drift'), yAxis: 'right' }],
    ]),
    // Refused: a referrer the destination would not take (the image is mirrored without it; the log says why).
    graph('Referrers copied and refused', [[search('ReferrersCopied', 'Sum', 'copied')], [search('ReferrersRefused', 'Sum', 'refused')]]),
    // Retries that end well never reach the failures graph: a rising line here is a registry struggling.
    graph('Registry requests retried (by registry)', [[search('RegistryRetries', 'Sum', 'retries', '')]]),
    graph('Mirror duration (ms)', [[search('MirrorDurationMs', 'p50', 'p50')], [search('MirrorDurationMs', 'p99', 'p99')], [search('MirrorDurationMs', 'Maximum', 'max')]]),
  ].map((properties, index) => ({
    type: 'metric',
    x: (index % 2) * 12,
    y: ALARM_ROW_HEIGHT + Math.floor(index / 2) * 6,
    width: 12,
    height: 6,
    properties: { ...properties, region: targets.region, view: 'timeSeries', stacked: false, period: PERIOD },
  }));
  const alarms = { type: 'alarm', x: 0, y: 0, width: 24, height: ALARM_ROW_HEIGHT, properties: { title: 'Alarms', alarms: [...targets.alarmArns] } };
  const widgets = [alarms, ...graphs];

  return new CloudwatchDashboard(scope, 'dashboard', { dashboardName: DASHBOARD_NAME, dashboardBody: JSON.stringify({ widgets }) });
}

function graph(title: string, metrics: unknown[]): { title: string; metrics: unknown[] } {
  return { title, metrics };
}
