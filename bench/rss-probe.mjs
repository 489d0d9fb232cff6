// Preloaded into a measured process: reports its peak resident set size when it exits.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  const fd = Number(process.env.RSS_PROBE_FD ?? '2');
  writeSync(fd, `\nRSS_PROBE_MAX_RSS_KB=${process.resourceUsage().maxRSS}\n`);
});
