// Copies a 1 GiB image with our CLI, with skopeo and with a curl GET piped into a curl PUT (the
// floor), alternating, without and with a CPU cap the size of a 1,024 MB Lambda's share; then a
// 2 GiB layer for our peak RSS.
import { execFileSync } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pushLargeRandomImage } from '../test/support/images.js';
import { startRegistry, type TestRegistry } from '../test/support/registry.js';
import { LAMBDA_1024MB_CPU, openCpuCap, type CpuCap } from './cpu-cap.js';
import { measuredRun } from './measured-run.js';
import { MiB, median } from './stats.js';

const CLI = fileURLToPath(new URL('../dist/cli.mjs', import.meta.url));
const PROBE = fileURLToPath(new URL('./rss-probe.mjs', import.meta.url));
const CURL_PIPE = fileURLToPath(new URL('./curl-pipe.sh', import.meta.url));
const SKOPEO_CACHE_DIR = '/var/lib/containers/cache';
const GiB = 1024 * MiB;

export type Tool = 'ours' | 'skopeo' | 'curl';

export interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
}

export interface ModeResult {
  /** undefined when not measured (no cap available, or no curl). */
  readonly samples: Readonly<Record<Tool, readonly Sample[]>>;
}

export interface CopyBenchResult {
  readonly runs: number;
  readonly node: string;
  readonly imageBytes: number;
  readonly uncapped: ModeResult;
  readonly capped?: ModeResult & { readonly how: string };
  readonly cappedSkipped?: string;
  readonly curlSkipped?: string;
  readonly oursPeakRssBytes: number;
  readonly bigLayerBytes: number;
  readonly bigLayerPeakRssBytes: number;
  readonly bigLayerMs: number;
}

/** Median wall seconds and CPU seconds per GiB moved. */
export function perGiB(samples: readonly Sample[], bytes: number): { wall: number; cpu: number } {
  const gib = bytes / GiB;
  return { wall: median(samples.map((s) => s.wallMs)) / 1000 / gib, cpu: median(samples.map((s) => s.cpuMs)) / 1000 / gib };
}

function has(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function copyWithOurs(node: string, src: string, dst: string, cap?: CpuCap) {
  const run = await measuredRun(node, ['--import', PROBE, CLI, 'copy', src, dst, '--json'], cap);
  const rss = /RSS_PROBE_MAX_RSS_KB=(\d+)/.exec(run.stderr)?.[1];
  if (rss === undefined) throw new Error('the RSS probe did not report');
  return { ...run, rss: Number(rss) * 1024, summary: JSON.parse(run.stdout) as { bytesCopied: number } };
}

async function copyWithSkopeo(src: string, dst: string, cap?: CpuCap) {
  // Its blob-info cache would make skopeo mount instead of copy on every run after the first.
  const files = await readdir(SKOPEO_CACHE_DIR).catch(() => [] as string[]);
  for (const file of files.filter((f) => f.startsWith('blob-info-cache-v1.'))) await rm(join(SKOPEO_CACHE_DIR, file), { force: true });
  const args = ['copy', '--insecure-policy', '--src-tls-verify=false', '--dest-tls-verify=false', '--quiet', `docker://${src}`, `docker://${dst}`];
  return measuredRun('skopeo', args, cap);
}

export async function runCopyBench(runs: number, log: (line: string) => void, node = process.execPath): Promise<CopyBenchResult> {
  const registries: TestRegistry[] = [];
  const cap = openCpuCap(LAMBDA_1024MB_CPU);
  try {
    const [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
    registries.push(source, destination);
    log(`pushing a 4 x 256 MiB image into ${source.host} ...`);
    const image = await pushLargeRandomImage(source.url, 'bench/big', 'v1', { layers: [256, 256, 256, 256].map((n) => n * MiB) });
    const src = `${source.host}/bench/big:v1`;
    const blobs = [image.configDigest, ...image.layerDigests];
    const curl = has('curl');
    const nodeVersion = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();

    const empty = (): Record<Tool, Sample[]> => ({ ours: [], skopeo: [], curl: [] });
    const uncapped = empty();
    const capped = empty();
    let oursPeakRssBytes = 0;
    const modes: [string, Record<Tool, Sample[]>, CpuCap | undefined][] = [['uncapped', uncapped, undefined]];
    if ('wrap' in cap) modes.push([`capped (${cap.how})`, capped, cap]);
    const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    for (let i = 1; i <= runs; i++) {
      for (const [mode, into, limit] of modes) {
        const tag = `${mode.split(' ')[0]}-${i}`;
        const ours = await copyWithOurs(node, src, `${destination.host}/bench/ours-${tag}:v1`, limit);
        if (ours.summary.bytesCopied !== image.totalBytes) throw new Error(`ours copied ${ours.summary.bytesCopied} bytes, expected ${image.totalBytes}`);
        into.ours.push(ours);
        oursPeakRssBytes = Math.max(oursPeakRssBytes, ours.rss);
        const skopeo = await copyWithSkopeo(src, `${destination.host}/bench/skopeo-${tag}:v1`, limit);
        into.skopeo.push(skopeo);
        let floor = '';
        if (curl) {
          const piped = await measuredRun(CURL_PIPE, [source.host, 'bench/big', destination.host, `bench/curl-${tag}`, ...blobs], limit);
          into.curl.push(piped);
          floor = `, curl pipe ${seconds(piped.wallMs)} (${seconds(piped.cpuMs)} cpu)`;
        }
        log(
          `run ${i} ${mode}: ours ${seconds(ours.wallMs)} (${seconds(ours.cpuMs)} cpu, peak RSS ${(ours.rss / MiB).toFixed(0)} MiB), ` +
            `skopeo ${seconds(skopeo.wallMs)} (${seconds(skopeo.cpuMs)} cpu)${floor}`,
        );
      }
    }

    log('pushing a single 2 GiB layer ...');
    const bigLayerBytes = 2048 * MiB;
    await pushLargeRandomImage(source.url, 'bench/huge', 'v1', { layers: [bigLayerBytes] });
    const huge = await copyWithOurs(node, `${source.host}/bench/huge:v1`, `${destination.host}/bench/huge:v1`);
    log(`2 GiB layer: ours ${seconds(huge.wallMs)} (peak RSS ${(huge.rss / MiB).toFixed(0)} MiB)`);

    return {
      runs,
      node: nodeVersion,
      imageBytes: image.totalBytes,
      uncapped: { samples: uncapped },
      ...('wrap' in cap ? { capped: { samples: capped, how: cap.how } } : { cappedSkipped: cap.unavailable }),
      ...(curl ? {} : { curlSkipped: 'curl is not installed (apt-get install -y curl)' }),
      oursPeakRssBytes,
      bigLayerBytes,
      bigLayerPeakRssBytes: huge.rss,
      bigLayerMs: huge.wallMs,
    };
  } finally {
    await Promise.all(registries.map((r) => r.stop()));
    if ('wrap' in cap) cap.close();
  }
}
