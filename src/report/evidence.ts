import type { CheckResult } from '../checks/types.js';
import { titleFor } from '../standard/catalog.js';
import type { RunResult } from '../run/model.js';
import { caseLines, renderCheckText } from './go-test.js';

/** evidence/<id>/README.md: what was checked and what was seen, for a reviewer. */
export function renderEvidenceReadme(run: RunResult, r: CheckResult): string {
  const out: string[] = [`# ${titleFor(r.id)} (\`${r.id}\`) — ${r.verdict}`, ''];
  out.push(`kaic ${run.kaicVersion}, run \`${run.runId}\`, ${new Date(r.startedAt).toISOString()} → ${new Date(r.finishedAt).toISOString()}.`);
  out.push(`Cluster: Kubernetes ${run.cluster.kubernetesVersion}, ${run.cluster.nodes} nodes${run.cluster.simulated ? ' (simulated by kwok: containers do not run)' : ''}. Level: ${r.level}. Test: \`${r.testName}\`.`, '');
  if (r.verdict === 'N/A') out.push(`Declared not applicable by the operator: ${r.notApplicable}`, '');
  if (r.notRun) out.push(`**${r.verdict === 'ERROR' ? 'Error' : 'Not run'}** (${r.notRun.reason}): ${r.notRun.detail}${r.notRun.remedy ? `\n\nTo run it: ${r.notRun.remedy}.` : ''}`, '');
  const found = Object.entries(r.found);
  if (found.length) {
    out.push('## Discovered', '', '| | |', '|:--|:--|');
    for (const [k, v] of found) out.push(`| ${k} | ${v.replace(/\|/g, '\\|')} |`);
    out.push('');
  }
  if (r.cases.length) {
    out.push('## Cases', '', '| Case | Verdict | What was seen |', '|:--|:--|:--|');
    for (const c of r.cases) out.push(`| ${c.name} | ${c.outcome.verdict.toUpperCase()} | ${caseLines(c).join(' ').replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
    out.push('');
  }
  out.push('## Files', '', '- `test_procedure.sh`: the same steps as kubectl commands, to reproduce by hand.', '- `test_result.log`: this check\'s part of `e2e.log`.');
  if (r.leaked.length) out.push('', '## Cleanup problems', '', ...r.leaked.map((l) => `- ${l}`));
  return `${out.join('\n')}\n`;
}

export function renderProcedure(run: RunResult, r: CheckResult): string {
  const lines = ['#!/usr/bin/env bash', `# Reproduces kaic's ${r.id} check by hand (kaic ${run.kaicVersion}). Read before running:`, '# it creates a namespace and workloads, and deletes the namespace at the end.', 'set -euo pipefail', `NS="\${NS:-kaic-manual-${r.id.replace(/_/g, '-')}}"`, 'kubectl create namespace "$NS"', 'trap \'kubectl delete namespace "$NS" --wait=false\' EXIT', ''];
  if (r.procedure.length === 0) lines.push(`# kaic did not run this check: ${r.notRun?.detail ?? r.notApplicable ?? 'no procedure'}`);
  for (const p of r.procedure) lines.push(p, '');
  return `${lines.join('\n')}\n`;
}

export const renderResultLog = (r: CheckResult) => renderCheckText(r);
