#!/usr/bin/env node
// The one test command (README, CI): builds, then runs every test file with node's test runner.
// `npm test -- unit corpus` runs only those folders under test/.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2);
for (const [cmd, ...args] of [['npx', 'tsc', '-p', 'tsconfig.build.json'], ['npx', 'tsc', '-p', 'tsconfig.json', '--noEmit'], ['npx', 'eslint', '.']]) {
  const step = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (step.status !== 0) {
    console.error(`test: \`${[cmd, ...args].join(' ')}\` failed`);
    process.exit(step.status ?? 1);
  }
}

function collect(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return collect(p);
    return name.endsWith('.test.ts') ? [p] : [];
  });
}
const dirs = only.length ? only.map((d) => join(root, 'test', d)) : [join(root, 'test')];
const files = dirs.flatMap((d) => (statSync(d).isDirectory() ? collect(d) : [d])).sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// Integration tests share one local cluster. Start it here so a cluster that cannot start fails the
// run loudly; stop it afterwards unless it was already running (or KAIC_KEEP_CLUSTER=1).
const needsCluster = files.some((f) => f.includes('/integration/'));
const clusterScript = (verb) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'cluster.ts'), verb], { cwd: root, stdio: verb === 'status' ? 'ignore' : 'inherit' });
let startedCluster = false;
if (needsCluster) {
  const wasRunning = clusterScript('status').status === 0;
  const upResult = clusterScript('up');
  if (upResult.status !== 0) {
    console.error('test: the local cluster did not start; integration tests cannot run (this fails the run)');
    process.exit(1);
  }
  startedCluster = !wasRunning;
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files], { cwd: root, stdio: 'inherit', env: { ...process.env, KAIC_TEST: '1' } });
if (startedCluster && process.env.KAIC_KEEP_CLUSTER !== '1') clusterScript('down');
process.exit(r.status ?? 1);
