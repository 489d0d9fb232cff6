import { describe, expect, it } from 'vitest';
import { synthesized } from './test-support.js';

type Variable = { type?: string; default?: unknown; description?: string; sensitive?: boolean; validation?: { condition: string }[] };
const variable = (name: string): Variable => synthesized().config.variable[name] as Variable;

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
      log_retention_days: { type: 'number', default: 14 },
      log_level: { type: 'string', default: 'INFO' },
      lambda_memory_mb: { type: 'number', default: 1024 },
      lambda_timeout_s: { type: 'number', default: 900 },
      alarm_email: { type: 'string', default: '' },
      tags: { type: 'map(string)', default: {} },
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
    expect(condition).toMatch(/^\$\{alltrue\(\[for r in var\.allowed_repos : can\(regex\("[^"]+", r\)\) && length\(r\) <= 255\]\)\}$/);
    const regex = allowedRepoRegex();
    for (const ok of ['nginx', 'library/nginx', 'library/*', 'python*', '*', '*/nginx', 'a.b_c__d--e/f-g', 'root/python-3.12', 'x/*-slim']) {
      expect(regex.test(ok), ok).toBe(true);
    }
    for (const bad of ['', 'Library/nginx', '/library', 'library/', 'library//nginx', 'a..b', 'a_-b', '-a', 'a.', 'a b', 'a,b', 'nginx:latest', 'a@sha256']) {
      expect(regex.test(bad), bad).toBe(false);
    }
  });

  it('validates every other input Terraform can check', () => {
    for (const name of ['aws_region', 'dst_repo', 'root_registry_host', 'root_registry_username', 'image_tag_mutability', 'log_retention_days', 'log_level', 'lambda_memory_mb', 'lambda_timeout_s', 'alarm_email']) {
      expect(variable(name).validation?.[0]?.condition, name).toContain(`var.${name}`);
    }
    expect(variable('image_tag_mutability').validation?.[0]?.condition).toBe('${contains(["MUTABLE", "IMMUTABLE"], var.image_tag_mutability)}');
    expect(variable('alarm_email').validation?.[0]?.condition).toMatch(/^\$\{var\.alarm_email == "" \|\| /);
  });
});
