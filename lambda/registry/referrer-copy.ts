import pLimit from 'p-limit';
import { MirrorError, errorMessage, failureClassOf } from '../errors.js';
import { settleAll } from '../settle.js';
import { BlobTransfer, transferAll, type BlobOutcome } from './blob-transfer.js';
import type { RegistryClient } from './client.js';
import { RegistryResponseError } from './errors.js';
import { collectTree } from './manifest-tree.js';
import type { Descriptor, Manifest } from './manifest.js';
import { MEDIA_TYPES } from './media-types.js';
import type { ImageReference } from './reference.js';
import { sha256Digest } from './verify-stream.js';
import { ReferrerDiscovery, type FoundReferrer, type SubjectReferrers } from './referrers.js';
import {
  mergeReferrers, parseReferrersList, referrerFacts, referrersTag, serializeReferrersList, type ReferrerDescriptor,
} from './referrers-index.js';

/** Referrers of the image are depth 1, their own referrers (a signature on an SBOM) depth 2, and so on. */
export const MAX_REFERRER_DEPTH = 3;
/** Referrers followed for one image at most; more are reported as refused rather than copied. */
export const MAX_REFERRERS = 500;

export type ReferrerOutcome = 'copied' | 'present' | 'refused';

/** One referrer, as the copy summary lists it. */
export interface ReferrerEntry extends FoundReferrer {
  readonly depth: number;
  /** `present`: the destination already had it, nothing was written. */
  readonly outcome: ReferrerOutcome;
  /** Why it was refused: the destination's answer, as it gave it. */
  readonly reason?: string;
  readonly code?: string;
}

export interface ReferrersSummary {
  readonly copied: number;
  readonly present: number;
  readonly refused: number;
  readonly bytesCopied: number;
  /** How the destination lists referrers: its own referrers API, or indexes under the referrers tag schema that we keep. */
  readonly destinationIndex?: 'referrers-api' | 'tag-schema';
  /** Referrers tag schema indexes written at the destination. */
  readonly indexesWritten: number;
  readonly items: readonly ReferrerEntry[];
  /** Manifests whose referrers the source would not list (an invalid referrers list, say): nothing was copied for them. */
  readonly unlisted?: readonly UnlistedSubject[];
}

export interface UnlistedSubject {
  readonly subject: string;
  readonly depth: number;
  readonly reason: string;
  readonly code: string;
}

export interface ReferrerCopyEnds {
  readonly src: RegistryClient;
  readonly dst: RegistryClient;
  readonly source: ImageReference;
  readonly destination: ImageReference;
  readonly mountFrom?: readonly string[];
  /** Referrers discovered and copied at once. */
  readonly concurrency: number;
  readonly maxDepth?: number;
  readonly onBlob?: (blob: Descriptor, outcome: BlobOutcome) => void;
  /**
   * Runs once before the first referrer is written, e.g. to push the image's manifest by digest
   * so that every subject exists at the destination before anything refers to it.
   */
  readonly beforeFirstWrite?: () => Promise<unknown>;
}

/** A referrer with a subject, to be listed at a destination that keeps referrers tag schema indexes. */
interface Listing {
  readonly subject: string;
  readonly descriptor: ReferrerDescriptor;
  /** Whether its push was answered with `OCI-Subject`; undefined when nothing was pushed (already there). */
  readonly processed?: boolean;
}

interface Copied {
  entry: ReferrerEntry;
  listing?: Listing;
}

/**
 * Copies what refers to an image's manifests (signatures, attestations, SBOMs, VEX): for each,
 * its blobs, then its manifest by digest (a cosign attachment under its tag), byte for byte,
 * then its own referrers, to `MAX_REFERRER_DEPTH`. Where the destination has no referrers API,
 * it merges them into the destination's referrers tag schema indexes. A referrer the destination
 * refuses for good is reported and skipped; anything that may pass on a retry fails the copy.
 */
export class ReferrerCopy {
  private readonly transfer: BlobTransfer;
  private readonly discovery: ReferrerDiscovery;
  private readonly limit;
  private firstWrite: Promise<unknown> | undefined;

  constructor(private readonly ends: ReferrerCopyEnds) {
    this.transfer = new BlobTransfer({ ...ends, ...(ends.onBlob ? { onBlob: ends.onBlob } : {}) });
    this.discovery = new ReferrerDiscovery(ends.src, ends.source.repository);
    this.limit = pLimit(ends.concurrency);
  }

  /** Copies the referrers of `subjects` (the image's manifests) and, recursively, theirs. */
  async copy(subjects: readonly string[]): Promise<ReferrersSummary> {
    const visited = new Set(subjects);
    const seen = new Set<string>();
    const results: Copied[] = [];
    const sourceIndexes = new Map<string, Manifest>();
    const unlisted: UnlistedSubject[] = [];
    let level = [...new Set(subjects)];
    for (let depth = 1; depth <= (this.ends.maxDepth ?? MAX_REFERRER_DEPTH) && level.length > 0; depth++) {
      const found = await settleAll(level.map((subject) => this.limit(() => this.find(subject, depth, unlisted))));
      const candidates: FoundReferrer[] = [];
      for (const listed of found) {
        if (listed.tagSchemaIndex) sourceIndexes.set(listed.subject, listed.tagSchemaIndex);
        for (const referrer of listed.referrers) {
          const key = referrer.tag ?? referrer.digest;
          if (!seen.has(key) && seen.add(key)) candidates.push(referrer);
        }
      }
      const room = Math.max(0, MAX_REFERRERS - results.length);
      const copied = await settleAll(candidates.slice(0, room).map((referrer) => this.limit(() => this.copyOne(referrer, depth))));
      const skipped = candidates.slice(room).map((referrer) => ({ entry: overLimit(referrer, depth) }));
      results.push(...copied, ...skipped);
      level = [];
      for (const { entry } of copied) {
        if (entry.outcome !== 'refused' && !visited.has(entry.digest) && visited.add(entry.digest)) level.push(entry.digest);
      }
    }
    const indexes = await this.maintainIndexes(results, sourceIndexes);
    const items = results.map((r) => r.entry);
    const count = (outcome: ReferrerOutcome) => items.filter((e) => e.outcome === outcome).length;
    return {
      copied: count('copied'),
      present: count('present'),
      refused: count('refused'),
      bytesCopied: this.transfer.bytesCopied,
      ...(indexes.mode ? { destinationIndex: indexes.mode } : {}),
      indexesWritten: indexes.written,
      items,
      ...(unlisted.length > 0 ? { unlisted } : {}),
    };
  }

  /** A source that will not list one manifest's referrers costs that manifest's referrers, not the image. */
  private async find(subject: string, depth: number, unlisted: UnlistedSubject[]): Promise<SubjectReferrers> {
    try {
      return await this.discovery.find(subject);
    } catch (error) {
      if (!isRefusal(error)) throw error;
      unlisted.push({ subject, depth, reason: errorMessage(error), code: (error as MirrorError).code });
      return { subject, referrers: [] };
    }
  }

  private async copyOne(referrer: FoundReferrer, depth: number): Promise<Copied> {
    const { src, dst, source, destination } = this.ends;
    const base = {
      digest: referrer.digest,
      subject: referrer.subject,
      via: referrer.via,
      ...(referrer.tag ? { tag: referrer.tag } : {}),
      ...(referrer.mediaType ? { mediaType: referrer.mediaType } : {}),
      ...(referrer.artifactType ? { artifactType: referrer.artifactType } : {}),
      depth,
    };
    try {
      const manifest = await src.getManifest(source.repository, referrer.digest);
      const facts = referrerFacts(manifest);
      // A cosign attachment is named by its tag; its config's media type would say nothing.
      const artifactType = referrer.via === 'cosign-tag' ? undefined : facts.descriptor.artifactType;
      const known = { ...base, mediaType: manifest.mediaType, ...(artifactType ? { artifactType } : {}) };
      const listing = (processed?: boolean): Listing | undefined =>
        referrer.via === 'cosign-tag' ? undefined : { subject: referrer.subject, descriptor: facts.descriptor, ...(processed === undefined ? {} : { processed }) };
      const reference = referrer.tag ?? referrer.digest;
      const current = await dst.headManifest(destination.repository, reference);
      if (current?.digest === manifest.digest) return withListing({ entry: { ...known, outcome: 'present' } }, listing());
      if (referrer.tag && current) {
        const dropped = await this.signaturesDropped(current.digest, manifest);
        if (dropped > 0) {
          const reason = `the destination's ${referrer.tag} holds ${dropped} signature(s) the source's lacks; left as it is rather than drop them`;
          return { entry: { ...known, outcome: 'refused', reason, code: 'COSIGN_TAG_DIVERGED' } };
        }
      }
      await (this.firstWrite ??= this.ends.beforeFirstWrite?.() ?? Promise.resolve());
      const { children, blobs } = await collectTree(src, source.repository, manifest, 2);
      await transferAll(blobs, (blob) => this.transfer.copy(blob), 2);
      for (const child of children) await dst.putManifest(destination.repository, child.digest, child);
      const pushed = await dst.putManifest(destination.repository, reference, manifest);
      return withListing({ entry: { ...known, outcome: 'copied' } }, listing(facts.subject ? pushed.ociSubject !== undefined : undefined));
    } catch (error) {
      if (!isRefusal(error)) throw error;
      return { entry: { ...base, outcome: 'refused', reason: errorMessage(error), code: (error as MirrorError).code } };
    }
  }

  /**
   * How many layers of the destination's cosign manifest the source's one lacks. Cosign keeps
   * each signature in a layer's annotations (the payload blob is the same for every signer),
   * so a layer is its digest together with its annotations.
   */
  private async signaturesDropped(currentDigest: string, incoming: Manifest): Promise<number> {
    const current = await this.ends.dst.getManifest(this.ends.destination.repository, currentDigest);
    const kept = new Set(layerKeys(incoming));
    return layerKeys(current).filter((key) => !kept.has(key)).length;
  }

  /**
   * Lists the referrers under the referrers tag schema at a destination without the referrers
   * API: pushes not answered with `OCI-Subject` say so, and for referrers that were already
   * there one look at the destination's referrers API does.
   */
  private async maintainIndexes(results: Copied[], sourceIndexes: Map<string, Manifest>): Promise<{ mode?: 'referrers-api' | 'tag-schema'; written: number }> {
    const listings = results.filter((r): r is Copied & { listing: Listing } => r.listing !== undefined && r.entry.outcome !== 'refused');
    if (listings.length === 0) return { written: 0 };
    const unknown = listings.find((r) => r.listing.processed === undefined);
    const hasApi = unknown
      ? (await this.ends.dst.getReferrersPage(this.ends.destination.repository, unknown.listing.subject)) !== undefined
      : undefined;
    const needsIndex = (l: Listing) => (l.processed === undefined ? hasApi === false : !l.processed);
    const bySubject = new Map<string, (Copied & { listing: Listing })[]>();
    for (const r of listings) {
      if (!needsIndex(r.listing)) continue;
      bySubject.set(r.listing.subject, [...(bySubject.get(r.listing.subject) ?? []), r]);
    }
    if (bySubject.size === 0) return { mode: 'referrers-api', written: 0 };
    const written = await settleAll(
      [...bySubject].map(([subject, group]) => this.limit(() => this.updateIndex(subject, group, sourceIndexes.get(subject)))),
    );
    return { mode: 'tag-schema', written: written.filter(Boolean).length };
  }

  /** Merges referrers into the destination's index for `subject`; true when it was written. */
  private async updateIndex(subject: string, group: (Copied & { listing: Listing })[], sourceIndex: Manifest | undefined): Promise<boolean> {
    const { dst, destination } = this.ends;
    const tag = referrersTag(subject);
    const additions = group.map((r) => r.listing.descriptor);
    try {
      const existing = await getIfPresent(dst, destination.repository, tag);
      if (existing && existing.kind !== 'index') {
        throw new MirrorError(`the destination's referrers tag ${tag} names a ${existing.mediaType}, not an index; the referrers are copied but not listed`, {
          code: 'REFERRERS_TAG_NOT_INDEX',
          failureClass: 'permanent',
        });
      }
      const list = existing ? parseReferrersList(existing.bytes, `the destination's referrers tag ${tag}`) : undefined;
      const merged = mergeReferrers(list?.referrers ?? [], additions);
      if (merged.added === 0) return false;
      const index = !existing && sourceIndex && sameDigests(sourceIndex, additions) ? sourceIndex : undefined;
      const bytes = index?.bytes ?? serializeReferrersList(merged.referrers, list?.document);
      await dst.putManifest(destination.repository, tag, { bytes, mediaType: index?.mediaType ?? MEDIA_TYPES.ociIndex, digest: sha256Digest(bytes) });
      return true;
    } catch (error) {
      if (!isRefusal(error)) throw error;
      // Copied, but a verifier reading the tag schema cannot find them: report them as refused.
      for (const r of group) {
        if (r.entry.outcome === 'copied' || r.entry.outcome === 'present') {
          r.entry = { ...r.entry, outcome: 'refused', reason: `not listed in ${tag}: ${errorMessage(error)}`, code: (error as MirrorError).code };
        }
      }
      return false;
    }
  }
}

/** Source bytes are reused as they are when they list exactly the referrers copied, so the index keeps its digest. */
function sameDigests(index: Manifest, additions: readonly ReferrerDescriptor[]): boolean {
  const listed = new Set(index.manifests.map((d) => d.digest));
  return listed.size === additions.length && additions.every((d) => listed.has(d.digest));
}

async function getIfPresent(client: RegistryClient, repository: string, tag: string): Promise<Manifest | undefined> {
  try {
    return await client.getManifest(repository, tag);
  } catch (error) {
    if (error instanceof RegistryResponseError && error.status === 404) return undefined;
    throw error;
  }
}

/**
 * Refused for good, by either side, for this referrer alone: the image is still mirrored. A
 * refused credential is not about one referrer (and the caller may renew it), so it fails the copy.
 */
function isRefusal(error: unknown): boolean {
  if (failureClassOf(error) !== 'permanent') return false;
  return !(error instanceof RegistryResponseError && (error.status === 401 || error.status === 403));
}

function overLimit(referrer: FoundReferrer, depth: number): ReferrerEntry {
  return {
    digest: referrer.digest,
    subject: referrer.subject,
    via: referrer.via,
    ...(referrer.tag ? { tag: referrer.tag } : {}),
    depth,
    outcome: 'refused',
    reason: `more than ${MAX_REFERRERS} referrers; the rest are not copied`,
    code: 'REFERRER_LIMIT',
  };
}

function layerKeys(manifest: Manifest): string[] {
  const doc = JSON.parse(manifest.bytes.toString('utf8')) as { layers?: unknown };
  const layers = Array.isArray(doc.layers) ? (doc.layers as { digest?: unknown; annotations?: unknown }[]) : [];
  return layers.map((layer) => `${String(layer.digest)} ${JSON.stringify(sortedEntries(layer.annotations))}`);
}

function sortedEntries(value: unknown): [string, unknown][] {
  return value !== null && typeof value === 'object' ? Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : [];
}

function withListing(copied: Copied, listing: Listing | undefined): Copied {
  return listing ? { ...copied, listing } : copied;
}
