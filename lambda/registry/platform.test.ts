import { describe, expect, it } from 'vitest';
import { InvalidPlatformError, formatPlatform, parsePlatform, platformMatches } from './platform.js';

describe('platform', () => {
  it('parses and formats os/arch[/variant]', () => {
    expect(parsePlatform('linux/arm64/v8')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(formatPlatform(parsePlatform('linux/amd64'))).toBe('linux/amd64');
  });

  it.each(['linux', 'linux/', 'a/b/c/d', 'Linux/AMD64', ''])('rejects %j', (text) => {
    expect(() => parsePlatform(text)).toThrow(InvalidPlatformError);
  });

  it('treats arm64 without variant as v8', () => {
    expect(platformMatches({ os: 'linux', architecture: 'arm64' }, parsePlatform('linux/arm64/v8'))).toBe(true);
    expect(platformMatches({ os: 'linux', architecture: 'arm64', variant: 'v8' }, parsePlatform('linux/arm64'))).toBe(true);
  });

  it('distinguishes arm variants and architectures', () => {
    expect(platformMatches({ os: 'linux', architecture: 'arm', variant: 'v6' }, parsePlatform('linux/arm/v7'))).toBe(false);
    expect(platformMatches({ os: 'linux', architecture: 'amd64' }, parsePlatform('linux/arm64'))).toBe(false);
    expect(platformMatches({ os: 'windows', architecture: 'amd64' }, parsePlatform('linux/amd64'))).toBe(false);
  });
});
