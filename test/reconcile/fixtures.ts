// The reconcile's world: the worker's (Root-like source, ECR-like destination, AWS stand-ins
// whose ListImages reads the destination registry), plus a cold-started Lambda handler and a
// way to mirror a tag beforehand without going through the code under test's reconcile.
import type { ReconcileSummary } from '../../lambda/reconcile/summary.js';
import { copyImage } from '../../lambda/registry/copy.js';
import { credentialsFor } from '../../lambda/registry/credentials.js';
import { POLICIES_TAG_KEY } from '../../lambda/ecr/marker.js';
import { BASE, ECR_AUTH, ROOT_AUTH, coldStartLambda, type World } from '../worker/fixtures.js';

export type Handler = (event: unknown, context?: { getRemainingTimeInMillis(): number }) => Promise<unknown>;

/** lambda/index.ts as a fresh cold start reading `env` on top of the deployed defaults, secrets as plain values. */
export async function coldStart(world: World, env: Record<string, string | undefined> = {}): Promise<Handler> {
  return (await coldStartLambda(world, {
    WEBHOOK_SECRET: `whsec_${Buffer.from('reconcile-test-secret-0123456789').toString('base64')}`,
    WEBHOOK_SECRET_ARN: undefined,
    ROOT_API_KEY: ROOT_AUTH.password,
    ROOT_API_KEY_ARN: undefined,
    ...env,
  })) as Handler;
}

export async function invokeReconcile(handler: Handler, request: Record<string, unknown> = {}): Promise<ReconcileSummary> {
  return (await handler({ reconcile: request })) as ReconcileSummary;
}

/** Copies Root's `repo:tag` into the destination as an earlier mirror would have, repository included. */
export async function mirrorBeforehand(world: World, repo: string, tag: string): Promise<void> {
  const repository = `${BASE}/${repo}`;
  if (!world.aws.ecr.repositories.has(repository)) world.aws.ecr.seedRepository(repository, { tags: { [POLICIES_TAG_KEY]: 'copied' } });
  await copyImage(
    { registry: world.src.host, repository: repo, tag },
    { registry: world.dst.host, repository, tag },
    { sourceCredentials: credentialsFor(world.src.host, ROOT_AUTH), destinationCredentials: credentialsFor(world.dst.host, ECR_AUTH) },
  );
}

/** Requests for blobs (reads, uploads, mounts) a proxy saw. */
export function blobRequests(world: World): string[] {
  return [...world.srcProxy.requests, ...world.dstProxy.requests].filter((r) => r.url.includes('/blobs/')).map((r) => `${r.method} ${r.url}`);
}
