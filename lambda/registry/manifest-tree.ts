import pLimit from 'p-limit';
import type { RegistryClient } from './client.js';
import { readImageConfigPlatform } from './image-config.js';
import type { Descriptor, Manifest } from './manifest.js';
import { formatPlatform, platformMatches, type Platform } from './platform.js';
import { PlatformNotFoundError } from './errors.js';
import { formatReference, type ImageReference } from './reference.js';

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

/** Every child manifest (deepest first) and every distinct blob below `root`. */
export async function collectTree(src: RegistryClient, repository: string, root: Manifest, concurrency: number) {
  const children: Manifest[] = [];
  const blobs = new Map<string, Descriptor>();
  const limit = pLimit(concurrency);
  const visit = async (manifest: Manifest): Promise<void> => {
    for (const blob of manifest.blobs) if (!blobs.has(blob.digest)) blobs.set(blob.digest, blob);
    // Settled, not raced: a failed fetch must not leave its siblings running after the copy has failed.
    const settled = await Promise.allSettled(manifest.manifests.map((d) => limit(() => src.getManifest(repository, d.digest))));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const fetched = settled.map((r) => (r as PromiseFulfilledResult<Manifest>).value);
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
