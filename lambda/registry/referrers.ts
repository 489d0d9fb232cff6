import type { RegistryClient } from './client.js';
import { RegistryResponseError } from './errors.js';
import type { Manifest } from './manifest.js';
import { cosignTags, parseReferrersList, referrersTag, type ReferrerDescriptor } from './referrers-index.js';

/** Where a referrer was found: the OCI 1.1 referrers API, the referrers tag schema's index, or a cosign tag. */
export type ReferrerSource = 'referrers-api' | 'tag-schema' | 'cosign-tag';

/** Something that refers to a manifest, as the source registry lists it. */
export interface FoundReferrer {
  readonly digest: string;
  /** The manifest it was found for. */
  readonly subject: string;
  readonly via: ReferrerSource;
  /** Cosign's tag (`sha256-<hex>.sig`), for a cosign attachment. */
  readonly tag?: string;
  readonly mediaType?: string;
  readonly artifactType?: string;
}

/** What the source lists for one manifest. */
export interface SubjectReferrers {
  readonly subject: string;
  readonly referrers: readonly FoundReferrer[];
  /** The source's own index under the referrers tag schema, when that is where they came from. */
  readonly tagSchemaIndex?: Manifest;
}

/** A bound on registries that page forever (a `Link` back to the same page, say). */
export const MAX_REFERRER_PAGES = 100;

/**
 * Finds what refers to manifests of one source repository: the referrers API (every page);
 * where it answers 404, the referrers tag schema; and cosign's `.sig`, `.att` and `.sbom` tags.
 * Whether the registry has the API is learnt from the first answer and not asked again.
 */
export class ReferrerDiscovery {
  private api: Promise<boolean> | undefined;

  constructor(
    private readonly client: RegistryClient,
    private readonly repository: string,
  ) {}

  async find(subject: string): Promise<SubjectReferrers> {
    const [listed, cosign] = await Promise.all([this.listed(subject), this.cosign(subject)]);
    return { subject, referrers: [...listed.referrers, ...cosign], ...(listed.tagSchemaIndex ? { tagSchemaIndex: listed.tagSchemaIndex } : {}) };
  }

  private async listed(subject: string): Promise<Omit<SubjectReferrers, 'subject'>> {
    let pages: ReferrerDescriptor[] | undefined;
    if (this.api === undefined) {
      const first = this.fromApi(subject);
      this.api = first.then((found) => found !== undefined);
      // Those waiting on it fail with the first answer's error; nobody waiting is no unhandled rejection.
      this.api.catch(() => undefined);
      pages = await first;
    } else if (await this.api) {
      pages = await this.fromApi(subject);
    }
    if (pages) return { referrers: pages.map((d) => found(d, subject, 'referrers-api')) };
    const index = await this.tagSchemaIndex(subject);
    if (!index) return { referrers: [] };
    const list = parseReferrersList(index.bytes, `the referrers tag ${this.repository}:${referrersTag(subject)}`);
    return { referrers: list.referrers.map((d) => found(d, subject, 'tag-schema')), tagSchemaIndex: index };
  }

  /** Every page of the referrers API, or undefined when the registry has none. */
  private async fromApi(subject: string): Promise<ReferrerDescriptor[] | undefined> {
    const all: ReferrerDescriptor[] = [];
    let next: URL | undefined;
    for (let page = 0; page < MAX_REFERRER_PAGES; page++) {
      const answer = await this.client.getReferrersPage(this.repository, subject, next);
      if (!answer) return page === 0 ? undefined : all;
      all.push(...parseReferrersList(answer.bytes, `the referrers of ${this.repository}@${subject}`).referrers);
      if (!answer.next) break;
      next = answer.next;
    }
    return all;
  }

  /** The index under the referrers tag schema; none when the tag is absent or names something else. */
  private async tagSchemaIndex(subject: string): Promise<Manifest | undefined> {
    try {
      const manifest = await this.client.getManifest(this.repository, referrersTag(subject));
      return manifest.kind === 'index' ? manifest : undefined;
    } catch (error) {
      if (error instanceof RegistryResponseError && error.status === 404) return undefined;
      throw error;
    }
  }

  private async cosign(subject: string): Promise<FoundReferrer[]> {
    const tags = cosignTags(subject);
    const heads = await Promise.all(tags.map((tag) => this.client.headManifest(this.repository, tag)));
    return tags.flatMap((tag, i) => {
      const head = heads[i];
      return head ? [{ digest: head.digest, subject, via: 'cosign-tag' as const, tag, ...(head.mediaType ? { mediaType: head.mediaType } : {}) }] : [];
    });
  }
}

function found(descriptor: ReferrerDescriptor, subject: string, via: ReferrerSource): FoundReferrer {
  const { digest, mediaType, artifactType } = descriptor;
  return { digest, subject, via, mediaType, ...(artifactType ? { artifactType } : {}) };
}
