import { MirrorError, errorMessage } from '../errors.js';
import { logger } from '../log.js';
import { MetricUnit, metrics } from '../metrics.js';
import type { ReconcileOutcome } from '../reconcile/reconcile.js';
import { MAX_ROUNDS, parseReconcileRequest } from '../reconcile/request.js';
import type { ReconcileRequest, ReconcileSummary } from '../reconcile/summary.js';

export interface ReconcileHandlerDependencies {
  readonly run: (request: ReconcileRequest, signal?: AbortSignal) => Promise<ReconcileOutcome>;
  /** Hands what a run had no time for to a follow-up invocation; absent without a queue. */
  readonly continueLater?: (request: ReconcileRequest) => Promise<void>;
}

/**
 * Runs one reconcile invocation and answers its summary. It never throws: a reconcile that
 * cannot run (Root unreachable, the key refused or not set, a bad request) answers `ok: false`
 * with the reason, and its summary log line and metrics carry it, so neither the schedule
 * nor a `terraform apply` that invokes it fails for a cause outside the stack.
 */
export async function handleReconcile(value: unknown, deps: ReconcileHandlerDependencies, signal?: AbortSignal): Promise<ReconcileSummary> {
  let request: ReconcileRequest;
  let summary: ReconcileSummary;
  try {
    request = parseReconcileRequest(value);
    const outcome = await deps.run(request, signal);
    summary = await continueIfNeeded(request, outcome, deps);
  } catch (error) {
    request = {};
    summary = failedSummary(error);
  }
  report(summary, request);
  return summary;
}

async function continueIfNeeded(request: ReconcileRequest, { summary, remaining }: ReconcileOutcome, deps: ReconcileHandlerDependencies): Promise<ReconcileSummary> {
  if (remaining.length === 0) return summary;
  const round = (request.round ?? 0) + 1;
  const left = `${remaining.length} repositories were not checked before the invocation's deadline`;
  const unqueued = (why: string): ReconcileSummary => ({
    ...summary,
    ok: false,
    continued: { repositories: remaining.length, queued: false },
    errors: [...summary.errors, { code: 'RECONCILE_INCOMPLETE', message: `${left}; ${why}` }],
  });
  if (!deps.continueLater) return unqueued('without a queue there is no follow-up: run the reconcile again');
  if (round > MAX_ROUNDS) return unqueued(`it has continued ${MAX_ROUNDS} times already: raise the function's timeout or narrow the scope`);
  try {
    await deps.continueLater({ ...request, continue: remaining, round });
  } catch (error) {
    return unqueued(`queuing the follow-up failed (${errorMessage(error)}): the next scheduled reconcile checks them`);
  }
  return { ...summary, continued: { repositories: remaining.length, queued: true } };
}

function failedSummary(error: unknown): ReconcileSummary {
  const problem = { code: error instanceof MirrorError ? error.code : 'UNEXPECTED', message: errorMessage(error) };
  return {
    ok: false,
    dryRun: false,
    mode: 'queued',
    repositories: 0,
    checked: 0,
    inSync: 0,
    queued: 0,
    filteredOut: 0,
    plan: [],
    errors: [],
    error: problem,
    notes: [],
    durationMs: 0,
  };
}

/** The one summary line per reconcile invocation, and its metrics. */
function report(summary: ReconcileSummary, request: ReconcileRequest): void {
  const fields = {
    repositories: summary.repositories,
    checked: summary.checked,
    in_sync: summary.inSync,
    queued: summary.queued,
    filtered_out: summary.filteredOut,
    planned: summary.plan.length,
    errors: summary.errors.length,
    dry_run: summary.dryRun,
    round: request.round ?? 0,
    duration_ms: summary.durationMs,
    ...(request.repos ? { requested: request.repos } : {}),
    ...(summary.mirrored !== undefined ? { mirrored: summary.mirrored, failed: summary.failed } : {}),
    ...(summary.continued ? { continued: summary.continued.repositories, continuation_queued: summary.continued.queued } : {}),
    ...(summary.notes.length > 0 ? { notes: summary.notes } : {}),
    ...(summary.errors.length > 0 ? { first_errors: summary.errors.slice(0, 5) } : {}),
    ...(summary.error ? { error: summary.error.message, code: summary.error.code } : {}),
  };
  if (summary.error) logger.error('reconcile could not run', fields);
  else if (summary.errors.length > 0) logger.warn('reconcile finished with errors', fields);
  else logger.info('reconcile finished', fields);
  metrics.addMetric('ReconcileTagsChecked', MetricUnit.Count, summary.checked);
  metrics.addMetric('ReconcileTagsQueued', MetricUnit.Count, summary.queued);
  metrics.addMetric('ReconcileErrors', MetricUnit.Count, summary.errors.length + (summary.error ? 1 : 0));
  metrics.publishStoredMetrics();
}
