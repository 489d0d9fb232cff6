/** A username and password for one registry host. */
export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/**
 * Looks up the credentials for a registry host (`host[:port]`), or undefined for
 * anonymous access. Called per host, so a credential is never offered to another host.
 */
export type CredentialProvider = (registryHost: string) => Promise<Credentials | undefined>;

export const anonymous: CredentialProvider = async () => undefined;

/** Credentials for exactly one host, anonymous everywhere else. */
export function credentialsFor(host: string, credentials: Credentials): CredentialProvider {
  return async (registryHost) => (registryHost === host ? credentials : undefined);
}
