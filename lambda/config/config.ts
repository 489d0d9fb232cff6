import { isValidRegistryHost, isValidRepository } from '../registry/reference.js';
import { ecrRepositoryNameProblem } from '../ecr/repository-name.js';
import { parseAllowedRepos, type AllowedRepos } from '../webhook/allowed-repos.js';
import { webhookSecretProblem } from '../webhook/secret-strength.js';
import { ENV } from './env-names.js';
import { ConfigError } from './errors.js';
import { splitSecrets } from './split-secrets.js';
import { LOG_LEVEL_VARIABLE, logLevelProblem } from './log-level.js';
import { registerSecret } from '../redact.js';

/** Where a secret comes from: a value in the environment (local use) or a Secrets Manager ARN. */
export type SecretSource = { readonly kind: 'value'; readonly value: string } | { readonly kind: 'arn'; readonly arn: string };

export interface Config {
  /** Undefined when neither variable is set: every webhook is then answered 503. */
  readonly webhookSecret?: SecretSource;
  readonly rootApiKey?: SecretSource;
  readonly rootRegistryHost: string;
  readonly rootRegistryUsername: string;
  readonly dstRepo: string;
  /** Mirror into this OCI registry instead of the account's ECR. */
  readonly dstRegistry?: string;
  readonly allowedRepos: AllowedRepos;
  readonly queueUrl?: string;
  readonly dlqUrl?: string;
  /** Copy each image's signatures, attestations, SBOMs and other referrers with it (COPY_REFERRERS, default true). */
  readonly copyReferrers: boolean;
  /**
   * Bring mirrored repositories' policies up to the base repository's when they still hold
   * what we last copied (lambda/ecr/propagate-policies.ts). Default true; `false` turns it off.
   */
  readonly propagateBasePolicies: boolean;
}

export const DEFAULTS = {
  rootRegistryHost: 'cr.root.io',
  rootRegistryUsername: 'root',
  dstRepo: 'root-mirror',
} as const;

/** Reads and validates the environment once, reporting every problem at the same time. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const secret = (valueName: string, arnName: string): SecretSource | undefined => {
    const value = read(valueName);
    const arn = read(arnName);
    if (value && arn) problems.push(`set either ${valueName} or ${arnName}, not both`);
    // The value is never quoted: a secret pasted into the wrong variable would be logged at every start.
    if (arn && !/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/.test(arn)) {
      problems.push(`${arnName} is not a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>); its value is not shown`);
    }
    if (arn) return { kind: 'arn', arn };
    // Known from the start, so even a message about the configuration cannot echo it.
    for (const line of value?.split(/\r?\n/) ?? []) {
      registerSecret(line);
      if (line.trim().startsWith('whsec_')) registerSecret(line.trim().slice('whsec_'.length));
    }
    return value ? { kind: 'value', value } : undefined;
  };

  const rootRegistryHost = read(ENV.rootRegistryHost) ?? DEFAULTS.rootRegistryHost;
  if (!isValidRegistryHost(rootRegistryHost)) problems.push(`${ENV.rootRegistryHost} is not a registry host: "${rootRegistryHost}"`);
  const dstRepo = read(ENV.dstRepo) ?? DEFAULTS.dstRepo;
  const dstRepoProblem = isValidRepository(dstRepo) ? ecrRepositoryNameProblem(dstRepo) : 'not a valid repository name';
  if (dstRepoProblem) problems.push(`${ENV.dstRepo} "${dstRepo}": ${dstRepoProblem}`);
  const dstRegistry = read(ENV.dstRegistry);
  if (dstRegistry && !isValidRegistryHost(dstRegistry)) problems.push(`${ENV.dstRegistry} is not a registry host: "${dstRegistry}"`);
  const queueUrl = read(ENV.queueUrl);
  const dlqUrl = read(ENV.dlqUrl);
  for (const [name, url] of [[ENV.queueUrl, queueUrl], [ENV.dlqUrl, dlqUrl]] as const) {
    if (url && !isHttpUrl(url)) problems.push(`${name} is not a queue URL: "${url}"`);
  }
  let allowedRepos: AllowedRepos = parseAllowedRepos(undefined);
  try {
    allowedRepos = parseAllowedRepos(read(ENV.allowedRepos));
  } catch (error) {
    problems.push(`${ENV.allowedRepos}: ${(error as Error).message}`);
  }
  const copyReferrers = parseBoolean(read(ENV.copyReferrers), true);
  if (copyReferrers === undefined) problems.push(`${ENV.copyReferrers} must be true or false, not "${read(ENV.copyReferrers)}"`);
  const propagate = read(ENV.propagateBasePolicies)?.toLowerCase() ?? 'true';
  if (propagate !== 'true' && propagate !== 'false') problems.push(`${ENV.propagateBasePolicies} must be true or false, not "${propagate}"`);
  const webhookSecret = secret(ENV.webhookSecret, ENV.webhookSecretArn);
  if (webhookSecret?.kind === 'value') {
    for (const [index, line] of splitSecrets(webhookSecret.value).entries()) {
      const problem = webhookSecretProblem(line);
      if (problem) problems.push(`${ENV.webhookSecret}${index > 0 ? ` (line ${index + 1})` : ''} ${problem}`);
    }
  }
  const logLevel = logLevelProblem(env[LOG_LEVEL_VARIABLE]);
  if (logLevel) problems.push(logLevel);
  const rootApiKey = secret(ENV.rootApiKey, ENV.rootApiKeyArn);
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    ...(webhookSecret ? { webhookSecret } : {}),
    ...(rootApiKey ? { rootApiKey } : {}),
    rootRegistryHost,
    rootRegistryUsername: read(ENV.rootRegistryUsername) ?? DEFAULTS.rootRegistryUsername,
    dstRepo,
    ...(dstRegistry ? { dstRegistry } : {}),
    allowedRepos,
    ...(queueUrl ? { queueUrl } : {}),
    ...(dlqUrl ? { dlqUrl } : {}),
    copyReferrers: copyReferrers ?? true,
    propagateBasePolicies: propagate !== 'false',
  };
}

/** `true`/`false` (any case, also 1/0), the default when unset, undefined when it is neither. */
function parseBoolean(value: string | undefined, fallback: boolean): boolean | undefined {
  if (value === undefined) return fallback;
  const lower = value.toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  return undefined;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
