// Runs the synthesized stack through Terraform itself: init, validate, and plan -refresh=false
// with the example tfvars, without an AWS account. `npm run tf:check`; infra/terraform-check.test.ts
// runs it in `npm test`.
//
// TF_PLUGIN_MIRROR names a filesystem mirror to install the AWS provider from (offline CI). When
// the newest provider there predates the stack's constraint, a copy of the stack is checked with
// the values only newer providers know set aside, and the output names each of them.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface TerraformCheckOptions {
  /** The synthesized stack directory (holds cdk.tf.json). */
  readonly stackDir: string;
  readonly varFile: string;
  /** A filesystem mirror (`<hostname>/<namespace>/<type>/<version>/<os_arch>/`); default `$TF_PLUGIN_MIRROR`. */
  readonly pluginMirror?: string | undefined;
  /** The terraform binary; default the first `terraform` on PATH. */
  readonly terraform?: string | undefined;
  /** Edits the copy's cdk.tf.json before the check (the tests use it to break the configuration). */
  readonly edit?: (config: TerraformJson) => void;
}

export type TerraformJson = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export type TerraformCheckResult =
  | { readonly status: 'skipped'; readonly line: string }
  | { readonly status: 'passed' | 'failed'; readonly lines: readonly string[]; readonly output: string };

/** A value the stack sets that the oldest provider it accepts knows, but an older one does not. */
interface NewerOnly {
  readonly since: string;
  readonly name: string;
  /** Removes or replaces the value in `config`; false when the stack does not use it. */
  readonly setAside: (config: TerraformJson) => boolean;
}

const NEWER_ONLY: readonly NewerOnly[] = [
  {
    since: '6.29.0',
    name: 'aws_lambda_permission.*.invoked_via_function_url (removed)',
    setAside: (config) => {
      let found = false;
      for (const permission of Object.values<TerraformJson>(config.resource?.aws_lambda_permission ?? {})) {
        if ('invoked_via_function_url' in permission) {
          delete permission.invoked_via_function_url;
          found = true;
        }
      }
      return found;
    },
  },
  {
    since: '6.19.0',
    name: 'aws_lambda_function.*.runtime "nodejs24.x" (checked as "nodejs22.x")',
    setAside: (config) => {
      let found = false;
      for (const fn of Object.values<TerraformJson>(config.resource?.aws_lambda_function ?? {})) {
        if (fn.runtime === 'nodejs24.x') {
          fn.runtime = 'nodejs22.x';
          found = true;
        }
      }
      return found;
    },
  },
];

/** The AWS provider override: plan without credentials, account lookups or the instance metadata service. */
const PROVIDER_OVERRIDE = {
  provider: {
    aws: {
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
      skip_metadata_api_check: true,
      access_key: 'terraform-check',
      secret_key: 'terraform-check',
    },
  },
};

/** The check never touches real state: whatever backend the stack has (local or S3), the copy plans with local state. */
const BACKEND_OVERRIDE = { terraform: { backend: { local: { path: 'terraform-check.tfstate' } } } };

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** The lowest version a constraint such as `>= 6.29.0, < 7.0.0` accepts. */
export function constraintFloor(constraint: string): string | undefined {
  return /(?:>=|~>|=)\s*(\d+\.\d+(?:\.\d+)?)/.exec(constraint)?.[1];
}

/** Versions of hashicorp/aws in a filesystem mirror, newest first. */
export function mirroredAwsVersions(mirror: string): string[] {
  const dir = join(mirror, 'registry.terraform.io', 'hashicorp', 'aws');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((v) => /^\d+\.\d+\.\d+$/.test(v))
    .sort((a, b) => compareVersions(b, a));
}

/** The first `terraform` on PATH. */
export function findTerraform(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'terraform'))) return join(dir, 'terraform');
  }
  return undefined;
}

/** Sets aside what `provider` predates; returns the names, in the order of NEWER_ONLY. */
export function setAsideNewerOnly(config: TerraformJson, provider: string): string[] {
  const names: string[] = [];
  for (const value of NEWER_ONLY) {
    if (compareVersions(provider, value.since) < 0 && value.setAside(config)) names.push(`${value.name}, from ${value.since}`);
  }
  return names;
}

/** How `terraform init` says the registry is out of reach (no network), as opposed to a wrong constraint. */
const UNREACHABLE_REGISTRY = /could not connect to registry\.terraform\.io|Failed to request discovery document|dial tcp|no such host|i\/o timeout|connection refused/;

/** Terraform's first diagnostic on one line: its title, where, and what it says. */
export function firstError(output: string): string | undefined {
  const match = /Error: (.+)\n(?:\n\s*on ([^:\n]+):?\n(?:.*\S.*\n)*\n(.+))?/.exec(output);
  if (!match) return undefined;
  return [match[1], match[2] && `(${match[2].trim()})`, match[3]?.trim()].filter(Boolean).join(' ');
}

export function checkTerraform(options: TerraformCheckOptions): TerraformCheckResult {
  const terraform = options.terraform ?? findTerraform();
  if (!terraform || !existsSync(terraform)) {
    return { status: 'skipped', line: 'terraform check skipped: no terraform binary on PATH (Terraform >= 1.10 runs init, validate and plan on the stack)' };
  }
  const mirror = options.pluginMirror ?? process.env.TF_PLUGIN_MIRROR ?? undefined;
  const lines: string[] = [];
  const work = mkdtempSync(join(tmpdir(), 'terraform-check-'));
  try {
    cpSync(options.stackDir, work, { recursive: true });
    const configPath = join(work, 'cdk.tf.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as TerraformJson;
    options.edit?.(config);

    // The user's Terraform settings (CLI config, plugin cache) apply; AWS credentials and
    // anything that would change what is planned do not.
    const env: NodeJS.ProcessEnv = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !/^(AWS_|TF_VAR_|TF_CLI_ARGS|TF_WORKSPACE$|TF_DATA_DIR$)/.test(name)),
    );
    Object.assign(env, { TF_IN_AUTOMATION: '1', TF_INPUT: '0', AWS_EC2_METADATA_DISABLED: 'true' });
    if (mirror) {
      const cliConfig = join(work, 'terraformrc');
      writeFileSync(cliConfig, `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(resolve(mirror))}\n  }\n}\n`);
      env.TF_CLI_CONFIG_FILE = cliConfig;
      const constraint = String(config.terraform?.required_providers?.aws?.version ?? '');
      const floor = constraintFloor(constraint);
      const newest = mirroredAwsVersions(mirror)[0];
      if (!newest) return { status: 'failed', lines: [`no hashicorp/aws provider in the mirror ${mirror}`], output: '' };
      if (floor && compareVersions(newest, floor) < 0) {
        const names = setAsideNewerOnly(config, newest);
        config.terraform.required_providers.aws.version = newest;
        lines.push(`provider: hashicorp/aws ${newest} from ${mirror}, older than the stack's "${constraint}": checked a copy with these set aside:`);
        for (const name of names) lines.push(`  - ${name}`);
        lines.push(`  - required_providers.aws.version "${constraint}" (checked as "${newest}")`);
      } else {
        lines.push(`provider: hashicorp/aws ${newest} from ${mirror}`);
      }
    }
    writeFileSync(configPath, JSON.stringify(config, null, 2));
    writeFileSync(join(work, 'check_override.tf.json'), JSON.stringify({ ...PROVIDER_OVERRIDE, ...BACKEND_OVERRIDE }, null, 2));

    let output = '';
    const run = (args: string[]) => {
      const result = spawnSync(terraform, args, { cwd: work, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      output += `$ terraform ${args.join(' ')}\n${result.stdout ?? ''}${result.stderr ?? ''}\n`;
      return result;
    };
    const steps: [string, string[], (stdout: string) => string][] = [
      ['init', ['init', '-input=false', '-no-color', '-backend=true'], () => 'ok'],
      ['validate', ['validate', '-no-color'], (out) => out.trim().split('\n').pop() ?? ''],
      [
        'plan',
        ['plan', '-refresh=false', '-input=false', '-lock=false', '-no-color', `-var-file=${resolve(options.varFile)}`],
        (out) => /Plan: .*/.exec(out)?.[0] ?? '',
      ],
    ];
    for (const [name, args, summarize] of steps) {
      const result = run(args);
      if (result.status !== 0) {
        if (name === 'init' && !mirror && UNREACHABLE_REGISTRY.test(`${result.stderr}\n${result.stdout}`)) {
          return { status: 'skipped', line: 'terraform check skipped: terraform init could not reach registry.terraform.io and TF_PLUGIN_MIRROR names no provider mirror' };
        }
        lines.push(`terraform ${name}: FAILED: ${firstError(`${result.stderr}\n${result.stdout}`) ?? `exit ${result.status}`}`);
        return { status: 'failed', lines, output };
      }
      lines.push(`terraform ${name}: ${summarize(result.stdout)}`);
    }
    return { status: 'passed', lines, output };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const result = checkTerraform({
    stackDir: join(root, 'cdktf.out/stacks/root-ecr-mirror'),
    varFile: join(root, 'terraform.tfvars.example'),
  });
  if (result.status === 'skipped') {
    console.log(result.line);
  } else {
    for (const line of result.lines) console.log(line);
    if (result.status === 'failed') {
      console.error(result.output);
      process.exitCode = 1;
    }
  }
}
