import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository/index.js';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { Fn, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { mirrorAlarms } from './alarms.js';
import { addStateBackend, S3_BACKEND_TERRAFORM_VERSION, type StateBackend } from './backend.js';
import type { LambdaBundle } from './bundle.js';
import { mirrorDashboard } from './dashboard.js';
import { functionEnvironment } from './environment.js';
import { functionLogGroup, mirrorFunction, queueTrigger, webhookUrl } from './function.js';
import { functionRole } from './iam.js';
import { STATE_PATH } from './names.js';
import { mirrorOutputs } from './outputs.js';
import { mirrorQueues } from './queue.js';
import { applyTimeReconcile, reconcileSchedule } from './reconcile.js';
import { mirrorSecrets } from './secrets.js';
import { defineVariables } from './variables.js';

/** Versions the synthesized configuration targets (stated in the README). */
export const TERRAFORM_VERSION = '>= 1.5.0';
/**
 * 6.29 added `invoked_via_function_url`, which the Function URL's second permission needs; the
 * runtime `nodejs24.x` is accepted from 6.19 (provider CHANGELOG, hashicorp/terraform-provider-aws#45024).
 */
export const AWS_PROVIDER_VERSION = '>= 6.29.0, < 7.0.0';

export interface MirrorStackProps {
  readonly bundle: LambdaBundle;
  /** Where the state lives; local (at the repository root) unless given. */
  readonly backend?: StateBackend;
}

/** Everything `terraform apply` creates; the README draws it. */
export class MirrorStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: MirrorStackProps) {
    super(scope, id);
    // Local state by default, at a relative path, so the synthesized JSON is the same on every machine.
    const backend = props.backend ?? { kind: 'local', path: STATE_PATH };
    addStateBackend(this, backend);
    this.addOverride('terraform.required_version', backend.kind === 's3' ? S3_BACKEND_TERRAFORM_VERSION : TERRAFORM_VERSION);
    this.addOverride('terraform.required_providers.aws.source', 'hashicorp/aws');
    this.addOverride('terraform.required_providers.aws.version', AWS_PROVIDER_VERSION);

    const vars = defineVariables(this);
    const region = vars.awsRegion.stringValue;
    new AwsProvider(this, 'aws', { region, defaultTags: [{ tags: vars.tags.value }] });

    const repository = new EcrRepository(this, 'base_repository', {
      name: vars.dstRepo.stringValue,
      imageTagMutability: vars.imageTagMutability.stringValue,
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: 'AES256' }],
      // Never delete images on destroy: a non-empty repository stops `terraform destroy` instead.
      forceDelete: false,
    });
    const secrets = mirrorSecrets(this);
    const { queue, deadLetterQueue } = mirrorQueues(this, vars);
    const logGroup = functionLogGroup(this, vars);
    const access = functionRole(this, {
      repositoryArn: repository.arn,
      secretArns: [secrets.webhookSecret.arn, secrets.rootApiKey.arn],
      queueArn: queue.arn,
      deadLetterQueueArn: deadLetterQueue.arn,
      logGroupArn: logGroup.arn,
    });

    const environment = functionEnvironment({
      webhookSecretArn: secrets.webhookSecret.arn,
      rootApiKeyArn: secrets.rootApiKey.arn,
      rootRegistryHost: vars.rootRegistryHost.stringValue,
      rootRegistryUsername: vars.rootRegistryUsername.stringValue,
      dstRepo: repository.name,
      allowedRepos: vars.allowedRepos.listValue,
      queueUrl: queue.url,
      deadLetterQueueUrl: deadLetterQueue.url,
      logLevel: vars.logLevel.stringValue,
      copyReferrers: Fn.tostring(vars.copyReferrers.booleanValue),
      propagateBasePolicies: Fn.tostring(vars.propagateBasePolicies.booleanValue),
    });
    const fn = mirrorFunction(this, { bundle: props.bundle, access, logGroup, environment, vars });
    const url = webhookUrl(this, fn);
    const trigger = queueTrigger(this, fn, queue, access);
    reconcileSchedule(this, fn);
    const applyReconcile = applyTimeReconcile(this, fn, [access.policy, trigger, ...secrets.versions]);

    const { alarms } = mirrorAlarms(this, { functionName: fn.functionName, deadLetterQueueName: deadLetterQueue.name });
    const dashboard = mirrorDashboard(this, {
      region,
      functionName: fn.functionName,
      queueName: queue.name,
      deadLetterQueueName: deadLetterQueue.name,
      alarmArns: alarms.map((alarm) => alarm.arn),
    });

    mirrorOutputs(this, {
      webhookUrl: url.functionUrl,
      ecrRepositoryUrl: repository.repositoryUrl,
      queueUrl: queue.url,
      deadLetterQueueUrl: deadLetterQueue.url,
      dashboardUrl: `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${dashboard.dashboardName}`,
      webhookSecretArn: secrets.webhookSecret.arn,
      rootApiKeySecretArn: secrets.rootApiKey.arn,
      logGroupName: logGroup.name,
      applyReconcileSummary: applyReconcile.result,
    });
  }
}
