import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseReference } from '../registry/reference.js';
import type { CloudEvent } from './cloudevent.js';
import { WebhookRejectedError } from './errors.js';
import { ROOT_IMAGE_CREATED, toMirrorJob, type RootEventContext } from './root-event.js';

const CTX: RootEventContext = { webhookId: 'msg_1', rootRegistryHost: 'cr.root.io', dstRepo: 'root-mirror' };
const DIGEST = `sha256:${'ab'.repeat(32)}`;

function event(data: Record<string, unknown> | undefined, extra: Partial<CloudEvent> = {}): CloudEvent {
  return {
    specversion: '1.0',
    id: 'evt_1',
    source: 'https://cr.root.io',
    type: ROOT_IMAGE_CREATED,
    ...(data === undefined ? {} : { data }),
    ...extra,
  };
}

const NGINX = { image_repo: 'library/nginx', image_tag: '1.25.4-amd64-root' };

/** The 400 reason of an event that must be refused. */
function rejection(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookRejectedError);
    expect((error as WebhookRejectedError).status).toBe(400);
    return (error as WebhookRejectedError).reason;
  }
  throw new Error('expected the event to be rejected');
}

describe('toMirrorJob', () => {
  it('ignores event types it does not handle', () => {
    expect(toMirrorJob(event(NGINX, { type: 'io.root.cr.image.deleted.v1' }), CTX)).toEqual({
      kind: 'ignored',
      reason: 'unhandled event type',
    });
  });

  it("turns Root's documented example into a pinned, single-platform job", () => {
    const outcome = toMirrorJob(
      event({ ...NGINX, image_digest: DIGEST, arch: 'amd64' }, { subject: 'cr.root.io/library/nginx:1.25.4-amd64-root' }),
      CTX,
    );
    expect(outcome).toEqual({
      kind: 'mirror',
      imageRepo: 'library/nginx',
      job: {
        source: `cr.root.io/library/nginx:1.25.4-amd64-root@${DIGEST}`,
        destinationRepository: 'root-mirror/library/nginx',
        destinationTag: '1.25.4-amd64-root',
        platform: 'linux/amd64',
        digest: DIGEST,
        webhookId: 'msg_1',
        eventId: 'evt_1',
      },
    });
  });

  it('mirrors the whole index, unpinned, when arch and digest are empty or absent', () => {
    for (const data of [NGINX, { ...NGINX, arch: '', image_digest: '' }, { ...NGINX, arch: null, image_digest: null }]) {
      const outcome = toMirrorJob(event(data), CTX);
      expect(outcome).toEqual({
        kind: 'mirror',
        imageRepo: 'library/nginx',
        job: {
          source: 'cr.root.io/library/nginx:1.25.4-amd64-root',
          destinationRepository: 'root-mirror/library/nginx',
          destinationTag: '1.25.4-amd64-root',
          webhookId: 'msg_1',
          eventId: 'evt_1',
        },
      });
    }
  });

  it.each(['amd64', 'arm64', 'arm64/v8', 'arm/v7', '386', 'ppc64le', 's390x', 'riscv64'])('maps arch %s to linux/%s', (arch) => {
    const outcome = toMirrorJob(event({ ...NGINX, arch }), CTX);
    expect(outcome.kind === 'mirror' && outcome.job.platform).toBe(`linux/${arch}`);
  });

  it.each(['AMD64', 'linux/amd64/v8', 'arm64/', '/v8', 'amd 64', 'arm64/v8/x', 'x86_64'])('refuses arch %j', (arch) => {
    expect(rejection(() => toMirrorJob(event({ ...NGINX, arch }), CTX))).toContain(`data.arch ${JSON.stringify(arch)}`);
  });

  it('uses the subject when it agrees with data, and pins a digest only the subject names', () => {
    const outcome = toMirrorJob(event(NGINX, { subject: `cr.root.io/library/nginx@${DIGEST}` }), CTX);
    expect(outcome.kind === 'mirror' && outcome.job.source).toBe(`cr.root.io/library/nginx:1.25.4-amd64-root@${DIGEST}`);
    expect(outcome.kind === 'mirror' && outcome.job.digest).toBe(DIGEST);
  });

  describe('refuses', () => {
    const cases: Array<[string, Record<string, unknown> | undefined, Partial<CloudEvent>, string]> = [
      ['no data', undefined, {}, 'data is missing'],
      ['no image_repo', { image_tag: 't' }, {}, 'data.image_repo is missing'],
      ['a numeric image_repo', { image_repo: 5, image_tag: 't' }, {}, 'data.image_repo must be a string, got number'],
      ['an empty image_repo', { image_repo: '', image_tag: 't' }, {}, 'data.image_repo is empty'],
      ['no image_tag', { image_repo: 'nginx' }, {}, 'data.image_tag is missing'],
      ['an object image_tag', { image_repo: 'nginx', image_tag: {} }, {}, 'data.image_tag must be a string, got object'],
      ['an upper-case image_repo', { ...NGINX, image_repo: 'Library/Nginx' }, {}, 'data.image_repo "Library/Nginx" is not a repository name'],
      ['".." in image_repo', { ...NGINX, image_repo: 'library/../etc' }, {}, 'data.image_repo "library/../etc" is not a repository name'],
      ['a leading "/"', { ...NGINX, image_repo: '/library/nginx' }, {}, 'data.image_repo "/library/nginx" is not a repository name'],
      ['"//"', { ...NGINX, image_repo: 'library//nginx' }, {}, 'data.image_repo "library//nginx" is not a repository name'],
      ['a 300-character image_repo', { ...NGINX, image_repo: 'a'.repeat(300) }, {}, 'is not a repository name'],
      ['an OCI name ECR refuses', { ...NGINX, image_repo: 'library/a__b' }, {}, 'destination repository "root-mirror/library/a__b" is not an ECR repository name'],
      ['a destination over 256 characters', { ...NGINX, image_repo: 'a'.repeat(250) }, {}, 'is 262 characters long, more than ECR\'s 256'],
      ['a tag with "/"', { ...NGINX, image_tag: 'v1/evil' }, {}, 'data.image_tag "v1/evil" is not a tag'],
      ['a tag starting with "."', { ...NGINX, image_tag: '.hidden' }, {}, 'data.image_tag ".hidden" is not a tag'],
      ['a 129-character tag', { ...NGINX, image_tag: 't'.repeat(129) }, {}, 'is not a tag'],
      ['a digest of the wrong algorithm', { ...NGINX, image_digest: `sha512:${'a'.repeat(128)}` }, {}, 'data.image_digest "sha512:'],
      ['an upper-case digest', { ...NGINX, image_digest: DIGEST.toUpperCase() }, {}, 'is not sha256:<64 lowercase hex>'],
      ['a numeric digest', { ...NGINX, image_digest: 1 }, {}, 'data.image_digest must be a string, got number'],
      ['a numeric arch', { ...NGINX, arch: 64 }, {}, 'data.arch must be a string, got number'],
      ['a subject on another registry', NGINX, { subject: 'evil.example.com/library/nginx:1.25.4-amd64-root' }, 'names registry "evil.example.com", not "cr.root.io"'],
      ['a subject on a look-alike host', NGINX, { subject: 'cr.root.io.evil.example/library/nginx:1.25.4-amd64-root' }, 'names registry "cr.root.io.evil.example"'],
      ['a subject with a port', NGINX, { subject: 'cr.root.io:443/library/nginx:1.25.4-amd64-root' }, 'names registry "cr.root.io:443"'],
      ['a subject without a host', NGINX, { subject: 'library/nginx:1.25.4-amd64-root' }, 'is not an image reference'],
      ['a subject that is not a reference', NGINX, { subject: 'https://cr.root.io/library/nginx' }, 'is not an image reference'],
      ['a subject for another repository', NGINX, { subject: 'cr.root.io/library/redis:1.25.4-amd64-root' }, 'subject repository "library/redis" differs from data.image_repo "library/nginx"'],
      ['a subject for another tag', NGINX, { subject: 'cr.root.io/library/nginx:latest' }, 'subject tag "latest" differs from data.image_tag'],
      ['a subject for another digest', { ...NGINX, image_digest: DIGEST }, { subject: `cr.root.io/library/nginx@sha256:${'cd'.repeat(32)}` }, 'subject digest'],
    ];
    it.each(cases)('%s', (_name, data, extra, reason) => {
      expect(rejection(() => toMirrorJob(event(data, extra), CTX))).toContain(reason);
    });
  });

  it('treats a bad context as a configuration fault, not a 400', () => {
    const run = (ctx: RootEventContext) => () => toMirrorJob(event(NGINX), ctx);
    expect(run({ ...CTX, dstRepo: 'Root-Mirror' })).toThrow(/dstRepo "Root-Mirror"/);
    expect(run({ ...CTX, dstRepo: 'Root-Mirror' })).not.toThrow(WebhookRejectedError);
    expect(run({ ...CTX, rootRegistryHost: 'https://cr.root.io' })).toThrow(/rootRegistryHost/);
  });

  it('enqueues only sources the shared parser reads back as Root images', () => {
    const component = fc.stringMatching(/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/);
    const repo = fc.array(component, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
    const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,40}$/);
    const digest = fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `sha256:${Buffer.from(b).toString('hex')}`), { nil: undefined });
    fc.assert(
      fc.property(repo, tag, digest, fc.boolean(), (imageRepo, imageTag, imageDigest, withSubject) => {
        fc.pre(imageRepo.length <= 200);
        const subject = withSubject ? { subject: `cr.root.io/${imageRepo}:${imageTag}` } : {};
        const outcome = toMirrorJob(event({ image_repo: imageRepo, image_tag: imageTag, image_digest: imageDigest }, subject), CTX);
        if (outcome.kind !== 'mirror') throw new Error('expected a mirror job');
        expect(parseReference(outcome.job.source)).toEqual({
          registry: 'cr.root.io',
          repository: imageRepo,
          tag: imageTag,
          ...(imageDigest === undefined ? {} : { digest: imageDigest }),
        });
        expect(outcome.job.destinationRepository).toBe(`root-mirror/${imageRepo}`);
      }),
    );
  });
});
