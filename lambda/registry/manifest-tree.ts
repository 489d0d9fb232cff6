import pLimit from 'p-limit';
import { settleEach } from '../settle.js';
import type { RegistryClient } from './client.js';
import { readImageConfigPlatform } from './image-config.js';
import type { Descriptor, Manifest } from './manifest.js';
import { formatPlatform, platformMatches, type Platform } from './platform.js';
import { PlatformNotFoundError, SizeMismatchError } from './errors.js';
import { formatReference, type ImageReference } from './reference.js';
import { DEFAULT_TREE_LIMITS, TreeBudget, nestingError, type TreeLimits } from './tree-limits.js';

/** The manifest of the platform asked for: a child of an index, or a single image whose config matches. */
export async function selectPlatform(src: RegistryClient, source: ImageReference, root: Manifest, wanted: Platform): Promise<Manifest> {
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

/**
 * Every child manifest (each after the manifests it lists, so they can be pushed in order)
 * and every distinct blob below `root`. Each distinct digest is fetched once, level by
 * level, within `limits`: what goes over them is refused before it is fetched when the
 * descriptors say so, and at the latest as it arrives.
 */
export async function collectTree(
  src: RegistryClient,
  repository: string,
  root: Manifest,
  concurrency: number,
  limits: TreeLimits = DEFAULT_TREE_LIMITS,
  image: string = `${src.registry}/${repository}@${root.digest}`,
) {
  const budget = new TreeBudget(limits, image);
  budget.admit(root.bytes.length);
  const fetched = new Map<string, Manifest>([[root.digest, root]]);
  const limit = pLimit(concurrency);
  let level: Manifest[] = [root];
  for (let depth = 0; level.length > 0; depth++) {
    for (const manifest of level) {
      if (manifest.kind === 'index' && depth >= limits.maxIndexNesting) throw nestingError(image, limits, manifest.digest);
    }
    const wanted = new Map<string, Descriptor>();
    for (const manifest of level) for (const d of manifest.manifests) if (!fetched.has(d.digest)) wanted.set(d.digest, d);
    const descriptors = [...wanted.values()];
    budget.reserve(descriptors.length, descriptors.reduce((sum, d) => sum + d.size, 0));
    // Settled, not raced: a failed fetch leaves no sibling running, and after it none starts.
    level = await settleEach(descriptors, (d) => fetchChild(src, repository, d, budget), limit);
    for (const manifest of level) fetched.set(manifest.digest, manifest);
  }
  // The longest chain of indexes, whatever path found each manifest first.
  checkNesting(root, fetched, limits, image);
  const children = postOrder(root, fetched).filter((m) => m.digest !== root.digest);
  const blobs = new Map<string, Descriptor>();
  for (const manifest of [...children, root]) for (const blob of manifest.blobs) if (!blobs.has(blob.digest)) blobs.set(blob.digest, blob);
  return { children, blobs: [...blobs.values()] };
}

async function fetchChild(src: RegistryClient, repository: string, descriptor: Descriptor, budget: TreeBudget): Promise<Manifest> {
  const manifest = await src.getManifest(repository, descriptor.digest);
  // The digest matched, so the descriptor's size is the one that lies: the budget must not trust it.
  if (manifest.bytes.length !== descriptor.size) {
    throw new SizeMismatchError(`manifest ${repository}@${descriptor.digest}`, descriptor.size, manifest.bytes.length);
  }
  budget.admit(manifest.bytes.length);
  return manifest;
}

function checkNesting(root: Manifest, fetched: ReadonlyMap<string, Manifest>, limits: TreeLimits, image: string): void {
  const heights = new Map<string, number>();
  const height = (manifest: Manifest): number => {
    const known = heights.get(manifest.digest);
    if (known !== undefined) return known;
    let own = 0;
    if (manifest.kind === 'index') {
      own = 1 + Math.max(0, ...manifest.manifests.map((d) => height(fetched.get(d.digest)!)));
      if (own > limits.maxIndexNesting) throw nestingError(image, limits, manifest.digest);
    }
    heights.set(manifest.digest, own);
    return own;
  };
  height(root);
}

/** Each manifest once, after every manifest it lists. */
function postOrder(root: Manifest, fetched: ReadonlyMap<string, Manifest>): Manifest[] {
  const out: Manifest[] = [];
  const done = new Set<string>();
  const visit = (manifest: Manifest): void => {
    if (done.has(manifest.digest)) return;
    done.add(manifest.digest);
    for (const d of manifest.manifests) visit(fetched.get(d.digest)!);
    out.push(manifest);
  };
  visit(root);
  return out;
}
