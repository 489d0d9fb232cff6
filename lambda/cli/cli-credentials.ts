import type { CredentialProvider } from '../registry/credentials.js';

/** `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]`: an ECR registry, and its region. */
const ECR_HOST = /^\d{12}\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

export function ecrRegion(host: string): string | undefined {
  return ECR_HOST.exec(host)?.[1];
}

/** ECR credentials for a region: the AWS SDK's default credential chain, as the aws CLI uses it. */
export type EcrCredentialsFor = (region: string) => Promise<CredentialProvider>;

const sdkEcrCredentials: EcrCredentialsFor = async (region) => {
  // Loaded only for an ECR host, so a plain copy never starts the AWS SDK.
  const [{ createEcrClient, API_TIMEOUTS }, { createEcrCredentials }] = await Promise.all([import('../aws-clients.js'), import('../ecr/auth.js')]);
  return createEcrCredentials(createEcrClient(API_TIMEOUTS, region)).credentialProvider;
};

/**
 * The CLI's credentials: the Docker config file first; for an ECR host it has no entry
 * for, an ECR token from the AWS credentials, so copying into ECR needs no `docker login`.
 */
export function cliCredentials(dockerConfig: CredentialProvider, ecrFor: EcrCredentialsFor = sdkEcrCredentials): CredentialProvider {
  const byRegion = new Map<string, Promise<CredentialProvider>>();
  return async (host) => {
    const configured = await dockerConfig(host);
    if (configured) return configured;
    const region = ecrRegion(host);
    if (!region) return undefined;
    let provider = byRegion.get(region);
    if (!provider) {
      provider = ecrFor(region);
      byRegion.set(region, provider);
    }
    return (await provider)(host);
  };
}
