import assert from 'node:assert/strict';
import { relative } from 'node:path';
import { test } from 'node:test';
import { DIAGNOSTIC_CODES } from '../../src/source/codes.js';
import { dotPath, type Diagnostic } from '../../src/source/diagnostic.js';
import { Validator } from '../../src/submission/validate.js';
import { CHECKLISTS, SUBMISSIONS, allSubmissions } from '../helpers.js';

/**
 * Parity with the CNCF reviewers' validator, offline, one test per real submission (issue 13).
 *
 * REVIEWERS holds what the reviewers' validator rejects in each file (rule and field or requirement),
 * read from the file. A file not listed is one it accepts. Every file must get from kaic exactly
 * these rejections under the rules marked CNCF in docs/diagnostics.md, and no other error except
 * those in DEVIATIONS, each with its reason. A new submission in the corpus is a new test; if kaic
 * rejects it, this table says why or the test fails.
 */
const REVIEWERS: Record<string, string[]> = {
  // Certified before the template had k8sConformanceUrl (and, for some, contactEmailAddress); the
  // reviewers' validator, added later, rejects these files as kaic does.
  'v1.33/chinaunicom-csk': ['METADATA_FIELD_MISSING:k8sConformanceUrl'],
  'v1.33/cks': ['METADATA_FIELD_MISSING:k8sConformanceUrl'],
  'v1.33/daocloud': ['METADATA_FIELD_MISSING:k8sConformanceUrl', 'MUST_NOT_IMPLEMENTED:cluster_autoscaling'],
  'v1.33/gardener': ['METADATA_FIELD_MISSING:k8sConformanceUrl'],
  'v1.33/giantswarm': ['METADATA_FIELD_MISSING:contactEmailAddress', 'METADATA_FIELD_MISSING:k8sConformanceUrl', 'EVIDENCE_FILE_MISSING:secure_accelerator_access'],
  'v1.33/jdcloud': ['METADATA_FIELD_MISSING:contactEmailAddress', 'METADATA_FIELD_MISSING:k8sConformanceUrl', 'STATUS_INVALID:dra_support'],
  'v1.33/openshift': ['METADATA_FIELD_MISSING:contactEmailAddress', 'METADATA_FIELD_MISSING:k8sConformanceUrl'],
  'v1.33/palette': ['METADATA_FIELD_MISSING:contactEmailAddress', 'METADATA_FIELD_MISSING:k8sConformanceUrl'],
  'v1.33/rke2': ['METADATA_FIELD_MISSING:k8sConformanceUrl'],
  'v1.33/talos': [
    'METADATA_FIELD_MISSING:contactEmailAddress', 'METADATA_FIELD_MISSING:k8sConformanceUrl', 'MUST_NOT_IMPLEMENTED:accelerator_metrics',
    'MUST_NOT_IMPLEMENTED:ai_service_metrics', 'MUST_NOT_IMPLEMENTED:cluster_autoscaling', 'SPEC_TYPE:spec.observability[0].evidence',
    'SPEC_TYPE:spec.observability[1].evidence', 'SPEC_TYPE:spec.schedulingOrchestration[1].evidence', 'EVIDENCE_FILE_MISSING:secure_accelerator_access',
  ],
  'v1.34/OKE': ['METADATA_FIELD_MISSING:contactEmailAddress', 'METADATA_FIELD_MISSING:k8sConformanceUrl'],
  'v1.34/ack': ['METADATA_FIELD_MISSING:k8sConformanceUrl'],
  'v1.34/aks': ['METADATA_FIELD_MISSING:k8sConformanceUrl'],
  'v1.34/baidu_cce': ['METADATA_FIELD_MISSING:k8sConformanceUrl'],
  'v1.34/cks': ['METADATA_FIELD_MISSING:k8sConformanceUrl'],
  'v1.34/eks': ['METADATA_FIELD_MISSING:contactEmailAddress', 'METADATA_FIELD_MISSING:k8sConformanceUrl'],
  'v1.34/gardener': ['METADATA_FIELD_MISSING:k8sConformanceUrl'],
  'v1.34/gke': ['METADATA_FIELD_MISSING:contactEmailAddress', 'METADATA_FIELD_MISSING:k8sConformanceUrl'],
  'v1.34/kubermatic': ['METADATA_FIELD_MISSING:k8sConformanceUrl'],
  'v1.34/lke': ['METADATA_FIELD_MISSING:k8sConformanceUrl'],
  'v1.34/ovh': ['METADATA_FIELD_MISSING:k8sConformanceUrl', 'METADATA_FIELD_TYPE:metadata.platformVersion', 'EVIDENCE_FILE_MISSING:dra_support'],
  'v1.34/talos': [
    'METADATA_FIELD_MISSING:contactEmailAddress', 'METADATA_FIELD_MISSING:k8sConformanceUrl', 'MUST_NOT_IMPLEMENTED:accelerator_metrics',
    'MUST_NOT_IMPLEMENTED:ai_service_metrics', 'MUST_NOT_IMPLEMENTED:cluster_autoscaling', 'SPEC_TYPE:spec.observability[0].evidence',
    'SPEC_TYPE:spec.observability[1].evidence', 'SPEC_TYPE:spec.schedulingOrchestration[1].evidence', 'EVIDENCE_FILE_MISSING:secure_accelerator_access',
  ],
  'v1.34/vks': ['METADATA_FIELD_MISSING:k8sConformanceUrl'],
  'v1.35/cks': ['METADATA_FIELD_MISSING:k8sConformanceUrl', 'REQUIREMENT_MISSING:driver_runtime_management', 'REQUIREMENT_MISSING:gpu_sharing', 'REQUIREMENT_MISSING:virtualized_accelerator'],
};

/** Where kaic deliberately rejects more than the reviewers' validator, file by file, and why. */
const DEVIATIONS: Record<string, { errors: string[]; why: string }> = {
  'v1.34/rke2': { errors: ['LEVEL_CHANGED:dra_support'], why: 'dra_support kept at SHOULD (its v1.33 level) in a v1.34 file; reviewers judge by the checklist level and ignore the edit, kaic refuses a file that misstates a level' },
  'v1.33/talos': { errors: ['LEVEL_CHANGED:dra_support', 'EVIDENCE_PROVES_NOTHING:secure_accelerator_access'], why: 'dra_support raised to MUST; secure_accelerator_access rests only on a file that is not committed (already rejected, so the verdict agrees)' },
  'v1.34/talos': { errors: ['EVIDENCE_PROVES_NOTHING:secure_accelerator_access'], why: 'its only evidence is a file that is not committed (already rejected, so the verdict agrees)' },
  'v1.33/giantswarm': { errors: ['EVIDENCE_PROVES_NOTHING:secure_accelerator_access'], why: 'its only evidence is a file that is not committed (already rejected, so the verdict agrees)' },
  'v1.34/ovh': { errors: ['EVIDENCE_PROVES_NOTHING:dra_support'], why: 'its only evidence is ./dra.yaml, not committed (already rejected, so the verdict agrees)' },
  'v1.35/rafay': { errors: ['EVIDENCE_PROVES_NOTHING:cluster_autoscaling'], why: 'a MUST answered Implemented with `evidence: []`; the reviewers\' validator accepts an empty list (issue 13 closes this)' },
};

const key = (d: Diagnostic) => {
  const field = d.code === 'METADATA_FIELD_MISSING' ? /`(\w+)`/.exec(d.message)?.[1] : undefined;
  return `${d.code}:${field ?? d.requirement ?? dotPath(d.path)}`;
};
const uniq = (xs: string[]) => [...new Set(xs)].sort();

const validator = new Validator({ checklist: CHECKLISTS, offline: true });

for (const file of allSubmissions()) {
  const sub = relative(SUBMISSIONS, file).replace(/\/PRODUCT\.yaml$/, '');
  test(`parity with the reviewers' validator: ${sub}`, async () => {
    const r = await validator.validateFile(file);
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    const cncf = uniq(errors.filter((d) => DIAGNOSTIC_CODES[d.code].cncf).map(key));
    const own = uniq(errors.filter((d) => !DIAGNOSTIC_CODES[d.code].cncf).map(key));
    assert.deepEqual(cncf, uniq(REVIEWERS[sub] ?? []), `${sub}: the rejections the reviewers' validator makes`);
    assert.deepEqual(own, uniq(DEVIATIONS[sub]?.errors ?? []), `${sub}: kaic's own errors must be listed in DEVIATIONS with a reason`);
    const reviewersReject = (REVIEWERS[sub] ?? []).length > 0;
    const kaicRejects = errors.length > 0;
    if (!DEVIATIONS[sub]) assert.equal(kaicRejects, reviewersReject, `${sub}: same verdict`);
  });
}

test('every deviation and rejection names a file that exists in the corpus', () => {
  const subs = new Set(allSubmissions().map((f) => relative(SUBMISSIONS, f).replace(/\/PRODUCT\.yaml$/, '')));
  for (const s of [...Object.keys(REVIEWERS), ...Object.keys(DEVIATIONS)]) assert.ok(subs.has(s), s);
  for (const [s, d] of Object.entries(DEVIATIONS)) assert.ok(d.why.length > 20, `${s}: a reason`);
});

test('LOGO_FORMAT never rejects: certified submissions link PNG logos', async () => {
  assert.equal(DIAGNOSTIC_CODES.LOGO_FORMAT.severity, 'warning');
  assert.equal(DIAGNOSTIC_CODES.LOGO_FORMAT.cncf, false);
  let seen = 0;
  for (const file of allSubmissions()) {
    for (const d of (await validator.validateFile(file)).diagnostics.filter((x) => x.code === 'LOGO_FORMAT')) {
      seen++;
      assert.equal(d.severity, 'warning', file);
    }
  }
  assert.ok(seen >= 1, 'the corpus has PNG logos (v1.33 alauda, v1.34/v1.35 cce, eks)');
});
