import type { RegistryClient } from './client.js';
import { InvalidManifestError } from './errors.js';
import type { Descriptor } from './manifest.js';
import type { Platform } from './platform.js';

/** Image configs are small JSON documents; a huge one is not an image config. */
const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

/** Reads the os/architecture/variant an image's config declares, verifying its digest. */
export async function readImageConfigPlatform(client: RegistryClient, repository: string, config: Descriptor): Promise<Platform | undefined> {
  if (config.size > MAX_CONFIG_BYTES) throw new InvalidManifestError(`config ${config.digest} is ${config.size} bytes: too large`);
  const stream = await client.openBlob(repository, config);
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof json.os !== 'string' || typeof json.architecture !== 'string') return undefined;
  const variant = typeof json.variant === 'string' && json.variant ? json.variant : undefined;
  return variant ? { os: json.os, architecture: json.architecture, variant } : { os: json.os, architecture: json.architecture };
}
