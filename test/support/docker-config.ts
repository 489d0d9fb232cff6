import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DockerConfigDir {
  readonly dir: string;
  remove(): Promise<void>;
}

/** A `$DOCKER_CONFIG` directory whose config.json holds `auths` for the given hosts (never the user's own). */
export async function writeDockerConfig(auths: Record<string, { username: string; password: string }>): Promise<DockerConfigDir> {
  const dir = await mkdtemp(join(tmpdir(), 'docker-config-'));
  const entries = Object.fromEntries(
    Object.entries(auths).map(([host, { username, password }]) => [host, { auth: Buffer.from(`${username}:${password}`).toString('base64') }]),
  );
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: entries }));
  } catch (error) {
    await remove();
    throw error;
  }
  return { dir, remove };
}
