// The import graph of the shipped code (lambda/, infra/, scripts/) has no cycle, type-only
// imports included: a cycle means two modules that cannot be understood, or moved, apart.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SOURCE_DIRS = ['lambda', 'infra', 'scripts'];
/** `from './x.js'`, `import './x.js'`, `import('./x.js')`, `export … from './x.js'`. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

function sourceFiles(): string[] {
  return SOURCE_DIRS.flatMap((dir) =>
    readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('.d.ts'))
      .map((file) => join(dir, file)),
  );
}

/** Each file's project-relative imports, `.js` specifiers mapped to their `.ts` source. */
function importGraph(files: readonly string[], read: (file: string) => string): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = new Set<string>();
    for (const match of read(file).matchAll(SPECIFIER)) {
      const target = normalize(join(dirname(file), match[1]!)).replace(/\.js$/, '.ts');
      if (known.has(target)) targets.add(target);
    }
    graph.set(file, [...targets].sort());
  }
  return graph;
}

/** Every cycle's members (strongly connected components of more than one file, or a self-import). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  // Tarjan's algorithm.
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

describe('the import graph', () => {
  it('finds a cycle when there is one (the check itself works)', () => {
    const files: Record<string, string> = {
      'infra/function.ts': "import type { Variables } from './variables.js';",
      'infra/variables.ts': "import { MAX_CONCURRENCY } from './function.js';",
      'infra/limits.ts': '',
      'lambda/a.ts': "export { b } from './b.js';",
      'lambda/b.ts': "const c = await import('../infra/limits.js');",
    };
    const graph = importGraph(Object.keys(files), (file) => files[file]!);
    expect(graph.get('lambda/b.ts')).toEqual(['infra/limits.ts']);
    expect(cycles(graph)).toEqual([['infra/function.ts', 'infra/variables.ts']]);
  });

  it('of lambda/, infra/ and scripts/ has no cycle', () => {
    const files = sourceFiles();
    expect(files.length).toBeGreaterThan(50);
    const graph = importGraph(files, (file) => readFileSync(join(ROOT, file), 'utf8'));
    expect(cycles(graph).map((cycle) => cycle.map((file) => relative('.', file)))).toEqual([]);
  });
});
