import { describe, expect, it } from 'vitest';
import { assertSecureUrl, isLoopbackHost, registryBaseUrl } from './scheme.js';

describe('scheme', () => {
  it.each(['localhost', 'localhost:5000', '127.0.0.1', '127.8.9.10:80', '[::1]', '[::1]:5000'])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['cr.root.io', '10.0.0.1:5000', '128.0.0.1', 'localhost.evil.com', '127.0.0.1.evil.com'])('%s is not loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });

  it('uses plain HTTP only for loopback registries', () => {
    expect(registryBaseUrl('127.0.0.1:5000').href).toBe('http://127.0.0.1:5000/');
    expect(registryBaseUrl('cr.root.io').href).toBe('https://cr.root.io/');
    expect(registryBaseUrl('docker.io').href).toBe('https://registry-1.docker.io/');
  });

  it('refuses plain HTTP to other hosts', () => {
    const local = new URL('http://127.0.0.1:5000');
    expect(() => assertSecureUrl(new URL('http://s3.amazonaws.com/x'), 'redirect to', local)).toThrow(/not HTTPS/);
    expect(() => assertSecureUrl(new URL('https://s3.amazonaws.com/x'), 'redirect to', local)).not.toThrow();
    expect(() => assertSecureUrl(new URL('http://127.0.0.1:9/x'), 'redirect to', local)).not.toThrow();
  });

  it('never lets a remote registry send us to a local plain-HTTP service', () => {
    // On Lambda, 127.0.0.1:9001 is the Runtime API: a hostile realm must not receive our credentials.
    const remote = new URL('https://cr.root.io');
    expect(() => assertSecureUrl(new URL('http://127.0.0.1:9001/token'), 'token realm', remote)).toThrow(/not HTTPS/);
    expect(() => assertSecureUrl(new URL('http://localhost/x'), 'redirect to', remote)).toThrow(/not HTTPS/);
    expect(() => assertSecureUrl(new URL('https://auth.root.io/token'), 'token realm', remote)).not.toThrow();
  });
});
