import type { SQSClient } from '@aws-sdk/client-sqs';
import { createEcrClient } from '../aws-clients.js';
import type { Config } from '../config/config.js';
import type { SecretCache } from '../config/secret-cache.js';
import type { Destination } from '../mirror/destination.js';
import type { MirrorJob } from '../mirror/job.js';
import { sendReconcileContinuation } from '../queue/reconcile-message.js';
import { RegistryClient } from '../registry/client.js';
import type { CopySummary } from '../registry/copy.js';
import type { RetryPolicy } from '../registry/retry.js';
import { ecrIndex, registryIndex } from './destination-index.js';
import { copyDispatcher, queueDispatcher } from './dispatch.js';
import { propagationForRun } from './policies.js';
import { reconcile, type ReconcileDependencies, type ReconcileOutcome, type RepositoryProgress } from './reconcile.js';
import type { ReconcileRequest } from './summary.js';

export interface ReconcilerParts {
  readonly config: Config;
  readonly rootApiKey: SecretCache;
  readonly destination: Destination;
  readonly mirror: (job: MirrorJob, signal?: AbortSignal) => Promise<CopySummary>;
  readonly sqs: SQSClient;
}

export interface ReconcilerOptions {
  /** Manifest HEADs at once on each side (default 8). */
  readonly concurrency?: number;
  /** Copies at once when there is no queue (default 2). */
  readonly copies?: number;
  readonly retry?: RetryPolicy;
  readonly onRepository?: (progress: RepositoryProgress) => void;
  readonly onCopied?: (job: MirrorJob, outcome: CopySummary | Error) => void;
  /** Replaces ECR base-policy propagation (on by default for ECR unless PROPAGATE_BASE_POLICIES=false). */
  readonly propagateBasePolicies?: ReconcileDependencies['propagateBasePolicies'];
}

export interface Reconciler {
  run(request: ReconcileRequest, signal?: AbortSignal): Promise<ReconcileOutcome>;
  /** Queues a follow-up invocation; absent without QUEUE_URL. */
  readonly continueLater?: (request: ReconcileRequest) => Promise<void>;
}

/**
 * The reconcile as the deployment configures it: Root from the environment, the destination's
 * index from ECR's API (or DST_REGISTRY's registry protocol), planned tags to the mirror queue,
 * or, without QUEUE_URL, copied here.
 */
export function createReconciler(parts: ReconcilerParts, options: ReconcilerOptions = {}): Reconciler {
  const { config } = parts;
  let ecr: ReturnType<typeof createEcrClient> | undefined;
  const destinationIndex: ReconcileDependencies['destination'] = ({ limit, signal }) => {
    if (!config.dstRegistry) return ecrIndex((ecr ??= createEcrClient()));
    const client = new RegistryClient(config.dstRegistry, {
      credentials: parts.destination.credentials,
      actions: 'pull',
      ...(signal ? { signal } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
    });
    return registryIndex(client, limit);
  };
  const queueUrl = config.queueUrl;
  // Per run: each run reads the base repository's policies once.
  const propagation = (): ReconcileDependencies['propagateBasePolicies'] => {
    if (options.propagateBasePolicies) return options.propagateBasePolicies;
    if (config.dstRegistry || !config.propagateBasePolicies) return undefined;
    return propagationForRun((ecr ??= createEcrClient()), config.dstRepo);
  };
  return {
    run: (request, signal) =>
      reconcile(
        request,
        {
          rootRegistryHost: config.rootRegistryHost,
          rootRegistryUsername: config.rootRegistryUsername,
          rootApiKey: parts.rootApiKey,
          dstRepo: config.dstRepo,
          allowed: config.allowedRepos,
          destination: destinationIndex,
          ecrNames: !config.dstRegistry,
          // Unused on a dry run: reconcile() hands nothing on then.
          dispatcher: queueUrl
            ? queueDispatcher(parts.sqs, queueUrl)
            : copyDispatcher(parts.mirror, {
                concurrency: options.copies ?? 2,
                ...(signal ? { signal } : {}),
                ...(options.onCopied ? { onCopied: options.onCopied } : {}),
              }),
          ...(options.concurrency ? { concurrency: options.concurrency } : {}),
          ...(options.retry ? { retry: options.retry } : {}),
          ...(options.onRepository ? { onRepository: options.onRepository } : {}),
          ...withPropagation(propagation()),
        },
        signal,
      ),
    ...(queueUrl ? { continueLater: (request: ReconcileRequest) => sendReconcileContinuation(parts.sqs, queueUrl, request) } : {}),
  };
}

function withPropagation(propagate: ReconcileDependencies['propagateBasePolicies']): Pick<ReconcileDependencies, 'propagateBasePolicies'> {
  return propagate ? { propagateBasePolicies: propagate } : {};
}
