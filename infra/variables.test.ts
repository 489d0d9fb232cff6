import { describe, expect, it } from 'vitest';
import { MAX_CONCURRENCY } from './limits.js';
import { synthesized } from '../test/infra/test-support.js';

type Variable = { type?: string; default?: unknown; description?: string; sensitive?: boolean; validation?: { condition: string }[] };
const variable = (name: string): Variable => synthesized().config.variable[name] as Variable;

/**
 * A numeric validation condition as a JavaScript predicate. Only what such conditions use is
 * translated (comparisons, && ||, parentheses, floor, the one variable); anything else fails the test.
 */
function numericCondition(name: string): (value: number) => boolean {
  const condition = variable(name).validation?.[0]?.condition ?? '';
  const body = /^\$\{(.*)\}$/.exec(condition)?.[1] ?? '';
  const js = body.replaceAll(`var.${name}`, 'v').replaceAll('floor(', 'Math.floor(');
  expect(js, condition).toMatch(/^(?:[\sv()&|=<>!.-]|\d|Math\.floor)+$/);
  // HCL's == on two numbers is JavaScript's ===; <= and >= are the same in both.
  return new Function('v', `return ${js.replaceAll('==', '===')};`) as (value: number) => boolean;
}

/** The regex Terraform evaluates for each allowed_repos entry, taken from the synthesized condition. */
function allowedRepoRegex(): RegExp {
  const condition = variable('allowed_repos').validation?.[0]?.condition ?? '';
  const pattern = /can\(regex\("([^"]+)", r\)\)/.exec(condition)?.[1];
  if (!pattern) throw new Error(`no regex in ${condition}`);
  // Terraform's RE2 and JavaScript agree on this pattern: no backslashes, look-arounds or back-references.
  expect(pattern).not.toMatch(/[\\]|\(\?[=!<]/);
  return new RegExp(pattern);
}

describe('variables', () => {
  it('declares every variable of the issue with its type and default', () => {
    const expected: Record<string, Pick<Variable, 'type' | 'default'>> = {
      aws_region: { type: 'string', default: 'us-east-1' },
      dst_repo: { type: 'string', default: 'root-mirror' },
      root_registry_host: { type: 'string', default: 'cr.root.io' },
      root_registry_username: { type: 'string', default: 'root' },
      webhook_signing_secret: { type: 'string', default: '' },
      root_api_key: { type: 'string' },
      allowed_repos: { type: 'list(string)', default: [] },
      image_tag_mutability: { type: 'string', default: 'MUTABLE' },
      propagate_base_policies: { type: 'bool', default: true },
      reconcile_schedule: { type: 'string', default: 'rate(6 hours)' },
      log_retention_days: { type: 'number', default: 14 },
      log_level: { type: 'string', default: 'INFO' },
      lambda_memory_mb: { type: 'number', default: 1024 },
      lambda_timeout_s: { type: 'number', default: 900 },
      lambda_reserved_concurrency: { type: 'number', default: -1 },
      alarm_email: { type: 'string', default: '' },
      tags: { type: 'map(string)', default: {} },
      copy_referrers: { type: 'bool', default: true },
    };
    expect(Object.keys(synthesized().config.variable).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, shape] of Object.entries(expected)) {
      expect(variable(name), name).toMatchObject(shape);
      expect(variable(name).description, name).toMatch(/\w{3,}/);
    }
    expect(variable('root_api_key')).not.toHaveProperty('default'); // required: there is no sensible default
    expect(variable('webhook_signing_secret').sensitive).toBe(true);
    expect(variable('root_api_key').sensitive).toBe(true);
  });

  it('validates allowed_repos entries against the OCI repository grammar, with * globs', () => {
    const condition = variable('allowed_repos').validation?.[0]?.condition;
    expect(condition).toMatch(/^\$\{alltrue\(\[for r in var\.allowed_repos : can\(regex\("[^"]+", r\)\) && length\(split\(":", r\)\[0\]\) <= 255\]\)\}$/);
    const regex = allowedRepoRegex();
    for (const ok of ['nginx', 'library/nginx', 'library/*', 'python*', '*', '*/nginx', 'a.b_c__d--e/f-g', 'root/python-3.12', 'x/*-slim']) {
      expect(regex.test(ok), ok).toBe(true);
    }
    for (const bad of ['', 'Library/nginx', '/library', 'library/', 'library//nginx', 'a..b', 'a_-b', '-a', 'a.', 'a b', 'a,b', 'a@sha256']) {
      expect(regex.test(bad), bad).toBe(false);
    }
  });

  it('accepts for lambda_reserved_concurrency -1 (unreserved) or room for every parallel copy plus a webhook, up to 1000', () => {
    const accepts = numericCondition('lambda_reserved_concurrency');
    const minimum = MAX_CONCURRENCY + 1; // the queue trigger's copies, and one execution left for the intake
    for (const ok of [-1, minimum, 10, 100, 1000]) expect(accepts(ok), String(ok)).toBe(true);
    // 0 would stop the function altogether; fewer than the minimum throttles the queue trigger.
    for (const bad of [-2, 0, 1, minimum - 1, 1001, minimum + 0.5]) expect(accepts(bad), String(bad)).toBe(false);
    expect(variable('lambda_reserved_concurrency').description).toContain('100');
  });

  it('validates every other input Terraform can check', () => {
    for (const name of ['aws_region', 'dst_repo', 'root_registry_host', 'root_registry_username', 'image_tag_mutability', 'log_retention_days', 'log_level', 'lambda_memory_mb', 'lambda_timeout_s', 'lambda_reserved_concurrency', 'alarm_email']) {
      expect(variable(name).validation?.[0]?.condition, name).toContain(`var.${name}`);
    }
    expect(variable('image_tag_mutability').validation?.[0]?.condition).toBe('${contains(["MUTABLE", "IMMUTABLE"], var.image_tag_mutability)}');
    expect(variable('alarm_email').validation?.[0]?.condition).toMatch(/^\$\{var\.alarm_email == "" \|\| /);
  });
});
