import { SecretUnavailableError } from '../config/secret-cache.js';
import { MirrorError, errorMessage } from '../errors.js';
import { rootRefusal } from '../mirror/run-job.js';
import { RegistryResponseError } from '../registry/errors.js';

export interface RootContext {
  readonly rootRegistryHost: string;
  readonly rootRegistryUsername: string;
  readonly keyConfigured: boolean;
}

/** A failure that stops the whole reconcile: every other repository would fail the same way. */
export class ReconcileStoppedError extends MirrorError {}

/**
 * Whether a failure talking to Root is Root's, not one repository's: unreachable, the
 * key refused or not set, the secret unreadable. For the catalog, a 401 counts only when
 * no key is set: with a key it may only mean the key may not list repositories.
 */
export function rootFailure(error: unknown, ctx: RootContext, during: 'catalog' | 'tags'): ReconcileStoppedError | undefined {
  if (error instanceof ReconcileStoppedError) return error;
  const again = 'the reconcile runs again on its schedule, or invoke it once fixed';
  if (error instanceof SecretUnavailableError) {
    return new ReconcileStoppedError(`${error.message}; ${again}`, { code: error.code, failureClass: 'transient', cause: error });
  }
  if (error instanceof MirrorError && error.code === 'NETWORK') {
    return new ReconcileStoppedError(
      `Root's registry ${ctx.rootRegistryHost} could not be reached (${errorMessage(error)}): check the function's outbound network access to it; ${again}`,
      { code: 'ROOT_UNREACHABLE', failureClass: 'transient', cause: error },
    );
  }
  if (error instanceof RegistryResponseError && error.status === 401 && (during === 'tags' || !ctx.keyConfigured)) {
    const refusal = rootRefusal(error, ctx, ctx.keyConfigured);
    if (refusal) return new ReconcileStoppedError(`${refusal.message}; ${again}`, { code: refusal.code, failureClass: 'permanent', cause: error });
  }
  return undefined;
}
