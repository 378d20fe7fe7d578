import assert from 'node:assert/strict';
import { test } from 'node:test';
import { realNodeCheck } from './real-node-check.js';

// high_performance_networking on the local cluster: DRANET publishes the real node's secondary
// network (four veth ends on a bridge, with addresses in one /24) as DRA devices and moves a claimed
// one into the pod. Twin: the fabric is cut (the bridge has no ports), everything else the same.

const rn = realNodeCheck('high_performance_networking');
const { run, text } = rn;

test('a claimed interface is placed where published, granted alone, and carries data between two pods', async () => {
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'PASS', rn.outcomes(r));
  assert.match(text(r, 'InterfacesPublished'), /4 interface\(s\) published by dra\.net/);
  assert.match(text(r, 'PlacedWhereAdvertised'), /kaic-net\d → kaic-real-0.*unplaced for 15s: \\"0\/7 nodes are available: 7 cannot allocate all claims/);
  assert.match(text(r, 'InterfaceGranted'), /is in its claimant as kaic-net\d.*the ordinary pod on kaic-real-0 has only (eth0, lo|lo, eth0)/);
  assert.match(text(r, 'DataExchanged'), /answered by net-server, which saw the request from 192\.168\.231\.\d; kaic-net\d sent \d+ and received \d+ bytes/);
  assert.deepEqual(await rn.leftovers(r), []);
});

test('a second run passes too: interfaces given back by DRANET are published again with their addresses', async () => {
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'PASS', rn.outcomes(r));
});

test('a cut fabric FAILs the data exchange, and only that', async (t) => {
  await rn.twin(t, { networkDisconnected: true });
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'FAIL', rn.outcomes(r));
  assert.equal(rn.cases(r).DataExchanged, 'fail');
  assert.match(text(r, 'DataExchanged'), /no answer in 20 tries; the server answered on its pod address/);
  assert.equal(rn.cases(r).InterfaceGranted, 'pass', 'the interfaces are still handed out');
  assert.equal(rn.cases(r).PlacedWhereAdvertised, 'pass');
  assert.deepEqual(await rn.leftovers(r), []);
});
