import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import { failureClassOf } from '../errors.js';
import type { CredentialProvider } from './credentials.js';
import { RegistryClient, type MountResult } from './client.js';
import { PlatformNotFoundError } from './copy-errors.js';
import { DigestMismatchError, SizeMismatchError } from './errors.js';
import type { Descriptor, Manifest } from './manifest.js';
import { formatPlatform, parsePlatform, platformMatches, type Platform } from './platform.js';
import { formatReference, manifestReference, type ImageReference } from './reference.js';
import { readImageConfigPlatform } from './image-config.js';
import type { RetryPolicy } from './retry.js';

export interface CopyOptions {
  readonly sourceCredentials: CredentialProvider;
  readonly destinationCredentials: CredentialProvider;
  /** Copy only this platform's manifest (`linux/arm64/v8`) and point the destination tag at it. */
  readonly platform?: string | Platform;
  /** Blobs transferred at once. */
  readonly concurrency?: number;
  readonly retry?: RetryPolicy;
  readonly idleTimeoutMs?: number;
  /** Other repositories on the destination registry that may hold the blobs, tried as mount sources. */
  readonly mountFrom?: readonly string[];
  readonly onProgress?: (event: CopyProgress) => void;
  /**
   * Runs once the source manifest is known to exist and before the destination is
   * touched, e.g. to create the destination repository only for an image that exists.
   */
  readonly beforeDestination?: () => Promise<void>;
  /** Stops the copy; the destination tag is not moved, and blobs already sent are kept for the next try. */
  readonly signal?: AbortSignal;
}

export type BlobOutcome = 'copied' | 'skipped' | 'mounted';

export type CopyProgress =
  | { readonly type: 'resolved'; readonly digest: string; readonly mediaType: string; readonly blobs: number }
  | { readonly type: 'blob'; readonly digest: string; readonly size: number; readonly outcome: BlobOutcome }
  | { readonly type: 'manifest'; readonly digest: string; readonly reference: string };

export interface CopySummary {
  readonly source: string;
  readonly destination: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly platform?: string;
  /** True when the destination already held this digest under the tag: nothing was read or written. */
  readonly upToDate: boolean;
  readonly manifests: number;
  readonly blobsCopied: number;
  readonly blobsSkipped: number;
  readonly blobsMounted: number;
  readonly bytesCopied: number;
  readonly durationMs: number;
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
  const common = {
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.idleTimeoutMs ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
    ...(signal ? { signal } : {}),
  };
  const src = new RegistryClient(source.registry, { credentials: options.sourceCredentials, actions: 'pull', ...common });
  const dst = new RegistryClient(destination.registry, { credentials: options.destinationCredentials, actions: 'pull,push', ...common });
  const wanted = typeof options.platform === 'string' ? parsePlatform(options.platform) : options.platform;

  const root = await src.getManifest(source.repository, manifestReference(source));
  const target = wanted ? await selectPlatform(src, source, root, wanted) : root;
  const reference = destination.tag ?? target.digest;
  const base = {
    source: formatReference(source),
    destination: formatReference({ ...destination, digest: target.digest }),
    digest: target.digest,
    mediaType: target.mediaType,
    ...(wanted ? { platform: formatPlatform(wanted) } : {}),
  };

  await options.beforeDestination?.();
  const current = await dst.headManifest(destination.repository, reference);
  if (current?.digest === target.digest) {
    return { ...base, upToDate: true, manifests: 0, blobsCopied: 0, blobsSkipped: 0, blobsMounted: 0, bytesCopied: 0, durationMs: Date.now() - started };
  }

  const { children, blobs } = await collectTree(src, source.repository, target, options.concurrency ?? 4);
  options.onProgress?.({ type: 'resolved', digest: target.digest, mediaType: target.mediaType, blobs: blobs.length });

  const transfer = new BlobTransfer(src, dst, source, destination, options);
  const outcomes = await transferAll(blobs, (blob) => transfer.copy(blob), options.concurrency ?? 4);

  // Children before the index, and all of them before the tag moves.
  for (const child of children) {
    await dst.putManifest(destination.repository, child.digest, child);
    options.onProgress?.({ type: 'manifest', digest: child.digest, reference: child.digest });
  }
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
  };
}

/**
 * Runs the transfers with bounded concurrency. The first failure fails the copy: no
 * further transfer starts, and those in flight are let finish (their blobs then need
 * not be sent again when the copy is retried) before it fails, so nothing keeps
 * running after the copy has returned.
 */
async function transferAll(
  blobs: readonly Descriptor[],
  copy: (blob: Descriptor) => Promise<BlobOutcome>,
  concurrency: number,
): Promise<BlobOutcome[]> {
  const limit = pLimit(concurrency);
  let failure: { error: unknown } | undefined;
  const settled = await Promise.allSettled(
    blobs.map((blob) =>
      limit(async () => {
        if (failure) throw failure.error;
        try {
          return await copy(blob);
        } catch (error) {
          failure ??= { error };
          throw error;
        }
      }),
    ),
  );
  if (failure) throw failure.error;
  return settled.map((result) => (result as PromiseFulfilledResult<BlobOutcome>).value);
}

async function selectPlatform(src: RegistryClient, source: ImageReference, root: Manifest, wanted: Platform): Promise<Manifest> {
  const image = formatReference(source);
  if (root.kind === 'image') {
    const config = root.config;
    const own = config ? await src.retrying(() => readImageConfigPlatform(src, source.repository, config)) : undefined;
    if (own && platformMatches(own, wanted)) return root;
    throw new PlatformNotFoundError(image, formatPlatform(wanted), own ? [formatPlatform(own)] : []);
  }
  const match = root.manifests.find((child) => child.platform && platformMatches(child.platform, wanted));
  if (!match) {
    const present = root.manifests.flatMap((child) => (child.platform ? [formatPlatform(child.platform)] : []));
    throw new PlatformNotFoundError(image, formatPlatform(wanted), present);
  }
  return src.getManifest(source.repository, match.digest);
}

/** Every child manifest (deepest first) and every distinct blob below `root`. */
async function collectTree(src: RegistryClient, repository: string, root: Manifest, concurrency: number) {
  const children: Manifest[] = [];
  const blobs = new Map<string, Descriptor>();
  const limit = pLimit(concurrency);
  const visit = async (manifest: Manifest): Promise<void> => {
    for (const blob of manifest.blobs) if (!blobs.has(blob.digest)) blobs.set(blob.digest, blob);
    const fetched = await Promise.all(manifest.manifests.map((d) => limit(() => src.getManifest(repository, d.digest))));
    for (const child of fetched) await visit(child);
    children.push(...fetched);
  };
  await visit(root);
  return { children: dedupe(children), blobs: [...blobs.values()] };
}

function dedupe(manifests: Manifest[]): Manifest[] {
  const seen = new Set<string>();
  return manifests.filter((m) => !seen.has(m.digest) && seen.add(m.digest));
}

/** Moves one blob: skip when present, mount when possible, else stream it across. */
class BlobTransfer {
  bytesCopied = 0;
  private readonly mountSources: readonly string[];

  constructor(
    private readonly src: RegistryClient,
    private readonly dst: RegistryClient,
    private readonly source: ImageReference,
    private readonly destination: ImageReference,
    private readonly options: CopyOptions,
  ) {
    const sameRegistry = source.registry === destination.registry && source.repository !== destination.repository;
    this.mountSources = [...(sameRegistry ? [source.repository] : []), ...(options.mountFrom ?? [])].filter(
      (repo) => repo !== destination.repository,
    );
  }

  async copy(blob: Descriptor): Promise<BlobOutcome> {
    const outcome = await this.transfer(blob);
    this.options.onProgress?.({ type: 'blob', digest: blob.digest, size: blob.size, outcome });
    return outcome;
  }

  private async transfer(blob: Descriptor): Promise<BlobOutcome> {
    const repo = this.destination.repository;
    if (await this.dst.blobExists(repo, blob.digest)) return 'skipped';
    let uploadUrl: URL | undefined;
    for (const from of this.mountSources) {
      let result: MountResult;
      try {
        result = await this.dst.retrying(() => this.dst.mountBlob(repo, blob.digest, from));
      } catch (error) {
        // A refused mount (no access to that repository, say) is no reason to fail: upload instead.
        if (failureClassOf(error) === 'permanent') continue;
        throw error;
      }
      if (result.mounted) return 'mounted';
      uploadUrl = result.uploadUrl;
    }
    const send = () =>
      this.dst.retrying(async (attempt) => {
        // A retry starts a fresh upload session: a half-sent one cannot be trusted.
        const url = attempt === 1 && uploadUrl ? uploadUrl : await this.dst.startUpload(repo);
        uploadUrl = undefined;
        const content = await this.src.openBlob(this.source.repository, blob);
        try {
          await this.dst.uploadBlob(repo, url, blob, content);
        } finally {
          content.destroy();
        }
      });
    try {
      await send();
    } catch (error) {
      // Bytes damaged once in transit deserve one more read; damaged twice, the source itself is bad.
      if (!(error instanceof DigestMismatchError || error instanceof SizeMismatchError)) throw error;
      await send();
    }
    this.bytesCopied += blob.size;
    return 'copied';
  }
}
