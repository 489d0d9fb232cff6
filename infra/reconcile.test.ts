// The reconcile's Terraform: the schedule (on by default, off for ""), the apply-time
// invocation keyed on allowed_repos, and the least permission EventBridge needs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidRepository, isValidTag } from '../lambda/registry/reference.js';
import { RECONCILE_PERMISSION_SID, RECONCILE_RULE_NAME } from './reconcile.js';
import { resource, resourcesOf, synthesized, type Block } from '../test/infra/test-support.js';
import { ALLOWED_REPO_PATTERN, RECONCILE_SCHEDULE_PATTERN } from './variables.js';

const SCHEDULED = ['aws_cloudwatch_event_rule.reconcile', 'aws_cloudwatch_event_target.reconcile_schedule_target', 'aws_lambda_permission.reconcile_schedule_invoke'];
const block = (address: string): Block => {
  const [type = '', name = ''] = address.split('.');
  return resource(type, name);
};

/**
 * The count of a scheduled resource for a value of reconcile_schedule. Only the one shape the
 * stack uses is understood (`var.reconcile_schedule == "" ? 0 : 1`); anything else fails the test.
 */
function countFor(address: string, schedule: string): number {
  const count = String(block(address).count);
  const match = /^\$\{var\.reconcile_schedule == "" \? (\d) : (\d)\}$/.exec(count);
  expect(match, `${address} count ${count}`).not.toBeNull();
  return Number(schedule === '' ? match?.[1] : match?.[2]);
}

describe('scheduled reconcile', () => {
  it('defaults to every 6 hours, validated as an EventBridge rate or cron expression, "" allowed', () => {
    const variable = synthesized().config.variable.reconcile_schedule as { type: string; default: string; validation: { condition: string }[] };
    expect(variable).toMatchObject({ type: 'string', default: 'rate(6 hours)' });
    expect(variable.validation[0]?.condition).toBe(`\${var.reconcile_schedule == "" || can(regex("${RECONCILE_SCHEDULE_PATTERN}", var.reconcile_schedule))}`);
    expect(RECONCILE_SCHEDULE_PATTERN).not.toMatch(/[\\]|\(\?[=!<]/); // RE2 and JavaScript read it alike
    const regex = new RegExp(RECONCILE_SCHEDULE_PATTERN);
    for (const ok of ['rate(6 hours)', 'rate(1 hour)', 'rate(1 day)', 'rate(30 minutes)', 'rate(12 hours)', 'cron(0 3 * * ? *)', 'cron(15 */6 ? * MON-FRI *)']) {
      expect(regex.test(ok), ok).toBe(true);
    }
    for (const bad of ['rate(1 hours)', 'rate(6 hour)', 'rate(0 hours)', 'rate(06 hours)', 'rate(6h)', 'every 6 hours', '6h', 'cron(0 3 * * ?)', 'cron(0 3 * * ? * *)', ' rate(6 hours)', 'at(2026-01-01T00:00:00)']) {
      expect(regex.test(bad), bad).toBe(false);
    }
  });

  it('invokes the function with {"reconcile": {}} from an EventBridge rule when set, and creates none of it for ""', () => {
    for (const address of SCHEDULED) {
      expect(countFor(address, 'rate(6 hours)'), address).toBe(1);
      expect(countFor(address, 'cron(0 3 * * ? *)'), address).toBe(1);
      expect(countFor(address, ''), address).toBe(0);
    }
    expect(block('aws_cloudwatch_event_rule.reconcile')).toMatchObject({ name: RECONCILE_RULE_NAME, schedule_expression: '${var.reconcile_schedule}' });
    expect(block('aws_cloudwatch_event_rule.reconcile')).not.toHaveProperty('event_bus_name'); // schedules run on the default bus
    const target = block('aws_cloudwatch_event_target.reconcile_schedule_target');
    expect(target).toMatchObject({ rule: '${aws_cloudwatch_event_rule.reconcile[0].name}', arn: '${aws_lambda_function.function.arn}' });
    expect(JSON.parse(String(target.input))).toEqual({ reconcile: {} });
    expect(target.depends_on).toContain('aws_lambda_permission.reconcile_schedule_invoke');
  });

  it('lets only this rule invoke the function, through the function policy, with no role of its own', () => {
    expect(block('aws_lambda_permission.reconcile_schedule_invoke')).toEqual(
      expect.objectContaining({
        statement_id: RECONCILE_PERMISSION_SID,
        action: 'lambda:InvokeFunction',
        principal: 'events.amazonaws.com',
        source_arn: '${aws_cloudwatch_event_rule.reconcile[0].arn}',
        function_name: '${aws_lambda_function.function.function_name}',
      }),
    );
    // The target names no role: EventBridge needs none to invoke Lambda, so none is created.
    expect(block('aws_cloudwatch_event_target.reconcile_schedule_target')).not.toHaveProperty('role_arn');
    expect(Object.keys(resourcesOf('aws_iam_role'))).toEqual(['function_role']);
    // The function's own role gains nothing for being invoked.
    const statements = (synthesized().config.data.aws_iam_policy_document?.function_permissions?.statement ?? []) as { actions: string[] }[];
    expect(statements.flatMap((s) => s.actions).filter((a) => a.startsWith('lambda:') || a.startsWith('events:') || a.startsWith('scheduler:'))).toEqual([]);
  });
});

describe('reconcile on apply', () => {
  const invocation = () => resource('aws_lambda_invocation', 'reconcile_allowed_repos');

  it('is keyed on allowed_repos, so only an apply that changes the list (or the first) reconciles', () => {
    expect(invocation().triggers).toEqual({ allowed_repos: '${jsonencode(var.allowed_repos)}' });
    expect(invocation()).not.toHaveProperty('lifecycle_scope'); // CREATE_ONLY: nothing runs on destroy
  });

  it('sends the list as the scope, or the whole scope for an empty list (which mirrors everything)', () => {
    expect(invocation().input).toBe(
      '${length(var.allowed_repos) == 0 ? jsonencode({ reconcile = {} }) : jsonencode({ reconcile = { repos = var.allowed_repos } })}',
    );
  });

  it('runs after the function has its new environment, its permissions, the queue trigger and the stored API key', () => {
    // The reference orders it after the function's update, so the reconcile reads the new ALLOWED_REPOS.
    expect(invocation().function_name).toBe('${aws_lambda_function.function.function_name}');
    expect(invocation().depends_on).toEqual(
      expect.arrayContaining([
        'aws_iam_role_policy.function_policy',
        'aws_lambda_event_source_mapping.queue_trigger',
        'aws_secretsmanager_secret_version.root_api_key_secret_value',
      ]),
    );
  });
});

describe('allowed_repos entries with tag globs', () => {
  it('accepts REPOSITORY-GLOB[:TAG-GLOB] and refuses what the function would refuse', () => {
    const regex = new RegExp(ALLOWED_REPO_PATTERN);
    for (const ok of ['python:3.12-*', 'python:*-slim', 'library/*:1.*', 'golang:1.22', 'nginx:latest', 'x:*', 'x:_a', 'x:A.b-C_d', `x:${'a'.repeat(128)}`]) {
      expect(regex.test(ok), ok).toBe(true);
    }
    for (const bad of ['python:', 'python:.x', 'python:-x', 'python:a:b', 'python:a/b', 'python:a b', ':tag', 'python@sha256:ab', `x:${'a'.repeat(129)}`]) {
      expect(regex.test(bad), bad).toBe(false);
    }
  });

  it('agrees with the function\'s entry grammar on any string: each part, with * read as a letter, is a repository name and a tag', () => {
    // The function's rule (lambda/webhook/allowed-repos.ts), restated from the name grammars it builds on.
    const functionAccepts = (entry: string): boolean => {
      if (!/^[a-z0-9._/*-]+(:[A-Za-z0-9._*-]+)?$/.test(entry)) return false;
      const [repository = '', tag] = entry.split(':');
      return isValidRepository(repository.replaceAll('*', 'a')) && (tag === undefined || isValidTag(tag.replaceAll('*', 'a')));
    };
    const terraformAccepts = (entry: string): boolean =>
      new RegExp(ALLOWED_REPO_PATTERN).test(entry) && (entry.split(':')[0] ?? '').length <= 255;
    const piece = fc.constantFrom('a', 'z', '0', '9', 'A', '.', '_', '__', '-', '--', '/', '*', ':', ' ', 'library/', 'python', '3.12');
    const entry = fc.oneof(fc.array(piece, { maxLength: 12 }).map((parts) => parts.join('')), fc.string({ maxLength: 20 }));
    fc.assert(fc.property(entry, (candidate) => terraformAccepts(candidate) === functionAccepts(candidate)), { numRuns: 5000 });
  });

  it('bounds the repository part, not the tag part, by 255 characters', () => {
    const condition = String((synthesized().config.variable.allowed_repos as { validation: { condition: string }[] }).validation[0]?.condition);
    expect(condition).toContain('length(split(":", r)[0]) <= 255');
  });
});
