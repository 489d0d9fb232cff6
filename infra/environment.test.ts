import { describe, expect, it } from 'vitest';
import { ENV } from '../lambda/config/env-names.js';
import { resource, synthesized } from '../test/infra/test-support.js';

const environment = () => (resource('aws_lambda_function', 'function').environment as { variables: Record<string, string> }).variables;
const SECRET_VARIABLES = ['webhook_signing_secret', 'root_api_key'];

describe('function environment', () => {
  it('sets exactly the names the config loader reads, minus the local-only ones, plus Powertools settings', () => {
    const localOnly = new Set<string>([ENV.webhookSecret, ENV.rootApiKey, ENV.dstRegistry]);
    const expected = [
      ...Object.values(ENV).filter((name) => !localOnly.has(name)),
      'POWERTOOLS_LOG_LEVEL',
      'POWERTOOLS_SERVICE_NAME',
      'POWERTOOLS_METRICS_NAMESPACE',
    ];
    expect(Object.keys(environment()).sort()).toEqual(expected.sort());
  });

  it('wires each name to its source', () => {
    expect(environment()).toEqual({
      [ENV.webhookSecretArn]: '${aws_secretsmanager_secret.webhook_secret.arn}',
      [ENV.rootApiKeyArn]: '${aws_secretsmanager_secret.root_api_key_secret.arn}',
      [ENV.rootRegistryHost]: '${var.root_registry_host}',
      [ENV.rootRegistryUsername]: '${var.root_registry_username}',
      [ENV.dstRepo]: '${aws_ecr_repository.base_repository.name}',
      [ENV.allowedRepos]: '${join(",", var.allowed_repos)}',
      [ENV.queueUrl]: '${aws_sqs_queue.queue.url}',
      [ENV.dlqUrl]: '${aws_sqs_queue.dead_letter_queue.url}',
      [ENV.copyReferrers]: '${tostring(var.copy_referrers)}',
      [ENV.propagateBasePolicies]: '${tostring(var.propagate_base_policies)}',
      POWERTOOLS_LOG_LEVEL: '${var.log_level}',
      POWERTOOLS_SERVICE_NAME: 'root-ecr-mirror',
      POWERTOOLS_METRICS_NAMESPACE: 'RootEcrMirror',
    });
  });

  it('carries no secret value: not in the environment, nor anywhere in the function, its URL or the outputs', () => {
    const { config } = synthesized();
    const exposed = JSON.stringify({
      function: resource('aws_lambda_function', 'function'),
      url: config.resource.aws_lambda_function_url,
      outputs: config.output,
    });
    for (const variable of SECRET_VARIABLES) expect(exposed).not.toContain(`var.${variable}`);
    expect(exposed).not.toContain('aws_secretsmanager_secret_version');
    expect(exposed).not.toMatch(/secret_string/);
  });

  it('uses the secret variables only to create the secret versions', () => {
    const { config } = synthesized();
    for (const [type, resources] of Object.entries(config.resource)) {
      for (const [name, body] of Object.entries(resources)) {
        const text = JSON.stringify(body);
        for (const variable of SECRET_VARIABLES) {
          if (text.includes(`var.${variable}`)) expect(type, `${type}.${name} reads var.${variable}`).toBe('aws_secretsmanager_secret_version');
        }
      }
    }
    for (const variable of SECRET_VARIABLES) expect(config.variable[variable]).toMatchObject({ sensitive: true });
  });
});
