import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XMLValidator } from 'fast-xml-parser';
import { parseJunit, parseTestJson, parseTestText, statusOf } from '../../src/artifacts/go-test-report.js';
import { renderE2eLog, renderJunit, renderTestJson } from '../../src/report/go-test.js';
import { renderEvidenceReadme, renderProcedure } from '../../src/report/evidence.js';
import { renderProductYaml } from '../../src/report/product-yaml.js';
import { loadChecklist } from '../../src/standard/checklist.js';
import { parse } from 'yaml';
import { CHECKLISTS } from '../helpers.js';
import { sampleRun } from '../fixture-run.js';
import { deriveVerdict } from '../../src/results/index.js';

const expected: Record<string, 'pass' | 'fail' | 'skip'> = {
  TestDRASupport: 'pass',
  TestGangScheduling: 'fail',
  'TestGangScheduling/FitsTogether': 'pass',
  TestSecureAcceleratorAccess: 'skip',
  'TestSecureAcceleratorAccess/DRAAllocationsAreExclusive': 'pass',
  TestAcceleratorClusterAutoscaling: 'skip',
  TestPodAutoscaling: 'skip',
  TestRobustCRDControllerOperation: 'fail',
};

test('e2e.log, results.json and junit.xml say the same thing, and a NOT-RUN is never a PASS', () => {
  const run = sampleRun();
  const junit = renderJunit(run);
  assert.equal(XMLValidator.validate(junit), true);
  for (const r of [parseJunit(junit), parseTestJson(renderTestJson(run)), parseTestText(renderE2eLog(run))]) {
    assert.ok(r.ok);
    for (const [name, status] of Object.entries(expected)) assert.equal(statusOf(r.report, name), status, `${r.report.format} ${name}`);
  }
});

test('junit.xml has gotestsum\'s shape, escapes text, and counts failures and skips', () => {
  const junit = renderJunit(sampleRun());
  assert.match(junit, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites tests="13" failures="4" errors="0" skipped="4" time="60.00">/);
  assert.match(junit, /<testsuite tests="13" failures="4" errors="0" skipped="4" id="0" hostname="" name="kaic" time="60.00" timestamp="2026-11-20T10:00:00">/);
  assert.match(junit, /<testcase classname="kaic" name="TestGangScheduling\/AllOrNothing" time="20.00">\s*<failure message="FAIL: expected none of 5 pods bound; observed 3 of 5 pods bound \(partial placement\) &lt;b&gt;&amp;&quot;" type="">/);
  assert.match(junit, />FAIL: expected none of 5 pods bound; observed 3 of 5 pods bound \(partial placement\) &lt;b&gt;&amp;"</);
  assert.match(junit, /<property name="kaic.run" value="abc12345"\/>/);
});

test('e2e.log follows go test -v: RUN lines, indented subtest results, a closing FAIL line', () => {
  const log = renderE2eLog(sampleRun());
  assert.match(log, /^=== RUN   TestDRASupport$/m);
  assert.match(log, /^--- PASS: TestDRASupport \(5\.00s\)$/m);
  assert.match(log, /^    --- FAIL: TestGangScheduling\/AllOrNothing \(20\.00s\)$/m);
  assert.match(log, /^    --- SKIP: TestSecureAcceleratorAccess\/UngrantedPodSeesNone \(0\.00s\)$/m);
  assert.match(log, /NOT-RUN \(simulated-nodes\): containers do not run — to run it: use real nodes/);
  assert.match(log, /N\/A: fixed-size on-premises clusters/);
  assert.match(log, /FAIL\nFAIL\tkaic\t60\.00s\n$/);
  const events = renderTestJson(sampleRun()).trim().split('\n').map((l) => JSON.parse(l) as { Action: string; Test?: string; Time: string });
  assert.equal(events[0]!.Action, 'start');
  assert.equal(events.at(-1)!.Action, 'fail');
  assert.ok(events.every((e) => /^2026-11-20T10:0\d:\d\d\.\d{3}Z$/.test(e.Time)));
});

test('the pre-filled PRODUCT.yaml maps verdicts to statuses and cites the artifacts', async () => {
  const c = await loadChecklist('v1.35', { checklist: CHECKLISTS });
  assert.ok(c.ok);
  const doc = parse(renderProductYaml(c.value, sampleRun(), { platformName: 'Acme' })) as { metadata: Record<string, string>; spec: Record<string, { id: string; status: string; evidence: string[]; notes: string }[]> };
  const req = (id: string) => Object.values(doc.spec).flat().find((r) => r.id === id)!;
  assert.equal(doc.metadata.platformName, 'Acme');
  assert.equal(doc.metadata.repoUrl, undefined, 'an optional placeholder is dropped');
  assert.equal(req('dra_support').status, 'Implemented');
  assert.equal(req('gang_scheduling').status, 'Not Implemented');
  assert.match(req('gang_scheduling').notes, /partial placement/);
  assert.equal(req('secure_accelerator_access').status, '');
  assert.equal(req('cluster_autoscaling').status, 'N/A');
  assert.equal(req('cluster_autoscaling').notes, 'fixed-size on-premises clusters');
  assert.equal(req('pod_autoscaling').status, '');
  assert.equal(req('ai_inference').status, '', 'requirements not run stay untouched');
});

test('evidence README and procedure describe the check for a reviewer', () => {
  const run = sampleRun();
  const readme = renderEvidenceReadme(run, run.checks[1]!);
  assert.match(readme, /^# Gang Scheduling \(`gang_scheduling`\) — FAIL/);
  assert.match(readme, /\| AllOrNothing \| FAIL \| FAIL: expected none of 5 pods bound; observed 3 of 5 pods bound/);
  const sh = renderProcedure(run, run.checks[0]!);
  assert.match(sh, /^#!\/usr\/bin\/env bash\n/);
  assert.match(sh, /kubectl create namespace "\$NS"/);
  assert.match(sh, /trap 'kubectl delete namespace/);
});

test('a check\'s verdict is derived: no cases → NOT-RUN; any fail → FAIL; error → ERROR; any not-run → NOT-RUN', () => {
  const k = (v: 'pass' | 'fail' | 'error' | 'not-run') => ({ name: v, startedAt: 0, finishedAt: 0, log: [], outcome: v === 'pass' ? { verdict: v, observed: '' } : v === 'fail' ? { verdict: v, expected: '', observed: '' } : v === 'error' ? { verdict: v, detail: '' } : { verdict: v, reason: 'no-verdict' as const, detail: '' } });
  assert.equal(deriveVerdict([]), 'NOT-RUN');
  assert.equal(deriveVerdict([k('pass'), k('pass')]), 'PASS');
  assert.equal(deriveVerdict([k('pass'), k('not-run')]), 'NOT-RUN');
  assert.equal(deriveVerdict([k('not-run'), k('error')]), 'ERROR');
  assert.equal(deriveVerdict([k('error'), k('fail')]), 'FAIL');
});
