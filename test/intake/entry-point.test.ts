// The single Lambda entry point: it tells a Function URL request from an SQS batch and fails loudly otherwise.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SECRET, signedRequest } from './signed-request.js';
import { captureOutput } from '../support/output.js';

// The function's JSON logs are captured, and printed only for a failed test.
captureOutput();

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  vi.resetModules();
});

async function loadHandler(env: Record<string, string>) {
  process.env = { ...saved, ...env };
  vi.resetModules();
  return (await import('../../lambda/index.js')).handler;
}

describe('lambda/index.ts handler', () => {
  it('routes a Function URL request to the intake', async () => {
    const handler = await loadHandler({ WEBHOOK_SECRET: SECRET, ALLOWED_REPOS: 'python' });
    const result = await handler(signedRequest());
    expect(result).toMatchObject({ statusCode: 200, body: JSON.stringify({ status: 'ignored', reason: 'not in allowed_repos' }) });
  });

  it('refuses events of any other shape loudly', async () => {
    const handler = await loadHandler({ WEBHOOK_SECRET: SECRET });
    await expect(handler({ source: 'aws.events', detail: {} })).rejects.toThrow(/unsupported event/);
    await expect(handler({ Records: [{ eventSource: 'aws:s3' }] })).rejects.toThrow(/unsupported event/);
  });

  it('answers 500 to requests and returns SQS batches whole while the configuration is broken', async () => {
    const handler = await loadHandler({ WEBHOOK_SECRET: SECRET, DST_REPO: 'Not Valid' });
    const result = await handler(signedRequest());
    expect(result).toMatchObject({ statusCode: 500, body: JSON.stringify({ error: 'internal error' }) });
    const batch = { Records: [{ eventSource: 'aws:sqs', messageId: 'm1', body: '{}', attributes: {} }] };
    await expect(handler(batch)).rejects.toThrow(/misconfigured: invalid configuration:\n- DST_REPO "Not Valid"/);
  });
});
