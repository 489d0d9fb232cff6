import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic/index.js';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription/index.js';
import { Token } from 'cdktf';
import type { Construct } from 'constructs';
import { hcl } from './hcl.js';
import { ALARM_TOPIC_NAME } from './names.js';

/** SQS publishes its metrics every 5 minutes; a shorter period would see gaps. */
const PERIOD_SECONDS = 300;

/**
 * Alarms for the two things an operator must act on: an image that could not be
 * mirrored (a message in the dead-letter queue) and the function failing.
 */
export function mirrorAlarms(scope: Construct, watched: { readonly functionName: string; readonly deadLetterQueueName: string }): SnsTopic {
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
  new CloudwatchMetricAlarm(scope, 'dlq_not_empty', {
    ...common,
    alarmName: 'root-ecr-mirror-dead-letter-queue-not-empty',
    alarmDescription: 'An image could not be mirrored. Read the message for the reason, fix it, then redrive (README: Troubleshooting).',
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: watched.deadLetterQueueName },
    statistic: 'Maximum',
  });
  new CloudwatchMetricAlarm(scope, 'function_errors', {
    ...common,
    alarmName: 'root-ecr-mirror-function-errors',
    alarmDescription: 'The mirror function failed (crash, timeout or unhandled error). Its log group says why.',
    namespace: 'AWS/Lambda',
    metricName: 'Errors',
    dimensions: { FunctionName: watched.functionName },
    statistic: 'Sum',
  });
  return topic;
}
