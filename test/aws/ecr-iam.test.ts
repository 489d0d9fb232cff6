// The ECR calls under the function role's own policy: the stand-in authorizes each call as IAM
// does, so a grant that a real account would refuse fails here too. The reconcile lists the
// repositories below dst_repo with DescribeRepositories naming none, which IAM authorizes on
// `repository/*`, not on `dst_repo/*`.
import { ECRClient } from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { listRepositoriesBelow } from '../../lambda/ecr/images.js';
import { ecrIndex } from '../../lambda/reconcile/destination-index.js';
import type { AllowStatement } from './ecr-standin.js';
import { withAwsStandIns } from './env.js';
import { functionRoleEcrPolicy, repositoryArn } from './role-policy.js';

// Read by the stand-in at each call: each test puts the policy it is about.
const identityPolicy: AllowStatement[] = [];
const aws = withAwsStandIns({ ecr: { maxPage: 2, identityPolicy } });
const allow = (statements: AllowStatement[]) => identityPolicy.splice(0, identityPolicy.length, ...statements);
const seed = () => {
  for (const name of ['root-mirror', 'root-mirror/a', 'root-mirror/b/c', 'other/x', 'root-mirrorx/y', 'root-mirror/d']) aws.ecr.seedRepository(name);
};

describe('the reconcile listing repositories under the function role', () => {
  it('lists every page below dst_repo through the reconcile\'s ECR index, naming no repository', async () => {
    allow(functionRoleEcrPolicy('root-mirror'));
    seed();
    expect((await ecrIndex(new ECRClient({})).mirrored('root-mirror')).sort()).toEqual(['root-mirror/a', 'root-mirror/b/c', 'root-mirror/d']);
    const calls = aws.ecr.callsTo('DescribeRepositories');
    expect(calls).toHaveLength(3);
    for (const call of calls) expect(call.params.repositoryNames).toBeUndefined();
    expect(calls.map((c) => c.params.nextToken === undefined)).toEqual([true, false, false]);
  });

  it('is refused, as in a real account, when DescribeRepositories is granted on dst_repo/* alone', async () => {
    allow([{ actions: ['ecr:DescribeRepositories', 'ecr:ListImages'], resources: [repositoryArn('root-mirror'), repositoryArn('root-mirror/*')] }]);
    seed();
    await expect(listRepositoriesBelow(new ECRClient({}), 'root-mirror')).rejects.toMatchObject({ code: 'ECR_ACCESS_DENIED' });
  });

  it('still authorizes naming one repository, and refuses actions the role does not have', async () => {
    allow(functionRoleEcrPolicy('root-mirror'));
    seed();
    const ecr = new ECRClient({});
    const { DescribeRepositoriesCommand, DeleteRepositoryCommand } = await import('@aws-sdk/client-ecr');
    expect((await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['root-mirror'] }))).repositories).toHaveLength(1);
    await expect(ecr.send(new DeleteRepositoryCommand({ repositoryName: 'root-mirror/a' }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});
