import { isMap, isSeq, parseDocument, Document, type YAMLMap } from 'yaml';
import type { CheckResult, RunResult } from '../results/index.js';
import type { Checklist } from '../standard/checklist.js';
import { renderTemplate } from '../submission/template.js';
import { caseLines } from './go-test.js';

/**
 * A pre-filled PRODUCT.yaml: the official template, metadata from the operator, and for each
 * requirement kaic ran a status from its verdict (PASS → Implemented, FAIL → Not Implemented,
 * N/A → N/A; NOT-RUN and ERROR stay blank, without evidence, for a person to answer), evidence
 * pointing at the test artifacts and evidence folder, and notes from the findings.
 */
export function renderProductYaml(checklist: Checklist, run: RunResult, metadata: Readonly<Record<string, string>>): string {
  const doc = checklist.yaml ? parseDocument(renderTemplate(checklist)) : fromCatalog(checklist);
  const md = doc.get('metadata') as YAMLMap;
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  // An optional field left as a placeholder would fail validation: drop it instead.
  const repo = md.get('repoUrl');
  if (typeof repo === 'string' && /^\[.*\]$/.test(repo)) md.delete('repoUrl');
  const byId = new Map(run.checks.map((c) => [c.id, c]));
  const spec = doc.get('spec') as YAMLMap;
  for (const cat of spec.items) {
    if (!isSeq(cat.value)) continue;
    for (const item of cat.value.items) {
      if (!isMap(item)) continue;
      const r = byId.get(String(item.get('id')));
      if (!r) continue;
      const { status, evidence, notes } = answer(r, run);
      item.set('status', status);
      item.set('evidence', doc.createNode(evidence, { flow: false }));
      item.set('notes', notes);
    }
  }
  return doc.toString({ lineWidth: 0 });
}

function answer(r: CheckResult, run: RunResult): { status: string; evidence: string[]; notes: string } {
  const folder = `file://evidence/${r.id}/README.md`;
  const when = new Date(r.startedAt).toISOString().slice(0, 10);
  const where = `kaic ${run.kaicVersion} run ${run.runId} (${when}, Kubernetes ${run.cluster.kubernetesVersion}${run.cluster.simulated ? ', simulated nodes' : ''})`;
  const facts = (pred: (v: string) => boolean) => r.cases.filter((c) => pred(c.outcome.verdict)).map((c) => `${c.name}: ${caseLines(c).at(-1)}`);
  switch (r.verdict) {
    case 'PASS':
      // On simulated nodes the answer reads as proven (the demo), but its artifacts say SIMULATED,
      // which `kaic validate` rejects as evidence for a submission.
      if (run.cluster.anySimulated) return { status: 'Implemented', evidence: [`file://junit.xml#${r.testName}`, `file://e2e.log`, folder], notes: `SIMULATED, not evidence for a submission: proven on simulated nodes or devices by ${where}; run kaic against the real platform. ${facts(() => true).join(' ')}` };
      return { status: 'Implemented', evidence: [`file://junit.xml#${r.testName}`, `file://e2e.log`, folder], notes: `Proven by ${where}. ${facts(() => true).join(' ')}` };
    case 'FAIL':
      return { status: 'Not Implemented', evidence: [`file://junit.xml#${r.testName}`, folder], notes: `Failed in ${where}. ${facts((v) => v === 'fail').join(' ')}` };
    case 'N/A':
      return { status: 'N/A', evidence: [folder], notes: r.notApplicable ?? '' };
    default: {
      const why = r.notRun ? `${r.notRun.detail}${r.notRun.remedy ? ` (${r.notRun.remedy})` : ''}` : facts((v) => v !== 'pass').join(' ');
      // No evidence entry: a blank SHOULD with evidence is invalid, and kaic proved nothing here.
      return { status: '', evidence: [], notes: `Not proven by ${where}: ${why} Answer by hand (details: evidence/${r.id}/README.md).` };
    }
  }
}

function fromCatalog(c: Checklist): Document {
  const doc = new Document({
    metadata: { kubernetesVersion: c.version },
    spec: Object.fromEntries(c.categories.map((cat) => [cat.id, cat.requirements.map((r) => ({ id: r.id, description: r.description, level: r.level, status: '', evidence: [], notes: '' }))])),
  });
  return doc;
}
