// Points the real AWS SDK at the loopback stand-ins through the standard environment
// variables, so code under test builds its clients exactly as in Lambda.
import { afterEach, beforeEach } from 'vitest';
import { startEcrStandIn, type EcrStandIn, type EcrStandInOptions } from './ecr-standin.js';
import { startSecretsStandIn, type SecretsStandIn, type SecretsStandInOptions } from './secrets-standin.js';
import { startSqsStandIn, type SqsStandIn, type SqsStandInOptions } from './sqs-standin.js';

export interface AwsEndpoints {
  ecr?: string;
  sqs?: string;
  secretsManager?: string;
}

export const TEST_REGION = 'eu-west-1';

// Any service without a stand-in goes here and is refused: tests never reach real AWS.
const NOWHERE = 'http://127.0.0.1:9';

/**
 * Sets endpoints, dummy credentials and region; returns a function restoring the
 * previous environment. The SDK reads `AWS_ENDPOINT_URL_<SERVICE ID>` on a client's
 * first request and keeps it, so create clients after this and per test.
 */
export function applyAwsTestEnv(endpoints: AwsEndpoints, region = TEST_REGION): () => void {
  const values: Record<string, string | undefined> = {
    AWS_ENDPOINT_URL: NOWHERE,
    AWS_ENDPOINT_URL_ECR: endpoints.ecr ?? NOWHERE,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs ?? NOWHERE,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secretsManager ?? NOWHERE,
    AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: undefined,
    AWS_ACCESS_KEY_ID: 'AKIDSTANDIN',
    AWS_SECRET_ACCESS_KEY: 'stand-in-secret',
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const saved = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  const assign = (entries: Record<string, string | undefined>): void => {
    for (const [name, value] of Object.entries(entries)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  assign(values);
  return () => assign(saved);
}

export interface AwsStandIns {
  readonly ecr: EcrStandIn;
  readonly sqs: SqsStandIn;
  readonly secrets: SecretsStandIn;
}

/**
 * Registers hooks giving each test fresh ECR, SQS and Secrets Manager stand-ins with
 * the environment pointing at them. Read the properties inside tests or hooks.
 */
export interface AwsStandInsOptions {
  ecr?: EcrStandInOptions;
  sqs?: SqsStandInOptions;
  secrets?: SecretsStandInOptions;
}

export function withAwsStandIns(options: AwsStandInsOptions = {}): AwsStandIns {
  let current: AwsStandIns | undefined;
  let restore: (() => void) | undefined;
  beforeEach(async () => {
    const [ecr, sqs, secrets] = await Promise.all([
      startEcrStandIn({ region: TEST_REGION, ...options.ecr }),
      startSqsStandIn({ region: TEST_REGION, ...options.sqs }),
      startSecretsStandIn({ region: TEST_REGION, ...options.secrets }),
    ]);
    current = { ecr, sqs, secrets };
    restore = applyAwsTestEnv({ ecr: ecr.url, sqs: sqs.url, secretsManager: secrets.url });
  });
  afterEach(async () => {
    restore?.();
    const closing = current;
    current = undefined;
    restore = undefined;
    if (closing) await Promise.all([closing.ecr.close(), closing.sqs.close(), closing.secrets.close()]);
  });
  const get = (): AwsStandIns => {
    if (!current) throw new Error('the AWS stand-ins exist only inside a test (withAwsStandIns registers beforeEach)');
    return current;
  };
  return {
    get ecr() {
      return get().ecr;
    },
    get sqs() {
      return get().sqs;
    },
    get secrets() {
      return get().secrets;
    },
  };
}
