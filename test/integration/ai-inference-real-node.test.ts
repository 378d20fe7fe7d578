import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { nodeBinaries } from '../../localcluster/local-cluster.js';
import { stopGateway } from '../../localcluster/real-node.js';
import { realNodeCheck } from './real-node-check.js';

// ai_inference on the real node: Traefik (built from its module) implements the Gateway API; echo
// backends (agnhost) behind one Gateway. Twins: Traefik rebuilt with HTTPRoute weights ignored, and
// the controller killed once it has accepted kaic's routes.

const rn = realNodeCheck('ai_inference');
const { run, text } = rn;

test('a Gateway splits real traffic 80/20, routes on the model header, and keeps unmatched requests off the backends', async () => {
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'PASS', rn.outcomes(r));
  assert.match(text(r, 'GatewayRoutes'), /served 5 requests in a row, each to the backend it must, from kaic/);
  assert.match(r.checks[0]!.evidence['settle-requests.txt'] ?? '', /models\..* X-Gateway-Model-Name: model-b → HTTP 200 from echo-b/);
  assert.match(text(r, 'WeightedSplit'), /of 400 routed: .*99\.9% interval .*consistent with 80\/20, and excludes 50\/50, an even split over pods and 100\/0/);
  assert.match(text(r, 'ModelHeaderRouting'), /all 40 routed requests reached their model's backend/);
  assert.match(text(r, 'UnmatchedRequest'), /stayed off the backends.*HTTP 404/);
  assert.match(r.checks[0]!.evidence['weighted-split.txt'] ?? '', /sequence [ab]{400}/);
  assert.deepEqual(await rn.leftovers(r), []);
});

test('from a pod on the node (--set gateway.client=in-cluster) the same proof holds', async () => {
  const r = await run({ 'gateway.client': 'in-cluster', 'gateway.requests': '200' });
  assert.equal(r.checks[0]!.verdict, 'PASS', rn.outcomes(r));
  assert.match(text(r, 'GatewayRoutes'), /from a pod on kaic-real-0/);
  assert.match(text(r, 'WeightedSplit'), /of 200 routed/);
  assert.deepEqual(await rn.leftovers(r), []);
});

test('an implementation that ignores the route\'s weights FAILs, with the split it measured', async (t) => {
  await rn.twin(t, { gatewayIgnoresWeights: true });
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'FAIL', rn.outcomes(r));
  assert.equal(rn.cases(r).WeightedSplit, 'fail');
  assert.match(text(r, 'WeightedSplit'), /consistent with an even split \(weights ignored\)/);
  assert.equal(rn.cases(r).ModelHeaderRouting, 'pass', 'the rest of the Gateway works: only weights are off');
  assert.deepEqual(await rn.leftovers(r), []);
});

test('a controller that dies after accepting the routes FAILs: Accepted is not routing', async (t) => {
  rn.restoreAfter(t);
  const kubectl = nodeBinaries().kubectl;
  let killed = false;
  const watcher = (async () => {
    const until = Date.now() + 180_000;
    while (!killed && Date.now() < until) {
      const r = spawnSync(kubectl, ['--kubeconfig', rn.kubeconfig(), 'get', 'httproutes', '-A', '-l', 'kaic.dev/run', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.parents[0].conditions[?(@.type=="Accepted")].status}{"\\n"}{end}'], { encoding: 'utf8' });
      if (/^weighted=True$/m.test(r.stdout ?? '') && /^by-model=True$/m.test(r.stdout ?? '')) {
        await stopGateway();
        killed = true;
      } else await new Promise((res) => setTimeout(res, 100));
    }
  })();
  const r = await run({ 'gateway.timeout': '20s' });
  await watcher;
  assert.ok(killed, 'the watcher saw both routes Accepted and killed Traefik');
  assert.equal(r.checks[0]!.verdict, 'FAIL', rn.outcomes(r));
  assert.match(rn.outcomes(r), /no HTTP answer \((ECONNREFUSED|.*Connection refused)/);
  assert.deepEqual(await rn.leftovers(r), []);
});
