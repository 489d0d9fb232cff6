import { parseArgs } from 'node:util';
import { copyImage } from '../registry/copy.js';
import { DEFAULT_COPY_CONCURRENCY } from '../registry/copy-settings.js';
import { dockerConfigCredentials } from '../registry/docker-config.js';
import { parseReference } from '../registry/reference.js';
import { cliCredentials } from './cli-credentials.js';
import { formatBytes, terminalProgress } from './progress.js';
import { UsageError } from './usage-error.js';

export async function copyCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      platform: { type: 'string' },
      json: { type: 'boolean', default: false },
      concurrency: { type: 'string' },
    },
  });
  if (positionals.length !== 2) throw new UsageError('copy takes exactly two arguments: SRC DST');
  const concurrency = values.concurrency === undefined ? DEFAULT_COPY_CONCURRENCY : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new UsageError('--concurrency takes a whole number from 1 to 64');
  }
  const source = parseReference(positionals[0]!, { dockerHubDefaults: true });
  const parsedDestination = parseReference(positionals[1]!, { dockerHubDefaults: true });
  const destination =
    parsedDestination.tag || parsedDestination.digest || !source.tag ? parsedDestination : { ...parsedDestination, tag: source.tag };

  const credentials = cliCredentials(await dockerConfigCredentials());
  const onProgress = terminalProgress(process.stderr);
  const summary = await copyImage(source, destination, {
    sourceCredentials: credentials,
    destinationCredentials: credentials,
    concurrency,
    ...(values.platform ? { platform: values.platform } : {}),
    ...(onProgress ? { onProgress } : {}),
  });

  if (values.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const what = summary.upToDate
    ? 'already up to date'
    : `${summary.blobsCopied} blobs copied (${formatBytes(summary.bytesCopied)}), ${summary.blobsSkipped} skipped, ${summary.blobsMounted} mounted`;
  process.stdout.write(`${summary.destination}: ${what} in ${(summary.durationMs / 1000).toFixed(1)} s\n`);
}
