// Writes a CNCF distribution 2.8 config. YAML is a superset of JSON, so the config is
// emitted as JSON: no quoting pitfalls with temp paths, and no YAML library needed.
import bcrypt from 'bcryptjs';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOOPBACK } from './net.js';
import type { TokenServer } from './token-server.js';

export type AuthMode = 'none' | 'basic' | 'bearer';

export interface ConfigInput {
  dir: string;
  port: number;
  /** Echoed by the registry in a response header so readiness checks know they reached *this* process. */
  instanceId: string;
  auth: AuthMode;
  users: Record<string, string>;
  tokenServer?: TokenServer;
  /** Overrides the token server's realm, e.g. to put a fault proxy in front of it. */
  realm?: string;
}

export const INSTANCE_HEADER = 'x-test-registry-instance';

/** Returns the config path; writes htpasswd / the cert bundle next to it as the mode needs. */
export async function writeRegistryConfig(input: ConfigInput): Promise<string> {
  const config = {
    version: '0.1',
    log: { level: 'warn', formatter: 'text', accesslog: { disabled: true } },
    storage: {
      filesystem: { rootdirectory: join(input.dir, 'storage') },
      delete: { enabled: true },
      // The purger is a background job that only adds noise to short-lived test registries.
      maintenance: { uploadpurging: { enabled: false } },
    },
    http: {
      addr: `${LOOPBACK}:${input.port}`,
      // A fixed secret silences the "generated random secret" warning on every start.
      secret: randomBytes(16).toString('hex'),
      headers: { [INSTANCE_HEADER]: [input.instanceId], 'X-Content-Type-Options': ['nosniff'] },
    },
    ...(await authSection(input)),
  };
  const path = join(input.dir, 'config.yml');
  await writeFile(path, JSON.stringify(config, null, 2));
  return path;
}

async function authSection(input: ConfigInput): Promise<Record<string, unknown>> {
  switch (input.auth) {
    case 'none':
      return {};
    case 'basic': {
      const path = join(input.dir, 'htpasswd');
      // Cost 4 is the bcrypt minimum: the registry checks a hash per request, and tests make many.
      const lines = Object.entries(input.users).map(([user, password]) => `${user}:${bcrypt.hashSync(password, 4)}`);
      await writeFile(path, `${lines.join('\n')}\n`);
      return { auth: { htpasswd: { realm: 'test-registry', path } } };
    }
    case 'bearer': {
      const server = input.tokenServer;
      if (server === undefined) throw new Error("startRegistry({ auth: 'bearer' }) needs a tokenServer");
      const rootcertbundle = join(input.dir, 'token-root.pem');
      await writeFile(rootcertbundle, server.certPem);
      return {
        auth: {
          token: { realm: input.realm ?? server.realm, service: server.service, issuer: server.issuer, rootcertbundle },
        },
      };
    }
  }
}
