import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ECR_IAM_ACTIONS } from './iam-actions.js';

// The infrastructure grants exactly the actions derived from `new XxxCommand(` call sites.
describe('ECR_IAM_ACTIONS', () => {
  it('lists exactly the ECR commands lambda/ecr constructs', async () => {
    const dir = new URL('.', import.meta.url).pathname;
    const sources = (await readdir(dir)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    const used = new Set<string>();
    for (const file of sources) {
      const text = await readFile(join(dir, file), 'utf8');
      for (const match of text.matchAll(/new (\w+)Command\(/g)) used.add(`ecr:${match[1]}`);
    }
    expect([...used].sort()).toEqual([...ECR_IAM_ACTIONS].sort());
  });
});
