import { parseArgs } from 'node:util';
import { UsageError } from './usage-error.js';

/** One flag of a command: `--name VALUE` (string) or `--name` (boolean). */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly default?: string | boolean;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** The parsed value of each flag: a string flag's text (or undefined), a boolean flag's state. */
export type FlagValues<S extends FlagSpecs> = {
  readonly [K in keyof S]: S[K]['type'] extends 'boolean' ? boolean : S[K] extends { default: string } ? string : string | undefined;
};

export interface ParsedCommandLine<S extends FlagSpecs> {
  readonly flags: FlagValues<S>;
  readonly positionals: readonly string[];
}

/**
 * Every command's flag parser: refuses an unknown flag, a missing value or a value
 * given to a boolean flag with a one-line UsageError naming the command and the flag
 * (the entry point adds "run with --help" and exits 2).
 */
export function parseCommandLine<S extends FlagSpecs>(
  command: string,
  args: readonly string[],
  specs: S,
  positionals: { readonly min: number; readonly max: number; readonly describe: string },
): ParsedCommandLine<S> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: specs as never, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${command}: ${describeParseError(error)}`);
  }
  const count = parsed.positionals.length;
  if (count < positionals.min || count > positionals.max) throw new UsageError(`${command} takes ${positionals.describe}`);
  const flags: Record<string, string | boolean | undefined> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const value = (parsed.values as Record<string, unknown>)[name];
    flags[name] = spec.type === 'boolean' ? value === true : typeof value === 'string' ? value : undefined;
  }
  return { flags: flags as FlagValues<S>, positionals: parsed.positionals };
}

/** Node's messages are long and suggest `--` tricks; say only which flag is wrong and how. */
function describeParseError(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const flag = /'(-[^' <]+)/.exec(message)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown flag ${flag}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return message.includes('argument missing') ? `${flag} needs a value` : `${flag} takes no value`;
  }
  return message.split('\n')[0] ?? message;
}
