import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { MirrorError } from '../errors.js';
import type { CredentialProvider, Credentials } from './credentials.js';

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

/** Where crane, skopeo and docker look: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json');
}

/**
 * Credentials from a Docker config file's `auths` entries (`auth` as base64
 * `user:password`, or `username`/`password`). A missing file means anonymous.
 * Credential helpers (`credsStore`, `credHelpers`) are not run.
 */
export async function dockerConfigCredentials(path: string = dockerConfigPath()): Promise<CredentialProvider> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return async () => undefined;
    throw error;
  }
  let auths: Record<string, AuthEntry>;
  try {
    auths = ((JSON.parse(text) as { auths?: Record<string, AuthEntry> }).auths ?? {});
  } catch {
    throw new MirrorError(`${path} is not valid JSON`, { code: 'DOCKER_CONFIG_INVALID', failureClass: 'permanent' });
  }
  const byHost = new Map<string, Credentials>();
  for (const [key, entry] of Object.entries(auths)) {
    const credentials = decodeEntry(entry);
    if (credentials) byHost.set(hostOf(key), credentials);
  }
  return async (registry) => byHost.get(registry === 'docker.io' ? 'index.docker.io' : registry) ?? byHost.get(registry);
}

function decodeEntry(entry: AuthEntry): Credentials | undefined {
  if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  if (!entry.auth) return undefined;
  const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) } : undefined;
}

/** Keys may be `host`, `https://host` or `https://index.docker.io/v1/`. */
function hostOf(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  return host === 'registry-1.docker.io' || host === 'docker.io' ? 'index.docker.io' : host;
}
