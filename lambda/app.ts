import { createSqsClient } from './aws-clients.js';
import { loadConfig, type Config } from './config/config.js';
import { SecretCache } from './config/secret-cache.js';
import { createFunctionUrlHandler } from './handlers/function-url.js';
import { createSqsHandler } from './handlers/sqs.js';
import { ecrDestination, registryDestination } from './mirror/destination.js';
import type { MirrorJob } from './mirror/job.js';
import { runMirrorJob } from './mirror/run-job.js';
import { sqsEnqueue } from './queue/enqueue.js';
import type { CopyProgress, CopySummary } from './registry/copy.js';
import { handleReconcile } from './handlers/reconcile.js';
import { createReconciler, type Reconciler, type ReconcilerOptions } from './reconcile/create-reconciler.js';
import type { ReconcileSummary } from './reconcile/summary.js';

/** Everything a warm Lambda keeps between invocations: config, cached secrets, clients, handlers. */
export interface App {
  readonly config: Config;
  readonly mirror: (job: MirrorJob, signal?: AbortSignal) => Promise<CopySummary>;
  readonly intake: ReturnType<typeof createFunctionUrlHandler>;
  readonly worker: ReturnType<typeof createSqsHandler>;
  readonly reconciler: Reconciler;
  /** The `reconcile` member of a reconcile event or queue message; never throws. */
  readonly reconcile: (request: unknown, signal?: AbortSignal) => Promise<ReconcileSummary>;
}

export interface AppOptions {
  /** Without a queue, hand jobs to this in-process runner instead of mirroring inside the request (`serve`). */
  readonly background?: (mirror: App['mirror']) => (job: MirrorJob) => void;
  readonly reconcile?: ReconcilerOptions;
  /** Told of every copy's progress (`sync` on a terminal). */
  readonly onCopyProgress?: (event: CopyProgress) => void;
}

export function createApp(env: NodeJS.ProcessEnv = process.env, options: AppOptions = {}): App {
  const config = loadConfig(env);
  const webhookSecret = new SecretCache(config.webhookSecret);
  const rootApiKey = new SecretCache(config.rootApiKey);
  const destination = config.dstRegistry ? registryDestination(config.dstRegistry, env) : ecrDestination(config.dstRepo, undefined, { propagateBasePolicies: config.propagateBasePolicies });
  const mirror = (job: MirrorJob, signal?: AbortSignal) =>
    runMirrorJob(
      job,
      {
        rootRegistryHost: config.rootRegistryHost,
        rootRegistryUsername: config.rootRegistryUsername,
        dstRepo: config.dstRepo,
        allowedRepos: config.allowedRepos,
        rootApiKey,
        destination,
        copyReferrers: config.copyReferrers,
        ...(options.onCopyProgress ? { onProgress: options.onCopyProgress } : {}),
      },
      signal,
    );
  const sqs = createSqsClient();
  const intake = createFunctionUrlHandler({
    config,
    webhookSecret,
    dispatch: config.queueUrl
      ? { mode: 'queued', enqueue: sqsEnqueue(config.queueUrl, sqs) }
      : options.background
        ? { mode: 'background', submit: options.background(mirror) }
        : { mode: 'inline', mirror },
  });
  const reconciler = createReconciler({ config, rootApiKey, destination, mirror, sqs }, options.reconcile);
  const reconcile = (request: unknown, signal?: AbortSignal) => handleReconcile(request, reconciler, signal);
  const worker = createSqsHandler({
    mirror,
    reconcile,
    sqs,
    ...(config.queueUrl ? { queueUrl: config.queueUrl } : {}),
    ...(config.dlqUrl ? { dlqUrl: config.dlqUrl } : {}),
  });
  return { config, mirror, intake, worker, reconciler, reconcile };
}
