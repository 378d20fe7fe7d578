/**
 * `npm run bench`: timing and memory targets live here, not in tests.
 *  - validate: the whole corpus offline in one process, after start-up (goal < 300 ms)
 *  - cli start-up: `kaic --version` wall time (median of 7)
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { validatePaths } from '../src/submission/validate.js';

const root = resolve(import.meta.dirname, '..');
const corpus = process.env.KAIC_CORPUS ?? resolve(root, '..', 'shared', 'corpus');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: [string, string, string][] = [];

// Warm-up run (module loading, JIT), then measured runs.
const opts = { checklist: join(corpus, 'checklists'), offline: true };
await validatePaths([join(corpus, 'submissions')], opts);
const times: number[] = [];
let files = 0;
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  files = (await validatePaths([join(corpus, 'submissions')], opts)).length;
  times.push(performance.now() - t);
}
rows.push([`validate corpus offline (${files} files, median of 5)`, `${median(times).toFixed(1)} ms`, '< 300 ms']);

const starts: number[] = [];
for (let i = 0; i < 7; i++) {
  const t = performance.now();
  spawnSync(process.execPath, [join(root, 'bin', 'kaic.js'), '--version']);
  starts.push(performance.now() - t);
}
rows.push(['cli start-up (`kaic --version`, median of 7)', `${median(starts).toFixed(0)} ms`, '']);
const t = performance.now();
spawnSync(process.execPath, [join(root, 'bin', 'kaic.js'), 'validate', join(corpus, 'submissions'), '--offline', '--checklist', join(corpus, 'checklists')]);
rows.push(['cli: validate corpus offline, whole process', `${(performance.now() - t).toFixed(0)} ms`, '']);

// kaic analyze: the corpus, then synthetic trees of growing size (goal: linear, < 5 s and 300 MB at 5,000).
{
  const { makeSyntheticTree } = await import('./synthetic.js');
  const { tmpdir } = await import('node:os');
  const analyzeRun = (dir: string) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [join(root, 'bin', 'kaic.js'), 'analyze', dir, '--format', 'json', '-o', '/dev/null', '--checklist', join(corpus, 'checklists')], { env: { ...process.env, KAIC_REPORT_RSS: '1' }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`analyze failed: ${r.stderr}`);
    return { ms: performance.now() - t0, rss: /maxRSS (\d+) MiB/.exec(r.stderr)?.[1] ?? '?' };
  };
  const c = analyzeRun(join(corpus, 'submissions'));
  rows.push([`kaic analyze corpus (${files} files, whole process)`, `${c.ms.toFixed(0)} ms, ${c.rss} MiB`, '']);
  for (const n of [1000, 5000]) {
    const dir = makeSyntheticTree(join(corpus, 'submissions'), n, join(tmpdir(), `kaic-bench-${n}`));
    const r = analyzeRun(dir);
    rows.push([`kaic analyze, ${n} synthetic submissions`, `${(r.ms / 1000).toFixed(2)} s, ${r.rss} MiB (${(r.ms / n).toFixed(2)} ms/file)`, n === 5000 ? '< 5 s, < 300 MB, linear' : '']);
  }
}

// kaic run against the local cluster: the three checks together against the slowest alone.
if (process.env.KAIC_BENCH_RUN !== '0') {
  const { up } = await import('../localcluster/local-cluster.js');
  const { runSuite } = await import('../src/run/suite.js');
  const { loadChecklist } = await import('../src/standard/checklist.js');
  const { requestCounts, resetRequestCounts } = await import('../src/cluster/metrics.js');
  const cluster = await up({ log: (l) => process.stderr.write(`cluster: ${l}\n`) });
  const c = await loadChecklist('v1.35', { checklist: join(corpus, 'checklists') });
  if (!c.ok) throw new Error('no v1.35 checklist');
  const ids = ['dra_support', 'secure_accelerator_access', 'gang_scheduling'];
  const settings = { 'gang.window': '10s' };
  const single: Record<string, number> = {};
  for (const id of ids) {
    const t0 = performance.now();
    await runSuite({ checklist: c.value, kubeconfig: cluster.kubeconfig, only: [id], settings });
    single[id] = performance.now() - t0;
  }
  resetRequestCounts();
  const t0 = performance.now();
  await runSuite({ checklist: c.value, kubeconfig: cluster.kubeconfig, only: ids, settings, parallel: 3 });
  const together = performance.now() - t0;
  const slowest = Math.max(...Object.values(single));
  for (const id of ids) rows.push([`kaic run --only ${id} (gang.window=10s)`, `${(single[id]! / 1000).toFixed(1)} s`, '']);
  rows.push(['kaic run, the three checks together', `${(together / 1000).toFixed(1)} s = ${(together / slowest).toFixed(2)}× the slowest alone`, '≤ 1.2×']);
  const counts = requestCounts();
  rows.push(['API requests per check (three-check run; watches count once each)', Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', '), '']);
}

console.log('| benchmark | result | goal |\n|:--|--:|:--|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
