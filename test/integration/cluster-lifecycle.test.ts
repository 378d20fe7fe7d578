import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ClusterError, down, isAlive, isHealthy, paths, status, up } from '../../localcluster/local-cluster.js';

// A second, throw-away cluster, so the shared one other tests use is left alone.
const NAME = 'kaic-lifecycle';

function pidsOf(name: string): number[] {
  const dir = join(paths(name).clusterDir, 'pids');
  return existsSync(dir) ? readdirSync(dir).map((f) => Number(readFileSync(join(dir, f), 'utf8').trim())) : [];
}
const alive = isAlive;

test('cluster up is idempotent, replaces a stale cluster, and down leaves no process or state behind', async () => {
  try {
    const first = await up({ name: NAME });
    assert.equal(first.reused, false);
    const pids = pidsOf(NAME);
    assert.equal(pids.length, 5, 'etcd, apiserver, controller-manager, scheduler, kwok-controller');
    const second = await up({ name: NAME });
    assert.equal(second.reused, true);
    assert.deepEqual(pidsOf(NAME), pids, 'the same processes serve the second up');

    // A crashed run: the API server is gone but the state is still there.
    const apiPid = Number(readFileSync(join(paths(NAME).clusterDir, 'pids', 'kube-apiserver.pid'), 'utf8'));
    process.kill(apiPid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(isHealthy(NAME), false);
    assert.match(status(NAME).detail, /stale/);
    const third = await up({ name: NAME });
    assert.equal(third.reused, false);
    assert.ok(pids.every((p) => !alive(p)), 'the stale cluster\'s processes were stopped');
    const newPids = pidsOf(NAME);

    assert.equal(down(NAME).removed, true);
    assert.ok(newPids.every((p) => !alive(p)), 'no process left');
    assert.equal(existsSync(paths(NAME).clusterDir), false);
    assert.equal(existsSync(paths(NAME).kubeconfig), false);
    assert.equal(down(NAME).removed, false, 'down twice is fine');
  } finally {
    down(NAME);
  }
});

test('a component that exits early is named with its log, and nothing is left running', async () => {
  try {
    await assert.rejects(up({ name: NAME, featureGates: 'NoSuchFeatureGate=true' }), (e: Error) => {
      assert.ok(e instanceof ClusterError);
      // The gate is unknown to all three; whichever exits first ends the wait and is named.
      assert.match(e.message, /(kube-apiserver|kube-controller-manager|kube-scheduler) exited early \(log: .*\1\.log\)/);
      assert.match(e.message, /NoSuchFeatureGate/);
      return true;
    });
    assert.equal(existsSync(paths(NAME).clusterDir), false, 'state removed after a failed start');
  } finally {
    down(NAME);
  }
});
