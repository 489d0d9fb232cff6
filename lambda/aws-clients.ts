import { ECRClient } from '@aws-sdk/client-ecr';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';

export interface ApiTimeouts {
  readonly connectionTimeout: number;
  readonly requestTimeout: number;
}

/**
 * AWS API calls fail fast instead of waiting forever (the SDK's default): the intake
 * must answer Root inside its 15-30 s timeout even when SQS stalls, and 3 attempts of
 * at most 3 s each, with the SDK's backoff between them, stay near 10 s.
 */
export const API_TIMEOUTS: ApiTimeouts = { connectionTimeout: 2_000, requestTimeout: 3_000 };

/** Without throwOnRequestTimeout the SDK only logs a warning when requestTimeout passes, and keeps waiting. */
function requestHandler(timeouts: ApiTimeouts) {
  return { ...timeouts, throwOnRequestTimeout: true };
}

export function createSqsClient(timeouts: ApiTimeouts = API_TIMEOUTS): SQSClient {
  return new SQSClient({ requestHandler: requestHandler(timeouts), maxAttempts: 3 });
}

export function createEcrClient(timeouts: ApiTimeouts = API_TIMEOUTS, region?: string): ECRClient {
  return new ECRClient({ requestHandler: requestHandler(timeouts), ...(region ? { region } : {}) });
}

export function createSecretsProvider(timeouts: ApiTimeouts = API_TIMEOUTS): SecretsProvider {
  return new SecretsProvider({ clientConfig: { requestHandler: requestHandler(timeouts), maxAttempts: 3 } });
}
