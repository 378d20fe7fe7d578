import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { ClusterFacts, DiscoverContext } from '../../src/checks/api.js';
import { DEFAULT_IMAGES } from '../../src/checks/images.js';
import { PROFILES } from '../../src/checks/profiles/accelerators.js';
import aiInference, { backendOf, clientScript, LOST_WEIGHTS, MODEL_HEADER, MODEL_SEQUENCE, parseClientLog, shortHash, sort } from '../../src/checks/ai-inference.js';
import { judgeSplit, requestsNeeded, wilson } from '../../src/checks/support/split.js';
import { withScan } from '../helpers.js';

const LOST = [{ share: 0.5, name: 'even' }, { share: 1, name: 'first only' }, { share: 0, name: 'second only' }];

test('a weighted split: 80/20 agrees; 50/50 and 100/0 disagree and are named; too few requests decide nothing', () => {
  const exact = judgeSplit(160, 200, 0.8, LOST);
  assert.equal(exact.verdict, 'agrees');
  assert.ok(exact.interval.low > 0.5 && exact.interval.high < 1, JSON.stringify(exact));
  // Random noise a correct implementation shows (a balancer choosing at random) still agrees.
  assert.equal(judgeSplit(150, 200, 0.8, LOST).verdict, 'agrees');
  assert.equal(judgeSplit(170, 200, 0.8, LOST).verdict, 'agrees');
  const even = judgeSplit(101, 200, 0.8, LOST);
  assert.deepEqual([even.verdict, even.verdict === 'disagrees' && even.lookslike], ['disagrees', 'even']);
  const all = judgeSplit(200, 200, 0.8, LOST);
  assert.deepEqual([all.verdict, all.verdict === 'disagrees' && all.lookslike], ['disagrees', 'first only']);
  // 8 of 10 holds 80%, but cannot tell it from an even split at 99.9%.
  assert.equal(judgeSplit(8, 10, 0.8, LOST).verdict, 'inconclusive');
  // A 70/30 implementation is caught with enough requests.
  assert.equal(judgeSplit(1400, 2000, 0.8, LOST).verdict, 'disagrees');
});

test('the Wilson interval is bounded and holds the observed share; the request floor separates 80/20 from the alternatives', () => {
  for (const [k, n] of [[0, 10], [10, 10], [5, 10], [160, 200]] as const) {
    const i = wilson(k, n);
    assert.ok(i.low >= 0 && i.high <= 1 && i.low <= k / n && k / n <= i.high, `${k}/${n}: ${JSON.stringify(i)}`);
  }
  const floor = requestsNeeded(0.8, [0.5, 1, 0]);
  assert.ok(floor >= 20 && floor <= 100, String(floor));
  assert.equal(judgeSplit(Math.round(0.8 * floor), floor, 0.8, LOST).verdict, 'agrees');
  assert.equal(judgeSplit(Math.round(0.8 * (floor - 10)), floor - 10, 0.8, LOST).verdict, 'inconclusive');
});

test('the in-cluster client\'s lines: 200s with the backend, wget\'s statuses (redirects too), refused and timed-out requests', () => {
  const log = [
    'KGW 0 0 200|echo-a-t4g-0 |',
    'KGW 1 0 200|echo-b-t4g-1 |',
    'KGW 2 1 404||wget: server returned error: HTTP/1.1 404 Not Found',
    'KGW 3 1 302||wget: error getting response: Connection reset by peer',
    'KGW 4 1 0||wget: can\'t connect to remote host (192.0.2.1): Connection refused',
    'KGW 5 124 0||',
    'KGW done',
  ].join('\n');
  const a = parseClientLog(log, 7);
  assert.deepEqual(a.map((x) => x.status), [200, 200, 404, 302, 0, 0, 0]);
  assert.deepEqual(a.map((x) => backendOf(x, 't4g')), ['a', 'b', undefined, undefined, undefined, undefined, undefined]);
  assert.match(a[4]!.error!, /Connection refused/);
  assert.match(a[5]!.error!, /no answer within 5 s/);
  assert.match(a[6]!.error!, /no line/);
  assert.equal(backendOf({ status: 200, body: 'echo-a-other-0' }, 't4g'), undefined, 'an echo pod of another run is not this run\'s backend');
  assert.equal(backendOf({ status: 200, body: 'echo-a' }, 't4g'), undefined);
  const sorted = sort(a, 't4g');
  assert.deepEqual([sorted.a, sorted.b, sorted.wrong.length, sorted.lost.length], [1, 1, 1, 4], 'a 404 contradicts a route; a redirect and no answer are lost');
});

test('the in-cluster client script, run by busybox against a local server, reports each request as the parser reads it', async (t) => {
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((f) => existsSync(f));
  assert.ok(busybox, 'busybox is installed (scripts/setup.sh installs busybox-static, the probe image\'s own)');
  const server = createServer((req, res) => {
    const host = req.headers.host ?? '';
    if (host.startsWith('weighted.')) return res.end('echo-a-t4g-0');
    if (host.startsWith('models.') && req.headers['x-gateway-model-name'] === 'model-b') return res.end('echo-b-t4g-1\n');
    if (host.startsWith('redirect.')) return res.writeHead(302, { location: 'https://127.0.0.1:1/' }).end();
    res.writeHead(404).end('404 page not found\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const asks = [{ host: 'weighted.x' }, { host: 'models.x', headers: { [MODEL_HEADER]: 'model-b' } }, { host: 'models.x', headers: { [MODEL_HEADER]: 'nope' } }, { host: 'redirect.x' }, { host: 'weighted.x' }];
  const run = (script: string) => new Promise<string>((resolve) => execFile(busybox!, ['sh', '-c', script], { timeout: 30_000 }, (_e, stdout) => resolve(stdout)));
  const out = await run(clientScript(`http://127.0.0.1:${port}/hostname`, asks, (i) => i === 4));
  assert.match(out, /^KGW done$/m);
  const a = parseClientLog(out, asks.length);
  assert.deepEqual(a.map((x) => x.status), [200, 200, 404, 302, 200], out);
  assert.deepEqual(a.map((x) => backendOf(x, 't4g')), ['a', 'b', undefined, undefined, 'a']);
  const refused = parseClientLog(await run(clientScript('http://127.0.0.1:1/hostname', [{ host: 'weighted.x' }])), 1);
  assert.equal(refused[0]!.status, 0);
  assert.match(refused[0]!.error!, /refused/i);
  // 2,000 requests stay far below the kernel's 128 KiB limit for one argument.
  assert.ok(clientScript('http://192.0.2.1:80/hostname', Array.from({ length: 2000 }, () => ({ host: 'weighted.x' }))).length < 16 * 1024);
});

test('the model sequence has runs no round-robin follows, and both models', () => {
  assert.equal(MODEL_SEQUENCE.length, 40);
  assert.ok(/aaa/.test(MODEL_SEQUENCE) && /bbb/.test(MODEL_SEQUENCE) && /ab/.test(MODEL_SEQUENCE) && /ba/.test(MODEL_SEQUENCE));
  assert.match(shortHash('kaic-abc-ai-inference'), /^[0-9a-z]{1,6}$/);
  assert.notEqual(shortHash('kaic-abc-ai-inference'), shortHash('kaic-abd-ai-inference'));
});

test('the check\'s own alternatives include a split per pod (echo-b has two)', () => {
  assert.ok(LOST_WEIGHTS.some((l) => Math.abs(l.share - 1 / 3) < 1e-9));
  assert.equal(judgeSplit(133, 400, 0.8, LOST_WEIGHTS).verdict, 'disagrees');
  assert.equal(judgeSplit(320, 400, 0.8, LOST_WEIGHTS).verdict, 'agrees');
});

const cls = (name: string, accepted: string) => ({ metadata: { name }, spec: { controllerName: `example.com/${name}` }, status: { conditions: [{ type: 'Accepted', status: accepted }] } });
const real = { metadata: { name: 'real-0', labels: {} }, spec: { taints: [{ key: 'kaic.dev/real-node', effect: 'NoSchedule' }] }, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
const ctx = (opts: { served?: boolean; classes?: object[]; nodes?: object[]; simulated?: boolean; set?: string }): DiscoverContext<never> => withScan({
  cluster: {
    version: { gitVersion: 'v1.37.2', major: '1', minor: '37' },
    nodes: (opts.nodes ?? [real]) as never,
    serves: (gv: string) => (opts.served ?? true) && gv === 'gateway.networking.k8s.io/v1',
    verbs: () => [],
    servedVersions: (g: string) => (g === 'gateway.networking.k8s.io' && (opts.served ?? true) ? ['v1'] : []),
    unavailable: new Map(),
    isSimulated: () => opts.simulated ?? false,
    allSimulated: opts.simulated ?? false,
  } satisfies ClusterFacts,
  settings: { 'gateway.class': opts.set, 'gateway.client': 'auto', 'gateway.port': 80, 'gateway.requestPort': undefined, 'gateway.requests': 400, 'gateway.timeout': 300_000 } as never,
  accelerator: PROFILES.example!,
  images: DEFAULT_IMAGES,
  signal: new AbortController().signal,
  async list<T>(t: { kind: string }) {
    if (t.kind === 'GatewayClass') return (opts.classes ?? []) as T[];
    if (t.kind === 'CustomResourceDefinition') return [{ metadata: { name: 'httproutes.gateway.networking.k8s.io', annotations: { 'gateway.networking.k8s.io/bundle-version': 'v1.4.1', 'gateway.networking.k8s.io/channel': 'standard' } } }] as T[];
    return [] as T[];
  },
});

test('ai_inference discovery: no Gateway API, no accepted class, a named class, simulated nodes', async () => {
  const none = await aiInference.discover(ctx({ served: false }));
  assert.equal(none.ready, false);
  assert.match(!none.ready ? none.detail : '', /Gateway API is not installed/);
  const unaccepted = await aiInference.discover(ctx({ classes: [cls('b', 'False')] }));
  assert.match(!unaccepted.ready ? unaccepted.detail : '', /no GatewayClass is accepted/);
  const picked = await aiInference.discover(ctx({ classes: [cls('z', 'True'), cls('b', 'False'), cls('m', 'True')] }));
  assert.equal(picked.ready && picked.env.gatewayClass, 'm');
  assert.equal(picked.ready && picked.found.gatewayApi, 'v1.4.1 (standard channel)');
  assert.deepEqual(picked.ready && picked.env.tolerations, [{ key: 'kaic.dev/real-node', operator: 'Exists' }]);
  const named = await aiInference.discover(ctx({ classes: [cls('z', 'True'), cls('b', 'False')], set: 'b' }));
  assert.match(!named.ready ? named.detail : '', /GatewayClass b is not accepted/);
  const missing = await aiInference.discover(ctx({ classes: [cls('z', 'True')], set: 'q' }));
  assert.match(!missing.ready ? missing.detail : '', /no such GatewayClass/);
  const sim = await aiInference.discover(ctx({ classes: [cls('z', 'True')], simulated: true }));
  assert.equal(!sim.ready && sim.reason, 'simulated-nodes');
});
