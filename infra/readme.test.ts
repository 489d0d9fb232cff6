// The README's deploy walkthrough must describe what the stack actually synthesizes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV } from '../lambda/config/env-names.js';
import { STATE_ENV } from './backend.js';
import { STACK_NAME } from './names.js';
import { AWS_PROVIDER_VERSION, TERRAFORM_VERSION } from './stack.js';
import { RESERVED_CONCURRENCY_MAX, RESERVED_CONCURRENCY_MIN } from './limits.js';
import { synthesized } from '../test/infra/test-support.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const example = readFileSync(new URL('../terraform.tfvars.example', import.meta.url), 'utf8');
const { config } = synthesized();

describe('README and terraform.tfvars.example match the synthesized Terraform', () => {
  it('names the synthesized directory and the versions it targets', () => {
    expect(readme).toContain(`terraform -chdir=cdktf.out/stacks/${STACK_NAME} init`);
    expect(readme).toContain(TERRAFORM_VERSION.replace('>= ', ''));
    expect(readme).toContain(AWS_PROVIDER_VERSION);
  });

  it('reads only outputs the stack declares, and lists the required ones', () => {
    const used = [...readme.matchAll(/output -raw ([a-z_]+)/g)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) expect(Object.keys(config.output)).toContain(name);
    for (const name of ['webhook_url', 'ecr_repository_url', 'queue_url', 'dlq_url', 'dashboard_url']) {
      expect(config.output).toHaveProperty(name);
      expect(readme).toContain(`\`${name}\``);
    }
  });

  it('the example sets exactly the variables the stack declares', () => {
    const assigned = [...example.matchAll(/^([a-z_]+)\s*=/gm)].map((m) => m[1]!);
    expect(new Set(assigned)).toEqual(new Set(Object.keys(config.variable)));
  });

  it('the example shows each default value (the variables with a one-line value)', () => {
    const checked: string[] = [];
    for (const [, name = '', value = ''] of example.matchAll(/^([a-z_]+)\s*=\s*(.+)$/gm)) {
      const declared = config.variable[name];
      if (!declared || !('default' in declared) || value.trim() === '{') continue; // required, or a multi-line map
      expect(JSON.parse(value), name).toEqual(declared.default); // HCL strings, numbers and [] read as JSON
      checked.push(name);
    }
    expect(checked).toContain('lambda_reserved_concurrency');
    expect(checked.length).toBeGreaterThanOrEqual(Object.keys(config.variable).length - 2); // all but root_api_key and tags
  });

  it('states the range of lambda_reserved_concurrency that the stack validates', () => {
    const range = `from ${RESERVED_CONCURRENCY_MIN} to ${RESERVED_CONCURRENCY_MAX}`;
    for (const [file, text] of [['README.md', readme], ['terraform.tfvars.example', example]] as const) {
      expect(text, file).toContain('lambda_reserved_concurrency');
      expect(text.replace(/\s+/g, ' '), file).toContain(range);
    }
  });

  it('documents every environment variable the function reads', () => {
    for (const name of Object.values(ENV)) expect(readme).toContain(`\`${name}\``);
  });

  it('says which Root credential goes into root_api_key with which root_registry_username, and what a 401 means', () => {
    const section = readme.slice(readme.indexOf('### Root credentials'), readme.indexOf('### State: local or S3'));
    for (const text of ['`rootio`', 'registry token', '`root`', 'API key', '`root_api_key`', '`root_registry_username`', '401', 'ROOT_CREDENTIALS_REJECTED']) {
      expect(section).toContain(text);
    }
  });

  it('shows local and S3 state, with the variables the synth reads and how to migrate', () => {
    const section = readme.slice(readme.indexOf('### State: local or S3'), readme.indexOf('### Adding a repository'));
    for (const name of Object.values(STATE_ENV)) expect(section).toContain(name);
    for (const text of ['use_lockfile', 'init -migrate-state', '1.10']) expect(section).toContain(text);
  });
});
