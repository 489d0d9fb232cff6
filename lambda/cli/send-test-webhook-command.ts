import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { isValidDigest, isValidRegistryHost } from '../registry/reference.js';
import { ROOT_IMAGE_CREATED } from '../webhook/root-event.js';
import { signWebhook } from '../webhook/verify.js';
import { UsageError } from './usage-error.js';

export interface TestWebhook {
  readonly body: string;
  readonly headers: Record<string, string>;
}

/** A CloudEvent shaped like Root's, signed per Standard Webhooks (or Root's hex scheme for a non-base64 secret). */
export function buildTestWebhook(input: {
  image: string;
  registry: string;
  secret: string;
  digest?: string;
  arch?: string;
  now?: Date;
}): TestWebhook {
  const colon = input.image.lastIndexOf(':');
  if (colon <= 0 || input.image.includes('@')) throw new UsageError('--image takes REPO:TAG, e.g. library/nginx:1.25.4-root');
  const repo = input.image.slice(0, colon);
  const tag = input.image.slice(colon + 1);
  const now = input.now ?? new Date();
  const event = {
    specversion: '1.0',
    type: ROOT_IMAGE_CREATED,
    source: `https://${input.registry}`,
    id: `evt_test_${randomUUID()}`,
    time: now.toISOString(),
    subject: `${input.registry}/${repo}:${tag}`,
    datacontenttype: 'application/json',
    data: { image_repo: repo, image_tag: tag, ...(input.digest ? { image_digest: input.digest } : {}), ...(input.arch ? { arch: input.arch } : {}) },
  };
  const body = JSON.stringify(event);
  const id = `msg_${randomUUID()}`;
  const timestampSeconds = Math.floor(now.getTime() / 1000);
  const scheme = input.secret.startsWith('whsec_') ? 'base64' : 'hex';
  return {
    body,
    headers: {
      'content-type': 'application/cloudevents+json',
      'webhook-id': id,
      'webhook-timestamp': String(timestampSeconds),
      'webhook-signature': signWebhook({ id, timestampSeconds, body, secret: input.secret, scheme }),
    },
  };
}

export async function sendTestWebhookCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      image: { type: 'string' },
      digest: { type: 'string' },
      arch: { type: 'string' },
      registry: { type: 'string', default: 'cr.root.io' },
      secret: { type: 'string' },
    },
  });
  const [target] = positionals;
  if (positionals.length !== 1 || !target) throw new UsageError('send-test-webhook takes exactly one URL');
  if (!values.image) throw new UsageError('--image REPO:TAG is required');
  if (values.digest && !isValidDigest(values.digest)) throw new UsageError('--digest takes sha256:<64 lowercase hex>');
  if (!isValidRegistryHost(values.registry)) throw new UsageError(`--registry "${values.registry}" is not a registry host`);
  const secret = values.secret ?? process.env.WEBHOOK_SECRET;
  if (!secret) throw new UsageError('no secret: pass --secret or set WEBHOOK_SECRET');
  const webhook = buildTestWebhook({
    image: values.image,
    registry: values.registry,
    secret,
    ...(values.digest ? { digest: values.digest } : {}),
    ...(values.arch ? { arch: values.arch } : {}),
  });
  const response = await fetch(target, { method: 'POST', headers: webhook.headers, body: webhook.body, signal: AbortSignal.timeout(60_000) });
  process.stdout.write(`${response.status} ${await response.text()}\n`);
  return response.ok ? 0 : 1;
}
