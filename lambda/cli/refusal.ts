import { RegistryResponseError } from '../registry/errors.js';
import type { DockerConfig } from '../registry/docker-config.js';
import { ecrRegion } from './cli-credentials.js';

/**
 * Why a registry answered 401, in the terms a person can act on: which Docker config file
 * was read and whether it had credentials for that host (sent and refused), none at all, or
 * only a credential helper, which this tool does not run. Undefined for any other error.
 */
export async function explainRefusal(error: unknown, config: DockerConfig): Promise<string | undefined> {
  if (!(error instanceof RegistryResponseError) || error.status !== 401) return undefined;
  const host = error.registry;
  const answered = `${error.method} ${error.url} answered 401${error.registryCode ? ` (${error.registryCode})` : ''}`;
  const configured = await config.credentials(host);
  if (configured) {
    return `${answered}: ${host} refused the credentials of user "${configured.username}" from ${config.path}; log in again or correct its "auths" entry for ${host}`;
  }
  if (ecrRegion(host)) {
    return `${answered}: ECR refused the token made from your AWS credentials (no entry for ${host} in ${config.path}); check that they may push to and pull from this repository`;
  }
  const missing = `no credentials for ${host} in ${config.path}${config.exists ? '' : ' (the file does not exist)'}`;
  if (config.credHelperHosts.includes(host)) {
    return `${answered}: ${missing}: its "credHelpers" entry for ${host} names a credential helper, which this tool does not run; add an "auths" entry for ${host}`;
  }
  if (config.credsStore) {
    return `${answered}: ${missing}: it has only "credsStore": "${config.credsStore}", a credential helper this tool does not run; add an "auths" entry for ${host}`;
  }
  return `${answered}: ${missing}; add an "auths" entry for ${host} (docker login ${host} writes one), or set DOCKER_CONFIG to the directory of another config.json`;
}
