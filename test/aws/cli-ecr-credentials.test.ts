// The CLI's ECR credentials through the real SDK: an ECR token for the account's registry, no docker login.
import { describe, expect, it } from 'vitest';
import { cliCredentials } from '../../lambda/cli/cli-credentials.js';
import { anonymous } from '../../lambda/registry/credentials.js';
import { withAwsStandIns } from './env.js';

const aws = withAwsStandIns();

describe('the CLI copying into ECR', () => {
  it('gets a token from GetAuthorizationToken for the ECR registry the stand-in names', async () => {
    const host = new URL(aws.ecr.proxyEndpoint).host;
    const provider = cliCredentials(anonymous);
    const credentials = await provider(host);
    expect(credentials?.username).toBe('AWS');
    expect(credentials?.password).toBeTruthy();
    expect(aws.ecr.callsTo('GetAuthorizationToken')).toHaveLength(1);
    expect(await provider('cr.root.io')).toBeUndefined();
    expect(aws.ecr.callsTo('GetAuthorizationToken')).toHaveLength(1);
  });
});
