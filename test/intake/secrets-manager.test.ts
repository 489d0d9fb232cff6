// Secrets named by ARN through the real SDK (via Powertools) against the Secrets Manager stand-in.
import { describe, expect, it } from 'vitest';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretCache } from '../../lambda/config/secret-cache.js';
import { createFunctionUrlHandler } from '../../lambda/handlers/function-url.js';
import { parseAllowedRepos } from '../../lambda/webhook/allowed-repos.js';
import { withAwsStandIns } from '../aws/env.js';
import { ROOT_HOST, SECRET, signedRequest } from './signed-request.js';
import { captureOutput } from '../support/output.js';

// The function's JSON logs are captured, and printed only for a failed test.
captureOutput();

const aws = withAwsStandIns();

function handlerWith(cache: SecretCache) {
  return createFunctionUrlHandler({
    config: { rootRegistryHost: ROOT_HOST, dstRepo: 'root-mirror', allowedRepos: parseAllowedRepos('') },
    webhookSecret: cache,
    dispatch: { mode: 'queued', enqueue: async () => undefined },
  });
}

describe('webhook secret from Secrets Manager', () => {
  it('reads the secret once and serves later requests from the cache for five minutes', async () => {
    const arn = aws.secrets.seedSecret('root-ecr-mirror/webhook', SECRET);
    let clock = 0;
    const cache = new SecretCache({ kind: 'arn', arn }, new SecretsProvider(), () => clock);
    const handler = handlerWith(cache);
    for (let i = 0; i < 5; i++) expect((await handler(signedRequest())).statusCode).toBe(202);
    expect(aws.secrets.getSecretValueCount(arn)).toBe(1);
    clock = 5 * 60_000;
    expect((await handler(signedRequest())).statusCode).toBe(202);
    expect(aws.secrets.getSecretValueCount(arn)).toBe(2);
  });

  it('picks up a secret put after deployment without a redeploy', async () => {
    const arn = aws.secrets.seedSecret('root-ecr-mirror/webhook', '');
    let clock = 0;
    const cache = new SecretCache({ kind: 'arn', arn }, new SecretsProvider(), () => clock);
    const handler = handlerWith(cache);
    expect((await handler(signedRequest())).statusCode).toBe(503);

    aws.secrets.seedSecret('root-ecr-mirror/webhook', SECRET);
    clock = 61_000;
    expect((await handler(signedRequest())).statusCode).toBe(202);
    expect(aws.secrets.getSecretValueCount(arn)).toBe(2);
  });

  it('answers 503 while the secret Terraform created has no value yet, then accepts once it is set', async () => {
    // Named by its name: the stand-in only mints the ARN once the secret exists.
    const secretId = 'root-ecr-mirror/late';
    let clock = 0;
    const handler = handlerWith(new SecretCache({ kind: 'arn', arn: secretId }, new SecretsProvider(), () => clock));
    expect((await handler(signedRequest())).statusCode).toBe(503);

    aws.secrets.seedSecret(secretId, SECRET);
    clock = 61_000;
    const result = await handler(signedRequest());
    expect(result.statusCode).toBe(202);
  });

  it('answers 500, not 401, when Secrets Manager cannot be read', async () => {
    const arn = aws.secrets.seedSecret('root-ecr-mirror/webhook', SECRET);
    aws.secrets.failNext('GetSecretValue', { type: 'InternalServiceError', status: 500, times: 10 });
    const result = await handlerWith(new SecretCache({ kind: 'arn', arn }, new SecretsProvider()))(signedRequest());
    expect(result.statusCode).toBe(500);
  });
});

describe('a weak webhook secret in Secrets Manager', () => {
  it('is not used to verify: a webhook signed with "whsec_" is refused 503, not accepted', async () => {
    const arn = aws.secrets.seedSecret('root-ecr-mirror/weak', 'whsec_');
    const handler = handlerWith(new SecretCache({ kind: 'arn', arn }, new SecretsProvider(), () => 0));
    expect((await handler(signedRequest({ secret: 'whsec_', scheme: 'hex' }))).statusCode).toBe(503);
  });

  it('leaves the strong secrets of a rotation in use', async () => {
    const arn = aws.secrets.seedSecret('root-ecr-mirror/rotating', `whsec_\n${SECRET}`);
    const handler = handlerWith(new SecretCache({ kind: 'arn', arn }, new SecretsProvider(), () => 0));
    expect((await handler(signedRequest({ secret: 'whsec_', scheme: 'hex' }))).statusCode).toBe(401);
    expect((await handler(signedRequest())).statusCode).toBe(202);
  });
});
