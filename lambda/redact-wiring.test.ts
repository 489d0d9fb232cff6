// Every way out of the process knows the secrets: each place that loads one registers it,
// and each exit (logs, errors, HTTP answers) redacts.
import { afterEach, describe, expect, it } from 'vitest';
import { captureOutput } from '../test/support/output.js';
import { loadConfig } from './config/config.js';
import { SecretCache } from './config/secret-cache.js';
import { MirrorError, errorMessage } from './errors.js';
import { jsonResponse } from './handlers/http-response.js';
import { logger } from './log.js';
import { REDACTED, forgetSecrets, redact } from './redact.js';

const output = captureOutput();
afterEach(() => forgetSecrets());

const ROOT_KEY = 'root-key-5f0c9a1e77';
const WEBHOOK_KEY = 'c2VjcmV0LWtleS1ieXRlcy0xMjM0NTY3OA==';

describe('secrets known to the redaction', () => {
  it('are registered by the configuration, Root key and webhook secret alike', () => {
    loadConfig({ ROOT_API_KEY: ROOT_KEY, WEBHOOK_SECRET: `whsec_${WEBHOOK_KEY}` });
    expect(redact(`key ${ROOT_KEY} and ${WEBHOOK_KEY}`)).toBe(`key ${REDACTED} and ${REDACTED}`);
  });

  it('are registered by the secret cache as it reads them', async () => {
    const provider = { get: async () => `${ROOT_KEY}\n` } as unknown as ConstructorParameters<typeof SecretCache>[1];
    const cache = new SecretCache({ kind: 'arn', arn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:k' }, provider);
    await cache.get();
    expect(redact(ROOT_KEY)).toBe(REDACTED);
  });

  it('never leave in an error, a log line or an HTTP answer', () => {
    loadConfig({ ROOT_API_KEY: ROOT_KEY });
    const error = new MirrorError(`registry said: you sent ${ROOT_KEY}`, { code: 'UNEXPECTED', failureClass: 'permanent' });
    expect(error.message).not.toContain(ROOT_KEY);
    expect(errorMessage(new TypeError(`bad header ${ROOT_KEY}`))).not.toContain(ROOT_KEY);
    logger.error(`echo ${ROOT_KEY}`, { detail: `Basic ${Buffer.from(`root:${ROOT_KEY}`).toString('base64')}`, error: new Error(ROOT_KEY) });
    const printed = output.lines().join('\n');
    expect(printed).toContain(REDACTED);
    expect(printed).not.toContain(ROOT_KEY);
    expect(printed).not.toContain(Buffer.from(`root:${ROOT_KEY}`).toString('base64'));
    expect(jsonResponse(502, { error: `mirror failed: ${ROOT_KEY}` }).body).toBe(`{"error":"mirror failed: ${REDACTED}"}`);
  });
});
