/**
 * Which IAM actions the Lambda's own code needs, read from its source: every AWS SDK
 * command it imports (and so sends), attributed to the client package it comes from.
 * Used by infra/least-privilege.test.ts; the stack itself does not depend on it.
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** SDK v3 clients the Lambda may use, with their IAM service prefix. */
const SDK_CLIENTS: Record<string, { readonly service: string; readonly aggregatedClient: string }> = {
  '@aws-sdk/client-ecr': { service: 'ecr', aggregatedClient: 'ECR' },
  '@aws-sdk/client-sqs': { service: 'sqs', aggregatedClient: 'SQS' },
  '@aws-sdk/client-secrets-manager': { service: 'secretsmanager', aggregatedClient: 'SecretsManager' },
};

/** Commands authorized by an action of another name. */
const ACTION_OF_COMMAND: Record<string, string> = {
  'sqs:SendMessageBatch': 'sqs:SendMessage',
  'sqs:DeleteMessageBatch': 'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibilityBatch': 'sqs:ChangeMessageVisibility',
};

/** Libraries that send SDK commands inside themselves: importing one is the evidence. */
const WRAPPER_PACKAGES: Record<string, readonly string[]> = {
  '@aws-lambda-powertools/parameters/secrets': ['secretsmanager:GetSecretValue'],
};

export interface SourceScan {
  /** IAM actions this file's SDK use needs. */
  readonly actions: readonly string[];
  /** Command names imported from an SDK client here, so `new X(` elsewhere can be attributed. */
  readonly sdkCommands: readonly string[];
  /** `new XCommand(` whose class was not imported from an SDK client in this file. */
  readonly unattributedNews: readonly string[];
  /** Uses the scan cannot turn into actions; any of these fails the least-privilege test. */
  readonly problems: readonly string[];
}

interface Binding {
  readonly imported: string;
  readonly local: string;
}
interface ImportClause {
  readonly from: string;
  readonly named: readonly Binding[];
  readonly namespace?: string;
}

export function scanSource(text: string, file: string): SourceScan {
  const code = stripComments(text);
  const actions = new Set<string>();
  const sdkCommands: string[] = [];
  const problems: string[] = [];
  const attributed = new Set<string>(); // local names of SDK command classes

  for (const clause of importClauses(code)) {
    const wrapper = WRAPPER_PACKAGES[clause.from];
    if (wrapper && (clause.named.length > 0 || clause.namespace)) wrapper.forEach((a) => actions.add(a));
    else if (/^@aws-lambda-powertools\/parameters\/./.test(clause.from) && clause.named.length > 0) {
      problems.push(`${file}: ${clause.from} calls AWS for you; add its IAM actions to WRAPPER_PACKAGES in test/infra/sdk-usage.ts`);
    }

    const client = SDK_CLIENTS[clause.from];
    if (!client) {
      if (/^@aws-sdk\/(client|lib)-/.test(clause.from) && (clause.named.length > 0 || clause.namespace)) {
        problems.push(`${file}: imports ${clause.from}, which test/infra/sdk-usage.ts does not map to an IAM service`);
      }
      continue;
    }
    const names: Binding[] = [...clause.named];
    if (clause.namespace) {
      const used = new RegExp(`\\b${clause.namespace}\\.(\\w+)`, 'g');
      for (const m of code.matchAll(used)) names.push({ imported: m[1] ?? '', local: `${clause.namespace}.${m[1] ?? ''}` });
    }
    for (const { imported, local } of names) {
      const command = /^(\w+)Command$/.exec(imported)?.[1];
      const paginated = /^paginate(\w+)$/.exec(imported)?.[1];
      const operation = command ?? paginated;
      if (operation) {
        const action = `${client.service}:${operation}`;
        actions.add(ACTION_OF_COMMAND[action] ?? action);
        if (command) {
          sdkCommands.push(imported);
          attributed.add(local);
        }
      } else if (imported === client.aggregatedClient || /^wait(Until|For)[A-Z]/.test(imported)) {
        problems.push(`${file}: ${imported} from ${clause.from} hides which operations it calls; send XxxCommand objects instead`);
      }
    }
  }

  const unattributedNews = [...code.matchAll(/\bnew\s+([\w.]+Command)\s*\(/g)]
    .map((m) => m[1] ?? '')
    .filter((name) => !attributed.has(name));
  return { actions: [...actions], sdkCommands, unattributedNews, problems };
}

/** Static imports, re-exports and `await import(...)` destructuring; type-only imports are skipped. */
function importClauses(code: string): ImportClause[] {
  const clauses: ImportClause[] = [];
  const staticForm = /\b(import|export)\s+(?!type\s)([\w\s{},*]*?)\s*from\s*['"]([^'"]+)['"]/g;
  for (const m of code.matchAll(staticForm)) {
    const spec = m[2] ?? '';
    const from = m[3] ?? '';
    const namespace = /\*\s*as\s+(\w+)/.exec(spec)?.[1];
    const braces = /\{([^}]*)\}/.exec(spec)?.[1];
    clauses.push({ from, named: braces === undefined ? [] : bindings(braces, /\s+as\s+/), ...(namespace ? { namespace } : {}) });
  }
  const dynamicForm = /\b(?:const|let|var)\s+(\{[^}]*\}|\w+)\s*=\s*await\s+import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of code.matchAll(dynamicForm)) {
    const target = m[1] ?? '';
    const from = m[2] ?? '';
    clauses.push(target.startsWith('{') ? { from, named: bindings(target.slice(1, -1), /\s*:\s*/) } : { from, named: [], namespace: target });
  }
  return clauses;
}

function bindings(list: string, alias: RegExp): Binding[] {
  return list
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '' && !part.startsWith('type '))
    .map((part) => {
      const [imported = '', local = imported] = part.split(alias).map((s) => s.trim());
      return { imported, local };
    });
}

/** Drops comments so commented-out code is not read as a call; `//` inside URLs (after `:`) is kept. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[\s;{}])\/\/.*$/gm, '$1');
}

export interface SdkUsage {
  /** IAM action → the files whose code needs it. */
  readonly actions: ReadonlyMap<string, readonly string[]>;
  readonly files: readonly string[];
  readonly problems: readonly string[];
}

/**
 * The files of the deployed bundle: what esbuild pulls in from lambda/index.ts (so the
 * local-only CLI's code does not widen the role), minus dependencies.
 */
export async function lambdaSourceFiles(rootDir: string): Promise<string[]> {
  const result = await build({
    absWorkingDir: rootDir,
    entryPoints: ['lambda/index.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    outfile: 'unused.mjs',
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs)
    .filter((path) => path.startsWith('lambda/') && path.endsWith('.ts'))
    .sort();
}

export async function sdkUsage(rootDir: string): Promise<SdkUsage> {
  const files = await lambdaSourceFiles(rootDir);
  const actions = new Map<string, string[]>();
  const problems: string[] = [];
  const sdkCommands = new Set<string>();
  const news: { file: string; name: string }[] = [];
  for (const file of files) {
    const scan = scanSource(readFileSync(join(rootDir, file), 'utf8'), file);
    for (const action of scan.actions) actions.set(action, [...(actions.get(action) ?? []), file]);
    scan.sdkCommands.forEach((c) => sdkCommands.add(c));
    scan.unattributedNews.forEach((name) => news.push({ file, name }));
    problems.push(...scan.problems);
  }
  // A command re-exported through a local module was counted where it was imported from the SDK.
  for (const { file, name } of news) {
    const bare = name.split('.').pop() ?? name;
    if (!sdkCommands.has(bare) && !files.some((f) => new RegExp(`\\bclass\\s+${bare}\\b`).test(readFileSync(join(rootDir, f), 'utf8')))) {
      problems.push(`${file}: new ${name}(…) is not imported from an AWS SDK client, so its IAM action is unknown`);
    }
  }
  return { actions, files, problems };
}
