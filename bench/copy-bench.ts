// Copies a 1 GiB image with our CLI and with skopeo, alternating, then a 2 GiB layer for our peak RSS.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pushLargeRandomImage } from '../test/support/images.js';
import { startRegistry, type TestRegistry } from '../test/support/registry.js';
import { runProcess } from './run-process.js';
import { MiB, median } from './stats.js';

const CLI = fileURLToPath(new URL('../dist/cli.mjs', import.meta.url));
const PROBE = fileURLToPath(new URL('./rss-probe.mjs', import.meta.url));
const SKOPEO_CACHE_DIR = '/var/lib/containers/cache';

export interface CopyBenchResult {
  readonly runs: number;
  readonly imageBytes: number;
  readonly oursMs: readonly number[];
  readonly skopeoMs: readonly number[];
  readonly oursMedianMs: number;
  readonly skopeoMedianMs: number;
  readonly ratio: number;
  readonly oursPeakRssBytes: number;
  readonly bigLayerBytes: number;
  readonly bigLayerPeakRssBytes: number;
  readonly bigLayerMs: number;
}

async function copyWithOurs(src: string, dst: string) {
  const run = await runProcess(process.execPath, ['--import', PROBE, CLI, 'copy', src, dst, '--json']);
  if (run.maxRssBytes === undefined) throw new Error('the RSS probe did not report');
  return { wallMs: run.wallMs, rss: run.maxRssBytes, summary: JSON.parse(run.stdout) as { bytesCopied: number } };
}

async function copyWithSkopeo(src: string, dst: string) {
  // Its blob-info cache would make skopeo mount instead of copy on every run after the first.
  const files = await readdir(SKOPEO_CACHE_DIR).catch(() => [] as string[]);
  for (const file of files.filter((f) => f.startsWith('blob-info-cache-v1.'))) await rm(join(SKOPEO_CACHE_DIR, file), { force: true });
  const run = await runProcess('skopeo', [
    'copy',
    '--insecure-policy',
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    '--quiet',
    `docker://${src}`,
    `docker://${dst}`,
  ]);
  return run.wallMs;
}

export async function runCopyBench(runs: number, log: (line: string) => void): Promise<CopyBenchResult> {
  const registries: TestRegistry[] = [];
  try {
    const [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
    registries.push(source, destination);
    log(`pushing a 4 x 256 MiB image into ${source.host} ...`);
    const image = await pushLargeRandomImage(source.url, 'bench/big', 'v1', { layers: [256, 256, 256, 256].map((n) => n * MiB) });
    const src = `${source.host}/bench/big:v1`;

    const oursMs: number[] = [];
    const skopeoMs: number[] = [];
    let oursPeakRssBytes = 0;
    for (let i = 1; i <= runs; i++) {
      const ours = await copyWithOurs(src, `${destination.host}/bench/ours-${i}:v1`);
      if (ours.summary.bytesCopied !== image.totalBytes) throw new Error(`ours copied ${ours.summary.bytesCopied} bytes, expected ${image.totalBytes}`);
      oursMs.push(ours.wallMs);
      oursPeakRssBytes = Math.max(oursPeakRssBytes, ours.rss);
      log(`run ${i}: ours ${(ours.wallMs / 1000).toFixed(2)} s (peak RSS ${(ours.rss / MiB).toFixed(0)} MiB)`);
      const skopeo = await copyWithSkopeo(src, `${destination.host}/bench/skopeo-${i}:v1`);
      skopeoMs.push(skopeo);
      log(`run ${i}: skopeo ${(skopeo / 1000).toFixed(2)} s`);
    }

    log('pushing a single 2 GiB layer ...');
    const bigLayerBytes = 2048 * MiB;
    await pushLargeRandomImage(source.url, 'bench/huge', 'v1', { layers: [bigLayerBytes] });
    const huge = await copyWithOurs(`${source.host}/bench/huge:v1`, `${destination.host}/bench/huge:v1`);
    log(`2 GiB layer: ours ${(huge.wallMs / 1000).toFixed(2)} s (peak RSS ${(huge.rss / MiB).toFixed(0)} MiB)`);

    const oursMedianMs = median(oursMs);
    const skopeoMedianMs = median(skopeoMs);
    return {
      runs,
      imageBytes: image.totalBytes,
      oursMs,
      skopeoMs,
      oursMedianMs,
      skopeoMedianMs,
      ratio: oursMedianMs / skopeoMedianMs,
      oursPeakRssBytes,
      bigLayerBytes,
      bigLayerPeakRssBytes: huge.rss,
      bigLayerMs: huge.wallMs,
    };
  } finally {
    await Promise.all(registries.map((r) => r.stop()));
  }
}
