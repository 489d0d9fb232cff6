import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { OperationAbortedError, untilAborted } from './abort.js';

const never = () => new Promise<never>(() => undefined);

describe('untilAborted', () => {
  it('passes the result through and leaves no listener', async () => {
    const controller = new AbortController();
    await expect(untilAborted(Promise.resolve(7), controller.signal)).resolves.toBe(7);
    await expect(untilAborted(Promise.reject(new Error('x')), controller.signal)).rejects.toThrow('x');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects as soon as the signal aborts, with the reason', async () => {
    const controller = new AbortController();
    const pending = untilAborted(never(), controller.signal);
    controller.abort(new Error('deadline'));
    await expect(pending).rejects.toThrow(OperationAbortedError);
    await expect(pending).rejects.toThrow(/deadline/);
  });

  it('rejects at once when already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('late'));
    await expect(untilAborted(never(), controller.signal)).rejects.toThrow(/late/);
  });
});
