import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testTempDir } from '../test/support/temp-dir.js';
import { packageLambda } from './bundle.js';
import { crc32, zip } from './zip.js';

/** Reads entries back through the central directory, as unzip does. */
function unzip(archive: Buffer): { name: string; data: Buffer; mode: number }[] {
  const end = archive.length - 22;
  expect(archive.readUInt32LE(end)).toBe(0x06054b50);
  const count = archive.readUInt16LE(end + 10);
  let at = archive.readUInt32LE(end + 16);
  const entries = [];
  for (let i = 0; i < count; i++) {
    expect(archive.readUInt32LE(at)).toBe(0x02014b50);
    const size = archive.readUInt32LE(at + 20);
    const nameLength = archive.readUInt16LE(at + 28);
    const mode = archive.readUInt32LE(at + 38) >>> 16;
    const local = archive.readUInt32LE(at + 42);
    const name = archive.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const start = local + 30 + archive.readUInt16LE(local + 26) + archive.readUInt16LE(local + 28);
    const data = archive.subarray(start, start + size);
    expect(crc32(data)).toBe(archive.readUInt32LE(at + 16));
    entries.push({ name, data, mode });
    at += 46 + nameLength;
  }
  return entries;
}

function bundleDir(code: string): string {
  const dir = testTempDir('infra-zip-');
  writeFileSync(join(dir, 'index.mjs'), code);
  return dir;
}

describe('lambda zip', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });

  it('stores each file readable back, byte for byte, as a 0644 regular file', () => {
    const code = Buffer.from('export const handler = async () => 1;\n'.repeat(1000));
    expect(unzip(zip([{ name: 'index.mjs', data: code }]))).toEqual([{ name: 'index.mjs', data: code, mode: 0o100644 }]);
  });

  it('is byte-identical for identical content, whenever and wherever it is built', () => {
    const a = packageLambda(join(bundleDir('same'), 'index.mjs'), join(bundleDir('x'), 'a.zip'));
    const b = packageLambda(join(bundleDir('same'), 'index.mjs'), join(bundleDir('y'), 'b.zip'));
    expect(readFileSync(a.zipPath)).toEqual(readFileSync(b.zipPath));
    expect(a.sha256Base64).toBe(b.sha256Base64);
  });

  it('changes its hashes when the code changes; they are the zip file\'s SHA-256 as Lambda reports it', () => {
    const dir = bundleDir('one');
    const one = packageLambda(join(dir, 'index.mjs'), join(dir, 'one.zip'));
    writeFileSync(join(dir, 'index.mjs'), 'two');
    const two = packageLambda(join(dir, 'index.mjs'), join(dir, 'two.zip'));
    expect(two.sha256Hex).not.toBe(one.sha256Hex);
    const digest = createHash('sha256').update(readFileSync(two.zipPath)).digest();
    expect(two.sha256Hex).toBe(digest.toString('hex'));
    expect(two.sha256Base64).toBe(digest.toString('base64'));
  });

  it('names the missing build step when there is no bundle', () => {
    const dir = bundleDir('');
    expect(() => packageLambda(join(dir, 'missing.mjs'), join(dir, 'x.zip'))).toThrow(/scripts\/build\.ts/);
  });
});
