import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic/index.js';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription/index.js';
import { Token } from 'cdktf';
import type { Construct } from 'constructs';
import { hcl } from './hcl.js';
import { ALARM_TOPIC_NAME } from './names.js';

/**
 * SQS publishes its metrics every 5 minutes; a shorter period would see gaps. For the webhook
 * alarm 5 minutes is prompt enough too: Root retries a failed delivery for hours.
 */
const PERIOD_SECONDS = 300;

export interface AlarmTargets {
  readonly functionName: string;
  readonly deadLetterQueueName: string;
}

export interface MirrorAlarms {
  readonly topic: SnsTopic;
  /** Every alarm, all notifying `topic`: the dashboard shows their state. */
  readonly alarms: readonly CloudwatchMetricAlarm[];
}

/**
 * Alarms for the things an operator must act on: an image that could not be mirrored
 * (a message in the dead-letter queue), the function failing, and webhooks the intake
 * answered with a 5xx (Root's deliveries failing, which no function error reveals).
 */
export function mirrorAlarms(scope: Construct, watched: AlarmTargets): MirrorAlarms {
  // Not encrypted with the AWS-managed SNS key: CloudWatch alarms cannot publish to a topic using it.
  const topic = new SnsTopic(scope, 'alarm_topic', { name: ALARM_TOPIC_NAME });
  new SnsTopicSubscription(scope, 'alarm_email_subscription', {
    count: Token.asNumber(hcl('var.alarm_email == "" ? 0 : 1')),
    topicArn: topic.arn,
    protocol: 'email',
    endpoint: hcl('var.alarm_email'),
  });

  const common = {
    period: PERIOD_SECONDS,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    // No data means nothing happened, e.g. a function that was not invoked.
    treatMissingData: 'notBreaching',
    alarmActions: [topic.arn],
    okActions: [topic.arn],
  };
  const deadLetters = new CloudwatchMetricAlarm(scope, 'dlq_not_empty', {
    ...common,
    alarmName: 'root-ecr-mirror-dead-letter-queue-not-empty',
    alarmDescription: 'An image could not be mirrored. Read the message for the reason, fix it, then redrive (README: Troubleshooting).',
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: watched.deadLetterQueueName },
    statistic: 'Maximum',
  });
  const errors = new CloudwatchMetricAlarm(scope, 'function_errors', {
    ...common,
    alarmName: 'root-ecr-mirror-function-errors',
    alarmDescription: 'The mirror function failed (crash, timeout or unhandled error). Its log group says why.',
    namespace: 'AWS/Lambda',
    metricName: 'Errors',
    dimensions: { FunctionName: watched.functionName },
    statistic: 'Sum',
  });
  // The intake answers 500/503 itself (queue or Secrets Manager unreachable, broken configuration,
  // no webhook secret yet): a successful invocation, invisible to Errors. The Function URL counts them.
  // 503 is included on purpose: before the secret is put it is expected (and clears once it is),
  // but after that it means every webhook is being refused.
  const webhookServerErrors = new CloudwatchMetricAlarm(scope, 'webhook_server_errors', {
    ...common,
    alarmName: 'root-ecr-mirror-webhook-server-errors',
    alarmDescription:
      'The webhook endpoint answered Root with a 5xx, so Root must retry and gives up after its retry schedule. ' +
      '503 = no webhook signing secret stored (expected until the secret is put, deploy walkthrough step 5); ' +
      '500 = SQS or Secrets Manager unreachable or the function misconfigured; other 5xx = the function crashed or timed out. ' +
      'The log group says which (README: Troubleshooting).',
    namespace: 'AWS/Lambda',
    metricName: 'Url5xxCount',
    dimensions: { FunctionName: watched.functionName },
    statistic: 'Sum',
  });
  return { topic, alarms: [deadLetters, errors, webhookServerErrors] };
}
