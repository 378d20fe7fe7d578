import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Validator, exitCodeForValidation, validatePaths } from '../../src/submission/validate.js';
import { CHECKLISTS, tmp } from '../helpers.js';
import { setReq, validSubmission } from '../fixture-submission.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const offline = new Validator({ checklist: CHECKLISTS, offline: true });
const codes = async (file: string) => (await offline.validateFile(file)).diagnostics.map((d) => `${d.code}${d.requirement ? `:${d.requirement}` : ''}`);

test('a complete, honest submission has no findings', async () => {
  for (const v of ['v1.33', 'v1.35', 'v1.37']) {
    const { file } = validSubmission(v, (doc) => v === 'v1.33' && setReq(doc, 'dra_support', 'status', 'Not Implemented'));
    const r = await offline.validateFile(file);
    assert.deepEqual(r.diagnostics, [], v);
    assert.equal(exitCodeForValidation([r]), 0);
  }
});

test('metadata: placeholders, bad k8sConformanceUrl, logo format, wrong type, snake_case accepted', async () => {
  const { file } = validSubmission('v1.37', (doc) => {
    doc.setIn(['metadata', 'platformName'], '[Platform Name]');
    doc.setIn(['metadata', 'k8sConformanceUrl'], 'https://github.com/cncf/k8s-conformance/pull/123');
    doc.setIn(['metadata', 'productLogoUrl'], 'https://acme.test/logo.png');
    doc.setIn(['metadata', 'platformVersion'], doc.createNode(['1', '2']));
    doc.deleteIn(['metadata', 'contactEmailAddress']);
    doc.setIn(['metadata', 'contact_email_address'], 'a@b.test');
    doc.deleteIn(['metadata', 'vendorName']);
  });
  assert.deepEqual((await codes(file)).sort(), ['K8S_CONFORMANCE_URL_FORMAT', 'LOGO_FORMAT', 'METADATA_FIELD_MISSING', 'METADATA_FIELD_TYPE', 'METADATA_PLACEHOLDER']);
});

test('spec: a MUST marked N/A is rejected with the reviewers\' reason; N/A needs notes; statuses are closed', async () => {
  const { file } = validSubmission('v1.37', (doc) => {
    setReq(doc, 'cluster_autoscaling', 'status', 'N/A');
    setReq(doc, 'gpu_sharing', 'status', 'N/A');
    setReq(doc, 'gpu_sharing', 'notes', '');
    setReq(doc, 'virtualized_accelerator', 'status', 'implemented');
    setReq(doc, 'pod_autoscaling', 'status', '');
    setReq(doc, 'workload_sandboxing', 'status', '');
    setReq(doc, 'workload_sandboxing', 'evidence', []);
  });
  const r = await offline.validateFile(file);
  const got = r.diagnostics.map((d) => `${d.code}:${d.requirement}`).sort();
  assert.deepEqual(got, ['MUST_NOT_IMPLEMENTED:cluster_autoscaling', 'MUST_STATUS_EMPTY:pod_autoscaling', 'NA_WITHOUT_NOTES:gpu_sharing', 'STATUS_INVALID:virtualized_accelerator']);
  assert.match(r.diagnostics.find((d) => d.code === 'MUST_NOT_IMPLEMENTED')!.message, /rejects N\/A for a MUST.*condition does not apply/);
  assert.match(r.diagnostics.find((d) => d.code === 'STATUS_INVALID')!.message, /did you mean `Implemented`/);
});

test('structure: missing category and id, duplicate id, changed level, reworded description, unknown id', async () => {
  const { file } = validSubmission('v1.36', (doc) => {
    doc.deleteIn(['spec', 'operator']);
    const acc = doc.getIn(['spec', 'accelerators']) as { items: unknown[] };
    acc.items.splice(0, 1);
    const net = doc.getIn(['spec', 'networking']) as { items: { clone: () => unknown }[] };
    net.items.push(net.items[0]!.clone() as never);
    setReq(doc, 'gang_scheduling', 'level', 'SHOULD');
    setReq(doc, 'pod_autoscaling', 'description', 'Something else.');
    (doc.getIn(['spec', 'security']) as { items: unknown[] }).items.push(doc.createNode({ id: 'quantum_readiness', status: 'Implemented', evidence: ['evidence/procedure.log'] }));
  });
  assert.deepEqual((await codes(file)).sort(), [
    'CATEGORY_MISSING',
    'DESCRIPTION_CHANGED:pod_autoscaling',
    'LEVEL_CHANGED:gang_scheduling',
    'REQUIREMENT_DUPLICATE:ai_inference',
    'REQUIREMENT_MISSING:driver_runtime_management',
    'REQUIREMENT_UNKNOWN:quantum_readiness',
  ]);
});

test('wrong types: a list for a status, a number for notes, a string for evidence; missing spec', async () => {
  const { file } = validSubmission('v1.37', (doc) => {
    setReq(doc, 'ai_inference', 'status', ['Implemented']);
    setReq(doc, 'gang_scheduling', 'notes', 42);
    setReq(doc, 'pod_autoscaling', 'evidence', 'https://docs.acme.test/hpa');
  });
  const r = await offline.validateFile(file);
  assert.deepEqual(r.diagnostics.map((d) => `${d.code}@${d.path.slice(-1)[0]}`).sort(), ['SPEC_TYPE@evidence', 'SPEC_TYPE@notes', 'SPEC_TYPE@status']);
  assert.ok(r.diagnostics.every((d) => d.line > 1));
  const noSpec = validSubmission('v1.37', (doc) => doc.delete('spec'));
  assert.deepEqual(await codes(noSpec.file), ['SPEC_MISSING']);
});

test('evidence: file:// and bare paths resolve next to PRODUCT.yaml, vX.Y/<dir>/ from the root; escapes and missing files are errors', async () => {
  const { file } = validSubmission('v1.37', (doc) => {
    setReq(doc, 'ai_inference', 'evidence', ['file://evidence/procedure.log', 'file://v1.37/acme/evidence/procedure.log', 'evidence/procedure.log#L2']);
    setReq(doc, 'gang_scheduling', 'evidence', ['../../../etc/passwd']);
    setReq(doc, 'pod_autoscaling', 'evidence', ['file://evidence/missing.log']);
    setReq(doc, 'robust_controller', 'evidence', ['', 'evidence/procedure.log']);
  });
  assert.deepEqual((await codes(file)).sort(), ['EVIDENCE_EMPTY_STRING:robust_controller', 'EVIDENCE_FILE_MISSING:pod_autoscaling', 'EVIDENCE_PATH_ESCAPE:gang_scheduling', 'EVIDENCE_PROVES_NOTHING:gang_scheduling', 'EVIDENCE_PROVES_NOTHING:pod_autoscaling']);
});

test('test artifacts: a failing subtest, a missing test, a #fragment and an unparseable file are errors naming the tests', async () => {
  const junit = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites><testsuite name="kaic" tests="4">
<testcase name="TestSecureAcceleratorAccess" classname="kaic"/>
<testcase name="TestGangScheduling" classname="kaic"/>
<testcase name="TestGangScheduling/AllOrNothing" classname="kaic"><failure message="2 of 4 pods bound">partial placement</failure></testcase>
<testcase name="TestDRASupport" classname="kaic"><skipped message="no driver"/></testcase>
</testsuite></testsuites>`;
  const { file } = validSubmission(
    'v1.37',
    (doc) => {
      setReq(doc, 'secure_accelerator_access', 'evidence', ['file://results/junit.xml#TestSecureAcceleratorAccess']);
      setReq(doc, 'gang_scheduling', 'evidence', ['file://results/junit.xml']);
      setReq(doc, 'robust_controller', 'evidence', ['results/junit.xml']);
      setReq(doc, 'pod_autoscaling', 'evidence', ['file://results/junit.xml#TestNope']);
      setReq(doc, 'ai_inference', 'evidence', ['broken/junit.xml']);
      setReq(doc, 'accelerator_metrics', 'evidence', ['results/e2e.log', 'results/results.json']);
    },
    {
      'results/junit.xml': junit,
      'broken/junit.xml': '<testsuites><testsuite>',
      'results/e2e.log': '=== RUN   TestAcceleratorMetrics\n--- PASS: TestAcceleratorMetrics (1.00s)\nPASS\n',
      'results/results.json': '{"Action":"fail","Test":"TestAcceleratorMetrics"}\n',
    },
  );
  const r = await offline.validateFile(file);
  const got = r.diagnostics.map((d) => `${d.code}:${d.requirement}`).sort();
  assert.deepEqual(got, [
    'ARTIFACT_TEST_FAILED:accelerator_metrics', 'ARTIFACT_TEST_FAILED:gang_scheduling', 'ARTIFACT_TEST_MISSING:pod_autoscaling', 'ARTIFACT_TEST_MISSING:robust_controller', 'ARTIFACT_UNPARSEABLE:ai_inference',
    // accelerator_metrics also cites a passing e2e.log, so only the others rest on nothing.
    'EVIDENCE_PROVES_NOTHING:ai_inference', 'EVIDENCE_PROVES_NOTHING:gang_scheduling', 'EVIDENCE_PROVES_NOTHING:pod_autoscaling', 'EVIDENCE_PROVES_NOTHING:robust_controller',
  ]);
  assert.match(r.diagnostics.find((d) => d.code === 'ARTIFACT_TEST_MISSING' && d.requirement === 'pod_autoscaling')!.message, /TestNope/);
  const msg = (code: string, req: string) => r.diagnostics.find((d) => d.code === code && d.requirement === req)!.message;
  assert.match(msg('ARTIFACT_TEST_FAILED', 'gang_scheduling'), /TestGangScheduling\/AllOrNothing/);
  assert.match(msg('ARTIFACT_TEST_MISSING', 'robust_controller'), /TestRobustCRDControllerOperation/);
});

test('anti-patterns: contradicting notes, device plugin as DRA, docs-only MUST, v1.33 DRA, no evidence', async () => {
  const { file } = validSubmission('v1.34', (doc) => {
    setReq(doc, 'gang_scheduling', 'notes', 'Kueue can be installed, but gang admission is disabled by default.');
    setReq(doc, 'dra_support', 'notes', 'GPUs are exposed with the NVIDIA device plugin as nvidia.com/gpu.');
    setReq(doc, 'ai_inference', 'evidence', ['https://docs.acme.test/gateway', 'https://acme.test/blog/inference']);
    setReq(doc, 'accelerator_metrics', 'evidence', []);
    setReq(doc, 'pod_autoscaling', 'notes', 'HPA works (scale-to-zero is not supported on v1 clusters).');
  });
  assert.deepEqual((await codes(file)).sort(), ['DEVICE_PLUGIN_AS_DRA:dra_support', 'EVIDENCE_PROVES_NOTHING:accelerator_metrics', 'MUST_DOCS_ONLY:ai_inference', 'NOTES_CONTRADICT_STATUS:gang_scheduling']);
  const v133 = validSubmission('v1.33');
  assert.deepEqual(await codes(v133.file), ['DRA_V133_IMPLEMENTED:dra_support']);
});

test('version: from the path first, metadata second; a mismatch warns; none at all is unreadable', async () => {
  const { file } = validSubmission('v1.36', (doc) => doc.setIn(['metadata', 'kubernetesVersion'], 'v1.35'));
  const r = await offline.validateFile(file);
  assert.equal(r.version, 'v1.36');
  assert.deepEqual(r.diagnostics.map((d) => d.code), ['VERSION_MISMATCH']);
  const dir = tmp();
  const loose = join(dir, 'PRODUCT.yaml');
  writeFileSync(loose, 'metadata:\n  platformName: x\nspec: {}\n');
  const r2 = await offline.validateFile(loose);
  assert.equal(r2.unreadable, true);
  assert.equal(r2.diagnostics[0]!.code, 'VERSION_UNKNOWN');
  assert.equal(exitCodeForValidation([r2]), 2);
});

test('online checks: HEAD then GET, 429 tolerated, 404 and refused connections reported, CNCF membership', async () => {
  const { file } = validSubmission('v1.37', (doc) => {
    setReq(doc, 'ai_inference', 'evidence', ['https://docs.acme.test/ok', 'https://docs.acme.test/gone', 'https://docs.acme.test/busy', 'https://docs.acme.test/head-not-allowed']);
  });
  const calls: string[] = [];
  const fetchImpl = (async (url: string, init?: RequestInit) => {
    const method = init?.method ?? 'GET';
    calls.push(`${method} ${url}`);
    if (url.includes('landscape')) return new Response('landscape:\n  - name: CNCF Members\n    subcategories:\n      - name: Gold\n        items:\n          - name: Acme Corp (member)\n');
    if (url.endsWith('/gone')) return new Response('', { status: 404 });
    if (url.endsWith('/busy')) return new Response('', { status: 429 });
    if (url.endsWith('/head-not-allowed')) return new Response('', { status: method === 'HEAD' ? 405 : 200 });
    if (url.includes('k8s-conformance')) throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    return new Response('', { status: 200 });
  }) as unknown as typeof fetch;
  const r = await new Validator({ checklist: CHECKLISTS, fetchImpl }).validateFile(file);
  const got = r.diagnostics.filter((d) => d.code !== 'MUST_DOCS_ONLY').map((d) => `${d.code} ${d.message}`);
  assert.equal(got.length, 2, got.join('\n'));
  assert.ok(got.some((m) => /URL_UNREACHABLE .*\/gone .*HTTP 404/.test(m)));
  assert.ok(got.some((m) => /URL_UNREACHABLE .*k8s-conformance.*ECONNREFUSED/.test(m)));
  assert.ok(calls.includes('GET https://docs.acme.test/head-not-allowed'));
  const other = validSubmission('v1.37', (doc) => doc.setIn(['metadata', 'vendorName'], 'Acme Corporation'));
  const r2 = await new Validator({ checklist: CHECKLISTS, fetchImpl }).validateFile(other.file);
  assert.ok(r2.diagnostics.some((d) => d.code === 'VENDOR_NOT_CNCF_MEMBER'));
});

test('paths: a folder without PRODUCT.yaml and a missing path are unreadable input (exit 2)', async () => {
  const r = await validatePaths([tmp(), '/no/such/place'], { checklist: CHECKLISTS, offline: true });
  assert.equal(r.length, 2);
  assert.match(r[0]!.diagnostics[0]!.message, /no PRODUCT.yaml/);
  assert.equal(exitCodeForValidation(r), 2);
});
