import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MirrorJob } from '../mirror/job.js';
import { InvalidJobMessageError, decodeJob, encodeJob } from './job-message.js';

const job: MirrorJob = {
  source: 'cr.root.io/library/nginx:1.25.4-root@sha256:' + 'a'.repeat(64),
  destinationRepository: 'root-mirror/library/nginx',
  destinationTag: '1.25.4-root',
  platform: 'linux/arm64/v8',
  digest: 'sha256:' + 'a'.repeat(64),
  webhookId: 'msg_1',
  eventId: 'evt_1',
};

describe('job messages', () => {
  it('round-trip every field', () => {
    expect(decodeJob(encodeJob(job))).toEqual(job);
    expect(decodeJob(encodeJob({ ...job, resumes: 3 }))).toEqual({ ...job, resumes: 3 });
  });

  it.each([
    ['a tag that walks into another repository', { destinationTag: '../../victim/manifests/latest' }, /destination tag/],
    ['a repository that walks out of the base', { destinationRepository: 'root-mirror/../prod/app' }, /destination repository/],
    ['a malformed digest', { digest: 'sha256:xyz' }, /digest/],
    ['a malformed platform', { platform: 'linux' }, /invalid platform/],
    ['a malformed source', { source: 'cr.root.io/../x:1' }, /invalid repository/],
    ['a negative resume count', { resumes: -1 }, /resumes/],
  ])('refuses %s', (_, change, reason) => {
    const body = JSON.stringify({ version: 1, ...job, ...change });
    expect(() => decodeJob(body)).toThrow(InvalidJobMessageError);
    expect(() => decodeJob(body)).toThrow(reason);
  });

  it('throws only InvalidJobMessageError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (body) => {
        try {
          decodeJob(body);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidJobMessageError);
        }
      }),
    );
  });
});
