import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineCheck, type Check, type CheckScope, type ClusterFacts } from '../../src/checks/api.js';
import { DEFAULT_IMAGES } from '../../src/checks/images.js';
import { PROFILES } from '../../src/checks/profiles/accelerators.js';
import { duration } from '../../src/checks/settings.js';
import { ApiError, Interrupted } from '../../src/cluster/api.js';
import { runEngine, type Backend, type CheckSession, type ScopeOps } from '../../src/run/engine.js';
import { packageStatus } from '../../src/results/index.js';
import { RunConfigError, validateSettings } from '../../src/run/suite.js';

// The engine on a fake check and a fake backend: no cluster, milliseconds per test.

const facts: ClusterFacts = { version: { gitVersion: 'v1.37.2', major: '1', minor: '37' }, nodes: [], serves: () => true, verbs: () => [], servedVersions: () => ['v1'], unavailable: new Map(), isSimulated: () => false, allSimulated: false };

function fakeBackend(opts: { openFails?: string; sweepLeaks?: string[]; slowSweepMs?: number } = {}) {
  const log: string[] = [];
  const backend: Backend & { log: string[] } = {
    log,
    facts,
    list: async () => [],
    scan: async () => [],
    async open(check) {
      if (check.id === opts.openFails) throw new Error('the API server said no');
      log.push(`open ${check.id}`);
      let n = 0;
      const ops = { apply: async (o: unknown) => (n++, o) } as unknown as ScopeOps;
      const session: CheckSession = {
        namespace: `ns-${check.id}`,
        ops,
        setCase: () => {},
        mark: () => n,
        async sweep(from) {
          log.push(`sweep ${check.id} ${from ?? 'all'}`);
          if (opts.slowSweepMs) await new Promise((r) => setTimeout(r, opts.slowSweepMs));
          return from === undefined ? (opts.sweepLeaks ?? []) : [];
        },
        created: () => [],
      };
      return session;
    },
    async leakCheck() {
      log.push('leak check');
      return [];
    },
  };
  return backend;
}

const check = (id: string, cases: string[], prove: (s: CheckScope) => Promise<void>, extra: Partial<Check> = {}): Check =>
  defineCheck({ id, testName: `Test${id}`, summary: id, cases, uses: [], settings: {}, images: [], timeoutMs: 5_000, discover: async () => ({ ready: true, env: {}, found: {} }), prove: (_env, s) => prove(s as CheckScope), ...extra }) as Check;

async function run(checks: Check[], backend = fakeBackend(), more: Partial<Parameters<typeof runEngine>[0]> = {}) {
  return runEngine({ backend, checks: new Map(checks.map((c) => [c.id, c])), plan: checks.map((c) => ({ id: c.id, level: 'MUST', testName: c.testName })), accelerator: PROFILES.nvidia!, images: DEFAULT_IMAGES, settings: {}, acceleratorNodes: [], parallel: 3, signal: new AbortController().signal, ...more });
}
const outcome = (r: Awaited<ReturnType<typeof run>>, id: string, name: string) => r.checks.find((c) => c.id === id)!.cases.find((c) => c.name === name)!.outcome;

test('a case that ends without a verdict is NOT-RUN (no-verdict), and so is its check', async () => {
  const r = await run([check('quiet', ['A'], async (s) => void (await s.case('A', async () => {})))]);
  assert.equal(r.checks[0]!.verdict, 'NOT-RUN');
  assert.deepEqual(outcome(r, 'quiet', 'A'), { verdict: 'not-run', reason: 'no-verdict', detail: 'the case ended without a verdict (a kaic bug)' });
});

test('a declared case that is never reached is NOT-RUN, never PASS', async () => {
  const r = await run([check('short', ['A', 'B'], async (s) => void (await s.case('A', async (c) => c.pass('seen'))))]);
  assert.equal(r.checks[0]!.verdict, 'NOT-RUN');
  assert.equal(outcome(r, 'short', 'B').verdict, 'not-run');
});

test('errors a check throws are classified, never FAIL: bug → ERROR, 403 → ERROR (RBAC), 5xx → ERROR, interrupt → NOT-RUN', async () => {
  const r = await run([
    check('bug', ['A'], async (s) => void (await s.case('A', async () => { throw new TypeError('x is undefined'); }))),
    check('rbac', ['A'], async (s) => void (await s.case('A', async () => { throw new ApiError(403, 'POST', '/api/v1/namespaces/x/pods', 'pods is forbidden: User "system:serviceaccount:ns:kaic" cannot create resource "pods" in API group "" in the namespace "x"'); }))),
    check('admission', ['A'], async (s) => void (await s.case('A', async () => { throw new ApiError(403, 'POST', '/api/v1/namespaces/x/pods', 'pods "p" is forbidden: error looking up service account x/default: serviceaccount "default" not found'); }))),
    check('outage', ['A'], async (s) => void (await s.case('A', async () => { throw new ApiError(503, 'GET', '/api/v1/pods', 'unavailable'); }))),
    check('stopped', ['A'], async (s) => void (await s.case('A', async () => { throw new Interrupted('SIGINT'); }))),
  ]);
  assert.deepEqual(r.checks.map((c) => c.verdict), ['ERROR', 'ERROR', 'ERROR', 'ERROR', 'NOT-RUN']);
  // A 403 from admission is not an RBAC problem: kaic rbac would not fix it.
  assert.match((outcome(r, 'admission', 'A') as { detail: string }).detail, /admission, not RBAC/);
  assert.equal((outcome(r, 'admission', 'A') as { remedy?: string }).remedy, undefined);
  assert.match((outcome(r, 'bug', 'A') as { detail: string }).detail, /a kaic bug/);
  assert.match((outcome(r, 'rbac', 'A') as { detail: string }).detail, /^missing RBAC/);
  assert.match((outcome(r, 'rbac', 'A') as { remedy: string }).remedy, /kaic rbac/);
  assert.equal((outcome(r, 'stopped', 'A') as { reason: string }).reason, 'interrupted');
  assert.ok(r.checks.every((c) => c.cases.every((x) => x.outcome.verdict !== 'fail')));
});

test('an undeclared case stops the check with an error; the declared ones are settled, not passed', async () => {
  const r = await run([check('typo', ['A', 'B'], async (s) => {
    await s.case('A', async (c) => c.pass('ok'));
    await s.case('Z', async (c) => c.pass('ok'));
  })]);
  assert.equal(r.checks[0]!.verdict, 'ERROR');
  assert.equal(outcome(r, 'typo', 'A').verdict, 'pass');
  assert.match((outcome(r, 'typo', 'B') as { detail: string }).detail, /case Z is not declared/);
});

test('fail, error and interrupt override an earlier pass; an observed fail is never overridden', async () => {
  const r = await run([check('order', ['PassFail', 'FailPass', 'PassThrow', 'FailThrow', 'NotRunPass'], async (s) => {
    await s.case('PassFail', async (c) => (c.pass('first'), c.fail('x', 'y')));
    await s.case('FailPass', async (c) => (c.fail('x', 'y'), c.pass('later')));
    await s.case('PassThrow', async (c) => {
      c.pass('first');
      throw new ApiError(500, 'GET', '/x', 'boom');
    });
    await s.case('FailThrow', async (c) => {
      c.fail('x', 'seen before the interrupt');
      throw new Interrupted();
    });
    await s.case('NotRunPass', async (c) => (c.notRun('control-failed', 'control'), c.pass('later')));
  })]);
  assert.deepEqual(r.checks[0]!.cases.map((c) => c.outcome.verdict), ['fail', 'fail', 'error', 'fail', 'not-run']);
});

test('one check throwing outside its cases never skips another check, any sweep, or the leak check', async () => {
  const backend = fakeBackend({ openFails: 'broken' });
  const r = await run([check('broken', ['A'], async () => {}), check('fine', ['A'], async (s) => void (await s.case('A', async (c) => c.pass('ok')))), check('thrower', ['A'], async () => { throw new Error('prove blew up'); })], backend);
  assert.deepEqual(r.checks.map((c) => [c.id, c.verdict]), [['broken', 'ERROR'], ['fine', 'PASS'], ['thrower', 'ERROR']]);
  assert.ok(backend.log.includes('sweep fine all') && backend.log.includes('sweep thrower all'));
  assert.equal(backend.log.at(-1), 'leak check');
});

test('a check\'s deadline makes its unfinished cases NOT-RUN (timeout), and cleanup still runs', async () => {
  const backend = fakeBackend();
  const r = await run([check('slow', ['A', 'B'], async (s) => {
    await s.case('A', async (c) => c.pass('quick'));
    await s.case('B', async () => {
      await new Promise((resolve, reject) => {
        s.signal.addEventListener('abort', () => reject(new Interrupted()));
      });
    });
  }, { timeoutMs: 50 })], backend);
  assert.equal(outcome(r, 'slow', 'A').verdict, 'pass');
  assert.deepEqual([outcome(r, 'slow', 'B').verdict, (outcome(r, 'slow', 'B') as { reason: string }).reason], ['not-run', 'timeout']);
  assert.equal(r.checks[0]!.verdict, 'NOT-RUN');
  assert.ok(backend.log.includes('sweep slow all'));
});

test('the verdict is settled before cleanup: a slow sweep or a leak never turns a FAIL into anything else', async () => {
  const r = await run([check('leaky', ['A'], async (s) => void (await s.case('A', async (c) => c.fail('none bound', '2 bound'))))], fakeBackend({ sweepLeaks: ['Pod ns/x: still present after 90s'], slowSweepMs: 30 }));
  assert.equal(r.checks[0]!.verdict, 'FAIL');
  assert.deepEqual(r.checks[0]!.leaked, ['Pod ns/x: still present after 90s']);
});

test('a check whose every case does not apply is NOT-RUN; a run with nothing passed is never a package PASS', async () => {
  const r = await run([check('elsewhere', ['A'], async (s) => void (await s.case('A', async (c) => c.notApplicable('DRA only'))))]);
  assert.equal(r.checks[0]!.verdict, 'NOT-RUN');
  assert.equal(packageStatus(r), 'SKIP');
  const mixed = await run([check('one', ['A', 'B'], async (s) => {
    await s.case('A', async (c) => c.pass('ok'));
    await s.case('B', async (c) => c.notApplicable('plugin only'));
  })]);
  assert.equal(mixed.checks[0]!.verdict, 'PASS');
  assert.equal(packageStatus(mixed), 'PASS');
});

test('capacity: checks never share a leased node, and run side by side when there are enough nodes', async () => {
  const seen = new Map<string, readonly string[]>();
  const active = new Set<string>();
  let overlap = 0;
  const user = (id: string, capacity: Check['capacity']) =>
    check(id, ['A'], async (s) => {
      seen.set(id, s.nodes);
      active.add(id);
      if (active.size > 1) overlap++;
      await new Promise((r) => setTimeout(r, 20));
      active.delete(id);
      await s.case('A', async (c) => c.pass(`on ${s.nodes.join(',')}`));
    }, { capacity });
  const nodes = ['g0', 'g1', 'g2', 'g3'];
  await run([user('one', { acceleratorNodes: 1 }), user('all', { acceleratorNodes: 'all', min: 1 }), user('other', { acceleratorNodes: 1 })], fakeBackend(), { acceleratorNodes: nodes });
  const all = [...seen.values()].flat();
  assert.equal(new Set(all).size, all.length, `no node leased twice: ${JSON.stringify([...seen])}`);
  assert.equal(seen.get('all')!.length, 2, 'the check asking for all leaves one node to each fixed-size check');
  assert.ok(overlap > 0, 'the three ran at the same time');
  // One node: they take turns.
  seen.clear();
  await run([user('one', { acceleratorNodes: 1 }), user('all', { acceleratorNodes: 'all', min: 1 })], fakeBackend(), { acceleratorNodes: ['g0'] });
  assert.deepEqual([...seen.values()], [['g0'], ['g0']]);
});

test('--set is validated against the checks\' declared settings before anything runs', () => {
  const c = check('g', ['A'], async () => {}, { settings: { 'gang.window': duration({ description: 'w', default: '20s', min: '5s' }) } });
  const checks = new Map([[c.id, c]]);
  assert.throws(() => validateSettings({ 'gang.windw': '20s' }, checks), (e: Error) => e instanceof RunConfigError && /unknown setting/.test(e.message));
  assert.throws(() => validateSettings({ 'gang.window': '0' }, checks), /gang.window=0: expected a duration/);
  assert.throws(() => validateSettings({ 'gang.window': '0s' }, checks), /at least 5s/);
  assert.doesNotThrow(() => validateSettings({ 'gang.window': '30s' }, checks));
});
