import { CoreV1Api } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { nodeConfig, paths } from '../../localcluster/local-cluster.js';
import { DRIVER_VERSION_LABEL, REAL_NODE_NAME, SIMULATED_DRIVER_VERSION, setTwin } from '../../localcluster/real-node.js';
import { runSuite } from '../../src/run/suite.js';
import { realNodeCluster, type RealNodeCluster } from './local-cluster.js';
import { checklist, leftovers } from './run-helpers.js';

// driver_runtime_management on the real node: the DRA example driver publishes driverVersion on
// each device, the node carries it as a label (as GPU feature discovery would), and kaic's device
// plugin hands each granted container the version it runs. Two twins: the container gets another
// version than the node advertises, and a label that disagrees with the devices.

let cluster: RealNodeCluster;
before(async () => {
  cluster = await realNodeCluster();
});
after(() => cluster?.release());

type Run = Awaited<ReturnType<typeof runSuite>>;
const cases = (r: Run) => Object.fromEntries(r.checks[0]!.cases.map((c) => [c.name, c.outcome.verdict]));
const text = (r: Run, name: string) => JSON.stringify(r.checks[0]!.cases.find((c) => c.name === name)!.outcome);
const run = async () => runSuite({ checklist: await checklist('v1.37'), kubeconfig: paths(cluster.name).kubeconfig, only: ['driver_runtime_management'], accelerator: 'example' });

test('the advertised driver version agrees everywhere and is the one a granted container sees', async () => {
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'PASS', JSON.stringify(r.checks[0]!.cases.map((c) => [c.name, c.outcome]), null, 1));
  assert.match(text(r, 'AdvertisedVersionsAgree'), new RegExp(`${REAL_NODE_NAME}: driver ${SIMULATED_DRIVER_VERSION.replace(/\./g, '\\.')} from 5 source`));
  assert.match(text(r, 'ContainerSeesAdvertisedVersions'), /plugin: driver 1\.0\.0 inside, 1\.0\.0 advertised/);
  assert.deepEqual(await leftovers(paths(cluster.name).kubeconfig, r.runId), []);
});

test('a container that sees another driver version than the node advertises FAILs', async (t) => {
  const cfg = nodeConfig(cluster.name);
  t.after(() => setTwin(cfg, {}));
  await setTwin(cfg, { injectedDriverVersion: '0.9.0' });
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'FAIL');
  assert.equal(cases(r).AdvertisedVersionsAgree, 'pass');
  assert.equal(cases(r).ContainerSeesAdvertisedVersions, 'fail');
  assert.match(text(r, 'ContainerSeesAdvertisedVersions'), /the node advertises 1\.0\.0 .*; the container reports 0\.9\.0/);
  assert.deepEqual(await leftovers(paths(cluster.name).kubeconfig, r.runId), []);
});

test('a node label that disagrees with the devices\' driverVersion FAILs, naming both', async (t) => {
  const core = cluster.kc.makeApiClient(CoreV1Api);
  const label = (v: string) => core.patchNode({ name: REAL_NODE_NAME, body: [{ op: 'replace', path: `/metadata/labels/${DRIVER_VERSION_LABEL.replace('/', '~1')}`, value: v }] });
  t.after(() => label(SIMULATED_DRIVER_VERSION));
  await label('2.0.0');
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'FAIL');
  assert.match(text(r, 'AdvertisedVersionsAgree'), /1\.0\.0 \(4 sources, e\.g\. device kaic-real-0\/gpu-0 attribute driverVersion\) vs 2\.0\.0 \(node label example\.com\/gpu\.driver-version\)/);
});
