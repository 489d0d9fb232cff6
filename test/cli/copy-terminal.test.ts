// `copy` as a person at a terminal sees it (a pseudo-terminal through script(1)): live
// progress through a slow link, and Ctrl-C ending the uploads and leaving the tag alone.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { pushLargeRandomImage } from '../support/images.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { runCli, startOnTerminal } from './run-cli.js';

const MiB = 1024 * 1024;
const ESC = String.fromCharCode(0x1b);
let src: TestRegistry;
let dst: TestRegistry;
let slow: FaultProxy;
let dstProxy: FaultProxy;
let layers: string[];

beforeAll(async () => {
  [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
  ({ layerDigests: layers } = await pushLargeRandomImage(src.url, 'app/big', 'v1', { layers: [6 * MiB, 3 * MiB] }));
  [slow, dstProxy] = await Promise.all([startFaultProxy(src.url), startFaultProxy(dst.url)]);
});
afterAll(async () => {
  await Promise.all([slow?.stop(), dstProxy?.stop(), src?.stop(), dst?.stop()]);
});

/** Upload sessions the destination registry still holds open for a repository (an ended one leaves an empty `hashstates`). */
async function openUploads(repository: string): Promise<string[]> {
  const dir = join(dst.storageDir, 'docker/registry/v2/repositories', repository, '_uploads');
  const ids = await readdir(dir).catch(() => []);
  const live = await Promise.all(ids.map(async (id) => ((await readdir(join(dir, id))).includes('startedat') ? id : undefined)));
  return live.filter((id): id is string => id !== undefined);
}

const BLOB_LINE = /[0-9a-f]{12} {2}[\d.]+ (?:B|KiB|MiB) \/ [\d.]+ MiB {2}\d+% {2}[\d.]+ (?:B|KiB|MiB)\/s/;
const OVERALL_LINE = /overall: \d\/3 blobs, [\d.]+ (?:B|KiB|MiB) \/ 9\.0 MiB \d+%, [\d.]+ (?:B|KiB|MiB)\/s/;

describe('copy on a terminal', () => {
  it('shows each running blob (bytes, percentage, rate) and an overall line, refreshed more than twice a second', async () => {
    slow.rules = [{ method: 'GET', path: /\/blobs\/sha256:/, bytesPerSecond: 3 * MiB }];
    const session = startOnTerminal(['copy', `${slow.host}/app/big:v1`, `${dst.host}/app/big:v1`]);
    const result = await session.exited;
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(BLOB_LINE);
    expect(result.stdout).toMatch(OVERALL_LINE);
    expect(result.stdout).toMatch(/overall: 3\/3 blobs|app\/big:v1@sha256:[0-9a-f]{64}: 3 blobs copied/);
    // Every redraw prints an overall line: while blobs flow, one arrives at least every 500 ms.
    const frames = session.chunks.filter((c) => c.text.includes('overall:')).map((c) => c.at);
    const copying = frames.at(-1)! - frames[0]!;
    expect(copying).toBeGreaterThan(1_500);
    expect(frames.length).toBeGreaterThanOrEqual(Math.floor((copying / 1000) * 2));
    const gaps = frames.slice(1).map((at, i) => at - frames[i]!);
    expect(Math.max(...gaps)).toBeLessThan(1_000); // 250 ms apart, with room for a busy machine
  });

  it('shows no progress with --json, and none when stderr is not a terminal', async () => {
    slow.rules = [];
    const json = startOnTerminal(['copy', `${slow.host}/app/big:v1`, `${dst.host}/app/big:json`, '--json']);
    const result = await json.exited;
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/overall:|resolved/);
    expect(result.stdout).not.toContain(ESC);
    expect(JSON.parse(result.stdout.trim())).toMatchObject({ blobsSkipped: 3 });

    const piped = await runCli(['copy', `${slow.host}/app/big:v1`, `${dst.host}/app/big:piped`]);
    expect(piped.code).toBe(0);
    expect(piped.stderr).toBe('');
  });

  it('Ctrl-C prints one line, ends the open upload sessions and leaves the destination tag unchanged', async () => {
    // One layer trickles in; the other's source has not answered yet, so its upload session is open and empty.
    slow.rules = [
      { method: 'GET', path: new RegExp(`/blobs/${layers[0]}`), bytesPerSecond: 256 * 1024 },
      { method: 'GET', path: new RegExp(`/blobs/${layers[1]}`), delayMs: 60_000 },
    ];
    dstProxy.requests.length = 0;
    const session = startOnTerminal(['copy', `${slow.host}/app/big:v1`, `${dstProxy.host}/app/stopped:v1`]);
    await session.waitFor(/\[1\/3\] copied/); // the small config blob is in
    await session.waitFor(/overall: 1\/3 blobs, [\d.]+ (?:KiB|MiB) \/ 9\.0 MiB [1-9]/);
    expect((await openUploads('app/stopped')).length).toBe(2);
    session.type('\x03');
    const result = await session.exited;

    expect(result.code).toBe(130);
    // What stays on the screen: the echoed ^C and the redraw's cursor moves removed.
    const screen = result.stdout.replace(new RegExp(`${ESC}\\[[0-9;]*[A-Za-z]`, 'g'), '').replaceAll('^C', '');
    const lines = screen.split(/\r?\n/).filter((line) => /interrupted|error/i.test(line));
    expect(lines).toEqual([expect.stringMatching(/^interrupted: .*app\/stopped:v1 still points where it did/)]);

    // Every session the copy opened and did not complete was ended with a DELETE.
    const uuid = (url: string) => /\/blobs\/uploads\/([0-9a-f-]{36})/.exec(url)?.[1];
    const sent = (method: string) => new Set(dstProxy.requests.filter((r) => r.method === method).map((r) => uuid(r.url)).filter(Boolean));
    const unfinished = [...new Set([...sent('PATCH'), ...sent('DELETE')])].filter((id) => !sent('PUT').has(id));
    expect(unfinished.length).toBe(2);
    expect([...sent('DELETE')].sort()).toEqual(unfinished.sort());
    // The empty one is gone. Distribution 2.8 refuses to end a session cut off in mid-body
    // (its upload state no longer matches): that one waits for the registry's upload purge.
    const left = await openUploads("app/stopped");
    expect(left.length).toBeLessThanOrEqual(1);
    for (const id of left) expect(sent('PATCH').has(id)).toBe(true);
    const tag = await fetch(`${dst.url}/v2/app/stopped/manifests/v1`, { method: 'HEAD' });
    expect(tag.status).toBe(404);
  });
});
