// `serve` as a person runs it: what it says at start-up, what it refuses, and how it stops.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTestWebhook } from '../../lambda/cli/send-test-webhook-command.js';
import { startServe, type ServeHandle } from '../../lambda/cli/serve-command.js';
import { MAX_BODY_BYTES } from '../../lambda/handlers/function-url.js';
import { writeDockerConfig, type DockerConfigDir } from '../support/docker-config.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { fetchManifest, pushLargeRandomImage, pushRandomImage } from '../support/images.js';
import { findFreePort } from '../support/net.js';
import { captureOutput } from '../support/output.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { CLI, runCli, startOnTerminal } from './run-cli.js';

captureOutput();

const SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
const MiB = 1024 * 1024;
let src: TestRegistry;
let dst: TestRegistry;
let slow: FaultProxy;
let emptyConfig: DockerConfigDir;

beforeAll(async () => {
  [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
  slow = await startFaultProxy(src.url);
  emptyConfig = await writeDockerConfig({});
});
afterAll(async () => {
  await Promise.all([slow?.stop(), src?.stop(), dst?.stop(), emptyConfig?.remove()]);
});

describe('serve start-up', () => {
  it('names the source, the destination (warning when it is the account ECR), DST_REPO, the allowlist and the dispatch', async () => {
    const session = startOnTerminal(['serve', '--port', '0'], { WEBHOOK_SECRET: SECRET, ALLOWED_REPOS: 'python, library/*' });
    await session.waitFor(/warning: DST_REGISTRY is not set/);
    session.type('\x03');
    expect((await session.exited).code).toBe(0);
    const text = session.output();
    expect(text).toMatch(
      /serving the webhook intake on http:\/\/127\.0\.0\.1:\d+\/: source cr\.root\.io, destination this AWS account's ECR \(from your AWS credentials\), DST_REPO root-mirror, allowed: python, library\/\*; jobs are mirrored in this process/,
    );
    expect(text).toMatch(/warning: DST_REGISTRY is not set, so images go to the ECR of the AWS account your credentials belong to/);
  });

  it('with DST_REGISTRY and QUEUE_URL says so, and warns of nothing', async () => {
    const queue = 'http://127.0.0.1:9/000000000000/jobs.fifo';
    const session = startOnTerminal(['serve', '--port', '0'], { WEBHOOK_SECRET: SECRET, DST_REGISTRY: dst.host, QUEUE_URL: queue });
    await session.waitFor(/serving the webhook intake/);
    session.type('\x03');
    await session.exited;
    expect(session.output()).toContain(`destination ${dst.host}, DST_REPO root-mirror, allowed: every repository; jobs are queued to ${queue}`);
    expect(session.output()).not.toMatch(/warning: DST_REGISTRY/);
  });

  it('refuses to start without a webhook secret, saying how to make one for local use', async () => {
    const result = await runCli(['serve', '--port', '0'], { DST_REGISTRY: dst.host });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: serve needs a webhook signing secret .* export WEBHOOK_SECRET=whsec_\$\(openssl rand -base64 32\)/);
  });
});

describe('serve request bodies', () => {
  let serve: ServeHandle | undefined;
  afterEach(async () => {
    await serve?.close();
    serve = undefined;
  });

  /** POSTs `size` bytes, streamed, and returns the status (the server may answer before reading all). */
  function post(port: number, size: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-length': String(size) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let left = size;
      const write = () => {
        while (left > 0) {
          const piece = chunk.subarray(0, Math.min(left, chunk.length));
          left -= piece.length;
          if (!req.write(piece)) return void req.once('drain', write);
        }
        req.end();
      };
      write();
    });
  }

  it('answers 413 to a body over 1 MiB, and verifies one of exactly 1 MiB', async () => {
    serve = await startServe(0, '127.0.0.1', { WEBHOOK_SECRET: SECRET, DST_REGISTRY: dst.host });
    expect(await post(serve.port, MAX_BODY_BYTES + 1)).toBe(413);
    expect(await post(serve.port, 5 * MAX_BODY_BYTES)).toBe(413);
    expect(await post(serve.port, MAX_BODY_BYTES)).toBe(401); // unsigned: refused by the signature check
  });
});

describe('serve stopped with Ctrl-C', () => {
  it('first says it waits for the running copy, and a second Ctrl-C abandons it without moving the tag', async () => {
    await pushLargeRandomImage(src.url, 'library/slow', 'v1', { layers: [4 * MiB] });
    slow.rules = [{ method: 'GET', path: /\/blobs\/sha256:/, bytesPerSecond: 128 * 1024 }];
    const port = await findFreePort();
    const session = startOnTerminal(['serve', '--port', String(port)], {
      WEBHOOK_SECRET: SECRET,
      ROOT_REGISTRY_HOST: slow.host,
      DST_REGISTRY: dst.host,
      DOCKER_CONFIG: emptyConfig.dir,
    });
    await session.waitFor(/serving the webhook intake/);
    const hook = buildTestWebhook({ image: 'library/slow:v1', registry: slow.host, secret: SECRET });
    const answer = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: hook.headers, body: hook.body });
    expect(answer.status).toBe(202);
    await expect.poll(() => slow.requests.some((r) => r.method === 'GET' && /\/blobs\/sha256:/.test(r.url)), { timeout: 10_000 }).toBe(true);

    session.type('\x03');
    await session.waitFor(/stopping: waiting for 1 copy to finish; press Ctrl-C again to abandon it/);
    session.type('\x03');
    const result = await session.exited;
    expect(result.code).toBe(130);
    expect(session.output()).toMatch(/abandoning 1 copy; destination tags are left as they were/);
    expect((await fetch(`${dst.url}/v2/root-mirror/library/slow/manifests/v1`, { method: 'HEAD' })).status).toBe(404);
  });
});

describe("the README's serve example", () => {
  it('works as written: serve starts, the signed test event is answered 202, and the image arrives', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!).find((code) => code.includes('serve --port 8080'));
    expect(block).toBeDefined();
    const image = await pushRandomImage(src.url, 'library/nginx', '1.25.4-root');
    const port = await findFreePort();
    // Only the addresses change: this machine's registry for 127.0.0.1:5000 and a free port for 8080.
    const script = `${block!.replaceAll('127.0.0.1:5000', dst.host).replaceAll('8080', String(port)).replaceAll('node dist/cli.mjs', `node ${CLI}`)}\nwait\n`;
    const child = spawn('bash', ['-ec', script], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, POWERTOOLS_LOG_LEVEL: 'SILENT', ROOT_REGISTRY_HOST: src.host, DOCKER_CONFIG: emptyConfig.dir },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      await expect.poll(() => stdout, { timeout: 15_000, message: `stderr: ${stderr}` }).toMatch(/^202 \{"status":"queued"/m);
      await expect
        .poll(async () => (await fetchManifest(dst.url, 'root-mirror/library/nginx', '1.25.4-root').catch(() => ({ digest: null }))).digest, { timeout: 15_000 })
        .toBe(image.digest);
      expect(stderr).toMatch(/serving the webhook intake/);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
    }
  });
});
