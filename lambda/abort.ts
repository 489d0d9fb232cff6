import { MirrorError } from './errors.js';

/** The caller stopped the work, e.g. because the Lambda is about to time out: it can resume later. */
export class OperationAbortedError extends MirrorError {
  constructor(reason: string) {
    super(`stopped before finishing: ${reason}`, { code: 'ABORTED', failureClass: 'transient' });
  }
}

export function abortedError(signal: AbortSignal): OperationAbortedError {
  const reason: unknown = signal.reason;
  if (reason instanceof OperationAbortedError) return reason;
  return new OperationAbortedError(reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'aborted');
}

/**
 * Settles with `work`, or rejects as soon as `signal` aborts, whichever comes first. For
 * calls that cannot be aborted themselves (an SDK call already sent): the caller moves on
 * at its deadline, and the abandoned call ends on its own timeout.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(abortedError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
