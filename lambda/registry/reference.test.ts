import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidReferenceError, formatReference, isValidRepository, isValidTag, parseReference } from './reference.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
  it.each([
    ['cr.root.io/library/nginx:1.25', { registry: 'cr.root.io', repository: 'library/nginx', tag: '1.25' }],
    ['127.0.0.1:5000/a/b/c:t', { registry: '127.0.0.1:5000', repository: 'a/b/c', tag: 't' }],
    ['localhost/x', { registry: 'localhost', repository: 'x' }],
    [`host.io/x@${DIGEST}`, { registry: 'host.io', repository: 'x', digest: DIGEST }],
    [`host.io/x:1@${DIGEST}`, { registry: 'host.io', repository: 'x', tag: '1', digest: DIGEST }],
    ['[::1]:5000/x:y', { registry: '[::1]:5000', repository: 'x', tag: 'y' }],
  ])('parses %s', (input, expected) => {
    expect(parseReference(input)).toEqual(expected);
  });

  it('expands short Docker Hub names only when asked', () => {
    expect(parseReference('python:3', { dockerHubDefaults: true })).toEqual({
      registry: 'docker.io',
      repository: 'library/python',
      tag: '3',
    });
    expect(parseReference('bitnami/redis', { dockerHubDefaults: true })).toEqual({
      registry: 'docker.io',
      repository: 'bitnami/redis',
    });
    expect(() => parseReference('python:3')).toThrow(/names no registry host/);
  });

  it.each([
    ['host.io/UPPER:1', /invalid repository "UPPER"/],
    ['host.io/a..b', /invalid repository/],
    ['host.io/a//b', /invalid repository/],
    ['host.io/x:-bad', /invalid tag "-bad"/],
    [`host.io/x:${'t'.repeat(129)}`, /invalid tag/],
    ['host.io/x@sha256:abc', /invalid digest "sha256:abc"/],
    ['host.io/x@md5:abc', /invalid digest/],
    ['host_bad.io/x', /names no registry host|invalid registry host/],
    ['example.com:99999/a:v1', /invalid registry host "example.com:99999"/],
    ['[1:2]/a:v1', /invalid registry host "\[1:2\]"/],
    ['127.0.0.999/a:v1', /invalid registry host "127.0.0.999"/],
    ['', /empty/],
  ])('rejects %s naming the bad part', (input, message) => {
    expect(() => parseReference(input)).toThrow(InvalidReferenceError);
    expect(() => parseReference(input)).toThrow(message);
  });

  it('rejects names over 255 characters', () => {
    expect(() => parseReference(`host.io/${'a'.repeat(260)}`)).toThrow(InvalidReferenceError);
  });
});

const component = fc.stringMatching(/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/, { maxLength: 12 }).filter((s) => s.length > 0);
const repository = fc.array(component, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,20}$/);
const digest = fc.stringMatching(/^[a-f0-9]{64}$/).map((hex) => `sha256:${hex}`);
const registry = fc.constantFrom('cr.root.io', '127.0.0.1:5000', 'localhost:1234', 'my-registry.example.com');

describe('reference properties', () => {
  it('format and parse round-trip every valid reference', () => {
    fc.assert(
      fc.property(registry, repository, fc.option(tag, { nil: undefined }), fc.option(digest, { nil: undefined }), (reg, repo, t, d) => {
        const ref = { registry: reg, repository: repo, ...(t ? { tag: t } : {}), ...(d ? { digest: d } : {}) };
        expect(parseReference(formatReference(ref))).toEqual(ref);
      }),
    );
  });

  it('never throws anything but InvalidReferenceError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (input) => {
        try {
          const ref = parseReference(input);
          expect(isValidRepository(ref.repository)).toBe(true);
          if (ref.tag) expect(isValidTag(ref.tag)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidReferenceError);
        }
      }),
    );
  });

  it('rejects tags with characters outside the grammar', () => {
    fc.assert(
      fc.property(tag, fc.constantFrom('/', ' ', '@', '!', '+'), (t, bad) => {
        expect(isValidTag(`${t}${bad}`)).toBe(false);
      }),
    );
  });

  it.each(['127.0.0.1:5002', 'localhost', 'localhost:5000', 'registry.example.com', 'registry.example.com:443', '[::1]:5000'])(
    'refuses %s, a registry host without a repository, instead of reading it as a Docker Hub name',
    (input) => {
      for (const options of [{ dockerHubDefaults: true }, {}]) {
        expect(() => parseReference(input, options)).toThrow(/names a registry host but no repository: write it as host\[:port\]\/repository/);
      }
    },
  );

  it('still expands a short Docker Hub name', () => {
    expect(parseReference('python:3.12', { dockerHubDefaults: true })).toEqual({ registry: 'docker.io', repository: 'library/python', tag: '3.12' });
  });
});
