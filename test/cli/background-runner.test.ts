// serve's in-process runner: bounded concurrency, the shared retry policy, and a clean stop.
import { describe, expect, it } from 'vitest';
import { BackgroundRunner } from '../../lambda/cli/background-runner.js';
import { MirrorError } from '../../lambda/errors.js';
import type { MirrorJob } from '../../lambda/mirror/job.js';
import type { CopySummary } from '../../lambda/registry/copy.js';
import { RegistryResponseError } from '../../lambda/registry/errors.js';
import { captureOutput } from '../support/output.js';

const output = captureOutput();
const POLICY = { attempts: 3, baseDelayMs: 5, maxDelayMs: 10, maxRetryAfterMs: 1_000 };

const job = (name: string): MirrorJob => ({
  source: `cr.root.io/${name}:v1`,
  destinationRepository: `root-mirror/${name}`,
  destinationTag: 'v1',
  webhookId: `msg_${name}`,
  eventId: `evt_${name}`,
});
const summary = (name: string) => ({ digest: `sha256:${name}`, bytesCopied: 1, upToDate: false, durationMs: 1 }) as unknown as CopySummary;
const nameOf = (j: MirrorJob) => j.destinationRepository.split('/')[1]!;

/** A mirror whose jobs named `slow-*` hang until released (or aborted); the others finish at once. */
function hangingMirror() {
  const started: string[] = [];
  const releases = new Map<string, () => void>();
  const mirror = (j: MirrorJob, signal?: AbortSignal) => {
    const name = nameOf(j);
    started.push(name);
    if (!name.startsWith('slow')) return Promise.resolve(summary(name));
    return new Promise<CopySummary>((resolve, reject) => {
      releases.set(name, () => resolve(summary(name)));
      signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
    });
  };
  return { mirror, started, release: (name: string) => releases.get(name)?.() };
}

const mirrored = () => output.logsAt('INFO').filter((l) => l.message === 'image mirrored').map((l) => l.image);

describe('BackgroundRunner', () => {
  it('mirrors the next job while a slow one is still running', async () => {
    const { mirror, release } = hangingMirror();
    const runner = new BackgroundRunner(mirror, { policy: POLICY });
    runner.submit(job('slow-a'));
    runner.submit(job('quick-b'));
    await expect.poll(mirrored, { timeout: 2_000 }).toEqual(['cr.root.io/quick-b:v1']);
    expect(runner.pending).toBe(1);
    release('slow-a');
    await runner.idle();
    expect(mirrored()).toEqual(['cr.root.io/quick-b:v1', 'cr.root.io/slow-a:v1']);
  });

  it('runs at most `concurrency` jobs at once; the others wait for a slot', async () => {
    const { mirror, started, release } = hangingMirror();
    const runner = new BackgroundRunner(mirror, { policy: POLICY, concurrency: 2 });
    for (const name of ['slow-1', 'slow-2', 'slow-3']) runner.submit(job(name));
    await expect.poll(() => started.length).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(started).toEqual(['slow-1', 'slow-2']);
    release('slow-1');
    await expect.poll(() => started).toEqual(['slow-1', 'slow-2', 'slow-3']);
    release('slow-2');
    release('slow-3');
    await runner.idle();
    expect(runner.pending).toBe(0);
  });

  it('retries a transient failure with the shared policy, logging each retry, and never a permanent one', async () => {
    let calls = 0;
    const runner = new BackgroundRunner(
      async (j) => {
        calls += 1;
        if (nameOf(j) === 'denied') throw new MirrorError('no', { code: 'JOB_REJECTED', failureClass: 'permanent' });
        if (calls < 3) throw new MirrorError('flaky', { code: 'NETWORK', failureClass: 'transient' });
        return summary('flaky');
      },
      { policy: POLICY },
    );
    runner.submit(job('flaky'));
    await runner.idle();
    expect(calls).toBe(3);
    expect(output.logsAt('WARN').map((l) => [l.message, l.attempt])).toEqual([
      ['mirror failed; retrying', 1],
      ['mirror failed; retrying', 2],
    ]);
    calls = 0;
    runner.submit(job('denied'));
    await runner.idle();
    expect(calls).toBe(1);
    expect(output.logsAt('ERROR')).toEqual([expect.objectContaining({ message: 'mirror failed', class: 'permanent', attempts: 1 })]);
  });

  it('fails a job at once when the registry asks to wait longer than maxRetryAfterMs', async () => {
    let calls = 0;
    const runner = new BackgroundRunner(
      async () => {
        calls += 1;
        throw new RegistryResponseError({ method: 'GET', url: 'http://127.0.0.1:1/v2/x/manifests/v1', status: 429, errors: [{ code: 'TOOMANYREQUESTS', message: 'slow down' }], retryAfterMs: 3_600_000 });
      },
      { policy: POLICY },
    );
    runner.submit(job('throttled'));
    await runner.idle();
    expect(calls).toBe(1);
    expect(output.logsAt('ERROR')).toEqual([expect.objectContaining({ message: 'mirror failed', class: 'transient', attempts: 1 })]);
  });

  it('abandon() stops running copies through their signal and drops the waiting ones', async () => {
    const { mirror, started } = hangingMirror();
    const runner = new BackgroundRunner(mirror, { policy: POLICY, concurrency: 1 });
    runner.submit(job('slow-1'));
    runner.submit(job('slow-2'));
    await expect.poll(() => started.length).toBe(1);
    runner.abandon();
    await runner.idle();
    expect(started).toEqual(['slow-1']);
    expect(runner.pending).toBe(0);
    expect(output.logsAt('WARN').map((l) => l.image)).toEqual(['cr.root.io/slow-1:v1', 'cr.root.io/slow-2:v1']);
  });
});
