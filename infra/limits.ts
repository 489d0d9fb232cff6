// The stack's fixed limits. Imports nothing, so the modules that build the stack
// (function.ts) and the ones that validate its inputs (variables.ts) can share them
// without importing each other.

/** One image per invocation: a slow copy cannot push others in its batch past the function timeout. */
export const BATCH_SIZE = 1;
/** Parallel copies. Leaves room under a new account's concurrency quota of 10 for the webhook intake. */
export const MAX_CONCURRENCY = 5;

/**
 * Bounds of a reservation. Below the queue trigger's parallel copies plus one, the trigger would be
 * throttled (AWS advises a maximum concurrency no higher than the reserved concurrency) and a webhook
 * would find no room while copies run. 1000 is the default account quota.
 */
export const RESERVED_CONCURRENCY_MIN = MAX_CONCURRENCY + 1;
export const RESERVED_CONCURRENCY_MAX = 1000;
/** Terraform's (and Lambda's) value for "no reservation". */
export const UNRESERVED = -1;
