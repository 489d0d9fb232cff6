import { describe, expect, it } from 'vitest';
import type { ReconcileOutcome } from '../reconcile/reconcile.js';
import { MAX_ROUNDS } from '../reconcile/request.js';
import type { ReconcileRequest, ReconcileSummary } from '../reconcile/summary.js';
import { handleReconcile } from './reconcile.js';

const summary: ReconcileSummary = {
  ok: true, dryRun: false, mode: 'queued', repositories: 2, checked: 4, inSync: 4, queued: 0, filteredOut: 0,
  plan: [], errors: [], notes: [], durationMs: 5,
};
const stopped = (remaining: string[]) => async (): Promise<ReconcileOutcome> => ({ summary, remaining });

describe('handleReconcile', () => {
  it('hands what is left to a follow-up, one round further, keeping the request', async () => {
    const sent: ReconcileRequest[] = [];
    const result = await handleReconcile({ repos: ['library/*'] }, { run: stopped(['a', 'b']), continueLater: async (r) => void sent.push(r) });
    expect(sent).toEqual([{ repos: ['library/*'], continue: ['a', 'b'], round: 1 }]);
    expect(result).toMatchObject({ ok: true, continued: { repositories: 2, queued: true } });
  });

  it('says the reconcile is incomplete without a queue, after the last round, or when the follow-up cannot be queued', async () => {
    const noQueue = await handleReconcile({}, { run: stopped(['a']) });
    expect(noQueue).toMatchObject({ ok: false, continued: { repositories: 1, queued: false }, errors: [{ code: 'RECONCILE_INCOMPLETE' }] });

    let sends = 0;
    const last = await handleReconcile({ continue: ['a'], round: MAX_ROUNDS }, { run: stopped(['a']), continueLater: async () => void sends++ });
    expect(sends).toBe(0);
    expect(last.errors[0]?.message).toContain(`continued ${MAX_ROUNDS} times already`);

    const refused = await handleReconcile({}, { run: stopped(['a']), continueLater: async () => Promise.reject(new Error('AccessDenied')) });
    expect(refused.errors[0]?.message).toContain('queuing the follow-up failed (AccessDenied)');
  });

  it('answers a thrown failure as a summary, never throwing', async () => {
    const result = await handleReconcile({}, { run: async () => Promise.reject(new Error('boom')) });
    expect(result).toMatchObject({ ok: false, error: { code: 'UNEXPECTED', message: 'boom' } });
  });
});
