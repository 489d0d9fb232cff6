// The reconcile's reads of ECR through the real ECRClient: every page of ListImages and
// DescribeRepositories, with the stand-in answering at most two entries per page.
import { ECRClient } from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { listImageTags, listRepositoriesBelow } from '../../lambda/ecr/images.js';
import { withAwsStandIns } from './env.js';

const aws = withAwsStandIns({ ecr: { maxPage: 2 } });
const digest = (n: number) => `sha256:${String(n).padStart(64, '0')}`;

describe('listImageTags', () => {
  it('reads every page of tags and their digests', async () => {
    aws.ecr.seedRepository('root-mirror/python', { images: { '3.12': digest(1), '3.11': digest(2), '3.10': digest(3), '3.9': digest(4), '3.8': digest(5) } });
    const tags = await listImageTags(new ECRClient({}), 'root-mirror/python');
    expect(tags).toEqual(new Map([['3.10', digest(3)], ['3.11', digest(2)], ['3.12', digest(1)], ['3.8', digest(5)], ['3.9', digest(4)]]));
    expect(aws.ecr.callsTo('ListImages')).toHaveLength(3);
    expect(aws.ecr.callsTo('ListImages')[0]?.params).toMatchObject({ repositoryName: 'root-mirror/python', filter: { tagStatus: 'TAGGED' } });
  });

  it('answers undefined for a repository that does not exist yet', async () => {
    expect(await listImageTags(new ECRClient({}), 'root-mirror/absent')).toBeUndefined();
  });
});

describe('listRepositoriesBelow', () => {
  it('lists every page and keeps only the repositories below the base', async () => {
    for (const name of ['root-mirror', 'root-mirror/a', 'root-mirror/b/c', 'other/x', 'root-mirrorx/y', 'root-mirror/d']) aws.ecr.seedRepository(name);
    expect((await listRepositoriesBelow(new ECRClient({}), 'root-mirror')).sort()).toEqual(['root-mirror/a', 'root-mirror/b/c', 'root-mirror/d']);
    expect(aws.ecr.callsTo('DescribeRepositories')).toHaveLength(3);
  });
});
