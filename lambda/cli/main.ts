import { fileURLToPath } from 'node:url';
import { errorMessage } from '../errors.js';
import { handedToNewerNode } from './node-version.js';
import { USAGE } from './usage.js';
import { UsageError } from './usage-error.js';

type Command = (args: string[]) => Promise<number | void>;

/**
 * Each command resolves to its exit status (0 when it returns nothing). Loaded on
 * demand: `copy` never initializes the AWS SDK and Powertools that `serve` needs,
 * which keeps its resident memory low.
 */
const commands: Record<string, () => Promise<Command>> = {
  copy: async () => (await import('./copy-command.js')).copyCommand,
  serve: async () => (await import('./serve-command.js')).serveCommand,
  sync: async () => (await import('./sync-command.js')).syncCommand,
  'send-test-webhook': async () => (await import('./send-test-webhook-command.js')).sendTestWebhookCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help' || args.includes('--help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const load = commands[name];
  if (!load) throw new UsageError(`unknown command "${name}"`);
  const command = await load();
  return (await command(args)) ?? 0;
}

if (!handedToNewerNode(fileURLToPath(import.meta.url), process.argv.slice(2))) runMain();

function runMain(): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const message = errorMessage(error);
      process.stderr.write(`error: ${message.split('\n')[0]}\n`);
      if (error instanceof UsageError) process.stderr.write('run with --help for usage\n');
      process.exitCode = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
    },
  );
}
