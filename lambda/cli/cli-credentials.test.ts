import { describe, expect, it } from 'vitest';
import { cliCredentials, ecrRegion } from './cli-credentials.js';

const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

describe('cliCredentials', () => {
  it('recognises ECR hosts and their region', () => {
    expect(ecrRegion(ECR)).toBe('eu-west-1');
    expect(ecrRegion('123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com')).toBe('us-gov-west-1');
    expect(ecrRegion('123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn')).toBe('cn-north-1');
    for (const host of ['cr.root.io', 'dkr.ecr.eu-west-1.amazonaws.com', `${ECR}.evil.com`, 'public.ecr.aws']) expect(ecrRegion(host)).toBeUndefined();
  });

  it('prefers the Docker config, asks ECR only for an ECR host it lacks, once per region', async () => {
    const asked: string[] = [];
    const provider = cliCredentials(
      async (host) => (host === 'cr.root.io' ? { username: 'root', password: 'key' } : undefined),
      async (region) => {
        asked.push(region);
        return async (host) => (host === ECR ? { username: 'AWS', password: `token-${region}` } : undefined);
      },
    );
    expect(await provider('cr.root.io')).toEqual({ username: 'root', password: 'key' });
    expect(await provider('example.com')).toBeUndefined();
    expect(await provider(ECR)).toEqual({ username: 'AWS', password: 'token-eu-west-1' });
    expect(await provider(ECR)).toEqual({ username: 'AWS', password: 'token-eu-west-1' });
    expect(asked).toEqual(['eu-west-1']);
  });
});
