// Pushes images with layers of hundreds of MiB for the benchmark without holding a layer
// in memory: layer bytes are generated, hashed and streamed in one pass (loopback http only).
import { createCipheriv, createHash, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { putManifest, startUpload, uploadBlob } from './distribution-api.js';
import { authHeaders, type Headers, type RegistryAuth } from './image-auth.js';
import type { PushedImage } from './images.js';
import { MEDIA_TYPES, type ImageFormat, type Platform } from './media-types.js';

export interface LargeImageOptions {
  /** Layer sizes in bytes, e.g. four of 256 MiB and one of 2 GiB. */
  layers: number[];
  format?: ImageFormat;
  auth?: RegistryAuth;
  /** Same seed and sizes → same bytes and digests; layer i is generated from `${seed}/${i}` (default: a fresh random seed). */
  seed?: string;
  chunkSize?: number;
}

/** A pushed image whose layers are too large to keep: regenerate them from `seed` instead. */
export interface LargeImage extends Omit<PushedImage, 'blobs'> {
  seed: string;
}

const MiB = 1024 * 1024;

export async function pushLargeRandomImage(
  registryUrl: string, repo: string, tag: string, options: LargeImageOptions,
): Promise<LargeImage> {
  const format = options.format ?? 'oci';
  const types = MEDIA_TYPES[format];
  const seed = options.seed ?? randomUUID();
  const headers = await authHeaders(registryUrl, repo, options.auth);
  const layerDigests: string[] = [];
  for (const [i, size] of options.layers.entries()) {
    layerDigests.push(await streamLayer(registryUrl, repo, headers, randomChunks(`${seed}/${i}`, size, options.chunkSize)));
  }
  const platform: Platform = { os: 'linux', architecture: 'amd64' };
  const config = Buffer.from(JSON.stringify({ ...platform, rootfs: { type: 'layers', diff_ids: layerDigests } }));
  const configDigest = await uploadBlob(registryUrl, repo, config, headers);
  const manifest = {
    schemaVersion: 2,
    mediaType: types.manifest,
    config: { mediaType: types.config, digest: configDigest, size: config.length },
    layers: options.layers.map((size, i) => ({ mediaType: types.layer, digest: layerDigests[i], size })),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const digest = await putManifest(registryUrl, repo, tag, manifestBytes, types.manifest, headers);
  const totalBytes = config.length + options.layers.reduce((sum, size) => sum + size, 0);
  return { digest, mediaType: types.manifest, manifestBytes, configDigest, layerDigests, totalBytes, platform, seed };
}

/**
 * Deterministic pseudo-random bytes: AES-256-CTR keystream keyed by the seed. It runs at
 * GB/s (unlike hashing a counter) and lets a benchmark regenerate a layer to verify it.
 */
export function* randomChunks(seed: string, size: number, chunkSize = MiB): Generator<Uint8Array> {
  const key = createHash('sha256').update(`key:${seed}`).digest();
  const iv = createHash('sha256').update(`iv:${seed}`).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  const zeros = Buffer.alloc(chunkSize);
  for (let left = size; left > 0; left -= chunkSize) {
    yield cipher.update(left >= chunkSize ? zeros : zeros.subarray(0, left));
  }
}

/**
 * Streams one layer with POST → PATCH (chunked body) → PUT ?digest=. The digest is only
 * needed at the final PUT, so hashing alongside the upload avoids generating the bytes
 * twice, which a monolithic PUT (digest up front) would require.
 */
async function streamLayer(registryUrl: string, repo: string, headers: Headers, chunks: Iterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256');
  const upload = await startUpload(registryUrl, repo, headers);
  function* hashing(): Generator<Uint8Array> {
    for (const chunk of chunks) {
      hash.update(chunk);
      yield chunk;
    }
  }
  const patched = await streamingPatch(upload, { ...headers, 'content-type': 'application/octet-stream' }, Readable.from(hashing()));
  if (patched.status !== 202 || patched.location === undefined) throw new Error(`PATCH layer answered ${patched.status}`);
  const digest = `sha256:${hash.digest('hex')}`;
  const finish = new URL(patched.location, registryUrl);
  finish.searchParams.set('digest', digest);
  const put = await fetch(finish, { method: 'PUT', headers: { ...headers, 'content-length': '0' } });
  if (put.status !== 201) throw new Error(`PUT layer ${digest} answered ${put.status}: ${await put.text()}`);
  await put.body?.cancel();
  return digest;
}

/**
 * node:http rather than fetch: Node 20's fetch keeps every chunk of a streamed request
 * body alive until the request ends (nodejs/undici#4058), i.e. a 2 GiB layer in memory.
 * pipe() only pulls the next chunk when the socket drains.
 */
async function streamingPatch(url: URL, headers: Headers, body: Readable): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'PATCH', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    body.on('error', (error) => req.destroy(error));
    body.pipe(req);
  });
}

/** The digest a seeded layer will have, without uploading it (reads the bytes once). */
export function randomLayerDigest(seed: string, size: number): string {
  const hash = createHash('sha256');
  for (const chunk of randomChunks(seed, size)) hash.update(chunk);
  return `sha256:${hash.digest('hex')}`;
}
