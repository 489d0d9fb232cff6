import { Fn } from 'cdktf';
import { ENV, type EnvName } from '../lambda/config/env-names.js';
import { METRICS_NAMESPACE, SERVICE_NAME } from './names.js';

/**
 * Variables the config loader reads that the deployed function must NOT get:
 * the plain secrets (the function reads them by ARN from Secrets Manager) and the
 * non-ECR destination registry, which exists for local `serve` runs.
 */
export const LOCAL_ONLY_ENV = [ENV.webhookSecret, ENV.rootApiKey, ENV.dstRegistry] as const;
type LocalOnly = (typeof LOCAL_ONLY_ENV)[number];

/** Powertools reads these itself; they are not part of the loader's config. */
export const POWERTOOLS_ENV = ['POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE'] as const;
type PowertoolsName = (typeof POWERTOOLS_ENV)[number];

export interface EnvironmentInputs {
  readonly webhookSecretArn: string;
  readonly rootApiKeyArn: string;
  readonly rootRegistryHost: string;
  readonly rootRegistryUsername: string;
  readonly dstRepo: string;
  readonly allowedRepos: string[];
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly logLevel: string;
  readonly copyReferrers: string;
  /** `true` or `false`, as Terraform renders the bool variable. */
  readonly propagateBasePolicies: string;
}

/**
 * The function's environment. The record type makes the compiler demand a value for
 * every name in ENV except the local-only ones: a name added to the loader cannot be
 * forgotten here.
 */
export function functionEnvironment(inputs: EnvironmentInputs): Record<Exclude<EnvName, LocalOnly> | PowertoolsName, string> {
  return {
    [ENV.webhookSecretArn]: inputs.webhookSecretArn,
    [ENV.rootApiKeyArn]: inputs.rootApiKeyArn,
    [ENV.rootRegistryHost]: inputs.rootRegistryHost,
    [ENV.rootRegistryUsername]: inputs.rootRegistryUsername,
    [ENV.dstRepo]: inputs.dstRepo,
    // A plain string in the environment, so editing allowed_repos only updates the function's configuration.
    [ENV.allowedRepos]: Fn.join(',', inputs.allowedRepos),
    [ENV.queueUrl]: inputs.queueUrl,
    [ENV.dlqUrl]: inputs.deadLetterQueueUrl,
    [ENV.copyReferrers]: inputs.copyReferrers,
    [ENV.propagateBasePolicies]: inputs.propagateBasePolicies,
    POWERTOOLS_LOG_LEVEL: inputs.logLevel,
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
  };
}
