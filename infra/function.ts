import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { LambdaEventSourceMapping } from '@cdktf/provider-aws/lib/lambda-event-source-mapping/index.js';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function/index.js';
import { LambdaFunctionUrl } from '@cdktf/provider-aws/lib/lambda-function-url/index.js';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission/index.js';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue/index.js';
import { AssetType, TerraformAsset } from 'cdktf';
import type { Construct } from 'constructs';
import { HANDLER, type LambdaBundle } from './bundle.js';
import type { FunctionRole } from './iam.js';
import { BATCH_SIZE, MAX_CONCURRENCY } from './limits.js';
import { FUNCTION_NAME, LOG_GROUP_NAME } from './names.js';
import type { Variables } from './variables.js';

/** Supported to 30 Apr 2028 (nodejs22.x is deprecated on 30 Apr 2027); scripts/build.ts bundles for it. */
export const LAMBDA_RUNTIME = 'nodejs24.x';

export function functionLogGroup(scope: Construct, vars: Variables): CloudwatchLogGroup {
  // Created before the function, so Lambda never creates it itself without a retention.
  return new CloudwatchLogGroup(scope, 'function_logs', { name: LOG_GROUP_NAME, retentionInDays: vars.logRetentionDays.numberValue });
}

export interface MirrorFunctionProps {
  readonly bundle: LambdaBundle;
  readonly access: FunctionRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly environment: Record<string, string>;
  readonly vars: Variables;
}

export function mirrorFunction(scope: Construct, props: MirrorFunctionProps): LambdaFunction {
  // Copies the zip into the synthesized directory, under a folder named by its hash.
  const code = new TerraformAsset(scope, 'lambda_bundle', { path: props.bundle.zipPath, type: AssetType.FILE, assetHash: props.bundle.sha256Hex });
  return new LambdaFunction(scope, 'function', {
    functionName: FUNCTION_NAME,
    description: 'Receives Root webhooks (Function URL) and mirrors the images they announce into ECR (SQS).',
    role: props.access.role.arn,
    runtime: LAMBDA_RUNTIME,
    architectures: ['arm64'],
    handler: HANDLER,
    filename: code.path,
    sourceCodeHash: props.bundle.sha256Base64,
    memorySize: props.vars.lambdaMemoryMb.numberValue,
    timeout: props.vars.lambdaTimeoutS.numberValue,
    // -1 (the default) reserves nothing; the variable's validation keeps room for the queue trigger's copies.
    reservedConcurrentExecutions: props.vars.lambdaReservedConcurrency.numberValue,
    environment: { variables: props.environment },
    loggingConfig: { logFormat: 'Text', logGroup: props.logGroup.name },
    // The first webhook after an apply must find the permissions in place.
    dependsOn: [props.access.policy],
  });
}

/** The public webhook endpoint. AuthType NONE: Root's signature is the authentication, checked by the function. */
export function webhookUrl(scope: Construct, fn: LambdaFunction): LambdaFunctionUrl {
  // Since October 2025 a public Function URL needs both statements. Statement ids differ from the
  // ones some provider versions add on their own when creating the URL, so neither create conflicts.
  new LambdaPermission(scope, 'function_url_public_access', {
    statementId: 'RootWebhookInvokeFunctionUrl',
    action: 'lambda:InvokeFunctionUrl',
    functionName: fn.functionName,
    principal: '*',
    functionUrlAuthType: 'NONE',
  });
  const invoke = new LambdaPermission(scope, 'function_url_invoke', {
    statementId: 'RootWebhookInvokeViaFunctionUrl',
    action: 'lambda:InvokeFunction',
    functionName: fn.functionName,
    principal: '*',
  });
  // Without this condition the statement would let anyone Invoke the function directly, e.g. with a
  // forged SQS event. The argument exists from AWS provider 6.29 (the bindings are 6.25), hence the
  // override and the provider constraint set in stack.ts.
  invoke.addOverride('invoked_via_function_url', true);

  return new LambdaFunctionUrl(scope, 'function_url', { functionName: fn.functionName, authorizationType: 'NONE', invokeMode: 'BUFFERED' });
}

export function queueTrigger(scope: Construct, fn: LambdaFunction, queue: SqsQueue, access: FunctionRole): LambdaEventSourceMapping {
  return new LambdaEventSourceMapping(scope, 'queue_trigger', {
    eventSourceArn: queue.arn,
    functionName: fn.arn,
    batchSize: BATCH_SIZE,
    // The worker returns only the failed records; the others are deleted.
    functionResponseTypes: ['ReportBatchItemFailures'],
    scalingConfig: { maximumConcurrency: MAX_CONCURRENCY },
    // Lambda checks the role's SQS permissions when the mapping is created.
    dependsOn: [access.policy],
  });
}
