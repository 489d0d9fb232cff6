import { InvalidManifestError } from './errors.js';
import type { Manifest } from './manifest.js';
import { MEDIA_TYPES } from './media-types.js';
import { isValidDigest } from './reference.js';

/**
 * One entry of a referrers list (the referrers API's answer, or the index under the
 * referrers tag schema): a descriptor with the referrer's `artifactType` and annotations.
 * `fields` keeps the entry exactly as listed, so merging never rewrites what others wrote.
 */
export interface ReferrerDescriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly artifactType?: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A referrers list as an image index document: its entries, and the document's other fields. */
export interface ReferrersList {
  readonly referrers: readonly ReferrerDescriptor[];
  readonly document: Readonly<Record<string, unknown>>;
}

/**
 * The referrers tag schema's tag for a digest: the algorithm cut to 32 characters, `-`, the
 * encoded part cut to 64, with every character a tag may not hold replaced by `-`.
 */
export function referrersTag(digest: string): string {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon).slice(0, 32);
  const encoded = digest.slice(colon + 1).slice(0, 64);
  return `${algorithm}-${encoded}`.replace(/[^A-Za-z0-9_.-]/g, '-');
}

/** Cosign's tags for what it attaches to a digest: signatures, attestations, SBOMs. */
export const COSIGN_SUFFIXES = ['sig', 'att', 'sbom'] as const;

export function cosignTags(digest: string): string[] {
  return COSIGN_SUFFIXES.map((suffix) => `${referrersTag(digest)}.${suffix}`);
}

/** Parses a referrers list; an entry without a usable digest, media type or size is an invalid list. */
export function parseReferrersList(bytes: Buffer, what: string): ReferrersList {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new InvalidManifestError(`${what} is not valid JSON`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new InvalidManifestError(`${what} is not a JSON object`);
  const document = json as Record<string, unknown>;
  const manifests = document.manifests ?? [];
  if (!Array.isArray(manifests)) throw new InvalidManifestError(`${what}: "manifests" is not a list`);
  const referrers = manifests.map((entry: unknown, i) => {
    const fail = (why: string) => new InvalidManifestError(`${what}: manifests[${i}] ${why}`);
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw fail('is not an object');
    const fields = entry as Record<string, unknown>;
    if (typeof fields.digest !== 'string' || !isValidDigest(fields.digest)) throw fail(`has an unsupported digest "${String(fields.digest)}"`);
    if (typeof fields.mediaType !== 'string' || fields.mediaType === '') throw fail('has no mediaType');
    if (typeof fields.size !== 'number' || !Number.isSafeInteger(fields.size) || fields.size < 0) throw fail('has an invalid size');
    const artifactType = typeof fields.artifactType === 'string' && fields.artifactType !== '' ? fields.artifactType : undefined;
    return { mediaType: fields.mediaType, digest: fields.digest, size: fields.size, ...(artifactType ? { artifactType } : {}), fields };
  });
  return { referrers, document };
}

/** What a manifest says about itself as a referrer: its subject, and the descriptor a referrers list gives it. */
export interface ReferrerFacts {
  readonly subject?: string;
  readonly descriptor: ReferrerDescriptor;
}

/**
 * The descriptor the distribution spec has a client add to a referrers list for a pushed
 * manifest: its `artifactType`, else (for an image manifest) its config's media type, and
 * every annotation it carries.
 */
export function referrerFacts(manifest: Manifest): ReferrerFacts {
  const doc = JSON.parse(manifest.bytes.toString('utf8')) as Record<string, unknown>;
  const own = typeof doc.artifactType === 'string' && doc.artifactType !== '' ? doc.artifactType : undefined;
  const configType = manifest.kind === 'image' ? manifest.config?.mediaType : undefined;
  const artifactType = own ?? configType;
  const annotations = isObject(doc.annotations) ? doc.annotations : undefined;
  const fields: Record<string, unknown> = {
    mediaType: manifest.mediaType,
    digest: manifest.digest,
    size: manifest.bytes.length,
    ...(artifactType ? { artifactType } : {}),
    ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
  const subject = isObject(doc.subject) && typeof doc.subject.digest === 'string' && isValidDigest(doc.subject.digest) ? doc.subject.digest : undefined;
  const descriptor = { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length, ...(artifactType ? { artifactType } : {}), fields };
  return subject ? { subject, descriptor } : { descriptor };
}

/** The list with `additions` appended where their digest is not listed yet: nothing is ever dropped or reordered. */
export function mergeReferrers(
  existing: readonly ReferrerDescriptor[],
  additions: readonly ReferrerDescriptor[],
): { readonly referrers: readonly ReferrerDescriptor[]; readonly added: number } {
  const listed = new Set(existing.map((d) => d.digest));
  const fresh = additions.filter((d) => !listed.has(d.digest) && listed.add(d.digest));
  return { referrers: [...existing, ...fresh], added: fresh.length };
}

/** An image index document listing `referrers`, keeping the other fields of the document it replaces. */
export function serializeReferrersList(referrers: readonly ReferrerDescriptor[], previous?: Readonly<Record<string, unknown>>): Buffer {
  const document = { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, ...previous };
  Object.assign(document, { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: referrers.map((d) => d.fields) });
  return Buffer.from(JSON.stringify(document));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
