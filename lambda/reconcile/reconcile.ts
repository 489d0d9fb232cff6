/**
 * The reconcile engine: brings the destination in step with Root for the repositories in scope.
 * Event, request and summary shapes: summary.ts (`{"reconcile": {"repos": [...]}}` in, ReconcileSummary out).
 *
 * For each repository: Root's tags (paged), each tag's digest by HEAD (bounded), the destination's
 * digests (ECR ListImages, or the registry protocol), and a plan of the tags missing or naming
 * another digest, handed on as mirror jobs. Nothing is deleted; tags outside the plan are not touched.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import pLimit, { type LimitFunction } from 'p-limit';
import type { SecretCache } from '../config/secret-cache.js';
import { MirrorError, errorMessage } from '../errors.js';
import { RegistryClient } from '../registry/client.js';
import { anonymous, credentialsFor } from '../registry/credentials.js';
import { OperationAbortedError } from '../abort.js';
import type { RetryPolicy } from '../registry/retry.js';
import { ecrRepositoryNameProblem } from '../ecr/repository-name.js';
import { parseAllowedRepos, type AllowedRepos } from '../webhook/allowed-repos.js';
import type { DestinationIndex } from './destination-index.js';
import { reconcileJob, type Dispatcher } from './dispatch.js';
import { planRepository, type SourceTag } from './plan.js';
import { rootFailure, type RootContext } from './root-failure.js';
import { repositoryInScope, resolveScope, tagInScope, type ScopeFilter } from './scope.js';
import { settleAll } from '../settle.js';
import type { PlanEntry, ReconcileProblem, ReconcileRequest, ReconcileSummary } from './summary.js';

export type { ReconcileRequest, ReconcileSummary } from './summary.js';

/** Manifest HEADs in flight at once, on each side (Root, destination). */
export const DEFAULT_CONCURRENCY = 8;
/** Repositories checked at once; their HEADs share each side's limit. */
const REPOSITORIES_AT_ONCE = 4;

export interface ReconcileDependencies {
  readonly rootRegistryHost: string;
  readonly rootRegistryUsername: string;
  readonly rootApiKey: SecretCache;
  /** The base repository: mirrored repositories are `<dstRepo>/<Root's name>`. */
  readonly dstRepo: string;
  readonly allowed: AllowedRepos;
  /** Reads the destination; `limit` bounds its HEADs, `signal` stops them. */
  readonly destination: (options: { limit: LimitFunction; signal?: AbortSignal }) => DestinationIndex;
  /** Where planned tags go; not used on a dry run, which only reports the plan. */
  readonly dispatcher: Dispatcher;
  /** Destination repository names must also be ECR names. */
  readonly ecrNames: boolean;
  /**
   * Brings a mirrored repository's policies up to the base repository's (item 3 of issue 9,
   * lambda/ecr/): called once per repository that exists at the destination, never on a dry run.
   */
  readonly propagateBasePolicies?: (destinationRepository: string) => Promise<void>;
  readonly concurrency?: number;
  readonly retry?: RetryPolicy;
  readonly onRepository?: (progress: RepositoryProgress) => void;
}

export interface RepositoryProgress {
  readonly repository: string;
  readonly done: number;
  readonly total: number;
  readonly checked: number;
  readonly planned: number;
  readonly error?: string;
}

export interface ReconcileOutcome {
  readonly summary: ReconcileSummary;
  /** Repositories not checked because `signal` stopped the run: the follow-up's `continue`. */
  readonly remaining: string[];
}

interface Totals {
  repositories: number;
  checked: number;
  inSync: number;
  queued: number;
  mirrored: number;
  failed: number;
  filteredOut: number;
  plan: PlanEntry[];
  errors: ReconcileProblem[];
}

/** Never throws for Root's or the destination's failures: they end up in the summary. */
export async function reconcile(request: ReconcileRequest, deps: ReconcileDependencies, signal?: AbortSignal): Promise<ReconcileOutcome> {
  const started = Date.now();
  const dryRun = request.dryRun === true;
  const totals: Totals = { repositories: 0, checked: 0, inSync: 0, queued: 0, mirrored: 0, failed: 0, filteredOut: 0, plan: [], errors: [] };
  const remaining: string[] = [];
  let notes: string[] = [];
  let error: ReconcileProblem | undefined;
  const filter: ScopeFilter = { allowed: deps.allowed, ...(request.repos ? { requested: parseAllowedRepos(request.repos.join(',')) } : {}) };
  // Stops every request of this run at once when Root turns out to be unusable.
  const stopAll = new AbortController();
  const stopped = signal ? AbortSignal.any([signal, stopAll.signal]) : stopAll.signal;
  // Every request in flight listens on it: with 8 HEADs a side that is more than Node's default of 10.
  setMaxListeners(0, stopped);

  try {
    const [apiKey] = await deps.rootApiKey.get().catch((e: unknown) => {
      throw rootFailure(e, rootContext(deps, false), 'tags') ?? e;
    });
    const ctx = rootContext(deps, apiKey !== undefined);
    const credentials = apiKey ? credentialsFor(deps.rootRegistryHost, { username: deps.rootRegistryUsername, password: apiKey }) : anonymous;
    const source = new RegistryClient(deps.rootRegistryHost, {
      credentials,
      actions: 'pull',
      signal: stopped,
      ...(deps.retry ? { retry: deps.retry } : {}),
    });
    const limit = pLimit(deps.concurrency ?? DEFAULT_CONCURRENCY);
    const destination = deps.destination({ limit: pLimit(deps.concurrency ?? DEFAULT_CONCURRENCY), signal: stopped });
    const prefix = `${deps.dstRepo}/`;
    const scope = await resolveScope(
      filter,
      {
        catalog: () => source.listRepositories(),
        mirrored: async () => (await destination.mirrored(deps.dstRepo)).map((name) => name.slice(prefix.length)),
        fatal: (e) => rootFailure(e, ctx, 'catalog'),
      },
      request.continue,
    );
    notes = scope.notes;
    const runId = `reconcile-${randomUUID()}`;
    const repoLimit = pLimit(REPOSITORIES_AT_ONCE);
    let done = 0;

    await Promise.all(
      scope.repositories.map((repository) =>
        repoLimit(async () => {
          if (error) return;
          if (signal?.aborted) {
            remaining.push(repository);
            return;
          }
          try {
            const result = await checkRepository(repository, { deps, filter, source, destination, limit, dryRun, runId });
            totals.repositories += 1;
            totals.checked += result.checked;
            totals.inSync += result.inSync;
            totals.filteredOut += result.filteredOut;
            totals.queued += result.handed;
            totals.mirrored += result.mirrored;
            totals.failed += result.failed;
            totals.plan.push(...result.plan);
            totals.errors.push(...result.problems);
            deps.onRepository?.({ repository, done: ++done, total: scope.repositories.length, checked: result.checked, planned: result.plan.length });
          } catch (e) {
            if (error) return;
            const fatal = rootFailure(e, ctx, 'tags');
            if (fatal) {
              error = problemOf(fatal);
              stopAll.abort(fatal);
              return;
            }
            // Stopped for the deadline: the follow-up checks this repository again, from the start.
            if (e instanceof OperationAbortedError && signal?.aborted) {
              remaining.push(repository);
              return;
            }
            totals.errors.push({ repository, ...problemOf(e) });
            deps.onRepository?.({ repository, done: ++done, total: scope.repositories.length, checked: 0, planned: 0, error: errorMessage(e) });
          }
        }),
      ),
    );
  } catch (e) {
    const fatal = rootFailure(e, rootContext(deps, true), 'tags');
    error = problemOf(fatal ?? e);
  }

  totals.plan.sort((a, b) => (a.repository === b.repository ? compare(a.tag, b.tag) : compare(a.repository, b.repository)));
  const mode = deps.dispatcher.mode;
  const summary: ReconcileSummary = {
    ok: error === undefined && totals.errors.length === 0,
    dryRun,
    mode,
    repositories: totals.repositories,
    checked: totals.checked,
    inSync: totals.inSync,
    queued: totals.queued,
    ...(mode === 'copied' ? { mirrored: totals.mirrored, failed: totals.failed } : {}),
    filteredOut: totals.filteredOut,
    plan: totals.plan,
    errors: totals.errors,
    ...(error ? { error } : {}),
    notes,
    durationMs: Date.now() - started,
  };
  return { summary, remaining: error ? [] : remaining.sort() };
}

interface RepositoryContext {
  readonly deps: ReconcileDependencies;
  readonly filter: ScopeFilter;
  readonly source: RegistryClient;
  readonly destination: DestinationIndex;
  readonly limit: LimitFunction;
  readonly dryRun: boolean;
  readonly runId: string;
}

interface RepositoryResult {
  readonly checked: number;
  readonly inSync: number;
  readonly filteredOut: number;
  readonly plan: PlanEntry[];
  readonly handed: number;
  readonly mirrored: number;
  readonly failed: number;
  readonly problems: ReconcileProblem[];
}

async function checkRepository(repository: string, ctx: RepositoryContext): Promise<RepositoryResult> {
  const { deps } = ctx;
  if (!repositoryInScope(ctx.filter, repository)) throw new MirrorError(`${repository} is not in allowed_repos`, { code: 'NOT_ALLOWED', failureClass: 'permanent' });
  const destinationRepository = `${deps.dstRepo}/${repository}`;
  const nameProblem = deps.ecrNames ? ecrRepositoryNameProblem(destinationRepository) : undefined;
  if (nameProblem) {
    throw new MirrorError(`cannot mirror ${repository}: ECR repository name "${destinationRepository}" ${nameProblem}`, {
      code: 'ECR_REPOSITORY_NAME_INVALID',
      failureClass: 'permanent',
    });
  }
  const listed = await ctx.source.listTags(repository);
  const tags = listed.filter((tag) => tagInScope(ctx.filter, repository, tag)).sort(compare);
  // Root's HEADs and the destination's listing run together, each side under its own limit.
  const [sourceTags, held] = await settleAll<SourceTag[] | Map<string, string>>([
    resolveDigests(ctx.source, repository, tags, ctx.limit),
    ctx.destination.digests(destinationRepository, tags),
  ]);
  const resolved = sourceTags as SourceTag[];
  const destinationDigests = held as Map<string, string>;
  const { plan, inSync } = planRepository(repository, resolved, destinationDigests);
  const problems: ReconcileProblem[] = [];
  let handed = 0;
  let mirrored = 0;
  let failed = 0;
  if (!ctx.dryRun && deps.propagateBasePolicies && destinationDigests.size > 0) {
    await deps.propagateBasePolicies(destinationRepository).catch((e: unknown) => {
      problems.push({ repository, ...problemOf(e) });
    });
  }
  if (!ctx.dryRun && plan.length > 0) {
    const jobs = plan.map((entry) => reconcileJob(entry, { rootRegistryHost: deps.rootRegistryHost, dstRepo: deps.dstRepo, runId: ctx.runId }));
    const result = await deps.dispatcher.dispatch(jobs, plan);
    ({ handed, mirrored, failed } = result);
    problems.push(...result.problems);
  }
  return { checked: resolved.length, inSync, filteredOut: listed.length - tags.length, plan, handed, mirrored, failed, problems };
}

/** A tag deleted between the listing and its HEAD is skipped: there is nothing to mirror. */
async function resolveDigests(source: RegistryClient, repository: string, tags: readonly string[], limit: LimitFunction): Promise<SourceTag[]> {
  const heads = await settleAll(tags.map((tag) => limit(async () => ({ tag, head: await source.headManifest(repository, tag) }))));
  return heads.flatMap(({ tag, head }) => (head ? [{ tag, digest: head.digest }] : []));
}

function rootContext(deps: ReconcileDependencies, keyConfigured: boolean): RootContext {
  return { rootRegistryHost: deps.rootRegistryHost, rootRegistryUsername: deps.rootRegistryUsername, keyConfigured };
}

function problemOf(error: unknown): ReconcileProblem {
  return { code: error instanceof MirrorError ? error.code : 'UNEXPECTED', message: errorMessage(error) };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

