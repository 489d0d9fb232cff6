import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fifoId } from './enqueue.js';

describe('fifoId', () => {
  it('keeps an id SQS accepts as it is', () => {
    expect(fifoId('msg_2b1a9f')).toBe('msg_2b1a9f');
  });

  it('hashes ids SQS would refuse: too long, spaces, non-ASCII', () => {
    for (const id of ['x'.repeat(129), 'msg 1', 'msg_é', '']) {
      expect(fifoId(id)).toMatch(/^[a-f0-9]{64}$/);
    }
  });

  it('always yields a valid, deterministic SQS id', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: 'grapheme' }), (id) => {
        const out = fifoId(id);
        expect(out).toMatch(/^[\x21-\x7e]{1,128}$/);
        expect(fifoId(id)).toBe(out);
      }),
    );
  });
});
