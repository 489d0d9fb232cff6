// Captures what the function prints (Powertools logs and EMF metrics go straight to
// process.stdout / process.stderr), so tests can assert on it and test output stays readable.
// A failed test gets its captured output printed after all.
import { afterEach, beforeEach, onTestFailed, vi, type MockInstance } from 'vitest';

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly [key: string]: unknown;
}

/** One EMF document: the metrics are top-level keys, described under `_aws`. */
export interface EmfDocument {
  readonly _aws: {
    readonly CloudWatchMetrics: ReadonlyArray<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }>;
  };
  readonly [key: string]: unknown;
}

export interface CapturedOutput {
  lines(): string[];
  /** Structured log lines (Powertools Logger). */
  logs(): LogLine[];
  logsAt(level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR'): LogLine[];
  /** EMF metric documents (Powertools Metrics). */
  emf(): EmfDocument[];
  clear(): void;
}

type Write = typeof process.stdout.write;

export function captureOutput(): CapturedOutput {
  let lines: string[] = [];
  const spies: Array<MockInstance<Write>> = [];

  beforeEach(() => {
    lines = [];
    for (const stream of [process.stdout, process.stderr]) {
      const fake = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
        const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        lines.push(...text.split('\n').filter((line) => line.trim() !== ''));
        const callback = rest.find((arg): arg is () => void => typeof arg === 'function');
        callback?.();
        return true;
      };
      spies.push(vi.spyOn(stream, 'write').mockImplementation(fake as Write));
    }
    onTestFailed(() => {
      process.stderr.write(`--- output captured during the failed test ---\n${lines.join('\n')}\n`);
    });
  });
  afterEach(() => {
    for (const spy of spies.splice(0)) spy.mockRestore();
  });

  const json = (): Array<Record<string, unknown>> =>
    lines.flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        const value: unknown = JSON.parse(line);
        return typeof value === 'object' && value !== null ? [value as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });
  const logs = (): LogLine[] => json().filter((o): o is LogLine => typeof o.level === 'string' && typeof o.message === 'string');

  return {
    lines: () => [...lines],
    logs,
    logsAt: (level) => logs().filter((line) => line.level === level),
    emf: () => json().filter((o): o is EmfDocument => typeof o._aws === 'object' && o._aws !== null),
    clear: () => {
      lines = [];
    },
  };
}

/** Every value recorded for a metric across the EMF documents (a document may hold an array). */
export function metricValues(documents: readonly EmfDocument[], name: string, dimensions: Record<string, string> = {}): number[] {
  return documents
    .filter((doc) => name in doc && Object.entries(dimensions).every(([key, value]) => doc[key] === value))
    .flatMap((doc) => {
      const value = doc[name];
      return Array.isArray(value) ? (value as number[]) : [value as number];
    });
}
