// Pushes and reads test images with plain fetch and the distribution API: independent of
// lambda/ so the client under test is checked against an outside view of the registry.
import { randomBytes } from 'node:crypto';
import { sha256Digest, putManifest, uploadBlob } from './distribution-api.js';
import { authHeaders, type Headers, type RegistryAuth } from './image-auth.js';
import { MEDIA_TYPES, type ImageFormat, type Platform } from './media-types.js';

export type { RegistryAuth } from './image-auth.js';
export { MEDIA_TYPES, type ImageFormat, type Platform } from './media-types.js';
export {
  blobExists, fetchBlob, fetchManifest, listImages, manifestExists, sha256Digest, type FetchedManifest,
} from './distribution-api.js';
export { pushLargeRandomImage, type LargeImage, type LargeImageOptions } from './large-image.js';

export interface PushedImage {
  digest: string;
  mediaType: string;
  manifestBytes: Uint8Array;
  configDigest: string;
  layerDigests: string[];
  /** Config plus layer sizes: what a copy has to move besides the manifest. */
  totalBytes: number;
  /** Every blob by digest (config and layers), e.g. to serve from a blob server or compare after a mirror. */
  blobs: Map<string, Uint8Array>;
  platform: Platform;
}

export interface PushedIndex {
  digest: string;
  mediaType: string;
  manifestBytes: Uint8Array;
  children: PushedImage[];
}

/** Monolithic upload of one blob; returns its digest. */
export async function pushBlob(registryUrl: string, repo: string, bytes: Uint8Array, auth?: RegistryAuth): Promise<string> {
  return uploadBlob(registryUrl, repo, bytes, await authHeaders(registryUrl, repo, auth));
}

/** PUTs manifest bytes as-is under a tag or digest; returns the digest. */
export async function pushManifest(
  registryUrl: string, repo: string, reference: string, bytes: Uint8Array, mediaType: string, auth?: RegistryAuth,
): Promise<string> {
  return putManifest(registryUrl, repo, reference, bytes, mediaType, await authHeaders(registryUrl, repo, auth));
}

export interface RandomImageOptions {
  /** Layer sizes in bytes (default two small layers). */
  layers?: number[];
  format?: ImageFormat;
  platform?: Platform;
  auth?: RegistryAuth;
}

export async function pushRandomImage(
  registryUrl: string, repo: string, tag: string, options: RandomImageOptions = {},
): Promise<PushedImage> {
  const headers = await authHeaders(registryUrl, repo, options.auth);
  return pushImage(registryUrl, repo, tag, options, headers);
}

export interface MultiArchOptions {
  /** `os/arch[/variant]`, e.g. `linux/arm64/v8`. */
  platforms: string[];
  format?: ImageFormat;
  layers?: number[];
  auth?: RegistryAuth;
}

/** Pushes one image per platform by digest, then the index under `tag` (children must exist first). */
export async function pushMultiArchImage(
  registryUrl: string, repo: string, tag: string, options: MultiArchOptions,
): Promise<PushedIndex> {
  const format = options.format ?? 'oci';
  const headers = await authHeaders(registryUrl, repo, options.auth);
  const children: PushedImage[] = [];
  for (const platform of options.platforms.map(parsePlatform)) {
    children.push(await pushImage(registryUrl, repo, undefined, { ...options, format, platform }, headers));
  }
  const mediaType = MEDIA_TYPES[format].index;
  const index = {
    schemaVersion: 2,
    mediaType,
    manifests: children.map((c) => ({ mediaType: c.mediaType, digest: c.digest, size: c.manifestBytes.length, platform: c.platform })),
  };
  const manifestBytes = Buffer.from(JSON.stringify(index));
  const digest = await putManifest(registryUrl, repo, tag, manifestBytes, mediaType, headers);
  return { digest, mediaType, manifestBytes, children };
}

async function pushImage(
  registryUrl: string, repo: string, tag: string | undefined, options: RandomImageOptions, headers: Headers,
): Promise<PushedImage> {
  const format = options.format ?? 'oci';
  const platform = options.platform ?? { os: 'linux', architecture: 'amd64' };
  const types = MEDIA_TYPES[format];
  const layers = (options.layers ?? [512, 1024]).map((size) => new Uint8Array(randomBytes(size)));
  const layerDigests = layers.map(sha256Digest);
  // A real image config: the layers "uncompressed" digests stand in as diff_ids.
  const config = Buffer.from(JSON.stringify({ ...platform, rootfs: { type: 'layers', diff_ids: layerDigests } }));
  const blobs = new Map<string, Uint8Array>();
  for (const blob of [config, ...layers]) blobs.set(await uploadBlob(registryUrl, repo, blob, headers), blob);
  const configDigest = sha256Digest(config);
  const manifest = {
    schemaVersion: 2,
    mediaType: types.manifest,
    config: { mediaType: types.config, digest: configDigest, size: config.length },
    layers: layers.map((l, i) => ({ mediaType: types.layer, digest: layerDigests[i], size: l.length })),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const digest = await putManifest(registryUrl, repo, tag ?? sha256Digest(manifestBytes), manifestBytes, types.manifest, headers);
  const totalBytes = config.length + layers.reduce((sum, l) => sum + l.length, 0);
  return { digest, mediaType: types.manifest, manifestBytes, configDigest, layerDigests, totalBytes, blobs, platform };
}

export function parsePlatform(text: string): Platform {
  const [os, architecture, variant] = text.split('/');
  if (!os || !architecture) throw new Error(`platform "${text}" is not os/arch[/variant]`);
  return variant ? { os, architecture, variant } : { os, architecture };
}
