import { fileURLToPath } from 'node:url';
import packageJson from '../../package.json' with { type: 'json' };
import { ConfigError } from '../config/errors.js';
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

export const VERSION: string = packageJson.version;

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help' || args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (name === '--version' || name === '-V' || args.includes('--version')) {
    process.stdout.write(`root-ecr-mirror ${VERSION}\n`);
    return 0;
  }
  const load = commands[name];
  if (!load) throw new UsageError(name.startsWith('-') ? `unknown flag ${name}` : `unknown command "${name}"`);
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
      process.exitCode = reportFailure(error);
    },
  );
}

/** Prints why the command failed and returns the exit status: 2 for bad usage or configuration, else 1. */
function reportFailure(error: unknown): number {
  const message = errorMessage(error);
  if (error instanceof ConfigError) {
    // Every problem, each naming its variable: fixing one at a time would take as many runs.
    process.stderr.write(`error: ${message}\n`);
    return 2;
  }
  process.stderr.write(`error: ${message.split('\n')[0]}\n`);
  if (error instanceof UsageError) {
    process.stderr.write('run with --help for usage\n');
    return 2;
  }
  return 1;
}
