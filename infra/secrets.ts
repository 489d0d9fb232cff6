import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret/index.js';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version/index.js';
import { Token } from 'cdktf';
import type { Construct } from 'constructs';
import { hcl } from './hcl.js';
import { ROOT_API_KEY_SECRET_NAME, WEBHOOK_SECRET_NAME } from './names.js';

export interface Secrets {
  readonly webhookSecret: SecretsmanagerSecret;
  readonly rootApiKey: SecretsmanagerSecret;
  /** The values Terraform stores (none for a variable left ""): what must exist before the function first pulls. */
  readonly versions: readonly SecretsmanagerSecretVersion[];
}

/**
 * The function reads both values from Secrets Manager by ARN at run time; its
 * environment carries only the ARNs.
 */
export function mirrorSecrets(scope: Construct): Secrets {
  const versions: SecretsmanagerSecretVersion[] = [];
  return {
    versions,
    webhookSecret: secretFromVariable(versions, scope, 'webhook_secret', WEBHOOK_SECRET_NAME, 'webhook_signing_secret',
      'Root webhook signing secret (whsec_… or the value Root returned); several lines = several valid secrets during a rotation.'),
    rootApiKey: secretFromVariable(versions, scope, 'root_api_key_secret', ROOT_API_KEY_SECRET_NAME, 'root_api_key',
      'Root API key, sent only to the Root registry host when pulling.'),
  };
}

function secretFromVariable(
  versions: SecretsmanagerSecretVersion[], scope: Construct, id: string, name: string, variable: string, description: string,
): SecretsmanagerSecret {
  const secret = new SecretsmanagerSecret(scope, id, {
    name,
    description,
    // Delete at once on destroy: a 7-30 day recovery window keeps the name taken, and a
    // fresh deploy in that window fails. Both values can be obtained again from Root.
    recoveryWindowInDays: 0,
  });
  const version = new SecretsmanagerSecretVersion(scope, `${id}_value`, {
    // A version only when the variable holds a value: the first apply comes before Root hands out
    // the webhook secret, and an empty version would count as configured.
    count: Token.asNumber(hcl(`var.${variable} == "" ? 0 : 1`)),
    secretId: secret.id,
    secretString: hcl(`var.${variable}`),
    // A value put later with `aws secretsmanager put-secret-value` (a rotation) is not overwritten by the next apply.
    lifecycle: { ignoreChanges: ['secret_string'] },
  });
  versions.push(version);
  return secret;
}
