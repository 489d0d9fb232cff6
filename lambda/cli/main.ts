import { copyCommand } from './copy-command.js';
import { sendTestWebhookCommand } from './send-test-webhook-command.js';
import { serveCommand } from './serve-command.js';
import { USAGE } from './usage.js';
import { UsageError } from './usage-error.js';

/** Each command resolves to its exit status (0 when it returns nothing). */
const commands: Record<string, (args: string[]) => Promise<number | void>> = {
  copy: copyCommand,
  serve: serveCommand,
  'send-test-webhook': sendTestWebhookCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help' || args.includes('--help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const command = commands[name];
  if (!command) throw new UsageError(`unknown command "${name}"`);
  return (await command(args)) ?? 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${message.split('\n')[0]}\n`);
    if (error instanceof UsageError) process.stderr.write('run with --help for usage\n');
    process.exitCode = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  },
);
