import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { XMLValidator } from 'fast-xml-parser';
import { parse } from 'yaml';
import { parseJunit, parseTestJson, parseTestText, statusOf } from '../../src/artifacts/go-test-report.js';
import { paths } from '../../localcluster/local-cluster.js';
import { waitForValue as waitFor } from '../../src/cluster/wait.js';
import { Validator } from '../../src/submission/validate.js';
import { CHECKLISTS, tmp } from '../helpers.js';
import { localCluster } from './local-cluster.js';
import { leftovers, runConfigFile, spawnKaic } from './run-helpers.js';

test('kaic run proves dra_support and gang_scheduling, keeps secure_accelerator_access NOT-RUN on simulated nodes, and writes every artifact', async () => {
  await localCluster();
  const kubeconfig = paths().kubeconfig;
  const out = join(tmp(), 'results');
  const runId = `it${Date.now().toString(36)}`.slice(0, 12);
  const p = spawnKaic(['run', '--version', 'v1.35', '--kubeconfig', kubeconfig, '--only', 'dra_support,secure_accelerator_access,gang_scheduling', '--config', runConfigFile(), '--checklist', CHECKLISTS, '--run-id', runId, '-o', out]);
  const code = await p.code;
  assert.equal(code, 3, `exit 3 (incomplete: a NOT-RUN); stderr:\n${p.stderr()}`);
  assert.match(p.stdout(), /PASS\s+dra_support/);
  assert.match(p.stdout(), /PASS\s+gang_scheduling/);
  assert.match(p.stdout(), /NOT-RUN\s+secure_accelerator_access/);

  const files = ['e2e.log', 'results.json', 'junit.xml', 'PRODUCT.yaml', 'report.md', 'report.html', 'provenance.json'];
  for (const f of files) assert.ok(readdirSync(out).includes(f), f);
  const base = ['README.md', 'test_procedure.sh', 'test_result.log'];
  // gang_scheduling also keeps the solver's record of each gang (the native PodGroups).
  const own: Record<string, string[]> = { gang_scheduling: ['fits-2-podgroup.json', 'fits-podgroup.json', 'too-big-2-podgroup.json', 'too-big-podgroup.json'] };
  for (const id of ['dra_support', 'secure_accelerator_access', 'gang_scheduling']) assert.deepEqual(readdirSync(join(out, 'evidence', id)).filter((f) => f !== 'check.log').sort(), [...base, ...(own[id] ?? [])].sort());

  // The three test formats agree, and each parses as its Go tool's output.
  const junitText = readFileSync(join(out, 'junit.xml'), 'utf8');
  assert.equal(XMLValidator.validate(junitText), true);
  for (const r of [parseJunit(junitText), parseTestJson(readFileSync(join(out, 'results.json'), 'utf8')), parseTestText(readFileSync(join(out, 'e2e.log'), 'utf8'))]) {
    assert.ok(r.ok);
    assert.equal(statusOf(r.report, 'TestDRASupport'), 'pass');
    assert.equal(statusOf(r.report, 'TestGangScheduling'), 'pass');
    assert.equal(statusOf(r.report, 'TestGangScheduling/AllOrNothing'), 'pass');
    assert.equal(statusOf(r.report, 'TestSecureAcceleratorAccess'), 'skip');
    assert.equal(statusOf(r.report, 'TestSecureAcceleratorAccess/DRAAllocationsAreExclusive'), 'pass');
    assert.equal(statusOf(r.report, 'TestSecureAcceleratorAccess/UngrantedSiblingSeesNone'), 'skip');
  }
  const log = readFileSync(join(out, 'e2e.log'), 'utf8');
  assert.match(log, /NOT-RUN \(simulated-nodes\): the accelerator node\(s\) kaic-gpu-\d are simulated \(kwok\)/);
  assert.match(log, /0 of \d pods bound for 8s although a lone pod of the same size was bound; scheduler: "pod group is unschedulable/);
  // Simulated nodes are said in every artifact.
  assert.match(log.split('\n')[1]!, /^SIMULATED: /);
  assert.match(junitText, /<property name="kaic.simulated" value="true"\/>/);
  // The three checks shared the accelerator nodes without sharing one: leases are disjoint.
  const prov0 = JSON.parse(readFileSync(join(out, 'provenance.json'), 'utf8')) as { simulated: boolean; checks: { id: string; nodes: string[] }[] };
  assert.equal(prov0.simulated, true);
  const leased = prov0.checks.flatMap((c) => c.nodes);
  assert.equal(new Set(leased).size, leased.length, JSON.stringify(prov0.checks.map((c) => [c.id, c.nodes])));
  // test_procedure.sh is the objects kaic created: the gang's PodGroup and members are in it.
  const proc = readFileSync(join(out, 'evidence', 'gang_scheduling', 'test_procedure.sh'), 'utf8');
  assert.match(proc, /kind: PodGroup[\s\S]*minCount: \d/);
  assert.match(proc, /namespace: \$\{NS\}/);

  // The pre-filled PRODUCT.yaml: statuses from verdicts, artifacts as evidence; kaic validate parses
  // the artifacts and finds nothing wrong but the requirements kaic did not prove.
  const product = parse(readFileSync(join(out, 'PRODUCT.yaml'), 'utf8')) as { metadata: Record<string, string>; spec: Record<string, { id: string; status: string; evidence: string[]; notes: string }[]> };
  const req = (id: string) => Object.values(product.spec).flat().find((r) => r.id === id)!;
  assert.equal(product.metadata.platformName, 'kaic local cluster');
  assert.equal(req('dra_support').status, 'Implemented');
  assert.deepEqual(req('dra_support').evidence, ['file://junit.xml#TestDRASupport', 'file://e2e.log', 'file://evidence/dra_support/README.md']);
  assert.equal(req('gang_scheduling').status, 'Implemented');
  assert.equal(req('secure_accelerator_access').status, '');
  assert.match(req('secure_accelerator_access').notes, /Not proven/);
  const v = await new Validator({ checklist: CHECKLISTS, offline: true }).validateFile(join(out, 'PRODUCT.yaml'));
  const errors = v.diagnostics.filter((d) => d.severity === 'error');
  // A PASS on simulated nodes reads as proven, but its artifacts are refused as submission evidence.
  assert.deepEqual([...new Set(errors.map((d) => d.code))].sort(), ['EVIDENCE_SIMULATED', 'MUST_STATUS_EMPTY'], errors.map((d) => d.message).join('\n'));
  assert.deepEqual([...new Set(errors.filter((d) => d.code === 'EVIDENCE_SIMULATED').map((d) => d.requirement))].sort(), ['dra_support', 'gang_scheduling']);
  assert.match(req('dra_support').notes, /^SIMULATED, not evidence for a submission/);

  // provenance: hashes match the files; nothing of the credentials anywhere.
  const prov = JSON.parse(readFileSync(join(out, 'provenance.json'), 'utf8')) as { sha256: Record<string, string>; runId: string; cluster: { kubernetesVersion: string } };
  assert.equal(prov.runId, runId);
  assert.equal(prov.cluster.kubernetesVersion, 'v1.37.2');
  for (const [f, sum] of Object.entries(prov.sha256)) assert.equal(createHash('sha256').update(readFileSync(join(out, f))).digest('hex'), sum, f);
  const kc = readFileSync(kubeconfig, 'utf8');
  const keyFile = /client-key:\s*(\S+)/.exec(kc)?.[1];
  const secret = keyFile ? readFileSync(keyFile, 'utf8').split('\n').find((l) => l.length > 40)! : '';
  const all = [...files, ...['dra_support', 'gang_scheduling', 'secure_accelerator_access'].flatMap((id) => [...base, ...(own[id] ?? [])].map((f) => `evidence/${id}/${f}`))];
  for (const f of all) {
    const text = readFileSync(join(out, f), 'utf8');
    assert.doesNotMatch(text, /PRIVATE KEY|client-key-data|token:/, f);
    if (secret) assert.ok(!text.includes(secret), `${f} holds key material`);
  }
  assert.deepEqual(await leftovers(kubeconfig, runId), [], 'nothing labelled with the run id remains');
});

test('run namespaces enforce the restricted Pod Security Standard (so kaic\'s own pods must meet it); --output jsonl streams events', async () => {
  const kc = await localCluster();
  const runId = `pss${Date.now().toString(36)}`.slice(0, 12);
  const p = spawnKaic(['run', '--version', 'v1.35', '--kubeconfig', paths().kubeconfig, '--only', 'dra_support', '--output', 'jsonl', '--checklist', CHECKLISTS, '--run-id', runId, '-o', join(tmp(), 'r')]);
  const ns = await waitFor(kc, { path: '/api/v1/namespaces', labelSelector: `kaic.dev/run=${runId}` }, 'the run namespace', (m) => (m.size ? [...m.values()][0] : undefined), { timeoutMs: 30_000 });
  assert.equal(ns.metadata?.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
  assert.equal(await p.code, 0, p.stderr());
  const events = p.stdout().trim().split('\n').map((l) => JSON.parse(l) as { type: string; id: string; verdict?: string });
  assert.deepEqual(events.filter((e) => e.type === 'check-end').map((e) => [e.id, e.verdict]), [['dra_support', 'PASS']]);
  assert.ok(events.some((e) => e.type === 'case'));
});
