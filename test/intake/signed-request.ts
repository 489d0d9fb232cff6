import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { signWebhook } from '../../lambda/webhook/verify.js';

export const SECRET = `whsec_${Buffer.from('intake-test-secret-0123456789abcdef').toString('base64')}`;
export const ROOT_HOST = 'cr.root.io';

export function rootEvent(data: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const repo = (data.image_repo as string | undefined) ?? 'library/nginx';
  const tag = (data.image_tag as string | undefined) ?? '1.25.4-root';
  return {
    specversion: '1.0',
    type: 'io.root.cr.image.created.v1',
    source: 'https://cr.root.io',
    id: 'evt_123',
    time: '2026-11-25T09:00:00Z',
    subject: `${ROOT_HOST}/${repo}:${tag}`,
    datacontenttype: 'application/json',
    data: { image_repo: repo, image_tag: tag, ...data },
    ...extra,
  };
}

export interface RequestOptions {
  body?: string | Buffer;
  id?: string;
  timestamp?: number;
  secret?: string;
  scheme?: 'base64' | 'hex';
  signature?: string;
  method?: string;
  headers?: Record<string, string | undefined>;
  base64?: boolean;
}

/** A Function URL event for a webhook signed like Root signs them, with every part overridable. */
export function signedRequest(options: RequestOptions = {}): LambdaFunctionURLEvent {
  const body = options.body ?? JSON.stringify(rootEvent());
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const id = options.id ?? 'msg_2b1a';
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature =
    options.signature ?? signWebhook({ id, timestampSeconds: timestamp, body: bytes, secret: options.secret ?? SECRET, scheme: options.scheme ?? 'base64' });
  const headers: Record<string, string> = {
    'content-type': 'application/cloudevents+json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signature,
  };
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers,
    isBase64Encoded: options.base64 ?? false,
    body: options.base64 ? bytes.toString('base64') : bytes.toString('utf8'),
    requestContext: {
      accountId: 'anonymous',
      apiId: 'test',
      domainName: 'test.lambda-url.eu-west-1.on.aws',
      domainPrefix: 'test',
      requestId: 'req-1',
      routeKey: '$default',
      stage: '$default',
      time: '25/Nov/2026:09:00:00 +0000',
      timeEpoch: 0,
      http: { method: options.method ?? 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
    },
  };
}
