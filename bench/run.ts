/**
 * `npm run bench`: timing and memory targets live here, not in tests.
 *  - validate: the whole corpus offline in one process, after start-up (goal < 300 ms)
 *  - cli start-up: `kaic --version` wall time (median of 7)
 */
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { validatePaths } from '../src/submission/validate.js';

const root = resolve(import.meta.dirname, '..');
const corpus = process.env.KAIC_CORPUS ?? resolve(root, '..', 'shared', 'corpus');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: [string, string, string][] = [];

// KAIC_BENCH_ONLY=scale: only the scale measurement below.
if (process.env.KAIC_BENCH_ONLY !== 'scale') {
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
}

// Scale: the same runs on a cluster with 5,000 more kwok nodes and 20,000 pods, against a 6-node
// cluster running beside it. Discovery is paginated and shared, checks look only at their leased
// nodes, pods are scanned page by page: the overhead should stay small. The two clusters are
// measured in turn (small, large, small, large, ...), so both runs see the same machine: the large
// cluster's control plane shares these 2 cores with everything. Three-check runs three times each
// (medians), the whole v1.37 plan once each. kaic's own CPU seconds are reported too: unlike wall
// time, they do not depend on how busy the simulated control planes keep the machine.
if (process.env.KAIC_BENCH_RUN !== '0' && process.env.KAIC_BENCH_SCALE !== '0') {
  const { up, down } = await import('../localcluster/local-cluster.js');
  const { loadKubeConfig } = await import('../src/cluster/connect.js');
  const { ApiError, rawRequest } = await import('../src/cluster/api.js');
  const nodes = Number(process.env.KAIC_BENCH_NODES ?? 5000);
  const pods = Number(process.env.KAIC_BENCH_PODS ?? 20000);
  const [largeName, smallName] = ['kaic-scale', 'kaic-scale-small'];
  type Measure = { ms: number; rss: number; cpu: number };
  const THREE = ['--version', 'v1.35', '--only', 'dra_support,secure_accelerator_access,gang_scheduling'];
  const FULL = ['--version', 'v1.37'];
  const runCli = (kubeconfig: string, plan: string[]): Measure => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [join(root, 'bin', 'kaic.js'), 'run', ...plan, '--kubeconfig', kubeconfig, '--set', 'gang.window=10s', '--checklist', join(corpus, 'checklists'), '-o', join(tmpdir(), 'kaic-bench-scale')], { env: { ...process.env, KAIC_REPORT_RSS: '1' }, encoding: 'utf8' });
    if (r.status !== 0 && r.status !== 3) throw new Error(`kaic run failed (${r.status}): ${r.stderr}`);
    const m = /maxRSS (\d+) MiB, cpu ([\d.]+) s/.exec(r.stderr);
    return { ms: performance.now() - t0, rss: Number(m?.[1] ?? NaN), cpu: Number(m?.[2] ?? NaN) };
  };
  const medianOf = (xs: Measure[]): Measure => ({ ms: median(xs.map((x) => x.ms)), rss: median(xs.map((x) => x.rss)), cpu: median(xs.map((x) => x.cpu)) });
  const show = (m: Measure) => `${(m.ms / 1000).toFixed(1)} s, ${m.rss} MiB, ${m.cpu.toFixed(1)} s CPU`;
  const spread = (xs: Measure[]) => `runs: ${xs.map((x) => `${(x.ms / 1000).toFixed(1)} s`).join(', ')}`;
  const over = (b: Measure, s: Measure) => ` (overhead ${((b.ms - s.ms) / 1000).toFixed(1)} s, ${b.rss - s.rss} MiB, ${(b.cpu - s.cpu).toFixed(1)} s CPU)`;
  try {
    const log = (l: string) => process.stderr.write(`cluster: ${l}\n`);
    const large = await up({ name: largeName, log });
    const small = await up({ name: smallName, log });
    const kc = loadKubeConfig({ kubeconfig: large.kubeconfig });
    const pool = async (n: number, fn: (i: number) => Promise<unknown>) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < n) await fn(next++);
        }),
      );
    };
    // KAIC_BENCH_KEEP=1 leaves both clusters up; a later bench reuses them as they are (a cluster
    // populated part-way by a bench stopped early is completed: what exists is kept).
    const create = (path: string, body: object) =>
      rawRequest(kc, 'POST', path, body).catch((e: unknown) => {
        if (!(e instanceof ApiError && e.status === 409)) throw e;
      });
    const extra = ((await rawRequest(kc, 'GET', '/api/v1/nodes?resourceVersion=0&labelSelector=kaic-bench%3Dscale')) as { items: unknown[] }).items.length;
    if (extra < nodes) {
      process.stderr.write(`bench: adding ${nodes} kwok nodes and ${pods} pods\n`);
      await pool(nodes, (i) => create('/api/v1/nodes', { metadata: { name: `scale-${i}`, annotations: { 'kwok.x-k8s.io/node': 'fake' }, labels: { 'kubernetes.io/hostname': `scale-${i}`, type: 'kwok', 'kaic-bench': 'scale' } }, status: { capacity: { cpu: '32', memory: '128Gi', pods: '110' }, allocatable: { cpu: '32', memory: '128Gi', pods: '110' } } }));
      await create('/api/v1/namespaces', { metadata: { name: 'scale' } });
      await pool(pods, (i) => create('/api/v1/namespaces/scale/pods', { metadata: { name: `p-${i}` }, spec: { nodeName: `scale-${i % nodes}`, containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] } }));
    }
    // Measure a settled cluster, not kwok still starting 20,000 pods (bounded at 15 minutes), then
    // a minute more for the control plane to catch up.
    const settleUntil = Date.now() + 15 * 60_000;
    for (;;) {
      const running = ((await rawRequest(kc, 'GET', '/api/v1/namespaces/scale/pods?resourceVersion=0&fieldSelector=status.phase%3DRunning')) as { items: unknown[] }).items.length;
      process.stderr.write(`bench: ${running} of ${pods} pods Running\n`);
      if (running >= pods || Date.now() > settleUntil) break;
      await new Promise((r) => setTimeout(r, 15_000));
    }
    if (extra < nodes) await new Promise((r) => setTimeout(r, 60_000));
    const threeSmall: Measure[] = [];
    const threeLarge: Measure[] = [];
    for (let i = 0; i < 3; i++) {
      threeSmall.push(runCli(small.kubeconfig, THREE));
      threeLarge.push(runCli(large.kubeconfig, THREE));
    }
    const fullSmall = runCli(small.kubeconfig, FULL);
    const fullLarge = runCli(large.kubeconfig, FULL);
    rows.push(['kaic run, three checks, 6 nodes (median of 3: wall, maxRSS, kaic CPU)', `${show(medianOf(threeSmall))}; ${spread(threeSmall)}`, '']);
    rows.push([`kaic run, three checks, ${nodes + 6} nodes and ${pods} more pods (median of 3, in turn with the above)`, `${show(medianOf(threeLarge))}${over(medianOf(threeLarge), medianOf(threeSmall))}; ${spread(threeLarge)}`, '≤ 2 s and ≤ 200 MB RSS at 5,000 nodes']);
    rows.push(['kaic run, whole v1.37 plan, 6 nodes', show(fullSmall), '']);
    rows.push([`kaic run, whole v1.37 plan, ${nodes + 6} nodes and ${pods} more pods`, `${show(fullLarge)}${over(fullLarge, fullSmall)}`, '≤ 200 MB RSS']);
  } finally {
    if (process.env.KAIC_BENCH_KEEP !== '1') for (const n of [largeName, smallName]) down(n);
  }
}

console.log('| benchmark | result | goal |\n|:--|--:|:--|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
