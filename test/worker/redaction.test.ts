// A registry that echoes the request it was sent, Authorization header included: the
// credentials must not reach the DLQ's failure_reason, the logs or anything else printed.
import { describe, expect, it } from 'vitest';
import type { FaultProxy, ProxiedRequest } from '../support/fault-proxy.js';
import { ECR_AUTH, ROOT_AUTH, createWorker, enqueue, jobFor, pushSource, seedBase, useWorld, type World } from './fixtures.js';

const world = useWorld();
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** A 400 whose message repeats the request's headers, as some registries' error pages do. */
const echo = (request: ProxiedRequest) =>
  JSON.stringify({ errors: [{ code: 'DENIED', message: `you sent Authorization: ${String(request.headers.authorization)}; user ${ROOT_AUTH.username}` }] });

describe('secrets echoed by a registry', () => {
  it.each([
    ['the source echoes the Root key', (w: World) => w.srcProxy, /\/manifests\//, ROOT_AUTH],
    ['ECR echoes its password', (w: World) => w.dstProxy, /\/manifests\/v1$/, ECR_AUTH],
  ] as const)('%s: redacted from the DLQ reason and every line printed', async (_, proxyOf, path, auth) => {
    seedBase(world);
    await pushSource(world, 'echo/app', 'v1');
    const proxy: FaultProxy = proxyOf(world);
    proxy.rules = [{ method: auth === ROOT_AUTH ? 'GET' : 'PUT', path, status: 400, body: echo }];
    await enqueue(world, jobFor(world, 'echo/app', 'v1'));

    await world.sqs.deliver(createWorker(world));

    const [dead] = world.sqs.deadLettered();
    const reason = dead?.messageAttributes?.failure_reason?.StringValue ?? '';
    expect(reason).toMatch(/you sent Authorization: Basic \[REDACTED\]/);
    const printed = [reason, ...world.output.lines()].join('\n');
    expect(printed).toContain('[REDACTED]');
    for (const secret of [auth.password, b64(`${auth.username}:${auth.password}`)]) expect(printed).not.toContain(secret);
    expect(proxy.requests.some((r) => r.headers.authorization === `Basic ${b64(`${auth.username}:${auth.password}`)}`)).toBe(true);
  });
});
