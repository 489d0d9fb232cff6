// The worker's world: a Root-like source registry (Basic auth) and an ECR-like destination
// registry (Basic `AWS:<token>`), each behind a fault proxy; the ECR, SQS and Secrets
// Manager stand-ins with the real SDK; and a worker built as createApp builds it, but with
// fast registry retries and a fresh Secrets Manager client per test.
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { ECRClient } from '@aws-sdk/client-ecr';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, vi } from 'vitest';
import type { SecretSource } from '../../lambda/config/config.js';
import { SecretCache } from '../../lambda/config/secret-cache.js';
import { createSqsHandler } from '../../lambda/handlers/sqs.js';
import { ecrDestination } from '../../lambda/mirror/destination.js';
import type { MirrorJob } from '../../lambda/mirror/job.js';
import { runMirrorJob } from '../../lambda/mirror/run-job.js';
import { parseAllowedRepos } from '../../lambda/webhook/allowed-repos.js';
import { sqsEnqueue } from '../../lambda/queue/enqueue.js';
import type { EcrRepositorySeed, EcrStandInOptions } from '../aws/ecr-standin.js';
import { functionRoleEcrPolicy } from '../aws/role-policy.js';
import { withAwsStandIns, type AwsStandIns } from '../aws/env.js';
import { FAST_RETRY } from '../registry/fast-retry.js';
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from '../support/fault-proxy.js';
import { fetchManifest, listImages, pushRandomImage, type PushedImage, type RandomImageOptions, type RegistryAuth } from '../support/images.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { captureOutput, type CapturedOutput } from '../support/output.js';
import { SqsDriver } from './sqs-driver.js';

export const BASE = 'root-mirror';
/** Root's registry user and API key. */
export const ROOT_AUTH: RegistryAuth = { username: 'root', password: 'root-api-key-0123' };
/** What the destination registry accepts: the ECR stand-in hands out this token password. */
export const ECR_AUTH: RegistryAuth = { username: 'AWS', password: 'ecr-token-password' };

export const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'pull', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: ['ecr:BatchGetImage'] }],
});
export const LIFECYCLE = JSON.stringify({
  rules: [{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 }, action: { type: 'expire' } }],
});
export const KMS_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
/** The base repository's settings, unlike the stand-in's defaults so a copy is visible. */
export const BASE_SETTINGS: EcrRepositorySeed = {
  imageTagMutability: 'IMMUTABLE',
  imageScanningConfiguration: { scanOnPush: true },
  encryptionConfiguration: { encryptionType: 'KMS', kmsKey: KMS_KEY },
};

export interface World {
  readonly aws: AwsStandIns;
  readonly output: CapturedOutput;
  readonly src: TestRegistry;
  readonly dst: TestRegistry;
  /** In front of the source: jobs name `srcProxy.host` as Root's registry. */
  readonly srcProxy: FaultProxy;
  /** In front of the destination: the ECR stand-in's proxyEndpoint. */
  readonly dstProxy: FaultProxy;
  readonly sqs: SqsDriver;
}

/** Registers the hooks; read the properties inside tests only. */
export function useWorld(): World {
  // ListImages answers from the destination registry, so ECR's API and its registry agree.
  const ecrOptions: EcrStandInOptions = {
    password: () => ECR_AUTH.password,
    // Every ECR call is authorized against the deployed role's statements, as in a real account.
    identityPolicy: functionRoleEcrPolicy(BASE),
    imagesOf: (repository) => (parts ? listImages(parts.dst.url, repository, ECR_AUTH) : Promise.resolve([])),
  };
  let sqsClock = 0;
  const aws = withAwsStandIns({ ecr: ecrOptions, sqs: { now: () => sqsClock } });
  const output = captureOutput();
  let parts: { src: TestRegistry; dst: TestRegistry; srcProxy: FaultProxy; dstProxy: FaultProxy } | undefined;
  let driver: SqsDriver | undefined;

  beforeAll(async () => {
    const [src, dst] = await Promise.all([
      startRegistry({ auth: 'basic', users: { [ROOT_AUTH.username]: ROOT_AUTH.password } }),
      startRegistry({ auth: 'basic', users: { [ECR_AUTH.username]: ECR_AUTH.password } }),
    ]);
    const [srcProxy, dstProxy] = await Promise.all([startFaultProxy(src.url), startFaultProxy(dst.url)]);
    // Read by the ECR stand-in each test, when withAwsStandIns starts it.
    ecrOptions.proxyEndpoint = dstProxy.url;
    parts = { src, dst, srcProxy, dstProxy };
  });
  afterAll(async () => {
    await Promise.all([parts?.srcProxy.stop(), parts?.dstProxy.stop()]);
    await Promise.all([parts?.src.stop(), parts?.dst.stop()]);
  });
  beforeEach(() => {
    sqsClock = Date.now();
    for (const proxy of [parts?.srcProxy, parts?.dstProxy]) {
      if (!proxy) continue;
      proxy.rules = [];
      proxy.requests.splice(0);
    }
    driver = new SqsDriver(aws.sqs, (seconds) => (sqsClock += seconds * 1000));
  });

  const get = () => {
    if (!parts || !driver) throw new Error('the worker world exists only inside a test');
    return { ...parts, sqs: driver };
  };
  return {
    aws,
    output,
    get src() {
      return get().src;
    },
    get dst() {
      return get().dst;
    },
    get srcProxy() {
      return get().srcProxy;
    },
    get dstProxy() {
      return get().dstProxy;
    },
    get sqs() {
      return get().sqs;
    },
  };
}

export interface WorkerOptions {
  /** Where the Root API key comes from; the right key as an environment value by default. */
  readonly rootApiKey?: SecretSource;
  /** Without it, permanent failures have nowhere to go but back to the queue. */
  readonly withDlq?: boolean;
  /** The secret cache's clock (epoch ms), to age a cached key. */
  readonly now?: () => number;
  /** ALLOWED_REPOS as the worker reads it; everything by default. */
  readonly allowedRepos?: string;
  /** Whether the worker copies referrers (COPY_REFERRERS); default true, as deployed. */
  readonly copyReferrers?: boolean;
  /** PROPAGATE_BASE_POLICIES; on by default as in the deployed function. */
  readonly propagateBasePolicies?: boolean;
}

/**
 * The SQS handler as createApp wires it, against the stand-ins. Build it inside a test:
 * the SDK clients read the stand-ins' endpoints on their first request.
 */
export function createWorker(world: World, options: WorkerOptions = {}) {
  const rootApiKey = new SecretCache(options.rootApiKey ?? { kind: 'value', value: ROOT_AUTH.password }, new SecretsProvider(), options.now);
  const destination = ecrDestination(BASE, new ECRClient({}), { propagateBasePolicies: options.propagateBasePolicies ?? true });
  return createSqsHandler({
    mirror: (job, signal) =>
      runMirrorJob(
        job,
        {
        rootRegistryHost: world.srcProxy.host,
        dstRepo: BASE,
        allowedRepos: parseAllowedRepos(options.allowedRepos),
        rootRegistryUsername: ROOT_AUTH.username,
        rootApiKey,
        destination,
        retry: FAST_RETRY,
        ...(options.copyReferrers === undefined ? {} : { copyReferrers: options.copyReferrers }),
        },
        signal,
      ),
    sqs: new SQSClient({}),
    queueUrl: world.sqs.queueUrl,
    ...(options.withDlq === false ? {} : { dlqUrl: world.sqs.dlqUrl }),
  });
}

let jobs = 0;

/** A job as the intake builds it for Root's `repo:tag`, read through the source's fault proxy. */
export function jobFor(world: World, repo: string, tag: string, extra: Partial<MirrorJob> = {}): MirrorJob {
  jobs += 1;
  return {
    source: `${world.srcProxy.host}/${repo}:${tag}`,
    destinationRepository: `${BASE}/${repo}`,
    destinationTag: tag,
    webhookId: `msg_${process.pid}_${jobs}`,
    eventId: `evt_${jobs}`,
    ...extra,
  };
}

/** Sends jobs the way the intake does (FIFO, deduplicated by webhook id). */
export async function enqueue(world: World, ...toSend: MirrorJob[]): Promise<void> {
  const send = sqsEnqueue(world.sqs.queueUrl, new SQSClient({}));
  for (const job of toSend) await send(job);
}

export function seedBase(world: World, { policies = true }: { policies?: boolean } = {}): void {
  world.aws.ecr.seedRepository(BASE, { ...BASE_SETTINGS, ...(policies ? { policyText: POLICY, lifecyclePolicyText: LIFECYCLE } : {}) });
}

export function pushSource(world: World, repo: string, tag: string, options: RandomImageOptions = {}): Promise<PushedImage> {
  return pushRandomImage(world.src.url, repo, tag, { auth: ROOT_AUTH, ...options });
}

/** The digest the destination registry serves for `repo:tag` (repo without the base prefix). */
export async function mirroredDigest(world: World, repo: string, tag: string): Promise<string | null> {
  return (await fetchManifest(world.dst.url, `${BASE}/${repo}`, tag, ECR_AUTH)).digest;
}

const BLOB_UPLOAD = /\/blobs\/uploads\//;

/** How often each blob was committed (`PUT …/blobs/uploads/…?digest=`) to the destination. */
export function blobCommits(proxy: FaultProxy): Map<string, number> {
  const commits = new Map<string, number>();
  for (const request of proxy.requests) {
    if (request.method !== 'PUT' || !BLOB_UPLOAD.test(request.url)) continue;
    const digest = new URL(request.url, proxy.url).searchParams.get('digest');
    if (digest) commits.set(digest, (commits.get(digest) ?? 0) + 1);
  }
  return commits;
}

/** Every request that uploads to the destination: upload sessions, blob bytes, commits and manifests. */
export function writes(requests: readonly ProxiedRequest[]): string[] {
  return requests.filter((r) => r.method === 'POST' || r.method === 'PATCH' || r.method === 'PUT').map((r) => `${r.method} ${r.url}`);
}

/** Resolves once the proxy has answered everything it received and nothing new came for a moment. */
export async function settled(proxy: FaultProxy, quietMs = 150): Promise<void> {
  let seen = -1;
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    const pending = proxy.requests.some((r) => r.status === undefined);
    if (!pending && proxy.requests.length === seen) return;
    seen = proxy.requests.length;
    await new Promise((resolve) => setTimeout(resolve, quietMs));
  }
  throw new Error(`${proxy.url} is still busy after 10 s`);
}

/**
 * lambda/index.ts as a fresh cold start, configured as deployed for this world (Root behind the
 * source proxy, the base repository, the queues) with `env` on top; `env` names the secrets.
 */
export async function coldStartLambda(world: World, env: Record<string, string | undefined>): Promise<(typeof import('../../lambda/index.js'))['handler']> {
  const deployed: Record<string, string | undefined> = {
    ROOT_REGISTRY_HOST: world.srcProxy.host,
    ROOT_REGISTRY_USERNAME: ROOT_AUTH.username,
    DST_REPO: BASE,
    DST_REGISTRY: undefined,
    ALLOWED_REPOS: undefined,
    QUEUE_URL: world.sqs.queueUrl,
    DLQ_URL: world.sqs.dlqUrl,
  };
  for (const [name, value] of Object.entries({ ...deployed, ...env })) vi.stubEnv(name, value);
  vi.resetModules();
  return (await import('../../lambda/index.js')).handler;
}
