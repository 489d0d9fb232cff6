import { createApp } from '../app.js';
import { errorMessage } from '../errors.js';
import type { MirrorJob } from '../mirror/job.js';
import { DEFAULT_CONCURRENCY, type RepositoryProgress } from '../reconcile/reconcile.js';
import type { ReconcileSummary } from '../reconcile/summary.js';
import type { CopySummary } from '../registry/copy.js';
import { allowedRepoEntryProblem } from '../webhook/allowed-repos.js';
import { formatBytes, terminalProgress } from './progress.js';
import { parseCommandLine } from './flags.js';
import { UsageError } from './usage-error.js';

/**
 * `sync [REPO[:TAG-GLOB]...]`: the Lambda's reconcile, run here and configured from the same
 * environment as `serve`. With QUEUE_URL it queues mirror jobs for the worker; without, it copies
 * the planned tags itself, a few at a time. Exit status 1 when anything could not be reconciled.
 */
const SYNC_FLAGS = {
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  concurrency: { type: 'string' },
} as const;

export async function syncCommand(args: string[]): Promise<number> {
  const { flags: values, positionals } = parseCommandLine('sync', args, SYNC_FLAGS, {
    min: 0,
    max: Number.POSITIVE_INFINITY,
    describe: 'repositories, optionally with a tag glob: REPO[:TAG-GLOB]...',
  });
  const concurrency = values.concurrency === undefined ? DEFAULT_CONCURRENCY : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new UsageError('--concurrency takes a whole number from 1 to 64');
  for (const entry of positionals) {
    const problem = allowedRepoEntryProblem(entry);
    if (problem) throw new UsageError(problem.replace('allowed repository entry', 'sync argument'));
  }
  // On a terminal, as for copy: a line per repository and per image, and the running blobs live; none with --json.
  const progress = values.json ? undefined : terminalProgress(process.stderr);
  const app = createApp(process.env, {
    reconcile: {
      concurrency,
      // Copies (no QUEUE_URL) each move many blobs in parallel themselves.
      copies: Math.max(1, Math.min(4, Math.floor(concurrency / 4))),
      ...(progress
        ? { onRepository: (p: RepositoryProgress) => progress.note(repositoryLine(p)), onCopied: (job: MirrorJob, outcome: CopySummary | Error) => progress.note(copiedLine(job, outcome)) }
        : {}),
    },
    ...(progress ? { onCopyProgress: progress.onProgress } : {}),
  });
  let summary: ReconcileSummary;
  try {
    ({ summary } = await app.reconciler.run({
      ...(positionals.length > 0 ? { repos: positionals } : {}),
      ...(values['dry-run'] ? { dryRun: true } : {}),
    }));
  } finally {
    progress?.stop();
  }
  process.stdout.write(values.json ? `${JSON.stringify(summary)}\n` : describe(summary));
  return summary.ok ? 0 : 1;
}

function repositoryLine(progress: RepositoryProgress): string {
  const what = progress.error ? `failed: ${progress.error}` : `${progress.checked} tags checked, ${progress.planned} to mirror`;
  return `[${progress.done}/${progress.total}] ${progress.repository}: ${what}`;
}

function copiedLine(job: MirrorJob, outcome: CopySummary | Error): string {
  const what = outcome instanceof Error ? `failed: ${errorMessage(outcome)}` : outcome.upToDate ? 'already up to date' : `copied ${formatBytes(outcome.bytesCopied)}`;
  return `  ${job.destinationRepository}:${job.destinationTag} ${what}`;
}

function describe(summary: ReconcileSummary): string {
  const lines: string[] = [];
  const verb = summary.dryRun ? (summary.mode === 'queued' ? 'would queue' : 'would copy') : summary.mode === 'queued' ? 'queue' : 'copy';
  for (const entry of summary.plan) lines.push(`${verb} ${entry.repository}:${entry.tag} ${entry.digest} (${entry.reason})`);
  for (const note of summary.notes) lines.push(`note: ${note}`);
  for (const problem of summary.errors) lines.push(`error: ${problem.repository ? `${problem.repository}: ` : ''}${problem.message}`);
  if (summary.error) lines.push(`error: ${summary.error.message}`);
  const handed = summary.dryRun
    ? `${summary.plan.length} to mirror (dry run: nothing written)`
    : summary.mode === 'queued'
      ? `${summary.queued} queued`
      : `${summary.mirrored ?? 0} copied, ${summary.failed ?? 0} failed`;
  lines.push(
    `${summary.repositories} repositories, ${summary.checked} tags checked, ${summary.inSync} in sync, ${handed}, ` +
      `${summary.filteredOut} filtered out by tag globs, in ${(summary.durationMs / 1000).toFixed(1)} s`,
  );
  return `${lines.join('\n')}\n`;
}
