// `npm run bench`: measured side by side in one run; prints the figures the README and closing notes quote.
import { runCopyBench } from './copy-bench.js';
import { MiB } from './stats.js';

const runs = Number(process.env.BENCH_RUNS ?? '3');
const log = (line: string) => console.error(`[bench] ${line}`);

const copy = await runCopyBench(runs, log);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`;

console.log('\n== copy: 1 GiB image (4 x 256 MiB layers), loopback registry to registry');
console.log(`runs each:            ${copy.runs}`);
console.log(`ours   median wall:   ${seconds(copy.oursMedianMs)}  (${copy.oursMs.map(seconds).join(', ')})`);
console.log(`skopeo median wall:   ${seconds(copy.skopeoMedianMs)}  (${copy.skopeoMs.map(seconds).join(', ')})`);
console.log(`ratio ours/skopeo:    ${copy.ratio.toFixed(2)}  (target <= 1.00)`);
console.log(`ours peak RSS:        ${mib(copy.oursPeakRssBytes)}  (target <= 128 MiB)`);
console.log(`2 GiB layer: ours     ${seconds(copy.bigLayerMs)}, peak RSS ${mib(copy.bigLayerPeakRssBytes)}  (target <= 128 MiB)`);
