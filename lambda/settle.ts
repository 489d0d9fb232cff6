// Waiting for concurrent work so that none of it is left running once the caller fails.
import type pLimit from 'p-limit';

/**
 * Like Promise.all, but waits for every promise before throwing the first failure (in their
 * order): nothing is left running against a registry once the work is given up.
 */
export async function settleAll<T>(promises: Iterable<Promise<T>>): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/**
 * Runs `work` on each item under `limit`. After the first failure no further item starts; those
 * in flight are let finish, then that failure is thrown: settled, not raced, so nothing keeps
 * running after the caller has failed.
 */
export async function settleEach<I, T>(items: readonly I[], work: (item: I) => Promise<T>, limit: ReturnType<typeof pLimit>): Promise<T[]> {
  let failure: { error: unknown } | undefined;
  const settled = await Promise.allSettled(
    items.map((item) =>
      limit(async () => {
        if (failure) throw failure.error;
        try {
          return await work(item);
        } catch (error) {
          failure ??= { error };
          throw error;
        }
      }),
    ),
  );
  if (failure) throw failure.error;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}
