import type { ErrorCode } from '../error-codes.js';
import { MirrorError } from '../errors.js';

/** The HTTP statuses a webhook can be refused with. */
export type WebhookRejectionStatus = 400 | 401 | 413 | 415;

// What the caller sees: deliberately vague, so a forger learns nothing about which check failed.
const PUBLIC_MESSAGES: Record<WebhookRejectionStatus, string> = {
  400: 'invalid webhook payload',
  401: 'webhook verification failed',
  413: 'webhook payload too large',
  415: 'unsupported webhook content type',
};

const CODES: Record<WebhookRejectionStatus, ErrorCode> = {
  400: 'WEBHOOK_INVALID',
  401: 'WEBHOOK_UNAUTHORIZED',
  413: 'WEBHOOK_TOO_LARGE',
  415: 'WEBHOOK_UNSUPPORTED_MEDIA_TYPE',
};

/**
 * A webhook we refuse. `publicMessage` may go back to the caller; `reason` is for logs only,
 * because it says precisely which check failed.
 */
export class WebhookRejectedError extends MirrorError {
  readonly status: WebhookRejectionStatus;
  readonly reason: string;
  readonly publicMessage: string;

  constructor(status: WebhookRejectionStatus, reason: string, options: { cause?: unknown } = {}) {
    super(`webhook rejected with ${status}: ${reason}`, {
      code: CODES[status],
      failureClass: 'permanent',
      cause: options.cause,
    });
    this.status = status;
    this.reason = reason;
    this.publicMessage = PUBLIC_MESSAGES[status];
  }
}

export function unauthorized(reason: string): WebhookRejectedError {
  return new WebhookRejectedError(401, reason);
}

export function badRequest(reason: string, cause?: unknown): WebhookRejectedError {
  return new WebhookRejectedError(400, reason, { cause });
}

/** Quotes a sender-supplied value for a log reason: JSON escapes control characters, and it is cut short. */
export function quote(value: string, maxLength = 80): string {
  return JSON.stringify(value.length > maxLength ? `${value.slice(0, maxLength)}…` : value);
}

/** Names a JSON value's kind for a reason such as `must be a string, got number`. */
export function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
