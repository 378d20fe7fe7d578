import { CoreV1Api } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DRIVER_VERSION_LABEL, REAL_NODE_NAME, SIMULATED_DRIVER_VERSION } from '../../localcluster/real-node.js';
import { realNodeCheck } from './real-node-check.js';

// driver_runtime_management on the real node: the DRA example driver publishes driverVersion on
// each device, the node carries it as a label (as GPU feature discovery would), and kaic's device
// plugin hands each granted container the version it runs. Two twins: the container gets another
// version than the node advertises, and a label that disagrees with the devices.

const rn = realNodeCheck('driver_runtime_management', { accelerator: 'example' });
const { run, cases, text } = rn;

test('the advertised driver version agrees everywhere and is the one a granted container sees', async () => {
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'PASS', rn.outcomes(r));
  assert.match(text(r, 'AdvertisedVersionsAgree'), new RegExp(`${REAL_NODE_NAME}: driver ${SIMULATED_DRIVER_VERSION.replace(/\./g, '\\.')} from 5 source`));
  assert.match(text(r, 'ContainerSeesAdvertisedVersions'), /plugin: driver 1\.0\.0 inside, 1\.0\.0 advertised/);
  assert.deepEqual(await rn.leftovers(r), []);
});

test('a container that sees another driver version than the node advertises FAILs', async (t) => {
  await rn.twin(t, { injectedDriverVersion: '0.9.0' });
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'FAIL');
  assert.equal(cases(r).AdvertisedVersionsAgree, 'pass');
  assert.equal(cases(r).ContainerSeesAdvertisedVersions, 'fail');
  assert.match(text(r, 'ContainerSeesAdvertisedVersions'), /the node advertises 1\.0\.0 .*; the container reports 0\.9\.0/);
  assert.deepEqual(await rn.leftovers(r), []);
});

test('a node label that disagrees with the devices\' driverVersion FAILs, naming both', async (t) => {
  const core = rn.cluster.kc.makeApiClient(CoreV1Api);
  const label = (v: string) => core.patchNode({ name: REAL_NODE_NAME, body: [{ op: 'replace', path: `/metadata/labels/${DRIVER_VERSION_LABEL.replace('/', '~1')}`, value: v }] });
  t.after(() => label(SIMULATED_DRIVER_VERSION));
  await label('2.0.0');
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'FAIL');
  assert.match(text(r, 'AdvertisedVersionsAgree'), /1\.0\.0 \(4 sources, e\.g\. device kaic-real-0\/gpu-0 attribute driverVersion\) vs 2\.0\.0 \(node label example\.com\/gpu\.driver-version\)/);
});
