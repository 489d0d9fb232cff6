import { errorMessage } from '../errors.js';
import { RegistryClient, type RegistryRetry } from '../registry/client.js';
import { copyImage, type CopySummary, type ReferrersSummary } from '../registry/copy.js';
import { DEFAULT_COPY_CONCURRENCY } from '../registry/copy-settings.js';
import { readDockerConfig } from '../registry/docker-config.js';
import { OperationAbortedError } from '../abort.js';
import { parsePlatform } from '../registry/platform.js';
import { formatReference, manifestReference, parseReference, type ImageReference } from '../registry/reference.js';
import { cliCredentials } from './cli-credentials.js';
import { EXIT } from './exit-codes.js';
import { parseCommandLine } from './flags.js';
import { formatBytes, terminalProgress } from './progress.js';
import { explainRefusal } from './refusal.js';
import { UsageError } from './usage-error.js';

const FLAGS = {
  platform: { type: 'string' },
  json: { type: 'boolean' },
  concurrency: { type: 'string' },
  'no-referrers': { type: 'boolean' },
} as const;

export async function copyCommand(args: string[]): Promise<number> {
  const { flags, positionals } = parseCommandLine('copy', args, FLAGS, { min: 2, max: 2, describe: 'exactly two arguments: SRC DST' });
  const concurrency = flags.concurrency === undefined ? DEFAULT_COPY_CONCURRENCY : Number(flags.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new UsageError('--concurrency takes a whole number from 1 to 64');
  }
  const platform = flags.platform === undefined ? undefined : asUsage(() => parsePlatform(flags.platform!));
  const source = asUsage(() => parseReference(positionals[0]!, { dockerHubDefaults: true }));
  const parsedDestination = asUsage(() => parseReference(positionals[1]!, { dockerHubDefaults: true }));

  const dockerConfig = await readDockerConfig();
  const credentials = cliCredentials(dockerConfig.credentials);
  await checkDestinationDigest(source, parsedDestination, platform !== undefined, () =>
    new RegistryClient(source.registry, { credentials, actions: 'pull' }).headManifest(source.repository, manifestReference(source)),
  );
  const { digest: _pinned, ...unpinned } = parsedDestination;
  const destination: ImageReference = unpinned.tag || !source.tag ? unpinned : { ...unpinned, tag: source.tag };

  // Ctrl-C stops the copy cleanly: uploads in flight are ended and the tag is not moved.
  const interrupt = new AbortController();
  const onInterrupt = () => interrupt.abort(new OperationAbortedError('interrupted'));
  process.once('SIGINT', onInterrupt);
  const progress = flags.json ? undefined : terminalProgress(process.stderr);
  // A retry waits seconds: say why, so a copy that seems stuck is not mistaken for a hang.
  let retries = 0;
  const onRetry = (retry: RegistryRetry) => {
    retries += 1;
    const line = retryLine(retry);
    if (progress) progress.note(line);
    else process.stderr.write(`${line}\n`);
  };
  let summary: CopySummary;
  try {
    summary = await copyImage(source, destination, {
      sourceCredentials: credentials,
      destinationCredentials: credentials,
      concurrency,
      signal: interrupt.signal,
      referrers: !flags['no-referrers'],
      onRetry,
      ...(platform ? { platform } : {}),
      ...(progress ? { onProgress: progress.onProgress } : {}),
    });
  } catch (error) {
    progress?.stop();
    if (interrupt.signal.aborted) {
      const tag = destination.tag ? `${formatReference(destination)} still points where it did` : 'no tag was moved';
      process.stderr.write(`interrupted: ${tag}; blobs already sent are kept, so the same command carries on from there\n`);
      return EXIT.interrupted;
    }
    const refusal = await explainRefusal(error, dockerConfig).catch(() => undefined);
    if (refusal) throw new Error(refusal, { cause: error });
    throw error;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
  progress?.stop();

  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ ...summary, retries })}\n`);
    return 0;
  }
  const what = summary.upToDate
    ? 'already up to date'
    : `${summary.blobsCopied} blobs copied (${formatBytes(summary.bytesCopied)}), ${summary.blobsSkipped} skipped, ${summary.blobsMounted} mounted`;
  const referrers = summary.referrers ? `; ${describeReferrers(summary.referrers)}` : '';
  process.stdout.write(`${summary.destination}: ${what}${referrers} in ${(summary.durationMs / 1000).toFixed(1)} s\n`);
  for (const refused of summary.referrers?.items.filter((item) => item.outcome === 'refused') ?? []) {
    process.stderr.write(`warning: referrer ${refused.tag ?? refused.digest} of ${refused.subject} not copied: ${refused.reason ?? refused.code ?? 'refused'}\n`);
  }
  for (const failure of summary.referrers?.unlisted ?? []) {
    process.stderr.write(`warning: the referrers of ${failure.subject} could not be listed: ${failure.reason}\n`);
  }
  return 0;
}

/** `retry 1 of 127.0.0.1:5000: GET … answered 503 (…); trying again in 1.2 s` */
export function retryLine(retry: RegistryRetry): string {
  const reason = retry.error.split('\n')[0] ?? retry.code;
  return `retry ${retry.attempt} of ${retry.registry}: ${reason}; trying again in ${(retry.delayMs / 1000).toFixed(1)} s`;
}

function describeReferrers(referrers: ReferrersSummary): string {
  const parts = [`${referrers.copied} referrers copied`];
  if (referrers.present > 0) parts.push(`${referrers.present} already there`);
  if (referrers.refused > 0) parts.push(`${referrers.refused} refused`);
  return parts.join(', ');
}

/**
 * A copy keeps the digest, so a digest in DST can only be SRC's own: anything else is a
 * mistake to refuse before any byte moves. With SRC named by tag, its current digest is asked.
 */
async function checkDestinationDigest(
  source: ImageReference,
  destination: ImageReference,
  onePlatform: boolean,
  resolveSource: () => Promise<{ digest: string } | undefined>,
): Promise<void> {
  const wanted = destination.digest;
  if (!wanted) return;
  const refuse = (actual: string | undefined) =>
    new UsageError(
      `DST names digest ${wanted}, but ${actual ? `SRC is ${actual}` : 'SRC does not name that digest'}: a copy keeps the digest, so leave it out of DST`,
    );
  if (source.digest) {
    if (source.digest !== wanted) throw refuse(source.digest);
    return;
  }
  // One platform of an index has a digest of its own: only a pinned SRC can say which.
  if (onePlatform) throw refuse(undefined);
  let head: { digest: string } | undefined;
  try {
    head = await resolveSource();
  } catch (error) {
    throw new Error(`could not check DST's digest against SRC: ${errorMessage(error).split('\n')[0]}`, { cause: error });
  }
  if (head?.digest !== wanted) throw refuse(head?.digest);
}

/** A wrong SRC, DST or --platform is bad usage: exit 2 with the reason. */
function asUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(errorMessage(error), { cause: error });
  }
}
