import { setMaxListeners } from 'node:events';
import { BlobTransfer, transferAll, type BlobOutcome } from './blob-transfer.js';
import { RegistryClient, type RegistryRetry } from './client.js';
import { resolveCopySettings } from './copy-settings.js';
import type { CredentialProvider } from './credentials.js';
import type { Manifest } from './manifest.js';
import { collectTree, selectPlatform } from './manifest-tree.js';
import { formatPlatform, parsePlatform, type Platform } from './platform.js';
import { formatReference, manifestReference, type ImageReference } from './reference.js';
import { ReferrerCopy, type ReferrersSummary } from './referrer-copy.js';
import type { RetryPolicy } from './retry.js';
import { DEFAULT_TIME_LIMITS, SlowRetryBudget, type TimeLimits } from './time-limits.js';
import { DEFAULT_TREE_LIMITS, type TreeLimits } from './tree-limits.js';

export type { BlobOutcome } from './blob-transfer.js';
export type { ReferrerEntry, ReferrersSummary } from './referrer-copy.js';

export interface CopyOptions {
  readonly sourceCredentials: CredentialProvider;
  readonly destinationCredentials: CredentialProvider;
  /**
   * Copy only this platform's manifest (`linux/arm64/v8`) and point the destination tag at it
   * (the CLI's `copy --platform`). Without it the whole image the source names is copied.
   */
  readonly platform?: string | Platform;
  /** Blobs transferred at once. */
  readonly concurrency?: number;
  readonly retry?: RetryPolicy;
  readonly idleTimeoutMs?: number;
  /** Other repositories on the destination registry that may hold the blobs, tried as mount sources. */
  readonly mountFrom?: readonly string[];
  readonly onProgress?: (event: CopyProgress) => void;
  /** Told of each registry request retried, before the wait (for logs and metrics). */
  readonly onRetry?: (retry: RegistryRetry) => void;
  /**
   * Runs once the source manifest is known to exist and before the destination is
   * touched, e.g. to create the destination repository only for an image that exists.
   */
  readonly beforeDestination?: () => Promise<void>;
  /** Stops the copy; the destination tag is not moved, and blobs already sent are kept for the next try. */
  readonly signal?: AbortSignal;
  /**
   * For a source naming a tag and a pinned digest: when its tag has moved on to another
   * digest since, copy by digest only and leave the destination tag alone, so a late or
   * retried older event never rolls the tag back to an older image. When the tag names an
   * index that lists the pinned manifest, the destination tag gets that index, whole.
   */
  readonly tagOnlyIfSourceTagCurrent?: boolean;
  /** Copy the signatures, attestations, SBOMs and other referrers of the image, before its tag moves (default true). */
  readonly referrers?: boolean;
  /** Bounds on the manifests read (defaults: DEFAULT_TREE_LIMITS); tests scale them down. */
  readonly treeLimits?: Partial<TreeLimits>;
  /** Deadlines, the blob throughput floor and slow retries (defaults: DEFAULT_TIME_LIMITS); tests scale them down. */
  readonly timeLimits?: Partial<TimeLimits>;
}

export type CopyProgress =
  | { readonly type: 'resolved'; readonly digest: string; readonly mediaType: string; readonly blobs: number; readonly bytes: number }
  /** A blob's bytes start to flow (again, after a retry); `bytesDone()` reads how many have passed. */
  | { readonly type: 'streaming'; readonly digest: string; readonly size: number; readonly bytesDone: () => number }
  | { readonly type: 'blob'; readonly digest: string; readonly size: number; readonly outcome: BlobOutcome }
  | { readonly type: 'manifest'; readonly digest: string; readonly reference: string };

export interface CopySummary {
  readonly source: string;
  readonly destination: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly platform?: string;
  /** True when the destination already held this digest (under the tag, when one is set): nothing was written. */
  readonly upToDate: boolean;
  /** False when the destination tag was left alone because the source tag had moved on. */
  readonly tagged: boolean;
  readonly manifests: number;
  readonly blobsCopied: number;
  readonly blobsSkipped: number;
  readonly blobsMounted: number;
  readonly bytesCopied: number;
  readonly durationMs: number;
  /** What refers to the image and was copied with it; absent when referrers are not copied. */
  readonly referrers?: ReferrersSummary;
}

/**
 * Copies an image, byte for byte, from one registry to another: blobs first,
 * then child manifests by digest, and the tag last, so a failed copy never
 * moves the destination tag.
 */
export async function copyImage(source: ImageReference, destination: ImageReference, options: CopyOptions): Promise<CopySummary> {
  const started = Date.now();
  const signal = options.signal;
  // Every request in flight listens on it: with many blobs at once that is more than Node's default of 10.
  if (signal) setMaxListeners(0, signal);
  const settings = resolveCopySettings(options);
  const timeLimits = { ...DEFAULT_TIME_LIMITS, ...options.timeLimits, idleTimeoutMs: settings.idleTimeoutMs };
  const common = {
    retry: settings.retry,
    idleTimeoutMs: settings.idleTimeoutMs,
    ...(signal ? { signal } : {}),
    timeLimits,
    // One budget for both ends: the source's slow blob fails inside the destination's upload retry.
    slowRetries: new SlowRetryBudget(timeLimits.slowRetries),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  };
  const src = new RegistryClient(source.registry, { credentials: options.sourceCredentials, actions: 'pull', ...common });
  const dst = new RegistryClient(destination.registry, { credentials: options.destinationCredentials, actions: 'pull,push', ...common });
  const wanted = typeof options.platform === 'string' ? parsePlatform(options.platform) : options.platform;

  const pinned = await src.getManifest(source.repository, manifestReference(source));
  const sourceTag = destination.tag !== undefined && options.tagOnlyIfSourceTagCurrent ? await sourceTagState(src, source) : { current: true };
  const tagged = destination.tag !== undefined && sourceTag.current;
  // The destination tag names what the source tag names: a pinned platform manifest of a
  // multi-arch tag brings the whole index (which holds it), unless a platform was asked for.
  const root = !wanted && sourceTag.index ? sourceTag.index : pinned;
  const target = wanted ? await selectPlatform(src, source, root, wanted) : root;
  const reference = tagged && destination.tag ? destination.tag : target.digest;
  const base = {
    source: formatReference(source),
    destination: formatReference({ ...destination, ...(tagged ? {} : { tag: undefined }), digest: target.digest }),
    digest: target.digest,
    mediaType: target.mediaType,
    ...(wanted ? { platform: formatPlatform(wanted) } : {}),
    tagged,
  };

  const referrers = options.referrers === false ? undefined : new ReferrerCopy({
    src, dst, source, destination, concurrency: settings.concurrency,
    ...(options.mountFrom ? { mountFrom: options.mountFrom } : {}),
    // The image by digest first, so no referrer names a subject the destination lacks; the tag still moves last.
    ...(reference === target.digest ? {} : { beforeFirstWrite: () => dst.putManifest(destination.repository, target.digest, target) }),
  });

  await options.beforeDestination?.();
  // Quirk immutableTagRefusesSameDigest (quirks.ts): read the tag before pushing to it.
  const current = await dst.headManifest(destination.repository, reference);
  if (current?.digest === target.digest) {
    // The image is there, but a signature or VEX statement may have been added since.
    const copied = await referrers?.copy([target.digest, ...target.manifests.map((child) => child.digest)]);
    return {
      ...base, upToDate: true, manifests: 0, blobsCopied: 0, blobsSkipped: 0, blobsMounted: 0, bytesCopied: 0, durationMs: Date.now() - started,
      ...(copied ? { referrers: copied } : {}),
    };
  }

  const treeLimits = { ...DEFAULT_TREE_LIMITS, ...options.treeLimits };
  const { children, blobs } = await collectTree(src, source.repository, target, settings.concurrency, treeLimits, base.source);
  options.onProgress?.({
    type: 'resolved',
    digest: target.digest,
    mediaType: target.mediaType,
    blobs: blobs.length,
    bytes: blobs.reduce((sum, blob) => sum + blob.size, 0),
  });

  const transfer = new BlobTransfer({
    src,
    dst,
    source,
    destination,
    ...(options.mountFrom ? { mountFrom: options.mountFrom } : {}),
    onBlob: (blob, outcome) => options.onProgress?.({ type: 'blob', digest: blob.digest, size: blob.size, outcome }),
    onStreaming: (blob, bytesDone) => options.onProgress?.({ type: 'streaming', digest: blob.digest, size: blob.size, bytesDone }),
  });
  const outcomes = await transferAll(blobs, (blob) => transfer.copy(blob), settings.concurrency);

  // Children before the index, and all of them before the tag moves.
  for (const child of children) {
    await dst.putManifest(destination.repository, child.digest, child);
    options.onProgress?.({ type: 'manifest', digest: child.digest, reference: child.digest });
  }
  // Signatures and attestations too, so a verifier never finds the new tag without them.
  const copied = await referrers?.copy([target.digest, ...children.map((child) => child.digest)]);
  await dst.putManifest(destination.repository, reference, target);
  options.onProgress?.({ type: 'manifest', digest: target.digest, reference });

  const count = (outcome: BlobOutcome) => outcomes.filter((o) => o === outcome).length;
  return {
    ...base,
    upToDate: false,
    manifests: children.length + 1,
    blobsCopied: count('copied'),
    blobsSkipped: count('skipped'),
    blobsMounted: count('mounted'),
    bytesCopied: transfer.bytesCopied,
    durationMs: Date.now() - started,
    ...(copied ? { referrers: copied } : {}),
  };
}

interface SourceTagState {
  /** The source tag still names the pinned digest, or an index listing it (always, when nothing is pinned). */
  readonly current: boolean;
  /** The index the source tag names when the pinned digest is one of its platforms' manifests. */
  readonly index?: Manifest;
}

/**
 * Whether the source's tag still names its pinned digest: the tag's own digest, or one
 * platform's manifest in the index the tag names, since an event for one architecture may
 * pin that architecture's digest under a multi-arch tag.
 */
async function sourceTagState(src: RegistryClient, source: ImageReference): Promise<SourceTagState> {
  if (!source.tag || !source.digest) return { current: true };
  const head = await src.headManifest(source.repository, source.tag);
  if (!head) return { current: false };
  if (head.digest === source.digest) return { current: true };
  const tagged = await src.getManifest(source.repository, head.digest);
  const listsPinned = tagged.kind === 'index' && tagged.manifests.some((child) => child.digest === source.digest);
  return listsPinned ? { current: true, index: tagged } : { current: false };
}
