import { stringify } from 'yaml';
import type { CheckResult, RunResult } from '../results/index.js';
import { titleFor } from '../standard/catalog.js';
import { caseLines, renderCheckText, simulatedNote } from './go-test.js';

/** evidence/<id>/README.md: what was checked and what was seen, for a reviewer. */
export function renderEvidenceReadme(run: RunResult, r: CheckResult): string {
  const out: string[] = [`# ${titleFor(r.id)} (\`${r.id}\`) — ${r.verdict}`, ''];
  out.push(`kaic ${run.kaicVersion}, run \`${run.runId}\`, ${new Date(r.startedAt).toISOString()} → ${new Date(r.finishedAt).toISOString()}.`);
  out.push(`Cluster: Kubernetes ${run.cluster.kubernetesVersion}, ${run.cluster.nodes} nodes${run.cluster.simulated ? ' (simulated by kwok: containers do not run)' : ''}. Level: ${r.level}. Test: \`${r.testName}\`.`, '');
  const sim = simulatedNote(run);
  if (sim) out.push(`> **${sim}.**`, '');
  if (r.nodes.length) out.push(`Nodes leased to this check: ${r.nodes.map((n) => `\`${n}\`${run.cluster.nodeFacts.find((f) => f.name === n)?.simulated ? ' (simulated)' : ''}`).join(', ')}.`, '');
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
  out.push('## Files', '', '- `test_procedure.sh`: every object kaic created, in order, as kubectl commands, to reproduce by hand.', '- `test_result.log`: this check\'s part of `e2e.log`.');
  if (r.leaked.length) out.push('', '## Cleanup problems', '', ...r.leaked.map((l) => `- ${l}`));
  return `${out.join('\n')}\n`;
}

/**
 * test_procedure.sh, rendered from the objects the check really created (in creation order, per
 * case), so it cannot drift from what kaic did. kaic's run namespace becomes $NS.
 */
export function renderProcedure(run: RunResult, r: CheckResult): string {
  const lines = ['#!/usr/bin/env bash', `# Reproduces kaic's ${r.id} check by hand: the objects run ${run.runId} created, in order (kaic ${run.kaicVersion}).`, '# Read before running: it creates a namespace and workloads, and deletes the namespace at the end.', 'set -euo pipefail', `NS="\${NS:-kaic-manual-${r.id.replace(/_/g, '-')}}"`, 'kubectl create namespace "$NS"', 'kubectl label namespace "$NS" pod-security.kubernetes.io/enforce=restricted', 'trap \'kubectl delete namespace "$NS" --wait=false\' EXIT', ''];
  const ns = r.created.find((o) => o.kind === 'Namespace')?.name;
  const objects = r.created.filter((o) => o.kind !== 'Namespace');
  if (objects.length === 0) lines.push(`# kaic created nothing for this check: ${r.notRun?.detail ?? r.notApplicable ?? 'it only read the cluster'}`);
  let currentCase: string | undefined = '';
  for (const o of objects) {
    if (o.case !== currentCase) {
      currentCase = o.case;
      lines.push(`# --- ${o.case ? `case ${o.case}` : 'shared by the cases'}`);
    }
    const yaml = stringify(o.manifest, { lineWidth: 0 }).trimEnd().split('\n').map((l) => (ns ? l.split(ns).join('${NS}') : l));
    lines.push(`kubectl apply -f - <<EOF`, ...yaml.map((l) => l.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$(?!\{NS\})/g, '\\$')), 'EOF', '');
  }
  if (objects.some((o) => o.kind === 'Pod')) lines.push('kubectl -n "$NS" get pods -o wide');
  return `${lines.join('\n')}\n`;
}

export const renderResultLog = (r: CheckResult) => renderCheckText(r);
