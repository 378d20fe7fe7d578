import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { writeAtomic } from '../output/atomic-write.js';
import { renderEvidenceReadme, renderProcedure, renderResultLog } from '../report/evidence.js';
import { renderE2eLog, renderJunit, renderTestJson } from '../report/go-test.js';
import { renderReportHtml } from '../report/html.js';
import { renderReportMarkdown } from '../report/markdown.js';
import { buildReportModel } from '../report/model.js';
import { renderProductYaml } from '../report/product-yaml.js';
import type { Checklist } from '../standard/checklist.js';
import { Validator } from '../submission/validate.js';
import type { RunResult } from '../results/index.js';

export interface WrittenArtifacts {
  readonly dir: string;
  readonly files: readonly string[];
  readonly report: string;
}

/**
 * Writes every artifact of a run into `dir`; each file is written whole (temporary file renamed into
 * place) and provenance.json, holding the sha256 of all the others, comes last.
 */
export async function writeArtifacts(dir: string, run: RunResult, checklist: Checklist, metadata: Readonly<Record<string, string>>, opts: { checklistPath?: string; redact?: boolean } = {}): Promise<WrittenArtifacts> {
  mkdirSync(dir, { recursive: true });
  const sha256: Record<string, string> = {};
  const put = (rel: string, content: string) => {
    writeAtomic(join(dir, rel), content);
    sha256[rel] = createHash('sha256').update(content).digest('hex');
  };
  put('e2e.log', renderE2eLog(run));
  put('results.json', renderTestJson(run));
  put('junit.xml', renderJunit(run));
  for (const c of run.checks) {
    const base = `evidence/${c.id}`;
    put(`${base}/README.md`, renderEvidenceReadme(run, c));
    put(`${base}/test_procedure.sh`, renderProcedure(run, c));
    put(`${base}/test_result.log`, renderResultLog(c));
    for (const [name, content] of Object.entries(c.evidence)) put(`${base}/${name.replace(/[^\w.-]/g, '_')}`, content);
  }
  const product = renderProductYaml(checklist, run, metadata);
  put('PRODUCT.yaml', product);
  // The report shows the pre-filled PRODUCT.yaml with its offline validation findings.
  const validation = await new Validator({ offline: true, version: run.version, checklist: opts.checklistPath }).validateFile(join(dir, 'PRODUCT.yaml'));
  if (validation.submission) {
    const model = buildReportModel(validation.submission, checklist, validation.diagnostics);
    put('report.md', renderReportMarkdown(model));
    put('report.html', renderReportHtml(model));
  }
  const provenance = {
    kaic: run.kaicVersion,
    runId: run.runId,
    conformanceVersion: run.version,
    startedAt: new Date(run.startedAt).toISOString(),
    finishedAt: new Date(run.finishedAt).toISOString(),
    interrupted: run.interrupted,
    simulated: run.cluster.anySimulated,
    cluster: opts.redact ? redactCluster(run.cluster) : run.cluster,
    settings: run.settings,
    accelerator: run.accelerator,
    images: run.images,
    checklist: checklist.source.startsWith('/') ? relative(process.cwd(), checklist.source) || checklist.source : checklist.source,
    checks: run.checks.map((c) => ({ id: c.id, level: c.level, verdict: c.verdict, test: c.testName, found: c.found, nodes: opts.redact ? c.nodes.map((n) => redactName(run, n)) : c.nodes, seconds: (c.finishedAt - c.startedAt) / 1000, created: c.created.length, cases: c.cases.map((x) => ({ name: x.name, verdict: x.outcome.verdict, seconds: (x.finishedAt - x.startedAt) / 1000 })) })),
    leaked: run.leaked,
    sha256: { ...sha256 },
  };
  put('provenance.json', `${JSON.stringify(provenance, null, 2)}\n`);
  return { dir, files: Object.keys(sha256), report: join(dir, 'report.html') };
}

/** `--redact`: node N of the inventory instead of its name, no API server address. */
const redactName = (run: RunResult, name: string) => `node-${run.cluster.nodeFacts.findIndex((n) => n.name === name) + 1}`;
function redactCluster(c: RunResult['cluster']): RunResult['cluster'] {
  const index = new Map(c.nodeFacts.map((n, i) => [n.name, `node-${i + 1}`]));
  return { ...c, server: 'redacted', nodeFacts: c.nodeFacts.map((n) => ({ ...n, name: index.get(n.name)! })), accelerators: c.accelerators.map((a) => ({ ...a, node: index.get(a.node) ?? 'redacted' })) };
}
