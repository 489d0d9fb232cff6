// A reconcile of 50 repositories x 100 tags, all in sync, through the built CLI's `sync` on
// loopback: a source and a destination registry, each behind a counting pipe, so requests per
// tag on each side and blob requests (which must be none) are counted. No auth on either: the
// test registry checks a bcrypt hash per request, which measures its CPU rather than ours (the
// reconcile sends the same requests with a key; Basic adds a header, Bearer a token per repository).
import pLimit from 'p-limit';
import { fileURLToPath } from 'node:url';
import { startCountingPipe, type CountingPipe } from './counting-pipe.js';
import { pushBlob, pushManifest, pushRandomImage } from '../test/support/images.js';
import { startRegistry, type TestRegistry } from '../test/support/registry.js';
import { runProcess } from './run-process.js';

const CLI = fileURLToPath(new URL('../dist/cli.mjs', import.meta.url));

export interface ReconcileBenchResult {
  readonly repositories: number;
  readonly tags: number;
  readonly wallMs: number;
  readonly checked: number;
  readonly inSync: number;
  readonly queued: number;
  readonly sourceRequests: number;
  readonly destinationRequests: number;
  readonly blobRequests: number;
}

/** Pushes `tags` distinct manifests over one image's blobs into a repository of both registries. */
async function seedRepository(source: TestRegistry, destination: TestRegistry, repo: string, tags: number, limit: ReturnType<typeof pLimit>) {
  const image = await pushRandomImage(source.url, repo, 'base', { layers: [256] });
  const mirrored = `mirror/${repo}`;
  for (const bytes of image.blobs.values()) await pushBlob(destination.url, mirrored, bytes);
  const manifest = JSON.parse(Buffer.from(image.manifestBytes).toString('utf8')) as Record<string, unknown>;
  await Promise.all(
    Array.from({ length: tags }, (_, i) =>
      limit(async () => {
        const tag = `1.${i}`;
        const bytes = Buffer.from(JSON.stringify({ ...manifest, annotations: { 'org.example.tag': tag } }));
        await pushManifest(source.url, repo, tag, bytes, image.mediaType);
        await pushManifest(destination.url, mirrored, tag, bytes, image.mediaType);
      }),
    ),
  );
}

export async function runReconcileBench(repositories: number, tagsEach: number, log: (line: string) => void): Promise<ReconcileBenchResult> {
  const registries: TestRegistry[] = [];
  const proxies: CountingPipe[] = [];
  try {
    const [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
    registries.push(source, destination);
    log(`pushing ${repositories} repositories x ${tagsEach} tags into both registries ...`);
    const limit = pLimit(16);
    for (let r = 0; r < repositories; r++) await seedRepository(source, destination, `bench/repo-${r}`, tagsEach, limit);
    // The seeding's own `base` tag is not part of the scope.
    const port = (registry: TestRegistry) => Number(new URL(registry.url).port);
    const [srcProxy, dstProxy] = await Promise.all([startCountingPipe('127.0.0.1', port(source)), startCountingPipe('127.0.0.1', port(destination))]);
    proxies.push(srcProxy, dstProxy);

    log('sync: reconciling everything (all in sync) ...');
    const run = await runProcess(process.execPath, [CLI, 'sync', '--json', 'bench/*:1.*'], {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ROOT_REGISTRY_HOST: srcProxy.host,
      DST_REGISTRY: dstProxy.host,
      DST_REPO: 'mirror',
      ALLOWED_REPOS: 'bench/*',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_REGION: 'eu-west-1',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    const summary = JSON.parse(run.stdout) as { checked: number; inSync: number; queued: number; ok: boolean };
    if (!summary.ok) throw new Error(`the reconcile reported problems: ${run.stdout.slice(0, 2000)}`);
    const blobRequests = [...srcProxy.requests, ...dstProxy.requests].filter((r) => r.includes('/blobs/')).length;
    return {
      repositories,
      tags: repositories * tagsEach,
      wallMs: run.wallMs,
      checked: summary.checked,
      inSync: summary.inSync,
      queued: summary.queued,
      sourceRequests: srcProxy.requests.length,
      destinationRequests: dstProxy.requests.length,
      blobRequests,
    };
  } finally {
    await Promise.all(proxies.map((p) => p.stop()));
    await Promise.all(registries.map((r) => r.stop()));
  }
}
