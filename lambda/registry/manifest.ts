import { isValidDigest } from './reference.js';
import { InvalidManifestError } from './errors.js';
import { INDEX_TYPES, IMAGE_TYPES, MEDIA_TYPES, SCHEMA1_TYPES, baseMediaType, isNonDistributable } from './media-types.js';
import type { Platform } from './platform.js';

/** PutImage's limit, and the spec's recommended minimum a registry must accept. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly platform?: Platform;
}

/** A manifest as fetched: its exact bytes plus what a copy needs to know about them. */
export interface Manifest {
  readonly bytes: Buffer;
  readonly digest: string;
  /** The media type to push it with: the document's own, else the registry's Content-Type. */
  readonly mediaType: string;
  readonly kind: 'index' | 'image';
  /** Index: the child manifests. Image: none. */
  readonly manifests: readonly Descriptor[];
  /** Image: config, layers (non-distributable ones left out) and artifact blobs. Index: none. */
  readonly blobs: readonly Descriptor[];
  /** Image: its config descriptor, for platform checks. */
  readonly config?: Descriptor;
}

/** Parses and validates manifest bytes whose digest the caller has already verified. */
export function parseManifest(bytes: Buffer, digest: string, contentType: string | undefined): Manifest {
  if (bytes.length > MAX_MANIFEST_BYTES) {
    throw new InvalidManifestError(`manifest ${digest} is ${bytes.length} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit`);
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new InvalidManifestError(`manifest ${digest} is not valid JSON`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new InvalidManifestError(`manifest ${digest} is not a JSON object`);
  }
  const doc = json as Record<string, unknown>;
  const headerType = baseMediaType(contentType);
  if (doc.schemaVersion === 1 || (headerType && SCHEMA1_TYPES.has(headerType))) {
    throw new InvalidManifestError(
      `manifest ${digest} is Docker schema 1, deprecated since 2017 and refused by ECR; rebuild or re-push the image with a current client`,
    );
  }
  const mediaType = resolveMediaType(doc, headerType, digest);
  if (INDEX_TYPES.has(mediaType)) {
    return { bytes, digest, mediaType, kind: 'index', manifests: descriptors(doc.manifests, 'manifests', digest), blobs: [] };
  }
  const config = doc.config === undefined ? undefined : descriptor(doc.config, 'config', digest);
  const layers = doc.layers === undefined ? [] : descriptors(doc.layers, 'layers', digest);
  const artifactBlobs = doc.blobs === undefined ? [] : descriptors(doc.blobs, 'blobs', digest);
  if (mediaType !== MEDIA_TYPES.ociArtifactManifest && !config) {
    throw new InvalidManifestError(`manifest ${digest} has no config descriptor`);
  }
  const blobs = [...(config ? [config] : []), ...layers, ...artifactBlobs].filter((d) => !isNonDistributable(d.mediaType));
  return { bytes, digest, mediaType, kind: 'image', manifests: [], blobs, ...(config ? { config } : {}) };
}

function resolveMediaType(doc: Record<string, unknown>, headerType: string | undefined, digest: string): string {
  const own = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  // OCI made the field optional at first, so fall back to the header, then to the document's shape.
  const shape = Array.isArray(doc.manifests) ? MEDIA_TYPES.ociIndex : doc.config ? MEDIA_TYPES.ociManifest : undefined;
  const known = (t: string | undefined) => t !== undefined && (INDEX_TYPES.has(t) || IMAGE_TYPES.has(t));
  const chosen = [own, headerType, shape].find(known);
  if (!chosen) {
    throw new InvalidManifestError(`manifest ${digest} has unsupported media type "${own ?? headerType ?? 'none'}"`);
  }
  return chosen;
}

function descriptors(value: unknown, field: string, digest: string): Descriptor[] {
  if (!Array.isArray(value)) throw new InvalidManifestError(`manifest ${digest}: "${field}" is not a list`);
  return value.map((item, i) => descriptor(item, `${field}[${i}]`, digest));
}

function descriptor(value: unknown, field: string, digest: string): Descriptor {
  const fail = (why: string) => new InvalidManifestError(`manifest ${digest}: ${field} ${why}`);
  if (value === null || typeof value !== 'object') throw fail('is not an object');
  const d = value as Record<string, unknown>;
  if (typeof d.mediaType !== 'string' || d.mediaType === '') throw fail('has no mediaType');
  if (typeof d.digest !== 'string' || !isValidDigest(d.digest)) throw fail(`has an unsupported digest "${String(d.digest)}"`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw fail('has an invalid size');
  const platform = parsePlatformField(d.platform);
  return { mediaType: d.mediaType, digest: d.digest, size: d.size, ...(platform ? { platform } : {}) };
}

function parsePlatformField(value: unknown): Platform | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const p = value as Record<string, unknown>;
  if (typeof p.os !== 'string' || typeof p.architecture !== 'string') return undefined;
  const variant = typeof p.variant === 'string' && p.variant !== '' ? p.variant : undefined;
  return variant ? { os: p.os, architecture: p.architecture, variant } : { os: p.os, architecture: p.architecture };
}
