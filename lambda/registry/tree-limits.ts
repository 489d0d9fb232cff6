import { MirrorError } from '../errors.js';

/**
 * Bounds on the manifests one copy reads, so a hostile or broken index cannot make the
 * worker fetch without end or hold more than its memory: each refusal is permanent.
 */
export interface TreeLimits {
  /** Index levels allowed: 2 lets an index list indexes of images; an index in an index in an index is refused. */
  readonly maxIndexNesting: number;
  /** Distinct manifests in one image, its root included. */
  readonly maxManifests: number;
  /** Sum of the distinct manifests' sizes, its root included. */
  readonly maxManifestBytes: number;
}

export const DEFAULT_TREE_LIMITS: TreeLimits = {
  maxIndexNesting: 2,
  maxManifests: 1_000,
  maxManifestBytes: 64 * 1024 * 1024,
};

export type TreeLimitName = 'nesting' | 'manifests' | 'bytes' | 'size';

/** An image whose manifests break one of the tree limits: it will break it on every try. */
export class ManifestTreeLimitError extends MirrorError {
  constructor(
    readonly limit: TreeLimitName,
    message: string,
  ) {
    super(message, { code: 'MANIFEST_TREE_LIMIT', failureClass: 'permanent' });
  }
}

/** Counts what has been admitted against the limits and refuses what would go over them. */
export class TreeBudget {
  private manifests = 0;
  private bytes = 0;

  constructor(
    private readonly limits: TreeLimits,
    private readonly image: string,
  ) {}

  /** Before fetching: refuses when the declared sizes alone would already go over. */
  reserve(count: number, declaredBytes: number): void {
    if (this.manifests + count > this.limits.maxManifests) {
      throw new ManifestTreeLimitError(
        'manifests',
        `${this.image} has more than ${this.limits.maxManifests} distinct manifests (the limit of manifests per image); refusing to copy it`,
      );
    }
    this.checkBytes(this.bytes + declaredBytes);
  }

  /** After fetching one manifest: counts its real size. */
  admit(bytes: number): void {
    this.manifests += 1;
    this.bytes += bytes;
    this.checkBytes(this.bytes);
  }

  private checkBytes(total: number): void {
    if (total > this.limits.maxManifestBytes) {
      throw new ManifestTreeLimitError(
        'bytes',
        `${this.image}'s manifests add up to more than ${this.limits.maxManifestBytes} bytes (${formatMiB(this.limits.maxManifestBytes)}, the limit of manifest bytes per image); refusing to copy it`,
      );
    }
  }
}

export function nestingError(image: string, limits: TreeLimits, digest: string): ManifestTreeLimitError {
  return new ManifestTreeLimitError(
    'nesting',
    `${image} nests indexes more than ${limits.maxIndexNesting} deep (index ${digest} sits inside ${limits.maxIndexNesting} others; the limit of index nesting is ${limits.maxIndexNesting}); refusing to copy it`,
  );
}

function formatMiB(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB`;
}
