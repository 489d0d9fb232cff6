import { MirrorError } from '../errors.js';
import { isValidRepository } from '../registry/reference.js';
import { allowedRepoEntryProblem } from '../webhook/allowed-repos.js';
import type { ReconcileRequest } from './summary.js';

/** Follow-ups of one reconcile, at most: each checks what the previous one had no time for. */
export const MAX_ROUNDS = 20;

export class ReconcileRequestError extends MirrorError {
  constructor(reason: string) {
    super(`not a reconcile request: ${reason}. Expected {"reconcile": {}} or {"reconcile": {"repos": ["python", "library/*"]}}`, {
      code: 'RECONCILE_REQUEST_INVALID',
      failureClass: 'permanent',
    });
  }
}

/** True for `{"reconcile": …}`: the Lambda's third door, beside the Function URL and SQS. */
export function isReconcileEvent(event: unknown): event is { reconcile: unknown } {
  return typeof event === 'object' && event !== null && !Array.isArray(event) && 'reconcile' in event;
}

/** Validates the `reconcile` member of an event or queue message; every name is checked before use. */
export function parseReconcileRequest(value: unknown): ReconcileRequest {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ReconcileRequestError('"reconcile" is not an object');
  const { repos, dryRun, continue: rest, round, ...unknown } = value as Record<string, unknown>;
  const extra = Object.keys(unknown);
  if (extra.length > 0) throw new ReconcileRequestError(`unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => JSON.stringify(k)).join(', ')}`);
  const strings = (name: string, list: unknown, problem: (entry: string) => string | undefined): string[] | undefined => {
    if (list === undefined) return undefined;
    if (!Array.isArray(list) || !list.every((entry): entry is string => typeof entry === 'string')) {
      throw new ReconcileRequestError(`"${name}" is not a list of strings`);
    }
    for (const entry of list) {
      const why = problem(entry.trim());
      if (why) throw new ReconcileRequestError(`"${name}": ${why}`);
    }
    return list.map((entry) => entry.trim());
  };
  const patterns = strings('repos', repos, allowedRepoEntryProblem);
  const remaining = strings('continue', rest, (entry) => (isValidRepository(entry) ? undefined : `${JSON.stringify(entry)} is not a repository name`));
  if (dryRun !== undefined && typeof dryRun !== 'boolean') throw new ReconcileRequestError('"dryRun" is not true or false');
  if (round !== undefined && (typeof round !== 'number' || !Number.isInteger(round) || round < 0 || round > MAX_ROUNDS)) {
    throw new ReconcileRequestError(`"round" is not a whole number from 0 to ${MAX_ROUNDS}`);
  }
  return {
    ...(patterns && patterns.length > 0 ? { repos: patterns } : {}),
    ...(dryRun ? { dryRun } : {}),
    ...(remaining ? { continue: remaining } : {}),
    ...(round ? { round } : {}),
  };
}
