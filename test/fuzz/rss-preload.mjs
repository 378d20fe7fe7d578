// Loaded into kaic child processes by the fuzz test (NODE_OPTIONS=--import): reports the peak
// resident memory on exit, so the test can hold every hostile input to its memory bound.
import { writeSync } from 'node:fs';
process.on('exit', () => {
  writeSync(2, `\nkaic-test-maxrss ${Math.round(process.resourceUsage().maxRSS / 1024)}\n`);
});
