import { pipeline } from 'node:stream';
import { RegistryAuth } from './auth.js';
import type { CredentialProvider } from './credentials.js';
import { MirrorError, errorMessage } from '../errors.js';
import { DigestMismatchError, InvalidManifestError, RegistryProtocolError, RegistryResponseError } from './errors.js';
import { discardBody, header, readBody, type HttpResponse } from './http.js';
import { MAX_MANIFEST_BYTES, parseManifest, type Descriptor, type Manifest } from './manifest.js';
import { MANIFEST_ACCEPT, MEDIA_TYPES, baseMediaType } from './media-types.js';
import { nextLink, nextPageUrl } from './pagination.js';
import { InvalidReferenceError, isValidDigest, isValidRepository, isValidTag } from './reference.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from './retry.js';
import { RegistrySession } from './session.js';
import { answeredUrl, assertSecureUrl, registryBaseUrl } from './scheme.js';
import { BlobCheck } from './blob-check.js';
import { SocketBody } from './socket-body.js';
import { ThroughputGuard, ThroughputMeter } from './throughput.js';
import { DEFAULT_TIME_LIMITS, SlowRetryBudget, type TimeLimits } from './time-limits.js';
import { VerifyingStream, sha256Digest, type BlobStream } from './verify-stream.js';

export interface RegistryClientOptions {
  readonly credentials: CredentialProvider;
  /** `pull` for a source, `pull,push` for a destination: one token covers every call on a repository. */
  readonly actions: 'pull' | 'pull,push';
  readonly retry?: RetryPolicy;
  /** Deadlines and the blob throughput floor; `idleTimeoutMs` below, when set, overrides its idle timeout. */
  readonly timeLimits?: TimeLimits;
  readonly idleTimeoutMs?: number;
  /** Shared by the clients of one copy, so a slow source is retried only so often in all (default: this client's own). */
  readonly slowRetries?: SlowRetryBudget;
  /** Stops every request and retry of this client. */
  readonly signal?: AbortSignal;
  /** Told of each retry this client makes, before it waits. */
  readonly onRetry?: (retry: RegistryRetry) => void;
}

/** One failed attempt about to be retried, as logs and metrics report it. */
export interface RegistryRetry {
  /** The registry the client talks to (`host[:port]`). */
  readonly registry: string;
  /** The status it answered, when it answered. */
  readonly status?: number;
  readonly code: string;
  /** The attempt that failed, from 1. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: string;
}

export interface ManifestHead {
  readonly digest: string;
  readonly mediaType?: string;
}

/** An open blob upload: its URL changes with each answer, as the registry's state token does. */
export interface UploadSession {
  url: URL;
}

/** Entries asked for per listing page; registries may send fewer. */
export const LIST_PAGE_SIZE = 1000;
/** A listing longer than this many pages is a registry sending pages forever. */
const MAX_LIST_PAGES = 10_000;
const LIST_PAGE_BYTES = 8 * 1024 * 1024;

export type MountResult = { readonly mounted: true } | { readonly mounted: false; readonly uploadUrl: URL };

export interface PushedManifest {
  /** The registry's `OCI-Subject` answer: it processed the manifest's `subject` (it has the referrers API). */
  readonly ociSubject?: string;
}

/** One page of a referrers API answer: the index's exact bytes, and the next page's URL from `Link`. */
export interface ReferrersPage {
  readonly bytes: Buffer;
  readonly next?: URL;
}

/**
 * One registry's OCI Distribution API: manifests and blobs, with auth and redirects. Retries
 * happen at exactly one level: the manifest and existence calls retry themselves (each says
 * "Retried"); the blob transfer calls do not (each says "Not retried"), because the caller
 * retries the whole transfer they belong to with `retrying`. Nothing retried calls anything
 * retried, so one failing request is tried at most `retry.attempts` times.
 */
export class RegistryClient {
  readonly baseUrl: URL;
  private readonly retry: RetryPolicy;
  private readonly session: RegistrySession;
  private readonly limits: TimeLimits;
  private readonly slowRetries: SlowRetryBudget;
  /** For clean-up after a failure or an abort: not bound to the client's signal, and short. */
  private readonly cleanupSession: () => RegistrySession;

  constructor(
    readonly registry: string,
    private readonly options: RegistryClientOptions,
  ) {
    this.baseUrl = registryBaseUrl(registry);
    this.retry = options.retry ?? DEFAULT_RETRY;
    const limits = options.timeLimits ?? DEFAULT_TIME_LIMITS;
    this.limits = options.idleTimeoutMs ? { ...limits, idleTimeoutMs: options.idleTimeoutMs } : limits;
    this.slowRetries = options.slowRetries ?? new SlowRetryBudget(this.limits.slowRetries);
    const { idleTimeoutMs, requestDeadlineMs } = this.limits;
    const signal = options.signal ? { signal: options.signal } : {};
    const auth = new RegistryAuth(registry, this.baseUrl, options.credentials, { idleTimeoutMs, requestDeadlineMs, ...signal });
    this.session = new RegistrySession(this.baseUrl, auth, { idleTimeoutMs, requestDeadlineMs, ...signal });
    this.cleanupSession = () =>
      new RegistrySession(this.baseUrl, auth, {
        idleTimeoutMs: CLEANUP_TIMEOUT_MS,
        requestDeadlineMs: CLEANUP_TIMEOUT_MS,
        signal: AbortSignal.timeout(CLEANUP_TIMEOUT_MS),
      });
  }

  /** Fetches a manifest's exact bytes and verifies them against the digest asked for or announced. Retried. */
  getManifest(repository: string, reference: string): Promise<Manifest> {
    return this.retrying(() => this.fetchManifestOnce(repository, reference));
  }

  private async fetchManifestOnce(repository: string, reference: string): Promise<Manifest> {
    const res = await this.session.exchange({
      method: 'GET',
      url: this.url(repository, 'manifests', reference),
      scopes: this.scopes(repository),
      headers: { accept: MANIFEST_ACCEPT },
      ok: [200],
    });
    const declared = Number(header(res, 'content-length') ?? '0');
    const tooLarge = () =>
      new InvalidManifestError(`manifest ${repository}:${reference} is over the ${MAX_MANIFEST_BYTES}-byte limit`);
    if (declared > MAX_MANIFEST_BYTES) {
      res.body.destroy();
      throw tooLarge();
    }
    const bytes = await readBody(res, MAX_MANIFEST_BYTES, tooLarge);
    const digest = sha256Digest(bytes);
    const expected = isValidDigest(reference) ? reference : header(res, 'docker-content-digest');
    if (expected && expected !== digest) throw new DigestMismatchError(`manifest ${repository}@${reference}`, expected, digest);
    return parseManifest(bytes, digest, header(res, 'content-type'));
  }

  /** The digest a tag or digest currently resolves to, or undefined when it does not exist. Retried. */
  headManifest(repository: string, reference: string): Promise<ManifestHead | undefined> {
    return this.retrying(async () => {
      const res = await this.session.exchange({
        method: 'HEAD',
        url: this.url(repository, 'manifests', reference),
        scopes: this.scopes(repository),
        headers: { accept: MANIFEST_ACCEPT },
        ok: [200, 404],
      });
      await discardBody(res);
      if (res.status === 404) return undefined;
      const digest = header(res, 'docker-content-digest');
      const mediaType = baseMediaType(header(res, 'content-type'));
      // Quirk headWithoutDigest (quirks.ts): fall back to fetching the bytes, within this attempt.
      if (!digest || !isValidDigest(digest)) return { digest: (await this.fetchManifestOnce(repository, reference)).digest };
      return mediaType ? { digest, mediaType } : { digest };
    });
  }

  /** Pushes a manifest's exact bytes under a tag or its digest. Retried. */
  putManifest(repository: string, reference: string, manifest: Pick<Manifest, 'bytes' | 'mediaType' | 'digest'>): Promise<PushedManifest> {
    return this.retrying(async () => {
      const res = await this.session.exchange({
        method: 'PUT',
        url: this.url(repository, 'manifests', reference),
        scopes: this.scopes(repository),
        headers: { 'content-type': manifest.mediaType, 'content-length': String(manifest.bytes.length) },
        body: manifest.bytes,
        ok: [200, 201, 202, 204],
      });
      await discardBody(res);
      const stored = header(res, 'docker-content-digest');
      if (stored && isValidDigest(stored) && stored !== manifest.digest) {
        throw new DigestMismatchError(`manifest pushed to ${repository}:${reference}`, manifest.digest, stored);
      }
      const ociSubject = header(res, 'oci-subject');
      return ociSubject ? { ociSubject } : {};
    });
  }

  /**
   * One page of `GET /v2/<repository>/referrers/<digest>` (the first, or the `next` a previous
   * page named); undefined when the registry has no referrers API (404, or 405/501 from one
   * that does not know the route), which sends the caller to the referrers tag schema. Retried.
   */
  getReferrersPage(repository: string, digest: string, next?: URL): Promise<ReferrersPage | undefined> {
    const url = next ?? this.url(repository, 'referrers', digest);
    if (url.origin !== this.baseUrl.origin || !url.pathname.startsWith(`/v2/${repository}/referrers/`)) {
      throw new RegistryProtocolError(`${this.registry} named a referrers page outside ${repository}'s referrers: ${url.pathname}`);
    }
    return this.retrying(async () => {
      const res = await this.session.exchange({
        method: 'GET',
        url,
        scopes: this.scopes(repository),
        headers: { accept: MEDIA_TYPES.ociIndex },
        ok: [200, 404, 405, 501],
      });
      if (res.status !== 200) {
        await discardBody(res);
        return undefined;
      }
      const bytes = await readBody(res, MAX_MANIFEST_BYTES, () => new InvalidManifestError(`referrers of ${repository}@${digest}: a page is over ${MAX_MANIFEST_BYTES} bytes`));
      const target = nextLink(header(res, 'link'));
      const link = target === undefined ? undefined : new URL(target, url);
      return link ? { bytes, next: link } : { bytes };
    });
  }

  /** Retried. */
  blobExists(repository: string, digest: string): Promise<boolean> {
    return this.retrying(async () => {
      const res = await this.session.exchange({
        method: 'HEAD',
        url: this.url(repository, 'blobs', digest),
        scopes: this.scopes(repository),
        ok: [200, 404],
      });
      await discardBody(res);
      return res.status === 200;
    });
  }

  /**
   * Opens a blob as a stream that fails unless it delivers exactly the
   * descriptor's size and digest. Not retried: the caller restarts the
   * whole transfer, since a half-read stream cannot be resumed cleanly.
   */
  async openBlob(repository: string, blob: Descriptor): Promise<BlobStream> {
    const what = `blob ${repository}@${blob.digest}`;
    // Started before the request, so a slow answer counts against the first window.
    const meter = new ThroughputMeter(
      { minBytesPerSecond: this.limits.minBytesPerSecond, windowMs: this.limits.throughputWindowMs },
      this.registry,
      `the download of ${what}`,
    );
    let res: HttpResponse;
    try {
      res = await this.session.exchange({
        method: 'GET',
        url: this.url(repository, 'blobs', blob.digest),
        scopes: this.scopes(repository),
        ok: [200],
        download: true,
        direct: blob.size >= DIRECT_DOWNLOAD_MIN_BYTES,
      });
    } catch (error) {
      meter.stop();
      throw error;
    }
    // A direct GET's answer: checked and metered as it is pumped into the upload, without a copy.
    if (res.body instanceof SocketBody && res.body.canPump) return res.body.expect(new BlobCheck(blob.digest, blob.size, what), meter);
    const guard = new ThroughputGuard(meter);
    const verifier = new VerifyingStream(blob.digest, blob.size, what);
    // pipeline tears all down together: an abandoned transfer frees its socket. Any failure
    // reaches the verifier (destroyed with it), whose `verified` the upload waits for.
    return pipeline(res.body, guard, verifier, () => undefined);
  }

  /** Tries a cross-repository mount; when the registry declines, it opens an upload instead. Not retried. */
  async mountBlob(repository: string, digest: string, fromRepository: string): Promise<MountResult> {
    const url = this.url(repository, 'blobs/uploads', '');
    url.searchParams.set('mount', digest);
    url.searchParams.set('from', fromRepository);
    const res = await this.session.exchange({
      method: 'POST',
      url,
      scopes: [...this.scopes(repository), `repository:${fromRepository}:pull`],
      headers: { 'content-length': '0' },
      ok: [201, 202],
    });
    await discardBody(res);
    return res.status === 201 ? { mounted: true } : { mounted: false, uploadUrl: this.location(res) };
  }

  /** Not retried. */
  async startUpload(repository: string): Promise<URL> {
    const res = await this.session.exchange({
      method: 'POST',
      url: this.url(repository, 'blobs/uploads', ''),
      scopes: this.scopes(repository),
      headers: { 'content-length': '0' },
      ok: [202],
    });
    await discardBody(res);
    return this.location(res);
  }

  /**
   * Sends a whole blob in one streamed PATCH, then commits it with an empty PUT.
   * Never several chunks: quirk patchChunksDropped (quirks.ts). Not retried.
   */
  async uploadBlob(repository: string, upload: UploadSession, blob: Descriptor, content: BlobStream): Promise<void> {
    const scopes = this.scopes(repository);
    const patched = await this.session.exchange({
      method: 'PATCH',
      url: upload.url,
      scopes,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) },
      body: content,
      // The spec says 202; quirk patchAnswered201 (quirks.ts).
      ok: [201, 202, 204],
    });
    await discardBody(patched);
    // Its state moved on with the bytes: an older URL could no longer cancel it.
    upload.url = this.location(patched, upload.url);
    // The destination may answer as soon as it holds Content-Length bytes, before the source's
    // end has told us they were the right ones: the completing PUT waits for that verdict.
    // (A destination that cut the body short has detached it: drain it so the verdict comes.)
    content.discardRest();
    await content.verified;
    const commitUrl = withQueryParam(upload.url, 'digest', blob.digest);
    const committed = await this.session.exchange({
      method: 'PUT',
      url: commitUrl,
      scopes,
      headers: { 'content-length': '0' },
      ok: [201, 202, 204],
    });
    await discardBody(committed);
  }


  /** Every tag of a repository (`GET /v2/<name>/tags/list`), following `Link` and `n`/`last` pages. Retried, per page. */
  listTags(repository: string, pageSize = LIST_PAGE_SIZE): Promise<string[]> {
    if (!isValidRepository(repository)) throw new InvalidReferenceError(`refusing to list tags of "${repository}": not a repository name`);
    return this.listPages(new URL(`/v2/${repository}/tags/list`, this.baseUrl), 'tags', this.scopes(repository), pageSize, isValidTag);
  }

  /** Every repository in the registry's catalog (`GET /v2/_catalog`); registries may refuse it (401/403/404). Retried, per page. */
  listRepositories(pageSize = LIST_PAGE_SIZE): Promise<string[]> {
    return this.listPages(new URL('/v2/_catalog', this.baseUrl), 'repositories', ['registry:catalog:*'], pageSize, isValidRepository);
  }

  /** Entries a registry sends that break the grammar are skipped: no path is ever built from them. */
  private async listPages(
    first: URL,
    field: 'tags' | 'repositories',
    scopes: readonly string[],
    pageSize: number,
    valid: (entry: string) => boolean,
  ): Promise<string[]> {
    const seen = new Set<string>();
    let linkSeen = false;
    let url: URL | undefined = new URL(first);
    url.searchParams.set('n', String(pageSize));
    for (let page = 1; url; page++) {
      if (page > MAX_LIST_PAGES) throw new RegistryProtocolError(`${first.pathname} went on for more than ${MAX_LIST_PAGES} pages`);
      const pageUrl: URL = url;
      const { entries, link } = await this.retrying(() => this.listPage(pageUrl, field, scopes));
      const before = seen.size;
      for (const entry of entries) if (valid(entry)) seen.add(entry);
      // A registry answering the same page again would otherwise be asked forever.
      url = seen.size > before ? nextPageUrl(pageUrl, link, entries, pageSize, linkSeen) : undefined;
      linkSeen ||= link !== undefined;
    }
    return [...seen];
  }

  private async listPage(url: URL, field: 'tags' | 'repositories', scopes: readonly string[]): Promise<{ entries: string[]; link?: string }> {
    const res = await this.session.exchange({ method: 'GET', url, scopes, headers: { accept: 'application/json' }, ok: [200] });
    const bytes = await readBody(res, LIST_PAGE_BYTES, () => new RegistryProtocolError(`${url.pathname} sent a page over ${LIST_PAGE_BYTES} bytes`));
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new RegistryProtocolError(`${url.pathname} did not answer JSON`);
    }
    const list = (json as Record<string, unknown> | null)?.[field];
    // Distribution answers `"tags": null` for a repository whose tags were all deleted.
    if (list !== null && list !== undefined && !Array.isArray(list)) throw new RegistryProtocolError(`${url.pathname} answered without a "${field}" list`);
    const entries = (list ?? []).filter((entry): entry is string => typeof entry === 'string');
    const link = header(res, 'link');
    return link ? { entries, link } : { entries };
  }

  /**
   * Ends an upload session that will not be completed, so the registry can free what it
   * holds for it. Best effort: the registry expires sessions on its own too, so any
   * failure is ignored.
   */
  async cancelUpload(repository: string, upload: UploadSession): Promise<void> {
    try {
      // Distribution asks for a `delete` grant a pull,push token lacks: its 401 must not cost the copy its token.
      // Not bound to the client's signal: after Ctrl-C or the Lambda deadline is when it matters most.
      const res = await this.cleanupSession().exchange({
        method: 'DELETE',
        url: upload.url,
        scopes: this.scopes(repository),
        ok: [200, 202, 204, 404],
        reauthenticate: false,
      });
      await discardBody(res);
    } catch {
      // Nothing more to do: the session expires by itself.
    }
  }

  /**
   * Runs an idempotent operation under this client's retry policy, until aborted. Only for
   * operations made of unretried calls: wrapping a retried one would multiply the attempts.
   */
  retrying<T>(operation: (attempt: number) => Promise<T>): Promise<T> {
    const { signal, onRetry } = this.options;
    return withRetry(this.retry, operation, {
      retryable: (error: unknown) => this.slowRetries.allows(error),
      ...(signal ? { signal } : {}),
      ...(onRetry ? { onRetry: (error: unknown, attempt: number, delayMs: number) => onRetry(this.describeRetry(error, attempt, delayMs)) } : {}),
    });
  }

  private describeRetry(error: unknown, attempt: number, delayMs: number): RegistryRetry {
    const status = error instanceof RegistryResponseError ? { status: error.status } : {};
    const code = error instanceof MirrorError ? error.code : 'UNEXPECTED';
    return { registry: this.registry, ...status, code, attempt, delayMs, error: errorMessage(error) };
  }

  private scopes(repository: string): string[] {
    return [`repository:${repository}:${this.options.actions}`];
  }

  /**
   * `/v2/<repository>/<kind>/<reference>`, from parts checked against the grammar: a tag
   * such as `../../other/manifests/x` must never turn into a path into another repository.
   */
  private url(repository: string, kind: 'manifests' | 'blobs' | 'blobs/uploads' | 'referrers', reference: string): URL {
    const referenceOk =
      kind === 'blobs/uploads' ? reference === '' : kind === 'blobs' || kind === 'referrers' ? isValidDigest(reference) : isValidTag(reference) || isValidDigest(reference);
    if (!isValidRepository(repository) || !referenceOk) {
      throw new InvalidReferenceError(`refusing a request for repository "${repository}" and reference "${reference}": not valid names`);
    }
    return new URL(`/v2/${repository}/${kind}/${reference}`, this.baseUrl);
  }

  /** Upload URLs may be relative or point elsewhere; they must stay on a secure scheme. */
  private location(res: HttpResponse, fallback?: URL): URL {
    const value = header(res, 'location');
    if (!value) {
      if (fallback) return fallback;
      throw new RegistryProtocolError(`${this.registry} answered ${res.status} without a Location header`);
    }
    const url = answeredUrl(this.registry, `Location header of its ${res.status} upload answer`, value, this.baseUrl);
    assertSecureUrl(url, 'upload location', this.baseUrl);
    return url;
  }
}

/**
 * Blobs at least this large are downloaded on a connection of their own, read without Node's
 * HTTP parser (direct-get.ts); smaller ones (configs, signatures, SBOM parts) reuse the pooled
 * keep-alive connections, where a new connection's handshake would cost more than it saves.
 */
export const DIRECT_DOWNLOAD_MIN_BYTES = 1024 * 1024;

/** How long the clean-up of an abandoned upload may take. */
const CLEANUP_TIMEOUT_MS = 5_000;

/** Adds a parameter without re-encoding the rest: upload state tokens must come back byte for byte. */
function withQueryParam(url: URL, name: string, value: string): URL {
  const href = url.href;
  return new URL(`${href}${href.includes('?') ? '&' : '?'}${name}=${encodeURIComponent(value)}`);
}
