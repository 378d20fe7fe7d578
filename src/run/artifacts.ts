import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { writeAtomic } from '../output/atomic-write.js';
import { renderEvidenceReadme, renderProcedure, renderResultLog } from '../report/evidence.js';
import { renderE2eLog, renderJunit, renderTestJson } from '../report/go-test.js';
import { renderReportHtml } from '../report/html.js';
import { renderReportMarkdown } from '../report/markdown.js';
import { buildReportModel } from '../report/model.js';
import { renderProductYaml } from '../report/product-yaml.js';
import { parseYamlText } from '../source/yaml-file.js';
import type { Checklist } from '../spec/checklist.js';
import { readSubmission } from '../submission/model.js';
import { Validator } from '../submission/validate.js';
import type { RunResult } from './model.js';

export interface WrittenArtifacts {
  readonly dir: string;
  readonly files: readonly string[];
  readonly report: string;
}

/**
 * Writes every artifact of a run into `dir`; each file is written whole (temporary file renamed into
 * place) and provenance.json, holding the sha256 of all the others, comes last.
 */
export async function writeArtifacts(dir: string, run: RunResult, checklist: Checklist, metadata: Readonly<Record<string, string>>, opts: { checklistPath?: string } = {}): Promise<WrittenArtifacts> {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const put = (rel: string, content: string) => {
    writeAtomic(join(dir, rel), content);
    files.push(rel);
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
  const parsed = parseYamlText(product, join(dir, 'PRODUCT.yaml'));
  if (parsed.ok) {
    const model = buildReportModel(readSubmission(parsed.value).submission, checklist, validation.diagnostics);
    put('report.md', renderReportMarkdown(model));
    put('report.html', renderReportHtml(model));
  }
  const sha256 = Object.fromEntries(files.map((f) => [f, createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')]));
  const provenance = {
    kaic: run.kaicVersion,
    runId: run.runId,
    conformanceVersion: run.version,
    startedAt: new Date(run.startedAt).toISOString(),
    finishedAt: new Date(run.finishedAt).toISOString(),
    interrupted: run.interrupted,
    cluster: run.cluster,
    accelerator: run.accelerator,
    images: run.images,
    checklist: checklist.source.startsWith('/') ? relative(process.cwd(), checklist.source) || checklist.source : checklist.source,
    checks: run.checks.map((c) => ({ id: c.id, level: c.level, verdict: c.verdict, test: c.testName, found: c.found, cases: c.cases.map((x) => ({ name: x.name, verdict: x.outcome.verdict })) })),
    leaked: run.leaked,
    sha256,
  };
  put('provenance.json', `${JSON.stringify(provenance, null, 2)}\n`);
  return { dir, files, report: join(dir, 'report.html') };
}
