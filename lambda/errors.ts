import type { ErrorCode, ForeignErrorCode } from './error-codes.js';
import { redact } from './redact.js';

/** Whether retrying the same operation later can succeed. */
export type FailureClass = 'transient' | 'permanent';

export interface MirrorErrorOptions {
  /** A short stable identifier from the catalogue (error-codes.ts), or a registry's or AWS's own. */
  code: ErrorCode | ForeignErrorCode;
  failureClass: FailureClass;
  cause?: unknown;
}

/**
 * The base of every error this project raises on purpose. Its message is meant
 * for the operator: it says what failed and what to do about it.
 */
export class MirrorError extends Error {
  readonly code: ErrorCode | ForeignErrorCode;
  readonly failureClass: FailureClass;

  constructor(message: string, options: MirrorErrorOptions) {
    // Registry answers end up in messages, and a registry may echo the credentials it was sent.
    super(redact(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.failureClass = options.failureClass;
  }

  get transient(): boolean {
    return this.failureClass === 'transient';
  }
}

/** Errors we did not raise ourselves (bugs, unexpected library failures) are treated as transient. */
export function failureClassOf(error: unknown): FailureClass {
  return error instanceof MirrorError ? error.failureClass : 'transient';
}

/** The message to show for any error, with known secrets and credential values redacted. */
export function errorMessage(error: unknown): string {
  return redact(error instanceof Error ? error.message : String(error));
}
