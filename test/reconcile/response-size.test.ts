// The Lambda's reconcile door answers a bounded summary: a response over Lambda's 6 MB would be a
// function error, failing the `terraform apply` that invoked it. The reconcile itself is replaced
// by one that plans 100,000 tags, which real registries would take minutes to hold.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RESPONSE_PLAN_ENTRIES } from '../../lambda/handlers/bounded-summary.js';
import type { ReconcileSummary } from '../../lambda/reconcile/summary.js';

const PLANNED = 100_000;
const huge: ReconcileSummary = {
  ok: true, dryRun: false, mode: 'queued', repositories: 1, checked: PLANNED, inSync: 0, queued: PLANNED, filteredOut: 0,
  plan: Array.from({ length: PLANNED }, (_, i) => ({ repository: 'many/tags', tag: `1.${i}.0-root`, digest: `sha256:${'ab'.repeat(32)}`, reason: 'missing' as const })),
  errors: [], notes: [], durationMs: 1,
};

afterEach(() => {
  vi.doUnmock('../../lambda/handlers/reconcile.js');
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('the reconcile answer of the Lambda handler', () => {
  it('lists the first planned tags and says how many it left out, with exact counts, far below 6 MB', async () => {
    vi.stubEnv('QUEUE_URL', undefined);
    vi.stubEnv('DST_REGISTRY', '127.0.0.1:9');
    vi.resetModules();
    vi.doMock('../../lambda/handlers/reconcile.js', () => ({ handleReconcile: async () => huge }));
    const { handler } = await import('../../lambda/index.js');

    const answer = (await handler({ reconcile: {} })) as ReconcileSummary;

    expect(answer).toMatchObject({ checked: PLANNED, queued: PLANNED, ok: true });
    expect(answer.plan).toEqual(huge.plan.slice(0, RESPONSE_PLAN_ENTRIES));
    expect(answer.notes).toEqual([expect.stringContaining(`plan lists the first ${RESPONSE_PLAN_ENTRIES} of ${PLANNED} planned tags`)]);
    expect(Buffer.byteLength(JSON.stringify(huge))).toBeGreaterThan(6 * 1024 * 1024);
    expect(Buffer.byteLength(JSON.stringify(answer))).toBeLessThan(256 * 1024);
  });
});
