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

/** What a Docker config file holds, as far as explaining a refusal needs it. */
export interface DockerConfig {
  /** The file read (or looked for). */
  readonly path: string;
  readonly exists: boolean;
  readonly credentials: CredentialProvider;
  /** `credsStore`, when set: a credential helper this project does not run. */
  readonly credsStore?: string;
  /** Hosts with a `credHelpers` entry, which is not run either. */
  readonly credHelperHosts: readonly string[];
}

/**
 * Credentials from a Docker config file's `auths` entries (`auth` as base64
 * `user:password`, or `username`/`password`). A missing file means anonymous.
 * Credential helpers (`credsStore`, `credHelpers`) are not run.
 */
export async function dockerConfigCredentials(path: string = dockerConfigPath()): Promise<CredentialProvider> {
  return (await readDockerConfig(path)).credentials;
}

export async function readDockerConfig(path: string = dockerConfigPath()): Promise<DockerConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { path, exists: false, credentials: async () => undefined, credHelperHosts: [] };
    throw error;
  }
  let file: { auths?: Record<string, AuthEntry>; credsStore?: unknown; credHelpers?: unknown };
  try {
    file = JSON.parse(text) as typeof file;
  } catch {
    throw new MirrorError(`${path} is not valid JSON`, { code: 'DOCKER_CONFIG_INVALID', failureClass: 'permanent' });
  }
  const byHost = new Map<string, Credentials>();
  for (const [key, entry] of Object.entries(file.auths ?? {})) {
    const credentials = decodeEntry(entry);
    if (credentials) byHost.set(hostOf(key), credentials);
  }
  const helpers = file.credHelpers !== null && typeof file.credHelpers === 'object' ? Object.keys(file.credHelpers) : [];
  return {
    path,
    exists: true,
    credentials: async (registry) => byHost.get(registry === 'docker.io' ? 'index.docker.io' : registry) ?? byHost.get(registry),
    ...(typeof file.credsStore === 'string' && file.credsStore !== '' ? { credsStore: file.credsStore } : {}),
    credHelperHosts: helpers.map(hostOf),
  };
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
