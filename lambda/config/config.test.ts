import { describe, expect, it } from 'vitest';
import { isAllowed } from '../webhook/allowed-repos.js';
import { loadConfig } from './config.js';
import { ConfigError } from './errors.js';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:root-ecr-mirror/webhook-AbCdEf';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ rootRegistryHost: 'cr.root.io', rootRegistryUsername: 'root', dstRepo: 'root-mirror' });
    expect(config.webhookSecret).toBeUndefined();
    expect(config.queueUrl).toBeUndefined();
    expect(isAllowed(config.allowedRepos, 'anything/at-all')).toBe(true);
  });

  it('copies referrers unless COPY_REFERRERS turns it off, and refuses a value that is not a boolean', () => {
    expect(loadConfig({}).copyReferrers).toBe(true);
    expect(loadConfig({ COPY_REFERRERS: 'true' }).copyReferrers).toBe(true);
    expect(loadConfig({ COPY_REFERRERS: 'FALSE' }).copyReferrers).toBe(false);
    expect(loadConfig({ COPY_REFERRERS: '0' }).copyReferrers).toBe(false);
    expect(() => loadConfig({ COPY_REFERRERS: 'no' })).toThrow(/COPY_REFERRERS must be true or false, not "no"/);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      WEBHOOK_SECRET_ARN: ARN,
      ROOT_API_KEY: ' key-123 ',
      ROOT_REGISTRY_HOST: '127.0.0.1:5000',
      ROOT_REGISTRY_USERNAME: 'robot',
      DST_REPO: 'mirrors/root',
      DST_REGISTRY: 'localhost:5001',
      ALLOWED_REPOS: 'python, library/*',
      QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/root-ecr-mirror.fifo',
      DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/root-ecr-mirror-dlq.fifo',
    });
    expect(config).toMatchObject({
      webhookSecret: { kind: 'arn', arn: ARN },
      rootApiKey: { kind: 'value', value: 'key-123' },
      rootRegistryHost: '127.0.0.1:5000',
      rootRegistryUsername: 'robot',
      dstRepo: 'mirrors/root',
      dstRegistry: 'localhost:5001',
    });
    expect(isAllowed(config.allowedRepos, 'library/nginx')).toBe(true);
    expect(isAllowed(config.allowedRepos, 'golang')).toBe(false);
  });

  it('propagates base policies unless PROPAGATE_BASE_POLICIES is false, and refuses anything but true/false', () => {
    expect(loadConfig({}).propagateBasePolicies).toBe(true);
    expect(loadConfig({ PROPAGATE_BASE_POLICIES: 'true' }).propagateBasePolicies).toBe(true);
    expect(loadConfig({ PROPAGATE_BASE_POLICIES: ' FALSE ' }).propagateBasePolicies).toBe(false);
    expect(() => loadConfig({ PROPAGATE_BASE_POLICIES: 'no' })).toThrow(/PROPAGATE_BASE_POLICIES must be true or false, not "no"/);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ WEBHOOK_SECRET: '  ', ROOT_API_KEY: '' }).webhookSecret).toBeUndefined();
  });

  it('reports every problem at once, each naming its variable', () => {
    let error: unknown;
    try {
      loadConfig({
        WEBHOOK_SECRET: 'a',
        WEBHOOK_SECRET_ARN: ARN,
        ROOT_API_KEY_ARN: 'not-an-arn',
        ROOT_REGISTRY_HOST: 'https://cr.root.io',
        DST_REPO: 'Root-Mirror',
        ALLOWED_REPOS: 'UPPER',
        QUEUE_URL: 'queue',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['WEBHOOK_SECRET or WEBHOOK_SECRET_ARN', 'ROOT_API_KEY_ARN', 'ROOT_REGISTRY_HOST', 'DST_REPO', 'ALLOWED_REPOS', 'QUEUE_URL']) {
      expect(problems).toContain(name);
    }
    expect((error as ConfigError).problems).toHaveLength(6);
  });

  it('never echoes the value of a variable that names a secret, even when it is in the wrong place', () => {
    const secretValue = 'apik_0123456789abcdefghij-the-real-key';
    let error: unknown;
    try {
      loadConfig({ ROOT_API_KEY_ARN: secretValue, WEBHOOK_SECRET_ARN: `whsec_${'A'.repeat(40)}` });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('ROOT_API_KEY_ARN is not a Secrets Manager secret ARN');
    expect(message).toContain('WEBHOOK_SECRET_ARN is not a Secrets Manager secret ARN');
    expect(message).not.toContain(secretValue);
    expect(message).not.toContain('A'.repeat(40));
  });

  it.each([
    ['whsec_', 'nothing after the prefix'],
    [`whsec_${Buffer.alloc(15, 7).toString('base64')}`, '15 random bytes'],
    ['short-secret', '12 bytes of text'],
  ])('refuses the webhook secret %s (%s) without quoting it', (secret) => {
    expect(() => loadConfig({ WEBHOOK_SECRET: secret })).toThrow(ConfigError);
    try {
      loadConfig({ WEBHOOK_SECRET: secret });
    } catch (error) {
      const [problem] = (error as ConfigError).problems;
      expect(problem).toMatch(/^WEBHOOK_SECRET is \d+ bytes.*fewer than 16/);
      if (secret.length > 'whsec_'.length) expect(problem).not.toContain(secret);
    }
  });

  it('accepts webhook secrets of 16 bytes and more, and checks every line of a rotation', () => {
    const strong = `whsec_${Buffer.alloc(16, 1).toString('base64')}`;
    expect(loadConfig({ WEBHOOK_SECRET: strong }).webhookSecret).toEqual({ kind: 'value', value: strong });
    expect(loadConfig({ WEBHOOK_SECRET: 'a-hex-scheme-secret-of-text' }).webhookSecret?.kind).toBe('value');
    expect(() => loadConfig({ WEBHOOK_SECRET: `${strong}\nwhsec_` })).toThrow(/WEBHOOK_SECRET \(line 2\) is 0 bytes/);
  });

  it('refuses an unknown POWERTOOLS_LOG_LEVEL, and takes the known ones in any case', () => {
    expect(() => loadConfig({ POWERTOOLS_LOG_LEVEL: 'LOUD' })).toThrow(/POWERTOOLS_LOG_LEVEL "LOUD" is not a log level: use one of TRACE, DEBUG/);
    for (const level of ['debug', 'INFO', 'Warn', 'SILENT', '']) expect(() => loadConfig({ POWERTOOLS_LOG_LEVEL: level })).not.toThrow();
  });
});
