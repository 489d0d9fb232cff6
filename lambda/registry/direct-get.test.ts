import { once } from 'node:events';
import net from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sendDirectGet, serializeGet } from './direct-get.js';

describe('serializeGet', () => {
  it('writes the request line, host, connection: close and the headers, ended by a blank line', () => {
    const bytes = serializeGet(new URL('https://cr.example:8443/v2/a/blobs/sha256:ab?x=1&y=%2F'), { authorization: 'Bearer t.o.k', accept: '*/*' });
    expect(bytes.toString('latin1')).toBe(
      'GET /v2/a/blobs/sha256:ab?x=1&y=%2F HTTP/1.1\r\nhost: cr.example:8443\r\nconnection: close\r\nauthorization: Bearer t.o.k\r\naccept: */*\r\n\r\n',
    );
  });

  it('refuses any header value with a CR, LF or NUL, so a hostile token cannot add a header or a request', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('\r', '\n', '\0', '\r\n'), fc.string(), (before, bad, after) => {
        expect(() => serializeGet(new URL('http://127.0.0.1:1/v2/'), { authorization: `Bearer ${before}${bad}${after}` })).toThrow(/not allowed in a header/);
      }),
    );
    expect(() => serializeGet(new URL('http://127.0.0.1:1/v2/'), { 'bad name': 'x' })).toThrow(/not allowed in a header/);
  });
});

describe('sendDirectGet', () => {
  // The upload may still be fetching its token when the source stalls: nobody listens yet.
  it('keeps a failure that comes before anyone reads the body in errored, instead of an unhandled error event', async () => {
    const server = net.createServer((socket) => {
      socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\nabc'));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as net.AddressInfo;
      const res = await sendDirectGet({ method: 'GET', url: new URL(`http://127.0.0.1:${port}/v2/a/blobs/x`), idleTimeoutMs: 200 });
      expect(res.status).toBe(200);
      await new Promise((closed) => res.body.once('close', closed));
      expect(res.body.errored?.message).toMatch(/is too slow: GET \/v2\/a\/blobs\/x: no data for 200 ms/);
    } finally {
      server.close();
    }
  });

  it('leaves no timer behind when aborted before any answer (a pending deadline kept the CLI alive after Ctrl-C)', async () => {
    const server = net.createServer(() => undefined);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as net.AddressInfo;
      const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
      const before = timers();
      const stop = new AbortController();
      const answer = sendDirectGet({
        method: 'GET',
        url: new URL(`http://127.0.0.1:${port}/v2/a/blobs/x`),
        idleTimeoutMs: 60_000,
        deadline: { at: Date.now() + 60_000, ms: 60_000, covers: 'headers' },
        signal: stop.signal,
      });
      await new Promise((sent) => setTimeout(sent, 50));
      stop.abort(new Error('Ctrl-C'));
      await expect(answer).rejects.toThrow(/stopped before finishing: Ctrl-C/);
      await new Promise((closed) => setImmediate(closed));
      expect(timers()).toBe(before);
    } finally {
      server.close();
    }
  });
});
