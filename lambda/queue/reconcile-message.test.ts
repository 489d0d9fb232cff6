import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeReconcileMessage, splitContinuation } from './reconcile-message.js';

const repository = fc.stringMatching(/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*){0,3}$/).filter((name) => name.length <= 255);

describe('splitContinuation', () => {
  it('keeps every name, in order, in parts that each encode under the limit and carry the rest of the request', () => {
    fc.assert(
      fc.property(fc.array(repository, { maxLength: 300 }), fc.integer({ min: 400, max: 5_000 }), fc.boolean(), (names, maxBytes, dryRun) => {
        const request = { repos: ['library/*'], dryRun, continue: names, round: 3 };
        const parts = splitContinuation(request, maxBytes);
        expect(parts.flatMap((part) => part.continue ?? [])).toEqual(names);
        for (const part of parts) {
          expect(Buffer.byteLength(encodeReconcileMessage(part))).toBeLessThanOrEqual(maxBytes);
          expect(part).toMatchObject({ repos: ['library/*'], dryRun, round: 3 });
          if (names.length > 0) expect(part.continue!.length).toBeGreaterThan(0);
        }
      }),
    );
  });

  it('sends one message for a list that fits, and several for 20,000 long names', () => {
    expect(splitContinuation({ continue: ['a', 'b'], round: 1 })).toEqual([{ continue: ['a', 'b'], round: 1 }]);
    const names = Array.from({ length: 20_000 }, (_, i) => `team-${i}/${'x'.repeat(40)}`);
    const parts = splitContinuation({ continue: names, round: 1 });
    const fewest = Math.ceil(Buffer.byteLength(JSON.stringify(names)) / (250 * 1024));
    expect(parts.length).toBeGreaterThanOrEqual(Math.max(2, fewest));
    expect(parts.length).toBeLessThanOrEqual(fewest + 1);
    expect(parts.flatMap((part) => part.continue)).toEqual(names);
  });
});
