import { create } from 'xmlbuilder2';
import { packageStatus, type CaseResult, type CheckResult, type RunResult } from '../results/index.js';

/**
 * kaic's results in the three formats the Go tooling produces: `go test -v` text (e2e.log),
 * `go test -json` events (results.json) and gotestsum-shaped JUnit (junit.xml). One test per
 * requirement (upstream's name where upstream has a test), one subtest per case. A NOT-RUN or N/A
 * requirement is a SKIP, never a PASS; ERROR is a failure.
 */
export const PACKAGE = 'kaic';
type Status = 'PASS' | 'FAIL' | 'SKIP';

const secs = (ms: number) => (Math.max(0, ms) / 1000).toFixed(2);
export const caseStatus = (c: CaseResult): Status => (c.outcome.verdict === 'pass' ? 'PASS' : c.outcome.verdict === 'fail' || c.outcome.verdict === 'error' ? 'FAIL' : 'SKIP');

/** The line every artifact of a run on simulated nodes or devices carries. */
export const simulatedNote = (run: RunResult) => (run.cluster.anySimulated ? `SIMULATED: this run used simulated nodes or devices (${run.cluster.nodeFacts.filter((n) => n.simulated).length} of ${run.cluster.nodes} nodes are kwok nodes${run.accelerator.profile === 'example' ? ', accelerators are simulated' : ''}); its results are not evidence for a submission` : undefined);
export const checkStatus = (r: CheckResult): Status => (r.verdict === 'PASS' ? 'PASS' : r.verdict === 'FAIL' || r.verdict === 'ERROR' ? 'FAIL' : 'SKIP');
const sourceFile = (r: CheckResult) => `${r.id.replace(/_/g, '-')}.ts`;

/** What a case says, one line per fact, in the words of the verdict. */
export function caseLines(c: CaseResult): string[] {
  const o = c.outcome;
  const head =
    o.verdict === 'pass' ? `PASS: ${o.observed}`
    : o.verdict === 'fail' ? `FAIL: expected ${o.expected}; observed ${o.observed}`
    : o.verdict === 'error' ? `ERROR: ${o.detail}${o.remedy ? ` — ${o.remedy}` : ''}`
    : o.verdict === 'not-applicable' ? `N/A: ${o.because}`
    : `NOT-RUN (${o.reason}): ${o.detail}${o.remedy ? ` — to run it: ${o.remedy}` : ''}`;
  return [...c.log, head];
}

export function checkLines(r: CheckResult): string[] {
  if (r.verdict === 'N/A') return [`N/A: ${r.notApplicable}`];
  if (r.notRun) return [`${r.verdict === 'ERROR' ? 'ERROR' : 'NOT-RUN'} (${r.notRun.reason}): ${r.notRun.detail}${r.notRun.remedy ? ` — to run it: ${r.notRun.remedy}` : ''}`];
  const found = Object.entries(r.found).map(([k, v]) => `${k}=${v}`).join(', ');
  return found ? [`discovered: ${found}`] : [];
}

/** `go test -v` text for one check (also its evidence/test_result.log). */
export function renderCheckText(r: CheckResult): string {
  const out: string[] = [`=== RUN   ${r.testName}`];
  const file = sourceFile(r);
  for (const l of checkLines(r)) out.push(`    ${file}: ${l}`);
  for (const c of r.cases) {
    out.push(`=== RUN   ${r.testName}/${c.name}`);
    for (const l of caseLines(c)) out.push(`        ${file}: ${l}`);
  }
  out.push(`--- ${checkStatus(r)}: ${r.testName} (${secs(r.finishedAt - r.startedAt)}s)`);
  for (const c of r.cases) out.push(`    --- ${caseStatus(c)}: ${r.testName}/${c.name} (${secs(c.finishedAt - c.startedAt)}s)`);
  return `${out.join('\n')}\n`;
}

export function renderE2eLog(run: RunResult): string {
  const status = packageStatus(run);
  const sim = simulatedNote(run);
  const head = `kaic ${run.kaicVersion} run ${run.runId}: AI conformance ${run.version} against ${run.cluster.kubernetesVersion} (${run.cluster.nodes} nodes${run.cluster.simulated ? ', simulated' : ''})\n${sim ? `${sim}\n` : ''}`;
  const body = run.checks.map(renderCheckText).join('');
  const elapsed = secs(run.finishedAt - run.startedAt);
  // Nothing passed: go's "no test" line, never `ok`.
  const tail = status === 'FAIL' ? `FAIL\nFAIL\t${PACKAGE}\t${elapsed}s\n` : status === 'PASS' ? `PASS\nok  \t${PACKAGE}\t${elapsed}s\n` : `?   \t${PACKAGE}\t[no test passed]\n`;
  return head + body + tail;
}

/** test2json events, one JSON object per line. */
export function renderTestJson(run: RunResult): string {
  const ev: Record<string, unknown>[] = [];
  const at = (ms: number) => new Date(ms).toISOString();
  const emit = (t: number, Action: string, extra: Record<string, unknown> = {}) => ev.push({ Time: at(t), Action, Package: PACKAGE, ...extra });
  emit(run.startedAt, 'start');
  const sim = simulatedNote(run);
  if (sim) emit(run.startedAt, 'output', { Output: `${sim}\n` });
  for (const r of run.checks) {
    const file = sourceFile(r);
    emit(r.startedAt, 'run', { Test: r.testName });
    emit(r.startedAt, 'output', { Test: r.testName, Output: `=== RUN   ${r.testName}\n` });
    for (const l of checkLines(r)) emit(r.startedAt, 'output', { Test: r.testName, Output: `    ${file}: ${l}\n` });
    for (const c of r.cases) {
      const name = `${r.testName}/${c.name}`;
      emit(c.startedAt, 'run', { Test: name });
      emit(c.startedAt, 'output', { Test: name, Output: `=== RUN   ${name}\n` });
      for (const l of caseLines(c)) emit(c.finishedAt, 'output', { Test: name, Output: `        ${file}: ${l}\n` });
    }
    emit(r.finishedAt, 'output', { Test: r.testName, Output: `--- ${checkStatus(r)}: ${r.testName} (${secs(r.finishedAt - r.startedAt)}s)\n` });
    for (const c of r.cases) {
      const name = `${r.testName}/${c.name}`;
      emit(c.finishedAt, 'output', { Test: name, Output: `    --- ${caseStatus(c)}: ${name} (${secs(c.finishedAt - c.startedAt)}s)\n` });
      emit(c.finishedAt, caseStatus(c).toLowerCase(), { Test: name, Elapsed: Number(secs(c.finishedAt - c.startedAt)) });
    }
    emit(r.finishedAt, checkStatus(r).toLowerCase(), { Test: r.testName, Elapsed: Number(secs(r.finishedAt - r.startedAt)) });
  }
  const status = packageStatus(run);
  emit(run.finishedAt, 'output', { Output: status === 'SKIP' ? `?   \t${PACKAGE}\t[no test passed]\n` : `${status}\n` });
  emit(run.finishedAt, status.toLowerCase(), { Elapsed: Number(secs(run.finishedAt - run.startedAt)) });
  return `${ev.map((e) => JSON.stringify(e)).join('\n')}\n`;
}

/** gotestsum-shaped JUnit: a testcase per test and per subtest, classname = package. */
export function renderJunit(run: RunResult): string {
  type Row = { name: string; status: Status; time: string; message: string; body: string };
  const rows: Row[] = [];
  for (const r of run.checks) {
    const own = checkLines(r);
    const failing = r.cases.filter((c) => caseStatus(c) === 'FAIL').map((c) => `${c.name}: ${caseLines(c).at(-1)}`);
    const skipped = r.cases.filter((c) => caseStatus(c) === 'SKIP').map((c) => `${c.name}: ${caseLines(c).at(-1)}`);
    const status = checkStatus(r);
    rows.push({ name: r.testName, status, time: secs(r.finishedAt - r.startedAt), message: status === 'FAIL' ? 'Failed' : status === 'SKIP' ? (own[0] ?? skipped[0] ?? 'Skipped') : '', body: [...own, ...(status === 'FAIL' ? failing : skipped)].join('\n') });
    for (const c of r.cases) rows.push({ name: `${r.testName}/${c.name}`, status: caseStatus(c), time: secs(c.finishedAt - c.startedAt), message: caseLines(c).at(-1) ?? '', body: caseLines(c).join('\n') });
  }
  const failures = rows.filter((r) => r.status === 'FAIL').length;
  const skipped = rows.filter((r) => r.status === 'SKIP').length;
  const total = secs(run.finishedAt - run.startedAt);
  const doc = create({ version: '1.0', encoding: 'UTF-8' }).ele('testsuites', { tests: rows.length, failures, errors: 0, skipped, time: total });
  const suite = doc.ele('testsuite', { tests: rows.length, failures, errors: 0, skipped, id: 0, hostname: '', name: PACKAGE, time: total, timestamp: new Date(run.startedAt).toISOString().replace(/\.\d+Z$/, '') });
  const props = suite.ele('properties');
  for (const [name, value] of Object.entries({ 'kaic.version': run.kaicVersion, 'kaic.run': run.runId, 'conformance.version': run.version, 'kubernetes.version': run.cluster.kubernetesVersion, accelerator: run.accelerator.profile, 'kaic.simulated': String(run.cluster.anySimulated) })) props.ele('property', { name, value });
  for (const row of rows) {
    const tc = suite.ele('testcase', { classname: PACKAGE, name: row.name, time: row.time });
    if (row.status === 'FAIL') tc.ele('failure', { message: row.message.slice(0, 500), type: '' }).txt(row.body);
    else if (row.status === 'SKIP') tc.ele('skipped', { message: row.message.slice(0, 500) }).txt(row.body);
  }
  return `${doc.end({ prettyPrint: true })}\n`;
}
