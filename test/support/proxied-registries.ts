import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { startRegistry, type TestRegistry } from './registry.js';

/** A source and a destination registry, each behind its own fault proxy. */
export interface ProxiedRegistries {
  readonly src: TestRegistry;
  readonly dst: TestRegistry;
  readonly srcProxy: FaultProxy;
  readonly dstProxy: FaultProxy;
}

/**
 * Starts the pair for the calling test file, clears both proxies' rules before each test and
 * stops everything after the file. The fields are set once the file's first hook has run.
 */
export function proxiedRegistries(): ProxiedRegistries {
  const pair = {} as { -readonly [K in keyof ProxiedRegistries]: ProxiedRegistries[K] };
  beforeAll(async () => {
    [pair.src, pair.dst] = await Promise.all([startRegistry(), startRegistry()]);
    [pair.srcProxy, pair.dstProxy] = await Promise.all([startFaultProxy(pair.src.url), startFaultProxy(pair.dst.url)]);
  });
  afterAll(async () => {
    await Promise.all([pair.srcProxy?.stop(), pair.dstProxy?.stop(), pair.src?.stop(), pair.dst?.stop()]);
  });
  beforeEach(() => {
    pair.srcProxy.rules = [];
    pair.dstProxy.rules = [];
  });
  return pair;
}

/** A source registry behind a fault proxy, and a destination reached directly. */
export interface ProxiedSource {
  readonly src: TestRegistry;
  readonly dst: TestRegistry;
  readonly proxy: FaultProxy;
}

/** As proxiedRegistries, with only the source proxied; its rules and recorded requests are cleared before each test. */
export function proxiedSource(): ProxiedSource {
  const pair = {} as { -readonly [K in keyof ProxiedSource]: ProxiedSource[K] };
  beforeAll(async () => {
    [pair.src, pair.dst] = await Promise.all([startRegistry(), startRegistry()]);
    pair.proxy = await startFaultProxy(pair.src.url);
  });
  afterAll(async () => {
    await Promise.all([pair.proxy?.stop(), pair.src?.stop(), pair.dst?.stop()]);
  });
  beforeEach(() => {
    pair.proxy.rules = [];
    pair.proxy.requests.length = 0;
  });
  return pair;
}
