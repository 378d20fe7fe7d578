/**
 * `node --import tsx bench/startup.ts`: wall time of `kaic --help` and `kaic --version` (the built
 * CLI, median of 15 after one warm-up). Goal (issue 13): under 150 ms each.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = resolve(import.meta.dirname, '..');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export function startupMs(args: string[], runs = 15): number {
  spawnSync(process.execPath, [join(root, 'bin', 'kaic.js'), ...args]);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, [join(root, 'bin', 'kaic.js'), ...args]);
    times.push(performance.now() - t);
    if (r.status !== 0) throw new Error(`kaic ${args.join(' ')} exited ${r.status}`);
  }
  return median(times);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const args of [['--help'], ['--version'], ['validate', '--help']]) console.log(`kaic ${args.join(' ')}: ${startupMs(args).toFixed(0)} ms (median of 15; goal < 150 ms)`);
}
