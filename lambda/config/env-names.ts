/**
 * Every environment variable the Lambda reads: the config loader reads these
 * names and the infrastructure stack sets them, so the two cannot drift apart.
 */
export const ENV = {
  webhookSecret: 'WEBHOOK_SECRET',
  webhookSecretArn: 'WEBHOOK_SECRET_ARN',
  rootApiKey: 'ROOT_API_KEY',
  rootApiKeyArn: 'ROOT_API_KEY_ARN',
  rootRegistryHost: 'ROOT_REGISTRY_HOST',
  rootRegistryUsername: 'ROOT_REGISTRY_USERNAME',
  dstRepo: 'DST_REPO',
  dstRegistry: 'DST_REGISTRY',
  allowedRepos: 'ALLOWED_REPOS',
  queueUrl: 'QUEUE_URL',
  dlqUrl: 'DLQ_URL',
  copyReferrers: 'COPY_REFERRERS',
  propagateBasePolicies: 'PROPAGATE_BASE_POLICIES',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];
