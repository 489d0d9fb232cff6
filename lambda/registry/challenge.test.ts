import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseChallenge } from './challenge.js';

describe('parseChallenge', () => {
  it('parses a Bearer challenge with quoted parameters', () => {
    expect(
      parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"'),
    ).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' },
    });
  });

  it('parses Basic with a realm, case-insensitively', () => {
    expect(parseChallenge('BASIC Realm="ecr.amazonaws.com", Service=ecr')).toEqual({
      scheme: 'basic',
      params: { realm: 'ecr.amazonaws.com', service: 'ecr' },
    });
  });

  it('unescapes quoted characters', () => {
    expect(parseChallenge('Bearer realm="a\\"b"')?.params.realm).toBe('a"b');
  });

  it('returns undefined for an absent header', () => {
    expect(parseChallenge(undefined)).toBeUndefined();
    expect(parseChallenge('')).toBeUndefined();
  });

  it('round-trips any quoted parameter values', () => {
    const value = fc.string({ maxLength: 30 }).filter((s) => !/[\\"]/.test(s));
    fc.assert(
      fc.property(value, value, (realm, service) => {
        const parsed = parseChallenge(`Bearer realm="${realm}",service="${service}"`);
        expect(parsed?.params).toEqual({ realm, service });
      }),
    );
  });
});
