// `npm run bench`: measured side by side in one run; prints the figures the README and closing notes quote.
// BENCH_RUNS (default 3) sets the copy runs per tool; BENCH_ONLY=intake, copy or reconcile runs one part;
// BENCH_NODE names the node binary our CLI copies with (default the one running the bench).
import { execFileSync } from 'node:child_process';
import { type CopyBenchResult, perGiB, runCopyBench } from './copy-bench.js';
import { runIntakeBench } from './intake-bench.js';
import { runReconcileBench } from './reconcile-bench.js';
import { MiB } from './stats.js';

const runs = Number(process.env.BENCH_RUNS ?? '3');
const only = process.env.BENCH_ONLY;
const log = (line: string) => console.error(`[bench] ${line}`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`;

if (only === undefined || only === 'intake') {
  log('intake: 1,000 signed webhooks into a warm intake enqueuing to a loopback SQS stand-in ...');
  const intake = await runIntakeBench(1000);
  console.log('\n== intake (warm, in process, verify + parse + enqueue)');
  console.log(`requests:             ${intake.requests}`);
  console.log(`latency p50:          ${intake.p50Ms.toFixed(2)} ms`);
  console.log(`latency p99:          ${intake.p99Ms.toFixed(2)} ms  (target <= 20 ms)`);
  console.log(`dist/lambda/index.mjs ${(intake.bundleBytes / 1e6).toFixed(2)} MB  (target <= 1.5 MB)`);
  console.log(`cold import (median): ${intake.coldImportMs.toFixed(0)} ms  (target <= 300 ms)`);
}

if (only === undefined || only === 'copy') {
  try {
    execFileSync('sh', ['-c', 'command -v skopeo'], { stdio: 'ignore' });
  } catch {
    console.error('[bench] the copy benchmark compares with skopeo, which is not installed: apt-get install -y skopeo');
    process.exit(1);
  }
  const copy = await runCopyBench(runs, log, process.env.BENCH_NODE || process.execPath);
  console.log(`\n== copy: 1 GiB image (4 x 256 MiB layers), loopback registry to registry, ours on Node.js ${copy.node}`);
  console.log(`runs each:            ${copy.runs} (medians; the registries run outside any cap)`);
  const table = (title: string, samples: CopyBenchResult['uncapped']['samples']) => {
    console.log(`-- ${title}`);
    console.log('                      wall s/GiB   cpu-s/GiB');
    for (const tool of ['ours', 'skopeo', 'curl'] as const) {
      if (samples[tool].length === 0) continue;
      const { wall, cpu } = perGiB(samples[tool], copy.imageBytes);
      const label = tool === 'curl' ? 'curl pipe (floor)' : tool;
      console.log(`${label.padEnd(22)}${wall.toFixed(2).padStart(10)}   ${cpu.toFixed(2).padStart(9)}`);
    }
    const ours = perGiB(samples.ours, copy.imageBytes);
    const skopeo = perGiB(samples.skopeo, copy.imageBytes);
    console.log(`ratio ours/skopeo:    wall ${(ours.wall / skopeo.wall).toFixed(2)} (target <= 0.80), cpu ${(ours.cpu / skopeo.cpu).toFixed(2)}`);
    console.log(`ours cpu-s per GiB:   ${ours.cpu.toFixed(2)} (target <= 1.8)`);
  };
  table('uncapped', copy.uncapped.samples);
  if (copy.capped) table(`capped at a 1,024 MB Lambda's 0.58 CPU: ${copy.capped.how}`, copy.capped.samples);
  else console.log(`-- capped: skipped, ${copy.cappedSkipped}`);
  if (copy.curlSkipped) console.log(`curl pipe floor skipped: ${copy.curlSkipped}`);
  console.log(`ours peak RSS:        ${mib(copy.oursPeakRssBytes)}  (target <= 128 MiB)`);
  console.log(`2 GiB layer: ours     ${seconds(copy.bigLayerMs)}, peak RSS ${mib(copy.bigLayerPeakRssBytes)}  (target <= 128 MiB)`);
}

if (only === undefined || only === 'reconcile') {
  const r = await runReconcileBench(50, 100, log);
  const perTag = (n: number) => (n / r.tags).toFixed(3);
  console.log('\n== reconcile: 50 repositories x 100 tags, all in sync (sync --json, loopback registry to registry)');
  console.log(`wall time:            ${seconds(r.wallMs)}  (target <= 15 s; process start included)`);
  console.log(`tags checked:         ${r.checked}, in sync ${r.inSync}, queued ${r.queued}`);
  console.log(`source requests/tag:  ${perTag(r.sourceRequests)}  (${r.sourceRequests} requests; target <= 2)`);
  console.log(`dest requests/tag:    ${perTag(r.destinationRequests)}  (${r.destinationRequests} requests, registry protocol; ECR's ListImages needs 1 call per 1000 tags)`);
  console.log(`blob requests:        ${r.blobRequests}  (must be 0)`);
}
