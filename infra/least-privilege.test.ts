import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { findTerraform } from '../scripts/terraform-check.js';
import { NON_SDK_ACTIONS } from './iam-actions.js';
import { type SdkUsage, sdkUsage } from '../test/infra/sdk-usage.js';
import { synthesized } from '../test/infra/test-support.js';
import { testTempDir } from '../test/support/temp-dir.js';

interface Statement {
  sid?: string;
  effect?: string;
  actions?: string[];
  resources?: string[];
  not_actions?: unknown;
  not_resources?: unknown;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REPOSITORY = '${aws_ecr_repository.base_repository.arn}';
const MIRRORED_REPOSITORIES = `${REPOSITORY}/*`;
/**
 * Every repository of the account and region: IAM authorizes a DescribeRepositories that names no
 * repository (the reconcile's listing of dst_repo/*) on `repository/*`, whatever the names it answers.
 */
const ALL_REPOSITORIES = '${replace(aws_ecr_repository.base_repository.arn, "/:repository/.*$/", ":repository/*")}';
/** Who describes repositories: the listing (no names) and the worker's reads of the base's settings and of a mirrored repository. */
const DESCRIBE_REPOSITORIES_USERS = ['lambda/ecr/images.ts', 'lambda/ecr/repositories.ts'];
/** What the worker does with the base repository: read both policies, to copy them. */
const BASE_REPOSITORY_READS: Record<string, string> = {
  'ecr:GetLifecyclePolicy': 'lambda/ecr/policies.ts',
  'ecr:GetRepositoryPolicy': 'lambda/ecr/policies.ts',
};
const SECRETS = ['${aws_secretsmanager_secret.webhook_secret.arn}', '${aws_secretsmanager_secret.root_api_key_secret.arn}'];
const QUEUE = '${aws_sqs_queue.queue.arn}';
const DLQ = '${aws_sqs_queue.dead_letter_queue.arn}';
const LOG_STREAMS = '${aws_cloudwatch_log_group.function_logs.arn}:*';

/** Where each action may apply: this test's own statement of "scoped", independent of the stack's data. */
function allowedResources(action: string): string[] {
  if (action === 'ecr:GetAuthorizationToken') return ['*']; // registry-wide: IAM cannot scope it
  if (action === 'ecr:DescribeRepositories') return [ALL_REPOSITORIES]; // covers the base and dst_repo/* too
  if (action in BASE_REPOSITORY_READS) return [REPOSITORY, MIRRORED_REPOSITORIES];
  if (action.startsWith('ecr:')) return [MIRRORED_REPOSITORIES]; // writes and pushes: never the base
  if (action === 'secretsmanager:GetSecretValue') return SECRETS;
  if (action === 'sqs:SendMessage') return [QUEUE, DLQ]; // intake → queue, worker → dead-letter queue
  if (action.startsWith('sqs:')) return [QUEUE];
  if (action.startsWith('logs:')) return [LOG_STREAMS];
  return [];
}

function statements(): Statement[] {
  const document = synthesized().config.data.aws_iam_policy_document?.function_permissions;
  return (document?.statement ?? []) as Statement[];
}

function granted(): Map<string, Set<string>> {
  const grants = new Map<string, Set<string>>();
  for (const s of statements()) {
    for (const action of s.actions ?? []) {
      const resources = grants.get(action) ?? new Set<string>();
      (s.resources ?? []).forEach((r) => resources.add(r));
      grants.set(action, resources);
    }
  }
  return grants;
}

describe('least privilege of the function role', () => {
  let usage: SdkUsage;
  beforeAll(async () => {
    usage = await sdkUsage(ROOT);
  });

  it('can attribute every AWS call in the Lambda bundle to an IAM action', () => {
    expect(usage.files).toContain('lambda/index.ts');
    expect(usage.problems).toEqual([]);
  });

  it('grants exactly the actions the Lambda code sends, plus the documented non-SDK ones', () => {
    const needed = new Set([...usage.actions.keys(), ...NON_SDK_ACTIONS]);
    const given = new Set(granted().keys());
    const missing = [...needed].filter((a) => !given.has(a)).map((a) => `${a} (used by ${usage.actions.get(a)?.join(', ') ?? 'non-SDK list'})`);
    const unused = [...given].filter((a) => !needed.has(a));
    expect({ missing, unused }, 'align GRANTS in infra/iam-actions.ts').toEqual({ missing: [], unused: [] });
  });

  it('scopes each action to its own resources', () => {
    for (const [action, resources] of granted()) {
      expect([...resources].sort(), action).toEqual([...allowedResources(action)].sort());
    }
  });

  it('only reads the base repository, in a statement of its own, and writes and pushes only beneath it', () => {
    const onBase = statements().filter((s) => (s.resources ?? []).includes(REPOSITORY));
    expect(onBase, 'one statement names the base repository').toHaveLength(1);
    expect(onBase[0]?.resources).toEqual([REPOSITORY]);
    expect([...(onBase[0]?.actions ?? [])].sort()).toEqual(Object.keys(BASE_REPOSITORY_READS).sort());
    // Not a create, put, set, tag, delete or any layer upload: nothing that changes the template.
    for (const action of onBase[0]?.actions ?? []) expect(action).toMatch(/^ecr:(Describe|Get|List)[A-Za-z]+$/);
    // A wildcard that also matches the base itself (e.g. `${REPOSITORY}*`) would undo the split.
    for (const s of statements()) {
      for (const r of s.resources ?? []) if (r !== REPOSITORY && r.startsWith(REPOSITORY)) expect(r, s.sid).toBe(MIRRORED_REPOSITORIES);
    }
    // Each read is one the Lambda code sends, from where it reads the base repository.
    for (const [action, file] of Object.entries(BASE_REPOSITORY_READS)) expect(usage.actions.get(action), action).toContain(file);
  });

  it('grants ecr:DescribeRepositories, and nothing else, on every repository, in a statement of its own', () => {
    const onAll = statements().filter((s) => (s.resources ?? []).includes(ALL_REPOSITORIES));
    expect(onAll).toEqual([{ sid: 'DescribeRepositories', effect: 'Allow', actions: ['ecr:DescribeRepositories'], resources: [ALL_REPOSITORIES] }]);
    // The listing sends no repositoryNames (so only repository/* authorizes it); the worker names one.
    for (const file of DESCRIBE_REPOSITORIES_USERS) expect(usage.actions.get('ecr:DescribeRepositories'), file).toContain(file);
  });

  it.skipIf(!findTerraform())('names repository/* of the base repository\'s own partition, region and account (terraform console)', () => {
    const expression = ALL_REPOSITORIES.slice(2, -1).replace('aws_ecr_repository.base_repository.arn', '"arn:aws-cn:ecr:cn-north-1:123456789012:repository/root-mirror"');
    const run = spawnSync(findTerraform()!, ['console'], { cwd: testTempDir('tf-console-'), input: `${expression}\n`, encoding: 'utf8', timeout: 60_000 });
    expect(run.stdout.trim(), run.stderr).toBe('"arn:aws-cn:ecr:cn-north-1:123456789012:repository/*"');
  });

  it('uses "*" only for ecr:GetAuthorizationToken, allows only, and names every action in full', () => {
    for (const s of statements()) {
      expect(s.effect, s.sid).toBe('Allow');
      expect(s.not_actions, s.sid).toBeUndefined();
      expect(s.not_resources, s.sid).toBeUndefined();
      for (const action of s.actions ?? []) expect(action, s.sid).toMatch(/^[a-z]+:[A-Za-z]+$/);
      if ((s.resources ?? []).some((r) => r === '*' || r.endsWith(':*:*') || /^arn:[^$]*\*/.test(r))) {
        expect(s.actions, s.sid).toEqual(['ecr:GetAuthorizationToken']);
        expect(s.resources, s.sid).toEqual(['*']);
      }
    }
  });

  it('attaches the policy inline to the function role only, and lets only Lambda assume the role', () => {
    const { config } = synthesized();
    expect(Object.keys(config.resource.aws_iam_role_policy ?? {})).toEqual(['function_policy']);
    expect(config.resource.aws_iam_role_policy_attachment).toBeUndefined(); // no broad managed policies
    expect(config.data.aws_iam_policy_document?.lambda_assume_role).toEqual({
      statement: [{ actions: ['sts:AssumeRole'], effect: 'Allow', principals: [{ identifiers: ['lambda.amazonaws.com'], type: 'Service' }] }],
    });
  });
});
