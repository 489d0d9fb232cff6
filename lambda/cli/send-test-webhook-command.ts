import { randomUUID } from 'node:crypto';
import { isValidDigest, isValidRegistryHost } from '../registry/reference.js';
import { ROOT_IMAGE_CREATED } from '../webhook/root-event.js';
import { signWebhook } from '../webhook/verify.js';
import { DEFAULTS } from '../config/config.js';
import { EXIT } from './exit-codes.js';
import { parseCommandLine } from './flags.js';
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

const FLAGS = {
  image: { type: 'string' },
  digest: { type: 'string' },
  arch: { type: 'string' },
  registry: { type: 'string' },
  secret: { type: 'string' },
} as const;

export async function sendTestWebhookCommand(args: string[]): Promise<number> {
  const { flags, positionals } = parseCommandLine('send-test-webhook', args, FLAGS, { min: 1, max: 1, describe: 'exactly one URL' });
  const target = positionals[0]!;
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new UsageError(`"${target}" is not a URL: e.g. http://127.0.0.1:8080/`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`"${target}" is not an http(s) URL`);
  if (!flags.image) throw new UsageError('--image REPO:TAG is required');
  if (flags.digest && !isValidDigest(flags.digest)) throw new UsageError('--digest takes sha256:<64 lowercase hex>');
  // The same default as the intake it is sent to: a serve with ROOT_REGISTRY_HOST set expects that host.
  const registry = flags.registry ?? (process.env.ROOT_REGISTRY_HOST?.trim() || DEFAULTS.rootRegistryHost);
  if (!isValidRegistryHost(registry)) throw new UsageError(`--registry "${registry}" is not a registry host`);
  const secret = flags.secret ?? process.env.WEBHOOK_SECRET;
  if (!secret) throw new UsageError('no secret: pass --secret or set WEBHOOK_SECRET');
  const webhook = buildTestWebhook({
    image: flags.image,
    registry,
    secret,
    ...(flags.digest ? { digest: flags.digest } : {}),
    ...(flags.arch ? { arch: flags.arch } : {}),
  });
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: webhook.headers, body: webhook.body, signal: AbortSignal.timeout(60_000) });
  } catch (error) {
    // fetch says only "fetch failed": the cause (ECONNREFUSED, a DNS failure, the timeout) is what helps.
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
    process.stderr.write(`error: could not POST to ${url.href}: ${why}\n`);
    return EXIT.failed;
  }
  const body = await response.text();
  process.stdout.write(`${response.status} ${body}\n`);
  if (response.ok) return EXIT.ok;
  process.stderr.write(`error: ${url.href} answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}\n`);
  return EXIT.failed;
}
