import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidRepository } from '../registry/reference.js';
import { ecrRepositoryNameProblem, isValidEcrRepositoryName } from './repository-name.js';

describe('ECR repository names', () => {
  it.each(['root-mirror', 'root-mirror/library/nginx', 'a1/b.c/d_e/f-g', '0abc', 'ab'])('accepts %s', (name) => {
    expect(ecrRepositoryNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['', 'is shorter than 2 characters'],
    ['a', 'is shorter than 2 characters'],
    ['Root-Mirror', 'is not an ECR repository name'],
    ['mirror/../etc', 'is not an ECR repository name'],
    ['/mirror', 'is not an ECR repository name'],
    ['mirror//nginx', 'is not an ECR repository name'],
    ['mirror/', 'is not an ECR repository name'],
    ['mirror/a__b', 'is not an ECR repository name'],
    ['mirror/a--b', 'is not an ECR repository name'],
    ['mirror/nginx:latest', 'is not an ECR repository name'],
    ['x'.repeat(257), 'is 257 characters long'],
  ])('refuses %j', (name, problem) => {
    expect(ecrRepositoryNameProblem(name)).toContain(problem);
  });

  it('allows exactly 256 characters', () => {
    expect(isValidEcrRepositoryName('x'.repeat(256))).toBe(true);
  });

  it('is never looser than the OCI grammar, for names of ECR length', () => {
    const anyName = fc.stringMatching(/^[a-z0-9._/-]{2,40}$/);
    fc.assert(
      fc.property(anyName, (name) => {
        if (isValidEcrRepositoryName(name)) expect(isValidRepository(name)).toBe(true);
      }),
    );
  });
});
