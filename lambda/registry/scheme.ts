import { RegistryProtocolError } from './errors.js';

/** Docker Hub is named `docker.io` in references but served from this host. */
const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

/** True for `localhost`, `127.0.0.0/8` and `[::1]`, with or without a port. */
export function isLoopbackHost(hostWithPort: string): boolean {
  const host = stripPort(hostWithPort).toLowerCase();
  if (host === 'localhost' || host === '[::1]' || host === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function stripPort(hostWithPort: string): string {
  if (hostWithPort.startsWith('[')) {
    const end = hostWithPort.indexOf(']');
    return end < 0 ? hostWithPort : hostWithPort.slice(0, end + 1);
  }
  const colon = hostWithPort.lastIndexOf(':');
  return colon < 0 ? hostWithPort : hostWithPort.slice(0, colon);
}

/** The base URL of a registry's API: HTTPS, or plain HTTP only on loopback. */
export function registryBaseUrl(registry: string): URL {
  const host = registry === 'docker.io' ? DOCKER_HUB_API_HOST : registry;
  return new URL(`${isLoopbackHost(host) ? 'http' : 'https'}://${host}`);
}

/**
 * Refuses to send anything over plain HTTP, unless both the registry we talk to and the
 * URL it sent us to are loopback: a redirect, an upload location or a token realm must not
 * downgrade us, and a remote registry must not steer our credentials to a local service.
 */
export function assertSecureUrl(url: URL, what: string, registryBase: URL): void {
  if (url.protocol === 'https:') return;
  const localTest = registryBase.protocol === 'http:' && isLoopbackHost(registryBase.host);
  if (url.protocol === 'http:' && localTest && isLoopbackHost(url.host)) return;
  throw new RegistryProtocolError(`${what} ${url.protocol}//${url.host} is not HTTPS; refusing to use it`);
}

/**
 * A URL a registry handed us (a Location header, a token realm), resolved against `base`. A
 * missing or unparsable one is the registry's fault and will not change on a retry: permanent,
 * naming the registry and the field, never the URL's query (upload and pre-signed URLs carry
 * secrets there).
 */
export function answeredUrl(registry: string, field: string, value: string | undefined, base?: URL): URL {
  if (value === undefined || value.trim() === '') throw new RegistryProtocolError(`${registry} sent no ${field}`);
  try {
    return base ? new URL(value, base) : new URL(value);
  } catch {
    const shown = JSON.stringify(value.split('?')[0]!.slice(0, 200));
    throw new RegistryProtocolError(`${registry} sent an invalid URL as the ${field}: ${shown}`);
  }
}
