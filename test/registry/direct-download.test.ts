// The direct download (direct-get.ts): blobs of 1 MiB and more are read off a connection of
// their own, without Node's HTTP parser, and pumped into the upload from four reused read
// buffers. Proven end to end: a copy between two real registries, then a scriptable raw
// server sending every framing, interim answer, redirect, fault and stall that path must
// handle, into a real destination registry; and the same over TLS.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BlobTransfer } from '../../lambda/registry/blob-transfer.js';
import { DIRECT_DOWNLOAD_MIN_BYTES, RegistryClient, type RegistryClientOptions } from '../../lambda/registry/client.js';
import { copyImage } from '../../lambda/registry/copy.js';
import { anonymous, credentialsFor } from '../../lambda/registry/credentials.js';
import { READ_BUFFER_BYTES, READ_BUFFERS } from '../../lambda/registry/direct-get.js';
import { RegistryResponseError } from '../../lambda/registry/errors.js';
import type { Descriptor } from '../../lambda/registry/manifest.js';
import { ReadBufferPool } from '../../lambda/registry/read-buffer-pool.js';
import { parseReference } from '../../lambda/registry/reference.js';
import { SocketBody, isPumpable } from '../../lambda/registry/socket-body.js';
import type { TimeLimits } from '../../lambda/registry/time-limits.js';
import type { BlobStream } from '../../lambda/registry/verify-stream.js';
import { blobExists, fetchBlob, fetchManifest, pushRandomImage, sha256Digest } from '../support/images.js';
import { createSigningCert } from '../support/jwt.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { startLaxRegistry, type LaxRegistry } from '../support/lax-registry.js';
import { proxiedSource } from '../support/proxied-registries.js';
import { answerAnonymousPing, rawHead, startRawHttpServer, writeInPieces, type RawHandler, type RawHttpServer, type RawRequest } from '../support/raw-http-server.js';
import { FAST_RETRY } from './fast-retry.js';

const MiB = 1024 * 1024;
const BLOB = randomBytes(3 * MiB);
const BLOB_DESCRIPTOR: Descriptor = { mediaType: 'application/octet-stream', digest: sha256Digest(BLOB), size: BLOB.length };
/** Generous everywhere but where a test sets its own: a limit that fires is the test's subject. */
const LIMITS: TimeLimits = { requestDeadlineMs: 10_000, minBytesPerSecond: 1, throughputWindowMs: 60_000, idleTimeoutMs: 10_000, slowRetries: 1 };
const BLOB_GET = /\/blobs\/sha256:[a-f0-9]{64}$/;

const registries = proxiedSource();
let raw: RawHttpServer;
let dst: RegistryClient;

beforeAll(async () => {
  raw = await startRawHttpServer(() => undefined);
  dst = new RegistryClient(registries.dst.host, { credentials: anonymous, actions: 'pull,push', retry: FAST_RETRY });
});
afterAll(async () => {
  await raw?.stop();
});
afterEach(() => {
  vi.restoreAllMocks();
  raw.requests.length = 0;
});

const sourceClient = (server: RawHttpServer = raw, options: Partial<RegistryClientOptions> = {}) =>
  new RegistryClient(server.host, { credentials: anonymous, actions: 'pull', retry: FAST_RETRY, timeLimits: LIMITS, ...options });
const blobGets = (server: RawHttpServer = raw): RawRequest[] => server.requests.filter((r) => r.method === 'GET' && BLOB_GET.test(r.path));

/** How a body's end is told: its Content-Length, its last chunk, or the connection's close. */
type Framing = 'length' | 'chunked' | 'close';

function framingHeaders(framing: Framing, length: number): Record<string, string | number> {
  return framing === 'length' ? { 'content-length': length } : framing === 'chunked' ? { 'transfer-encoding': 'chunked' } : {};
}

/** A 200 with the blob, its body written in pieces of random sizes. */
function servingBlob(body: Uint8Array = BLOB, framing: Framing = 'length'): RawHandler {
  return async (_request, reply) => {
    await reply.write(rawHead(200, { 'content-type': 'application/octet-stream', ...framingHeaders(framing, body.length) }, 'OK'));
    await writeInPieces(reply, framing === 'chunked' ? chunkedEncoding(body) : body);
    await reply.end();
  };
}

/** The chunked coding with chunks of random sizes, hex digits of either case, chunk extensions and trailers. */
function chunkedEncoding(body: Uint8Array): Buffer {
  const parts: Buffer[] = [];
  const extensions = ['', ';name=value', ';q="quoted; value"', ' ;x', ';a=1;b'];
  for (let at = 0, i = 0; at < body.length; i++) {
    const piece = body.subarray(at, at + 1 + Math.floor(Math.random() * 64 * 1024));
    const size = i % 2 === 0 ? piece.length.toString(16) : piece.length.toString(16).toUpperCase();
    parts.push(Buffer.from(`${size}${extensions[i % extensions.length]}\r\n`), Buffer.from(piece), Buffer.from('\r\n'));
    at += piece.length;
  }
  parts.push(Buffer.from('0;last\r\nx-checksum: none\r\nx-served-by: raw\r\n\r\n'));
  return Buffer.concat(parts);
}

/** What one attempt of a blob transfer does: open the source blob, pump it into an upload, commit it only when verified. */
async function transferOnce(src: RegistryClient, repo: string, blob: Descriptor = BLOB_DESCRIPTOR): Promise<{ error?: unknown; content?: BlobStream }> {
  let content: BlobStream;
  try {
    content = await src.openBlob(repo, blob);
  } catch (error) {
    return { error };
  }
  return uploadOpened(repo, content, blob);
}

/** The upload half of `transferOnce`, for a blob already opened; a failed upload is cancelled. */
async function uploadOpened(
  repo: string,
  content: BlobStream,
  blob: Descriptor = BLOB_DESCRIPTOR,
  destination: RegistryClient = dst,
): Promise<{ error?: unknown; content: BlobStream }> {
  const upload = { url: await destination.startUpload(repo) };
  try {
    await destination.uploadBlob(repo, upload, blob, content);
    return { content };
  } catch (error) {
    await destination.cancelUpload(repo, upload);
    return { error, content };
  } finally {
    content.destroy();
  }
}

async function expectCommitted(repo: string, bytes: Uint8Array = BLOB): Promise<void> {
  const stored = await fetchBlob(registries.dst.url, repo, sha256Digest(bytes));
  expect(Buffer.from(stored).equals(bytes)).toBe(true);
}

async function readAll(stream: AsyncIterable<unknown>, pauseMs = 0): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
    if (pauseMs > 0) await sleep(pauseMs);
  }
  return Buffer.concat(chunks);
}

/** Every read-buffer pool made from now on (each direct download makes one). */
function watchPools(): ReadBufferPool[] {
  const pools: ReadBufferPool[] = [];
  const take = ReadBufferPool.prototype.take;
  vi.spyOn(ReadBufferPool.prototype, 'take').mockImplementation(function (this: ReadBufferPool) {
    if (!pools.includes(this)) pools.push(this);
    return take.call(this);
  });
  return pools;
}

describe('a copy between two registries', () => {
  it('moves a 3 MiB layer byte for byte on a connection of its own, pumped, and the small config on the pooled client', async () => {
    const image = await pushRandomImage(registries.src.url, 'direct/copy', 'v1', { layers: [3 * MiB, 2_000] });
    const [big, small] = image.layerDigests as [string, string];
    const pumped = vi.spyOn(SocketBody.prototype, 'pumpInto');

    await copyImage(parseReference(`${registries.proxy.host}/direct/copy:v1`), parseReference(`${registries.dst.host}/direct/copy:v1`), {
      sourceCredentials: anonymous,
      destinationCredentials: anonymous,
      retry: FAST_RETRY,
    });

    expect((await fetchManifest(registries.dst.url, 'direct/copy', 'v1')).digest).toBe(image.digest);
    for (const [digest, bytes] of image.blobs) expect(Buffer.from(await fetchBlob(registries.dst.url, 'direct/copy', digest)).equals(bytes)).toBe(true);
    const gets = registries.proxy.requests.filter((r) => r.method === 'GET' && BLOB_GET.test(r.url));
    const connection = (digest: string) => gets.filter((r) => r.url.endsWith(digest)).map((r) => r.headers.connection);
    // Only the layer over DIRECT_DOWNLOAD_MIN_BYTES asked for a connection of its own.
    expect(image.blobs.get(big)?.length).toBeGreaterThanOrEqual(DIRECT_DOWNLOAD_MIN_BYTES);
    expect(connection(big)).toEqual(['close']);
    expect(connection(small)).toEqual(['keep-alive']);
    expect(connection(image.configDigest).length).toBeGreaterThan(0);
    expect(connection(image.configDigest).every((value) => value === 'keep-alive')).toBe(true);
    expect(pumped).toHaveBeenCalledTimes(1);
  });
});

describe('the size that takes the direct path', () => {
  it('is DIRECT_DOWNLOAD_MIN_BYTES and up; one byte less goes through the pooled client', async () => {
    const atThreshold = BLOB.subarray(0, DIRECT_DOWNLOAD_MIN_BYTES);
    const under = BLOB.subarray(0, DIRECT_DOWNLOAD_MIN_BYTES - 1);
    for (const bytes of [atThreshold, under]) {
      raw.handler = servingBlob(bytes);
      const content = await sourceClient().openBlob('threshold/app', { mediaType: 'application/octet-stream', digest: sha256Digest(bytes), size: bytes.length });
      expect((await readAll(content)).equals(bytes)).toBe(true);
    }
    expect(blobGets().map((r) => r.headers.connection)).toEqual(['close', 'keep-alive']);
  });
});

describe('a Content-Length body', () => {
  it('pumped into a slow consumer arrives exact, and the download never reads into more than its four buffers', async () => {
    raw.handler = servingBlob();
    const pools = watchPools();
    const content = await sourceClient().openBlob('pump/slow', BLOB_DESCRIPTOR);
    expect(isPumpable(content)).toBe(true);
    const hash = createHash('sha256');
    let received = 0;
    let writes = 0;
    // Hashes each piece only when it calls back: a read buffer reused before that would show in the digest.
    const slow = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        writes += 1;
        setTimeout(() => {
          hash.update(chunk);
          received += chunk.length;
          callback();
        }, 5);
      },
    });
    (content as SocketBody).pumpInto(slow);
    await finished(slow);
    await content.verified;

    expect(received).toBe(BLOB.length);
    expect(`sha256:${hash.digest('hex')}`).toBe(BLOB_DESCRIPTOR.digest);
    expect(writes).toBeGreaterThanOrEqual(BLOB.length / READ_BUFFER_BYTES);
    expect(pools).toHaveLength(1);
    expect(pools[0]?.allocated).toBe(READ_BUFFERS);
    expect(blobGets()[0]?.headers.connection).toBe('close');
  });

  it('read as a plain stream, slowly, arrives exact, within the four buffers too', async () => {
    raw.handler = servingBlob();
    const pools = watchPools();
    const content = await sourceClient().openBlob('copy/read', BLOB_DESCRIPTOR);
    const bytes = await readAll(content, 1);
    await content.verified;
    expect(bytes.equals(BLOB)).toBe(true);
    expect(pools).toHaveLength(1);
    expect(pools[0]?.allocated).toBe(READ_BUFFERS);
  });
});

describe('other framings and answers reach the destination byte for byte', () => {
  it('a chunked body with chunk extensions and trailers', async () => {
    raw.handler = servingBlob(BLOB, 'chunked');
    const { error } = await transferOnce(sourceClient(), 'framing/chunked');
    expect(error).toBeUndefined();
    await expectCommitted('framing/chunked');
    expect(blobGets()[0]?.headers.connection).toBe('close');
  });

  it('a Content-Length body from a server that keeps the connection open after it: the client closes it', async () => {
    let hungUp: Promise<void> | undefined;
    raw.handler = async (_request, reply) => {
      hungUp = reply.closed;
      await reply.write(rawHead(200, { 'content-length': BLOB.length }));
      await writeInPieces(reply, BLOB);
      await reply.closed;
    };
    const { error } = await transferOnce(sourceClient(), 'framing/kept-open');
    expect(error).toBeUndefined();
    await expectCommitted('framing/kept-open');
    await hungUp;
  });

  it('a body that runs to the connection\'s close', async () => {
    raw.handler = servingBlob(BLOB, 'close');
    const { error } = await transferOnce(sourceClient(), 'framing/close');
    expect(error).toBeUndefined();
    await expectCommitted('framing/close');
  });

  it('a 200 after interim answers (100, 103 Early Hints)', async () => {
    const blob = servingBlob();
    raw.handler = async (request, reply) => {
      await reply.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </hint>; rel=preload\r\n\r\n');
      await sleep(20);
      await reply.write('HTTP/1.1 103 Early Hints\r\nlink: </other>; rel=preload\r\n\r\n');
      await blob(request, reply);
    };
    const { error } = await transferOnce(sourceClient(), 'interim/early-hints');
    expect(error).toBeUndefined();
    await expectCommitted('interim/early-hints');
  });

  it('a 307 to another origin, which is sent no Authorization header', async () => {
    const storage = await startRawHttpServer(servingBlob());
    const locked = await startRawHttpServer((request, reply) =>
      reply.end(rawHead(307, { location: `${storage.url}/bucket/blob?X-Amz-Signature=secret`, 'content-length': 0 })),
    );
    locked.ping = (_request, reply) => reply.end(rawHead(401, { 'www-authenticate': 'Basic realm="raw"', 'content-length': 0 }));
    try {
      const src = sourceClient(locked, { credentials: credentialsFor(locked.host, { username: 'u', password: 'p' }) });
      const { error } = await transferOnce(src, 'redirect/storage');
      expect(error).toBeUndefined();
      await expectCommitted('redirect/storage');
      expect(blobGets(locked).map((r) => r.headers.authorization)).toEqual([`Basic ${Buffer.from('u:p').toString('base64')}`]);
      expect(storage.requests.map((r) => [r.path, r.headers.authorization, r.headers.connection])).toEqual([['/bucket/blob?X-Amz-Signature=secret', undefined, 'close']]);
    } finally {
      await Promise.all([storage.stop(), locked.stop()]);
    }
  });
});

describe('a 401 on the direct connection', () => {
  it('is answered with fresh credentials on another direct connection', async () => {
    const blob = servingBlob();
    let answered = 0;
    raw.ping = (_request, reply) => reply.end(rawHead(401, { 'www-authenticate': 'Basic realm="raw"', 'content-length': 0 }));
    raw.handler = (request, reply) => {
      if (answered++ > 0) return blob(request, reply);
      const body = JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'token expired' }] });
      return reply.end(`${rawHead(401, { 'www-authenticate': 'Basic realm="raw"', 'content-type': 'application/json', 'content-length': body.length })}${body}`);
    };
    try {
      const src = sourceClient(raw, { credentials: credentialsFor(raw.host, { username: 'u', password: 'p' }) });
      const { error } = await transferOnce(src, 'reauth/direct');
      expect(error).toBeUndefined();
      await expectCommitted('reauth/direct');
      const basic = `Basic ${Buffer.from('u:p').toString('base64')}`;
      expect(blobGets().map((r) => [r.headers.authorization, r.headers.connection])).toEqual([
        [basic, 'close'],
        [basic, 'close'],
      ]);
    } finally {
      raw.ping = answerAnonymousPing;
    }
  });
});

describe('a source that sends the wrong thing: nothing is committed', () => {
  it('a body cut short is a transient network error, and the verdict is a rejection', async () => {
    raw.handler = async (_request, reply) => {
      await reply.write(rawHead(200, { 'content-length': BLOB.length }));
      await writeInPieces(reply, BLOB.subarray(0, 2 * MiB));
      await reply.end();
    };
    const { error, content } = await transferOnce(sourceClient(), 'fault/cut');
    expect(error).toMatchObject({ code: 'NETWORK', failureClass: 'transient' });
    expect(String(error)).toContain(`the connection closed after ${2 * MiB} of ${BLOB.length} bytes of the body`);
    await expect(content?.verified).rejects.toBe(error);
    expect(await blobExists(registries.dst.url, 'fault/cut', BLOB_DESCRIPTOR.digest)).toBe(false);
  });

  it('a connection reset mid-body is a transient network error', async () => {
    raw.handler = async (_request, reply) => {
      await reply.write(rawHead(200, { 'content-length': BLOB.length }));
      await writeInPieces(reply, BLOB.subarray(0, MiB));
      await sleep(50);
      reply.socket.resetAndDestroy();
    };
    const { error, content } = await transferOnce(sourceClient(), 'fault/reset');
    expect(error).toMatchObject({ code: 'NETWORK', failureClass: 'transient' });
    await expect(content?.verified).rejects.toBe(error);
    expect(await blobExists(registries.dst.url, 'fault/reset', BLOB_DESCRIPTOR.digest)).toBe(false);
  });

  it('an empty 200 is a size mismatch', async () => {
    raw.handler = (_request, reply) => reply.end(rawHead(200, { 'content-length': 0 }));
    const { error } = await transferOnce(sourceClient(), 'fault/empty');
    expect(error).toMatchObject({ code: 'SIZE_MISMATCH', failureClass: 'permanent' });
    expect(String(error)).toContain(`expected ${BLOB.length} bytes but received 0`);
    expect(await blobExists(registries.dst.url, 'fault/empty', BLOB_DESCRIPTOR.digest)).toBe(false);
  });

  it('a chunked body with a chunk size that is not hexadecimal is a transient network error', async () => {
    raw.handler = async (_request, reply) => {
      await reply.write(rawHead(200, { 'transfer-encoding': 'chunked' }));
      await reply.write(`10000\r\n${'a'.repeat(0x10000)}\r\nzz\r\n`);
      await reply.closed;
    };
    const { error } = await transferOnce(sourceClient(), 'fault/chunk-size');
    expect(error).toMatchObject({ code: 'NETWORK', failureClass: 'transient' });
    expect(String(error)).toContain('the chunked body has a chunk without a hexadecimal size');
    expect(await blobExists(registries.dst.url, 'fault/chunk-size', BLOB_DESCRIPTOR.digest)).toBe(false);
  });

  it('the right length of the wrong bytes is a digest mismatch', async () => {
    const wrong = Buffer.from(BLOB);
    wrong.writeUInt8(wrong.readUInt8(wrong.length >> 1) ^ 0x01, wrong.length >> 1);
    raw.handler = servingBlob(wrong);
    const { error, content } = await transferOnce(sourceClient(), 'fault/digest');
    expect(error).toMatchObject({ code: 'DIGEST_MISMATCH', failureClass: 'permanent' });
    await expect(content?.verified).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    expect(await blobExists(registries.dst.url, 'fault/digest', BLOB_DESCRIPTOR.digest)).toBe(false);
    expect(await blobExists(registries.dst.url, 'fault/digest', sha256Digest(wrong))).toBe(false);
  });

  it('a Content-Length over the descriptor\'s size fails as soon as the extra bytes come, not at the end', async () => {
    let hungUp: Promise<void> | undefined;
    raw.handler = async (_request, reply) => {
      hungUp = reply.closed;
      await reply.write(rawHead(200, { 'content-length': BLOB.length + 4096 }));
      await writeInPieces(reply, Buffer.concat([BLOB, randomBytes(1024)]));
      // The rest never comes: only the size check can end the download before the idle timeout.
      await reply.closed;
    };
    const { error } = await transferOnce(sourceClient(), 'fault/longer');
    expect(error).toMatchObject({ code: 'SIZE_MISMATCH', failureClass: 'permanent' });
    await hungUp;
    expect(await blobExists(registries.dst.url, 'fault/longer', BLOB_DESCRIPTOR.digest)).toBe(false);
  });

  const malformed: ReadonlyArray<[string, string]> = [
    ['garbage', 'SSH-2.0-OpenSSH_9.6\r\n\r\n'],
    // Another service on the port, which waits for us to speak: refused at its first line, not at the deadline.
    ['a greeting of another protocol, and then silence', 'SSH-2.0-OpenSSH_9.6\r\n'],
    ['a first line that is not a status line, and then silence', 'HTTP/1.1 OK\r\n'],
    ['an obs-folded header line', 'HTTP/1.1 200 OK\r\ncontent-length: 3145728\r\nx-folded: a\r\n b\r\n\r\n'],
    ['two different Content-Lengths', 'HTTP/1.1 200 OK\r\ncontent-length: 3145728\r\ncontent-length: 3145729\r\n\r\n'],
  ];
  it.each(malformed)('a head with %s is a transient error naming HTTP/1.1, and the connection is closed', async (_what, head) => {
    let hungUp: Promise<void> | undefined;
    raw.handler = async (_request, reply) => {
      hungUp = reply.closed;
      await reply.write(head);
      await reply.closed;
    };
    const error: unknown = await sourceClient().openBlob('fault/head', BLOB_DESCRIPTOR).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NETWORK', failureClass: 'transient' });
    expect(String(error)).toContain('the answer is not valid HTTP/1.1');
    await hungUp;
  });
});

describe('the verdict comes before the commit', () => {
  let lax: LaxRegistry;
  beforeAll(async () => {
    lax = await startLaxRegistry();
  });
  afterAll(async () => {
    await lax?.stop();
  });

  const framings: ReadonlyArray<[Framing]> = [['length'], ['chunked'], ['close']];
  // A destination that checks no digest holds every byte, and has answered the PATCH, before
  // the source's end (held back here) says the bytes were wrong: only the client can refuse.
  it.each(framings)('wrong bytes framed by %s never reach a destination that does not check digests', async (framing) => {
    const wrong = Buffer.from(BLOB);
    wrong.writeUInt8(wrong.readUInt8(0) ^ 0xff, 0);
    raw.handler = async (_request, reply) => {
      const body = framing === 'chunked' ? chunkedEncoding(wrong) : wrong;
      // What ends the body (its last chunk, or the close) comes a moment after every byte.
      const last = framing === 'chunked' ? body.lastIndexOf('0;last\r\n') : body.length;
      await reply.write(rawHead(200, framingHeaders(framing, wrong.length), 'OK'));
      await writeInPieces(reply, body.subarray(0, last));
      await sleep(300);
      await reply.end(body.subarray(last));
    };
    const laxClient = new RegistryClient(lax.host, { credentials: anonymous, actions: 'pull,push', retry: FAST_RETRY });
    const content = await sourceClient().openBlob('verdict/lax', BLOB_DESCRIPTOR);
    const { error } = await uploadOpened('verdict/lax', content, BLOB_DESCRIPTOR, laxClient);
    expect(error).toMatchObject({ code: 'DIGEST_MISMATCH', failureClass: 'permanent' });
    expect(lax.blobs.size).toBe(0);
    expect(lax.requests.filter((r) => r.startsWith('PUT '))).toEqual([]);
  });
});

describe('a destination that answers before it took every byte', () => {
  it('is retried with a fresh download, and the blob is copied', async () => {
    const front = await startFaultProxy(registries.dst.url);
    try {
      const refused = { method: 'PATCH', path: /\/blobs\/uploads\//, times: 1, status: 503 };
      front.rules = [refused];
      raw.handler = servingBlob();
      const destination = new RegistryClient(front.host, { credentials: anonymous, actions: 'pull,push', retry: FAST_RETRY });
      const transfer = new BlobTransfer({
        src: sourceClient(),
        dst: destination,
        source: parseReference(`${raw.host}/early/answer:v1`),
        destination: parseReference(`${front.host}/early/answer:v1`),
      });
      await expect(transfer.copy(BLOB_DESCRIPTOR)).resolves.toBe('copied');
      expect(front.fired(refused)).toBe(1);
      expect(blobGets()).toHaveLength(2);
      await expectCommitted('early/answer');
    } finally {
      await front.stop();
    }
  });

  it('with a success: the rest of the body is still read, for the verdict the commit waits on', async () => {
    const front = await startFaultProxy(registries.dst.url);
    try {
      // Answered without a Location, so the commit goes to the upload's URL, which took no byte.
      const early = { method: 'PATCH', path: /\/blobs\/uploads\//, status: 202, body: '' };
      front.rules = [early];
      raw.handler = servingBlob();
      const destination = new RegistryClient(front.host, { credentials: anonymous, actions: 'pull,push', retry: FAST_RETRY });
      const content = await sourceClient().openBlob('early/success', BLOB_DESCRIPTOR);
      const { error } = await uploadOpened('early/success', content, BLOB_DESCRIPTOR, destination);
      await content.verified;
      expect(front.fired(early)).toBe(1);
      // The registry itself refuses the commit of an upload that holds nothing.
      expect(error).toBeInstanceOf(RegistryResponseError);
      expect(error).toMatchObject({ method: 'PUT', failureClass: 'permanent' });
    } finally {
      await front.stop();
    }
  });
});

describe('a source too slow to wait for', () => {
  it('a head and then silence: the idle timeout', async () => {
    raw.handler = async (_request, reply) => {
      await reply.write(rawHead(200, { 'content-length': BLOB.length }));
      await reply.write(BLOB.subarray(0, 1000));
      await reply.closed;
    };
    const started = Date.now();
    const content = await sourceClient(raw, { idleTimeoutMs: 300 }).openBlob('slow/idle', BLOB_DESCRIPTOR);
    const error: unknown = await readAll(content).catch((e: unknown) => e);
    // Far under the 10 s the other limits allow, however loaded the machine.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toMatchObject({ code: 'REGISTRY_TOO_SLOW', failureClass: 'transient' });
    expect(String(error)).toContain(`${raw.host} is too slow: GET /v2/slow/idle/blobs/${BLOB_DESCRIPTOR.digest}: no data for 300 ms`);
    await expect(content.verified).rejects.toBe(error);
  });

  it('a drip under the throughput floor, into the upload', async () => {
    raw.handler = async (_request, reply) => {
      await reply.write(rawHead(200, { 'content-length': BLOB.length }));
      for (let at = 0; !reply.socket.destroyed && at < BLOB.length; at += 64) {
        await reply.write(BLOB.subarray(at, at + 64)).catch(() => undefined);
        await sleep(20);
      }
    };
    const limits: TimeLimits = { ...LIMITS, throughputWindowMs: 300, minBytesPerSecond: 64 * 1024 };
    const { error } = await transferOnce(sourceClient(raw, { timeLimits: limits }), 'slow/drip');
    expect(error).toMatchObject({ code: 'REGISTRY_TOO_SLOW', failureClass: 'transient' });
    expect(String(error)).toMatch(/delivered \d+ bytes in 300 ms \(\d+ KiB\/s\), under the floor of 64 KiB\/s/);
    expect(await blobExists(registries.dst.url, 'slow/drip', BLOB_DESCRIPTOR.digest)).toBe(false);
  });

  it('a head that drips in: the deadline for the headers', async () => {
    raw.handler = async (_request, reply) => {
      await reply.write('HTTP/1.1 200 OK\r\n');
      while (!reply.socket.destroyed) {
        await reply.write('x-wait: a\r\n').catch(() => undefined);
        await sleep(50);
      }
    };
    const limits: TimeLimits = { ...LIMITS, requestDeadlineMs: 300 };
    const error: unknown = await sourceClient(raw, { timeLimits: limits }).openBlob('slow/head', BLOB_DESCRIPTOR).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'REGISTRY_TOO_SLOW', failureClass: 'transient' });
    expect(String(error)).toContain(`GET /v2/slow/head/blobs/${BLOB_DESCRIPTOR.digest} did not answer within 300 ms`);
  });
});

describe('a consumer that starts late', () => {
  const limits: TimeLimits = { ...LIMITS, throughputWindowMs: 300, minBytesPerSecond: 64 * 1024 };

  // openBlob resolves with the head; the upload then authenticates (a slow credential lookup,
  // a token refresh) before it takes the first byte: the source waits on us, as it does when
  // the destination takes bytes slowly, and that is not held against it.
  it('to pump: the source is not blamed for the windows it waited', async () => {
    raw.handler = servingBlob();
    const content = await sourceClient(raw, { timeLimits: limits }).openBlob('late/pump', BLOB_DESCRIPTOR);
    await sleep(4 * limits.throughputWindowMs);
    const { error } = await uploadOpened('late/pump', content);
    expect(error).toBeUndefined();
    await expectCommitted('late/pump');
  });

  it('to read: the source is not blamed either', async () => {
    raw.handler = servingBlob();
    const content = await sourceClient(raw, { timeLimits: limits }).openBlob('late/read', BLOB_DESCRIPTOR);
    await sleep(4 * limits.throughputWindowMs);
    expect((await readAll(content)).equals(BLOB)).toBe(true);
    await content.verified;
  });
});

describe('an abort mid-body', () => {
  it('fails the upload as ABORTED, commits nothing and closes the connection', async () => {
    const controller = new AbortController();
    let hungUp: Promise<void> | undefined;
    raw.handler = async (_request, reply) => {
      hungUp = reply.closed;
      await reply.write(rawHead(200, { 'content-length': BLOB.length }));
      await writeInPieces(reply, BLOB.subarray(0, MiB));
      await reply.closed;
    };
    const repo = 'abort/mid-body';
    const upload = { url: await dst.startUpload(repo) };
    const content = await sourceClient(raw, { signal: controller.signal }).openBlob(repo, BLOB_DESCRIPTOR);
    const uploading = dst.uploadBlob(repo, upload, BLOB_DESCRIPTOR, content).catch((e: unknown) => e);
    while (content.bytesReceived < 256 * 1024) await sleep(5);
    controller.abort(new Error('the Lambda is about to time out'));

    expect(await uploading).toMatchObject({ code: 'ABORTED', failureClass: 'transient', message: expect.stringContaining('the Lambda is about to time out') });
    await expect(content.verified).rejects.toMatchObject({ code: 'ABORTED' });
    await hungUp;
    await dst.cancelUpload(repo, upload);
    expect(await blobExists(registries.dst.url, repo, BLOB_DESCRIPTOR.digest)).toBe(false);
  });
});

describe('an error answer on the direct connection', () => {
  const UNAVAILABLE = JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'the storage is busy' }] });
  const answers: ReadonlyArray<[Framing]> = [['length'], ['chunked']];

  /** Answers 503 with a registry error body the first `failures` times, then the blob. */
  function failingFirst(failures: number, framing: Framing): RawHandler {
    const blob = servingBlob();
    let answered = 0;
    return async (request, reply) => {
      if (answered++ >= failures) return blob(request, reply);
      const body = Buffer.from(UNAVAILABLE);
      await reply.end(`${rawHead(503, { 'content-type': 'application/json', ...framingHeaders(framing, body.length) }, 'Service Unavailable')}${framing === 'length' ? UNAVAILABLE : chunkedEncoding(body).toString('latin1')}`);
    };
  }

  const transfer = (repo: string) =>
    new BlobTransfer({ src: sourceClient(), dst, source: parseReference(`${raw.host}/${repo}:v1`), destination: parseReference(`${registries.dst.host}/${repo}:v1`) });

  it.each(answers)('framed by %s: retried, then the blob is copied', async (framing) => {
    raw.handler = failingFirst(2, framing);
    await expect(transfer(`error/${framing}`).copy(BLOB_DESCRIPTOR)).resolves.toBe('copied');
    expect(blobGets().map((r) => r.headers.connection)).toEqual(['close', 'close', 'close']);
    await expectCommitted(`error/${framing}`);
  });

  it.each(answers)('framed by %s, every time: a RegistryResponseError with the registry\'s code after every attempt', async (framing) => {
    raw.handler = failingFirst(Number.POSITIVE_INFINITY, framing);
    const error: unknown = await transfer(`error/always-${framing}`).copy(BLOB_DESCRIPTOR).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryResponseError);
    expect(error).toMatchObject({ status: 503, code: 'UNAVAILABLE', registryCode: 'UNAVAILABLE', failureClass: 'transient' });
    expect(String(error)).toContain('the storage is busy');
    expect(blobGets()).toHaveLength(FAST_RETRY.attempts);
  });
});

describe('over TLS', () => {
  let certDir: string;
  let storage: RawHttpServer;
  let certPem: string;
  const trusted = tls.getCACertificates('default');

  beforeAll(async () => {
    certDir = await mkdtemp(join(tmpdir(), 'direct-tls-'));
    const cert = await createSigningCert(certDir, 'localhost', ['DNS:localhost', 'IP:127.0.0.1']);
    certPem = cert.certPem;
    storage = await startRawHttpServer(servingBlob(), { key: cert.privateKeyPem, cert: cert.certPem });
  });
  afterAll(async () => {
    tls.setDefaultCACertificates(trusted);
    await storage?.stop();
    if (certDir) await rm(certDir, { recursive: true, force: true });
  });
  afterEach(() => {
    tls.setDefaultCACertificates(trusted);
    storage.requests.length = 0;
  });

  /** The loopback registry sends the blob download to HTTPS storage, as registries send it to S3. */
  const redirectingToStorage: RawHandler = (request, reply) => reply.end(rawHead(307, { location: `${storage.url}${request.path}`, 'content-length': 0 }));

  it('pumps a blob from an HTTPS origin whose certificate the defaults trust', async () => {
    tls.setDefaultCACertificates([...trusted, certPem]);
    raw.handler = redirectingToStorage;
    const pools = watchPools();
    const { error } = await transferOnce(sourceClient(), 'tls/pumped');
    expect(error).toBeUndefined();
    await expectCommitted('tls/pumped');
    expect(blobGets(storage).map((r) => r.headers.connection)).toEqual(['close']);
    // The TLS socket read into a pool's buffers (its `onread`), as the TCP one of the redirect did.
    // (Not always within four: a TLS socket hands on every record it has decrypted before a
    // pause takes effect, so a loaded machine now and then sees a fifth buffer made.)
    expect(pools).toHaveLength(2);
    expect(pools.every((pool) => pool.allocated >= READ_BUFFERS)).toBe(true);
  });

  it('reads one as a plain stream', async () => {
    tls.setDefaultCACertificates([...trusted, certPem]);
    raw.handler = redirectingToStorage;
    const content = await sourceClient().openBlob('tls/read', BLOB_DESCRIPTOR);
    expect((await readAll(content)).equals(BLOB)).toBe(true);
    await content.verified;
  });

  it('refuses an origin whose certificate is not trusted, as a transient network error', async () => {
    raw.handler = redirectingToStorage;
    const error: unknown = await sourceClient().openBlob('tls/untrusted', BLOB_DESCRIPTOR).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NETWORK', failureClass: 'transient' });
    expect(String(error)).toMatch(/self[- ]signed certificate/);
  });
});

