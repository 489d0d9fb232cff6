import pLimit from 'p-limit';
import { failureClassOf } from '../errors.js';
import { settleEach } from '../settle.js';
import type { MountResult, RegistryClient } from './client.js';
import { DigestMismatchError, SizeMismatchError } from './errors.js';
import type { Descriptor } from './manifest.js';
import type { ImageReference } from './reference.js';

export type BlobOutcome = 'copied' | 'skipped' | 'mounted';

/** Both sides of a copy, as one blob transfer needs them. */
export interface TransferEnds {
  readonly src: RegistryClient;
  readonly dst: RegistryClient;
  readonly source: ImageReference;
  readonly destination: ImageReference;
  /** Other repositories on the destination registry that may hold the blobs, tried as mount sources. */
  readonly mountFrom?: readonly string[];
  readonly onBlob?: (blob: Descriptor, outcome: BlobOutcome) => void;
  /** A blob's bytes started to flow (again, on a retry); `bytesDone` reads how many have passed so far. */
  readonly onStreaming?: (blob: Descriptor, bytesDone: () => number) => void;
}

/** Moves one blob: skip when present, mount when possible, else stream it across. */
export class BlobTransfer {
  bytesCopied = 0;
  private readonly mountSources: readonly string[];
  /** Transfers started, by digest; a failed one is removed. */
  private readonly transfers = new Map<string, Promise<BlobOutcome>>();

  constructor(private readonly ends: TransferEnds) {
    const { source, destination } = ends;
    const sameRegistry = source.registry === destination.registry && source.repository !== destination.repository;
    this.mountSources = [...(sameRegistry ? [source.repository] : []), ...(ends.mountFrom ?? [])].filter(
      (repo) => repo !== destination.repository,
    );
  }

  /**
   * Moves each digest at most once: a second ask for one in flight (several referrers share the
   * empty config `{}`) waits for that transfer and counts as skipped. Two uploads of one blob
   * into one repository send its bytes twice and race at the registry: distribution 2.8 now and
   * then refuses a manifest push made while the second one commits (400 MANIFEST_BLOB_UNKNOWN
   * for a blob it holds). A failed transfer is forgotten, so a later ask tries again.
   */
  async copy(blob: Descriptor): Promise<BlobOutcome> {
    const running = this.transfers.get(blob.digest);
    if (running) {
      await running;
      this.ends.onBlob?.(blob, 'skipped');
      return 'skipped';
    }
    const transfer = this.transfer(blob);
    this.transfers.set(blob.digest, transfer);
    let outcome: BlobOutcome;
    try {
      outcome = await transfer;
    } catch (error) {
      this.transfers.delete(blob.digest);
      throw error;
    }
    this.ends.onBlob?.(blob, outcome);
    return outcome;
  }

  private async transfer(blob: Descriptor): Promise<BlobOutcome> {
    const { src, dst } = this.ends;
    const repo = this.ends.destination.repository;
    if (await dst.blobExists(repo, blob.digest)) return 'skipped';
    let uploadUrl: URL | undefined;
    for (const from of this.mountSources) {
      let result: MountResult;
      try {
        result = await dst.retrying(() => dst.mountBlob(repo, blob.digest, from));
      } catch (error) {
        // A refused mount (no access to that repository, say) is no reason to fail: upload instead.
        if (failureClassOf(error) === 'permanent') continue;
        throw error;
      }
      if (result.mounted) return 'mounted';
      // Each declined mount opened a session: keep the last one, end the one it replaces.
      if (uploadUrl) await dst.cancelUpload(repo, { url: uploadUrl });
      uploadUrl = result.uploadUrl;
    }
    const send = () =>
      dst.retrying(async (attempt) => {
        // A retry starts a fresh upload session: a half-sent one cannot be trusted.
        const upload = { url: attempt === 1 && uploadUrl ? uploadUrl : await dst.startUpload(repo) };
        uploadUrl = undefined;
        try {
          const content = await src.openBlob(this.ends.source.repository, blob);
          this.ends.onStreaming?.(blob, () => content.bytesReceived);
          try {
            await dst.uploadBlob(repo, upload, blob, content);
          } finally {
            content.destroy();
          }
        } catch (error) {
          // An abandoned session would hold its partial bytes on the destination until it expires;
          // after Ctrl-C or the Lambda deadline too, which is when a person notices it most.
          await dst.cancelUpload(repo, upload);
          throw error;
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

/**
 * Runs the transfers with bounded concurrency. The first failure fails the copy: no
 * further transfer starts, and those in flight are let finish (their blobs then need
 * not be sent again when the copy is retried) before it fails, so nothing keeps
 * running after the copy has returned.
 */
export function transferAll(
  blobs: readonly Descriptor[],
  copy: (blob: Descriptor) => Promise<BlobOutcome>,
  concurrency: number,
): Promise<BlobOutcome[]> {
  return settleEach(blobs, copy, pLimit(concurrency));
}
