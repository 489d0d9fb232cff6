// The deployed path through the Lambda's own entry point: a signed webhook into the intake,
// the FIFO queue of the SQS stand-in, the same handler fed the queued message as an SQS
// event, and the image in the ECR-like destination in a repository carrying the base's policies.
import type { LambdaFunctionURLResult, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatMarker, POLICIES_TAG_KEY } from '../../lambda/ecr/marker.js';
import { fingerprints } from '../../lambda/ecr/policies.js';
import { decodeJob } from '../../lambda/queue/job-message.js';
import type { ReconcileSummary } from '../../lambda/reconcile/summary.js';
import { SECRET, rootEvent, signedRequest } from '../intake/signed-request.js';
import { BASE, BASE_SETTINGS, LIFECYCLE, POLICY, ROOT_AUTH, coldStartLambda, mirroredDigest, pushSource, seedBase, useWorld } from './fixtures.js';

const world = useWorld();
type Handler = (event: unknown) => Promise<LambdaFunctionURLResult | SQSBatchResponse | ReconcileSummary>;

/** lambda/index.ts as a fresh cold start reading this test's environment, the Root API key from Secrets Manager. */
async function coldStart(): Promise<Handler> {
  const arn = world.aws.secrets.seedSecret('root-ecr-mirror/root-api-key', ROOT_AUTH.password);
  return coldStartLambda(world, { WEBHOOK_SECRET: SECRET, WEBHOOK_SECRET_ARN: undefined, ROOT_API_KEY: undefined, ROOT_API_KEY_ARN: arn });
}

afterEach(() => {
  vi.unstubAllEnvs();
});

function webhook(repo: string, tag: string, data: Record<string, unknown>, id: string, timestamp = Math.floor(Date.now() / 1000)) {
  const body = JSON.stringify(rootEvent({ image_repo: repo, image_tag: tag, ...data }, { subject: `${world.srcProxy.host}/${repo}:${tag}` }));
  return signedRequest({ body, id, timestamp });
}

describe('end to end through the Lambda handler', () => {
  it('queues a signed webhook, then mirrors the queued job into a new repository carrying the base policies', async () => {
    seedBase(world);
    const image = await pushSource(world, 'library/nginx', '1.25.4-root');
    const handler = await coldStart();

    const accepted = (await handler(webhook('library/nginx', '1.25.4-root', { image_digest: image.digest, arch: 'amd64' }, 'msg_e2e_1'))) as {
      statusCode: number;
      body: string;
    };
    expect(accepted.statusCode).toBe(202);
    expect(JSON.parse(accepted.body)).toMatchObject({ status: 'queued' });

    const queued = world.aws.sqs.messages(world.sqs.queueUrl);
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ groupId: 'msg_e2e_1', deduplicationId: 'msg_e2e_1' });
    expect(decodeJob(queued[0]!.body)).toMatchObject({
      source: `${world.srcProxy.host}/library/nginx:1.25.4-root@${image.digest}`,
      destinationRepository: `${BASE}/library/nginx`,
      destinationTag: '1.25.4-root',
      platform: 'linux/amd64',
    });

    const event: SQSEvent = await world.sqs.receive();
    const response = (await handler(event)) as SQSBatchResponse;
    await world.sqs.settle(event, response);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(await mirroredDigest(world, 'library/nginx', '1.25.4-root')).toBe(image.digest);
    expect(world.aws.ecr.repositories.get(`${BASE}/library/nginx`)).toMatchObject({
      ...BASE_SETTINGS,
      policyText: POLICY,
      lifecyclePolicyText: LIFECYCLE,
      tags: { [POLICIES_TAG_KEY]: formatMarker(fingerprints({ repositoryPolicy: POLICY, lifecyclePolicy: LIFECYCLE })) },
    });
    expect(world.sqs.queued()).toBe(0);
    expect(world.sqs.deadLettered()).toEqual([]);
    expect(world.aws.secrets.callsTo('GetSecretValue')).toHaveLength(1);
    expect(world.output.logsAt('INFO').find((l) => l.message === 'image mirrored')).toMatchObject({
      digest: image.digest,
      platform: 'all',
      remediated_platform: 'linux/amd64',
      destination: `${BASE}/library/nginx:1.25.4-root`,
      blobs_copied: image.blobs.size,
    });
  });

  it('enqueues a webhook Root delivers twice (same webhook-id) only once', async () => {
    const handler = await coldStart();
    const data = { image_digest: `sha256:${'ab'.repeat(32)}` };

    const first = (await handler(webhook('python', '3.12-root', data, 'msg_dup'))) as { statusCode: number };
    // Root's retry: same id and body, signed again a minute later.
    const later = Math.floor(Date.now() / 1000) + 60;
    const second = (await handler(webhook('python', '3.12-root', data, 'msg_dup', later))) as { statusCode: number };

    expect([first.statusCode, second.statusCode]).toEqual([202, 202]);
    expect(world.aws.sqs.callsTo('SendMessage')).toHaveLength(2);
    expect(world.aws.sqs.messages(world.sqs.queueUrl)).toHaveLength(1);
  });
});
