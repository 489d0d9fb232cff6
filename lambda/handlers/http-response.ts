import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { redactDeep } from '../redact.js';

/** A small JSON answer: what the sender may see, never internals. */
export function jsonResponse(statusCode: number, body: Record<string, unknown>, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(redactDeep(body)),
  };
}
