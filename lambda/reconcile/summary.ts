/**
 * The reconcile's interface: what invokes it and what it answers (see reconcile.ts).
 *
 * Event (Lambda, EventBridge schedule, the apply-time aws_lambda_invocation):
 *   {"reconcile": {}}                                  everything in scope (allowed_repos)
 *   {"reconcile": {"repos": ["python", "library/*", "golang:1.22-*"]}}
 *       narrows the scope: entries in the allowed_repos grammar (REPO-GLOB[:TAG-GLOB]),
 *       never widening it (a repository or tag must be allowed by both).
 *   {"reconcile": {"dryRun": true}}                    plans, queues nothing.
 * The answer is the ReconcileSummary below as JSON; the invocation never fails for Root
 * being unreachable, refusing the key or the key not being set: `ok` is false and
 * `error` says what to fix. Continuations carry `continue` (exact repository names left)
 * and arrive through the mirror queue as {"reconcile": {...}} message bodies.
 */
export interface ReconcileRequest {
  /** Narrowing entries in the allowed_repos grammar; absent means the whole allowlist. */
  readonly repos?: readonly string[];
  readonly dryRun?: boolean;
  /** Set on a follow-up: the exact repositories the previous invocation had no time for. */
  readonly continue?: readonly string[];
  /** How many invocations came before this one in the same reconcile. */
  readonly round?: number;
}

/** One tag to mirror: Root's repository name (e.g. `python`), the tag, and Root's digest for it. */
export interface PlanEntry {
  readonly repository: string;
  readonly tag: string;
  readonly digest: string;
  /** `missing` at the destination, or `outdated`: the destination tag names another digest. */
  readonly reason: 'missing' | 'outdated';
}

/** Something that stopped one repository (or, for `error`, the whole reconcile) from being checked. */
export interface ReconcileProblem {
  /** Root's repository name, when the problem is about one repository. */
  readonly repository?: string;
  readonly code: string;
  /** What failed and what to do about it. */
  readonly message: string;
}

export interface ReconcileSummary {
  /** True when nothing failed: every repository checked (or handed to a queued follow-up) and every planned tag handed on. */
  readonly ok: boolean;
  readonly dryRun: boolean;
  /** `queued`: jobs sent to the mirror queue; `copied`: mirrored in this process (no QUEUE_URL). */
  readonly mode: 'queued' | 'copied';
  /** Repositories in scope that were checked. */
  readonly repositories: number;
  /** Tags in scope (allowed by the tag globs) whose digest was resolved. */
  readonly checked: number;
  /** Checked tags the destination already holds at Root's digest. */
  readonly inSync: number;
  /** Tags handed on: queued as mirror jobs, or copied here. 0 on a dry run. */
  readonly queued: number;
  /** In `copied` mode: tags whose copy succeeded / failed. */
  readonly mirrored?: number;
  readonly failed?: number;
  /** Tags Root lists that the tag globs leave out. */
  readonly filteredOut: number;
  /** The missing and outdated tags, in repository then tag order. */
  readonly plan: readonly PlanEntry[];
  /** Repositories that could not be checked, and tags that could not be handed on. */
  readonly errors: readonly ReconcileProblem[];
  /** Set when the reconcile as a whole could not run (Root unreachable, key refused or not set). */
  readonly error?: ReconcileProblem;
  /** Said once: e.g. Root refused its catalog, so the scope holds only exact names and mirrored repositories. */
  readonly notes: readonly string[];
  /** Repositories left for a follow-up invocation because this one ran out of time. */
  readonly continued?: { readonly repositories: number; readonly queued: boolean };
  readonly durationMs: number;
}
