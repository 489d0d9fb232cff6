import { Logger } from '@aws-lambda-powertools/logger';
import { redact } from './redact.js';

/**
 * Structured JSON logs; the level comes from POWERTOOLS_LOG_LEVEL. Never pass secrets or
 * headers to it; should one slip through (a registry echoing a header), every string in
 * the record, error messages and stacks included, is redacted on the way out.
 */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'root-ecr-mirror',
  jsonReplacerFn: (_key: string, value: unknown) => (typeof value === 'string' ? redact(value) : value),
});
