// Warm intake latency (verify, parse, enqueue to a loopback SQS stand-in), bundle size, cold import time.
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startSqsStandIn } from '../test/aws/sqs-standin.js';
import { SECRET, signedRequest } from '../test/intake/signed-request.js';
import { runProcess } from './run-process.js';
import { median, percentile } from './stats.js';

const BUNDLE = fileURLToPath(new URL('../dist/lambda/index.mjs', import.meta.url));

export interface IntakeBenchResult {
  readonly requests: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly bundleBytes: number;
  readonly coldImportMs: number;
}

async function warmLatencies(requests: number): Promise<number[]> {
  const sqs = await startSqsStandIn();
  // The real SDK, pointed at the stand-in the same way the tests do it.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_ENDPOINT_URL_SQS: sqs.url,
    AWS_ACCESS_KEY_ID: 'AKIDSTANDIN',
    AWS_SECRET_ACCESS_KEY: 'stand-in-secret',
    AWS_REGION: 'eu-west-1',
  });
  try {
    const queueUrl = sqs.createQueue('root-ecr-mirror.fifo', { fifo: true });
    const { createApp } = await import('../lambda/app.js');
    const app = createApp({ WEBHOOK_SECRET: SECRET, QUEUE_URL: queueUrl, DST_REPO: 'root-mirror' });
    const events = Array.from({ length: requests + 50 }, (_, i) => signedRequest({ id: `msg_bench_${i}` }));
    // Logs are still formatted, as in Lambda, but not printed over the report.
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (() => true) as typeof process.stdout.write;
    const latencies: number[] = [];
    try {
      for (const [i, event] of events.entries()) {
        const started = performance.now();
        const result = await app.intake(event);
        const elapsed = performance.now() - started;
        if (result.statusCode !== 202) throw new Error(`request ${i} answered ${result.statusCode}: ${result.body}`);
        if (i >= 50) latencies.push(elapsed);
      }
    } finally {
      process.stdout.write = write;
    }
    if (sqs.messages(queueUrl).length !== events.length) throw new Error('not every request was enqueued');
    return latencies;
  } finally {
    await sqs.close();
  }
}

async function coldImportMs(runs: number): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(BUNDLE)}); process.stdout.write(String(performance.now() - t));`;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const run = await runProcess(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
      PATH: process.env.PATH,
      AWS_REGION: 'us-east-1',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    times.push(Number(run.stdout));
  }
  return median(times);
}

export async function runIntakeBench(requests: number): Promise<IntakeBenchResult> {
  const latencies = await warmLatencies(requests);
  return {
    requests,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    bundleBytes: (await stat(BUNDLE)).size,
    coldImportMs: await coldImportMs(7),
  };
}
