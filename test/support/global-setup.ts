// Runs once before the test files: fail early, and say what to install, when a binary the tests start is missing.
import { execFileSync } from 'node:child_process';

const REQUIRED: ReadonlyArray<{ binary: string; install: string }> = [
  { binary: 'docker-registry', install: 'apt-get install -y docker-registry' },
  { binary: 'openssl', install: 'apt-get install -y openssl' },
  { binary: 'script', install: 'apt-get install -y bsdutils' },
];

export default function setup(): void {
  const missing = REQUIRED.filter(({ binary }) => !onPath(binary));
  if (missing.length > 0) {
    const lines = missing.map(({ binary, install }) => `  ${binary}: ${install}`).join('\n');
    throw new Error(`The integration tests start real programs that are not installed:\n${lines}\n(as root, after apt-get update)`);
  }
}

function onPath(binary: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
