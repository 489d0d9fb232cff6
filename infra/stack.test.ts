import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { resource, resourcesOf, synthesized } from '../test/infra/test-support.js';

const has = (type: string, properties: Record<string, unknown>) => Testing.toHaveResourceWithProperties(synthesized().json, type, properties);

describe('synthesized stack', () => {
  it('targets the Terraform and AWS provider versions the README states, with state outside cdktf.out', () => {
    const { terraform } = synthesized().config;
    expect(terraform).toMatchObject({
      required_version: '>= 1.5.0',
      required_providers: { aws: { source: 'hashicorp/aws', version: '>= 6.29.0, < 7.0.0' } },
      backend: { local: { path: '../../../terraform.tfstate' } },
    });
    expect(synthesized().config.provider.aws?.[0]).toMatchObject({ region: '${var.aws_region}', default_tags: [{ tags: '${var.tags}' }] });
  });

  it('creates the base ECR repository from the variables, scanning on push', () => {
    expect(
      has('aws_ecr_repository', {
        name: '${var.dst_repo}',
        image_tag_mutability: '${var.image_tag_mutability}',
        image_scanning_configuration: { scan_on_push: true },
        force_delete: false,
      }),
    ).toBe(true);
  });

  it('deploys the zip as a Node.js 24 (nodejs24.x) arm64 function whose code hash is the zip content hash', () => {
    const { bundle } = synthesized();
    expect(resource('aws_lambda_function', 'function')).toMatchObject({
      function_name: 'root-ecr-mirror',
      runtime: 'nodejs24.x',
      architectures: ['arm64'],
      handler: 'index.handler',
      filename: `assets/lambda_bundle/${bundle.sha256Hex}/lambda.zip`,
      source_code_hash: bundle.sha256Base64,
      memory_size: '${var.lambda_memory_mb}',
      timeout: '${var.lambda_timeout_s}',
      reserved_concurrent_executions: '${var.lambda_reserved_concurrency}', // -1 by default: nothing reserved
      role: '${aws_iam_role.function_role.arn}',
      logging_config: { log_group: '${aws_cloudwatch_log_group.function_logs.name}' },
    });
  });

  it('gives the function its own log group, with the retention variable', () => {
    expect(resource('aws_cloudwatch_log_group', 'function_logs')).toMatchObject({
      name: '/aws/lambda/root-ecr-mirror',
      retention_in_days: '${var.log_retention_days}',
    });
  });

  it('serves a public Function URL with exactly the two permissions AWS requires, each conditioned on the URL', () => {
    expect(has('aws_lambda_function_url', { function_name: '${aws_lambda_function.function.function_name}', authorization_type: 'NONE' })).toBe(true);
    // The third statement is the reconcile schedule's, for EventBridge only (reconcile.test.ts).
    const permissions = Object.values(resourcesOf('aws_lambda_permission')).filter((p) => p.principal !== 'events.amazonaws.com');
    expect(permissions).toHaveLength(2);
    expect(permissions).toContainEqual(
      expect.objectContaining({ action: 'lambda:InvokeFunctionUrl', principal: '*', function_url_auth_type: 'NONE' }),
    );
    // Without invoked_via_function_url, principal "*" could Invoke the function directly with any event.
    expect(permissions).toContainEqual(expect.objectContaining({ action: 'lambda:InvokeFunction', principal: '*', invoked_via_function_url: true }));
  });

  it('queues jobs on a FIFO queue whose dead-letter queue keeps failures 14 days', () => {
    const queue = resource('aws_sqs_queue', 'queue');
    const dlq = resource('aws_sqs_queue', 'dead_letter_queue');
    expect(queue).toMatchObject({ fifo_queue: true, content_based_deduplication: false, sqs_managed_sse_enabled: true });
    expect(dlq).toMatchObject({ fifo_queue: true, message_retention_seconds: 14 * 24 * 3600 });
    expect(JSON.parse(String(queue.redrive_policy))).toEqual({ deadLetterTargetArn: '${aws_sqs_queue.dead_letter_queue.arn}', maxReceiveCount: 8 });
  });

  it('sets the visibility timeout to 6 × the function timeout, within the SQS maximum', () => {
    expect(resource('aws_sqs_queue', 'queue').visibility_timeout_seconds).toBe('${(var.lambda_timeout_s * 6)}');
    // The variable's own validation caps the timeout, so 6 × it cannot exceed 43,200 s.
    const condition = String((synthesized().config.variable.lambda_timeout_s?.validation as { condition: string }[])[0]?.condition);
    const max = Number(/var\.lambda_timeout_s <= (\d+)/.exec(condition)?.[1]);
    expect(max * 6).toBeLessThanOrEqual(43_200);
  });

  it('feeds the queue to the function with partial batch failures, a bounded batch and bounded concurrency', () => {
    const mapping = resource('aws_lambda_event_source_mapping', 'queue_trigger');
    expect(mapping).toMatchObject({
      event_source_arn: '${aws_sqs_queue.queue.arn}',
      function_name: '${aws_lambda_function.function.arn}',
      function_response_types: ['ReportBatchItemFailures'],
      depends_on: ['aws_iam_role_policy.function_policy'],
    });
    expect(mapping.batch_size).toBeGreaterThanOrEqual(1);
    expect(mapping.batch_size).toBeLessThanOrEqual(10); // the FIFO maximum
    const concurrency = (mapping.scaling_config as { maximum_concurrency: number }).maximum_concurrency;
    expect(concurrency).toBeGreaterThanOrEqual(2); // Lambda's minimum for maximum_concurrency
  });

  it('keeps both secrets in Secrets Manager, with a version only for a non-empty variable, never overwritten later', () => {
    const cases = [
      { secret: 'webhook_secret', variable: 'webhook_signing_secret' },
      { secret: 'root_api_key_secret', variable: 'root_api_key' },
    ];
    for (const { secret, variable } of cases) {
      expect(resource('aws_secretsmanager_secret', secret)).toMatchObject({ recovery_window_in_days: 0 });
      expect(resource('aws_secretsmanager_secret_version', `${secret}_value`)).toMatchObject({
        count: `\${var.${variable} == "" ? 0 : 1}`,
        secret_id: `\${aws_secretsmanager_secret.${secret}.id}`,
        secret_string: `\${var.${variable}}`,
        lifecycle: { ignore_changes: ['secret_string'] },
      });
    }
  });

  it('alarms on a non-empty dead-letter queue and on function errors, e-mailing only when alarm_email is set', () => {
    const alarm = { comparison_operator: 'GreaterThanThreshold', threshold: 0, alarm_actions: ['${aws_sns_topic.alarm_topic.arn}'] };
    expect(resource('aws_cloudwatch_metric_alarm', 'dlq_not_empty')).toMatchObject({
      ...alarm,
      namespace: 'AWS/SQS',
      metric_name: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: '${aws_sqs_queue.dead_letter_queue.name}' },
    });
    expect(resource('aws_cloudwatch_metric_alarm', 'function_errors')).toMatchObject({
      ...alarm,
      namespace: 'AWS/Lambda',
      metric_name: 'Errors',
      dimensions: { FunctionName: '${aws_lambda_function.function.function_name}' },
    });
    expect(resource('aws_sns_topic_subscription', 'alarm_email_subscription')).toMatchObject({
      count: '${var.alarm_email == "" ? 0 : 1}',
      protocol: 'email',
      endpoint: '${var.alarm_email}',
    });
  });

  it('alarms on any 5xx the webhook endpoint answers, which the intake returns without a function error', () => {
    expect(resource('aws_cloudwatch_metric_alarm', 'webhook_server_errors')).toMatchObject({
      namespace: 'AWS/Lambda',
      metric_name: 'Url5xxCount',
      dimensions: { FunctionName: '${aws_lambda_function.function.function_name}' },
      statistic: 'Sum',
      comparison_operator: 'GreaterThanThreshold',
      threshold: 0,
      period: 300,
      evaluation_periods: 1,
      // The Function URL publishes nothing for a period without requests.
      treat_missing_data: 'notBreaching',
      alarm_description: expect.stringContaining('503'),
    });
    // Every alarm notifies, and clears on, the one topic the e-mail subscription listens to.
    const alarms = Object.values(resourcesOf('aws_cloudwatch_metric_alarm'));
    expect(alarms).toHaveLength(3);
    for (const alarm of alarms) {
      expect(alarm, String(alarm.alarm_name)).toMatchObject({ alarm_actions: ['${aws_sns_topic.alarm_topic.arn}'], ok_actions: ['${aws_sns_topic.alarm_topic.arn}'] });
    }
  });

  it('charts every worker metric and both queue depths on the dashboard', () => {
    const body = String(resource('aws_cloudwatch_dashboard', 'dashboard').dashboard_body);
    const widgets = (JSON.parse(body) as { widgets: { properties: { metrics: unknown[] } }[] }).widgets;
    const charted = JSON.stringify(widgets.map((w) => w.properties.metrics));
    const metrics = ['ImagesMirrored', 'MirrorFailures', 'BytesCopied', 'BlobsCopied', 'BlobsSkipped', 'MirrorDurationMs', 'WebhooksRejected', 'RegistryRetries'];
    for (const metric of [...metrics, 'ReconcileTagsChecked', 'ReconcileTagsQueued', 'ReconcileErrors', 'PolicyDrift', 'ReferrersCopied', 'ReferrersRefused']) {
      expect(charted).toContain(`{RootEcrMirror,`);
      expect(charted).toContain(`MetricName=\\"${metric}\\"`);
    }
    expect(charted).toContain('["AWS/SQS","ApproximateNumberOfMessagesVisible","QueueName","${aws_sqs_queue.queue.name}"');
    expect(charted).toContain('["AWS/SQS","ApproximateNumberOfMessagesVisible","QueueName","${aws_sqs_queue.dead_letter_queue.name}"');
  });

  it('charts the reconcile in one widget: tags checked and queued, errors and policy drift on their own axis', () => {
    const body = String(resource('aws_cloudwatch_dashboard', 'dashboard').dashboard_body);
    type Widget = { properties: { title?: string; metrics?: { expression: string; label: string; yAxis?: string }[][] } };
    const widget = (JSON.parse(body) as { widgets: Widget[] }).widgets.find((w) => w.properties.title?.startsWith('Reconcile'));
    const series = (widget?.properties.metrics ?? []).map(([m]) => m);
    expect(series.map((m) => m?.label)).toEqual(['tags checked', 'tags queued', 'reconcile errors', 'policy drift']);
    expect(series[0]?.expression).toBe(`SEARCH('{RootEcrMirror,service} MetricName="ReconcileTagsChecked"', 'Sum', 300)`);
    expect(series[3]).toMatchObject({ expression: `SEARCH('{RootEcrMirror,service} MetricName="PolicyDrift"', 'Sum', 300)`, yAxis: 'right' });
  });

  it('shows the state of every alarm and charts the webhook 5xx the alarm watches', () => {
    const body = String(resource('aws_cloudwatch_dashboard', 'dashboard').dashboard_body);
    const widgets = (JSON.parse(body) as { widgets: { type: string; properties: { alarms?: string[]; metrics?: unknown[] } }[] }).widgets;
    const shown = widgets.filter((w) => w.type === 'alarm').flatMap((w) => w.properties.alarms ?? []);
    const declared = Object.keys(resourcesOf('aws_cloudwatch_metric_alarm')).map((name) => `\${aws_cloudwatch_metric_alarm.${name}.arn}`);
    expect(shown.sort()).toEqual(declared.sort());
    expect(JSON.stringify(widgets.map((w) => w.properties.metrics))).toContain('["AWS/Lambda","Url5xxCount","FunctionName","${aws_lambda_function.function.function_name}"');
  });

  it('lays the dashboard out on the 24-column grid without overlapping widgets', () => {
    type Placed = { x: number; y: number; width: number; height: number };
    const body = String(resource('aws_cloudwatch_dashboard', 'dashboard').dashboard_body);
    const widgets = (JSON.parse(body) as { widgets: Placed[] }).widgets;
    const cells = new Set<string>();
    for (const w of widgets) {
      expect(w.x + w.width).toBeLessThanOrEqual(24);
      for (let x = w.x; x < w.x + w.width; x++) {
        for (let y = w.y; y < w.y + w.height; y++) {
          expect(cells.has(`${x},${y}`), `${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  it('outputs what the deploy walkthrough uses', () => {
    expect(synthesized().config.output).toMatchObject({
      webhook_url: { value: '${aws_lambda_function_url.function_url.function_url}' },
      ecr_repository_url: { value: '${aws_ecr_repository.base_repository.repository_url}' },
      queue_url: { value: '${aws_sqs_queue.queue.url}' },
      dlq_url: { value: '${aws_sqs_queue.dead_letter_queue.url}' },
      dashboard_url: { value: expect.stringContaining('#dashboards/dashboard/${aws_cloudwatch_dashboard.dashboard.dashboard_name}') },
    });
  });

  it('references only variables, resources and data sources it declares', () => {
    const { config, json } = synthesized();
    for (const [, kind, name] of json.matchAll(/\$\{[^}]*?\b(var|aws_\w+|data\.aws_\w+)\.(\w+)/g)) {
      if (kind === 'var') expect(config.variable, `var.${name}`).toHaveProperty([name ?? '']);
      else if (kind?.startsWith('data.')) expect(config.data[kind.slice(5)], `${kind}.${name}`).toHaveProperty([name ?? '']);
      else expect(config.resource[kind ?? ''], `${kind}.${name}`).toHaveProperty([name ?? '']);
    }
  });
});
