// The Secrets Manager stand-in as the real SecretsManagerClient sees it.
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { withAwsStandIns } from './env.js';

const aws = withAwsStandIns();

describe('Secrets Manager stand-in', () => {
  it('reads a secret by name and by ARN, counting reads per secret', async () => {
    const arn = aws.secrets.seedSecret('root/webhook-secret', 'whsec_abc');
    aws.secrets.seedSecret('other', 'x');
    const client = new SecretsManagerClient({});

    const byName = await client.send(new GetSecretValueCommand({ SecretId: 'root/webhook-secret' }));
    const byArn = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    expect(byName).toMatchObject({ SecretString: 'whsec_abc', ARN: arn, Name: 'root/webhook-secret', VersionStages: ['AWSCURRENT'] });
    expect(byArn.SecretString).toBe('whsec_abc');
    expect(byArn.CreatedDate).toBeInstanceOf(Date);
    expect(aws.secrets.getSecretValueCount('root/webhook-secret')).toBe(2);
    expect(aws.secrets.getSecretValueCount(arn)).toBe(2);
    expect(aws.secrets.getSecretValueCount('other')).toBe(0);
  });

  it('rotates with PutSecretValue, keeping the previous version', async () => {
    aws.secrets.seedSecret('key', 'old');
    const client = new SecretsManagerClient({});

    const put = await client.send(new PutSecretValueCommand({ SecretId: 'key', SecretString: 'new', ClientRequestToken: '11111111-1111-4111-8111-111111111111' }));
    expect(put.VersionId).toBe('11111111-1111-4111-8111-111111111111');
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'key' }))).resolves.toMatchObject({ SecretString: 'new' });
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'key', VersionStage: 'AWSPREVIOUS' }))).resolves.toMatchObject({ SecretString: 'old' });
    expect(aws.secrets.currentValue('key')).toBe('new');
  });

  it('returns binary secrets as bytes', async () => {
    aws.secrets.seedSecret('bin', Buffer.from([0, 1, 2, 255]));
    const { SecretBinary } = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: 'bin' }));
    expect([...(SecretBinary ?? [])]).toEqual([0, 1, 2, 255]);
  });

  it('answers ResourceNotFoundException for an unknown secret', async () => {
    await expect(new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: 'missing' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(aws.secrets.getSecretValueCount('missing')).toBe(1);
  });
});
