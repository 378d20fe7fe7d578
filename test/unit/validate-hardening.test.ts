import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { detectFormat, parseReport, ranCount, statusOf } from '../../src/artifacts/go-test-report.js';
import { parseYamlText, readYamlFile } from '../../src/source/yaml-file.js';
import { changedSubmissions } from '../../src/submission/changed.js';
import { resolveEvidence } from '../../src/submission/evidence.js';
import { Validator, exitCodeForValidation } from '../../src/submission/validate.js';
import { describeFailure, takeDebugFlag } from '../../src/cli/main.js';
import { UsageError } from '../../src/cli/exit-codes.js';
import { CHECKLISTS, tmp } from '../helpers.js';
import { setReq, validSubmission } from '../fixture-submission.js';

const offline = new Validator({ checklist: CHECKLISTS, offline: true });
const findings = async (file: string, v = offline) => (await v.validateFile(file)).diagnostics.map((d) => `${d.severity === 'error' ? 'E' : 'W'} ${d.code}${d.requirement ? `:${d.requirement}` : ''}`).sort();

test('a MUST whose only evidence points at nothing is an error, whatever the form of nothing', async () => {
  const forms: [string, unknown, Record<string, string>?][] = [
    ['dot', ['.']],
    ['dot-slash', ['./']],
    ['itself', ['PRODUCT.yaml']],
    ['empty-folder', ['empty/']],
    ['empty-file', ['evidence/empty.log'], { 'evidence/empty.log': '' }],
    ['whitespace', ['   ']],
    ['empty-string', ['']],
    ['empty-list', []],
  ];
  for (const [name, evidence, files] of forms) {
    const { file, dir } = validSubmission('v1.37', (doc) => setReq(doc, 'gang_scheduling', 'evidence', evidence), files);
    mkdirSync(join(dir, 'empty'), { recursive: true });
    const got = await findings(file);
    assert.ok(got.includes('E EVIDENCE_PROVES_NOTHING:gang_scheduling'), `${name}: ${got.join(', ')}`);
    assert.equal(exitCodeForValidation([await offline.validateFile(file)]), 1, name);
  }
});

test('a symlink inside the submission that leads out of it is not evidence', async () => {
  const outside = tmp();
  writeFileSync(join(outside, 'secret.log'), 'PASS\n');
  const { file, dir } = validSubmission('v1.37', (doc) => setReq(doc, 'gang_scheduling', 'evidence', ['evidence/link.log']));
  symlinkSync(join(outside, 'secret.log'), join(dir, 'evidence', 'link.log'));
  const got = await findings(file);
  assert.ok(got.includes('E EVIDENCE_PATH_ESCAPE:gang_scheduling'), got.join(', '));
  assert.ok(got.includes('E EVIDENCE_PROVES_NOTHING:gang_scheduling'), got.join(', '));
});

test('one good entry beside a pointless one: the pointless one is a warning, the MUST stands', async () => {
  const { file } = validSubmission('v1.37', (doc) => setReq(doc, 'gang_scheduling', 'evidence', ['.', 'evidence/procedure.log']));
  assert.deepEqual(await findings(file), ['W EVIDENCE_POINTS_NOWHERE:gang_scheduling']);
});

test('test reports are recognised by content, whatever they are called', () => {
  assert.equal(detectFormat('<?xml version="1.0"?>\n<testsuites><testsuite/></testsuites>'), 'junit');
  assert.equal(detectFormat('{"Time":"x","Action":"run","Test":"TestA"}\n'), 'go-test-json');
  assert.equal(detectFormat('=== RUN   TestA\n--- PASS: TestA (0.00s)\n'), 'go-test-text');
  assert.equal(detectFormat('Running Suite: e2e\nRan 3 of 7000 Specs in 1s\n'), 'ginkgo-log');
  assert.equal(detectFormat('# How we tested\nkubectl get pods\n'), undefined);
});

test('a renamed report (junit_01.xml, results.txt) is parsed: failures, skips and nothing-ran are caught', async () => {
  const junitFail = '<?xml version="1.0"?>\n<testsuites><testsuite name="x"><testcase name="TestGangScheduling"><failure>no</failure></testcase></testsuite></testsuites>\n';
  const allSkipped = '<?xml version="1.0"?>\n<testsuites><testsuite name="x"><testcase name="TestGangScheduling"><skipped/></testcase></testsuite></testsuites>\n';
  const empty = '<?xml version="1.0"?>\n<testsuites tests="0"></testsuites>\n';
  const ginkgoNone = 'Running Suite: e2e\nRan 0 of 7144 Specs in 0.1 seconds\nSUCCESS! -- 0 Passed | 0 Failed | 0 Pending | 7144 Skipped\n';
  const subSkipped = '=== RUN   TestGangScheduling\n=== RUN   TestGangScheduling/AllOrNothing\n    --- SKIP: TestGangScheduling/AllOrNothing (0.00s)\n--- PASS: TestGangScheduling (0.00s)\nPASS\n';
  const flaky = ['{"Action":"run","Test":"TestGangScheduling"}', '{"Action":"fail","Test":"TestGangScheduling"}', '{"Action":"run","Test":"TestGangScheduling"}', '{"Action":"pass","Test":"TestGangScheduling"}', ''].join('\n');
  const cases: [string, string, string][] = [
    ['junit_01.xml', junitFail, 'E ARTIFACT_TEST_FAILED:gang_scheduling'],
    ['results.xml', allSkipped, 'E ARTIFACT_NOTHING_RAN:gang_scheduling'],
    ['report.xml', empty, 'E ARTIFACT_NOTHING_RAN:gang_scheduling'],
    ['ginkgo.txt', ginkgoNone, 'E ARTIFACT_NOTHING_RAN:gang_scheduling'],
    ['test-output.txt', subSkipped, 'E ARTIFACT_TEST_FAILED:gang_scheduling'],
    ['events.jsonl', flaky, 'W ARTIFACT_TEST_FLAKY:gang_scheduling'],
  ];
  for (const [name, content, want] of cases) {
    const { file } = validSubmission('v1.37', (doc) => setReq(doc, 'gang_scheduling', 'evidence', [`tests/${name}`]), { [`tests/${name}`]: content });
    const got = await findings(file);
    assert.ok(got.includes(want), `${name}: ${got.join(', ')}`);
    if (want.startsWith('E')) assert.ok(got.includes('E EVIDENCE_PROVES_NOTHING:gang_scheduling'), `${name}: the MUST rests on nothing: ${got.join(', ')}`);
  }
});

test('a Go parent test whose subtests all skipped is a skip; a failure then a pass is remembered', () => {
  const r = parseReport('=== RUN   TestX\n    --- SKIP: TestX/a (0.00s)\n    --- SKIP: TestX/b (0.00s)\n--- PASS: TestX (0.00s)\n');
  assert.ok(r.ok);
  assert.equal(statusOf(r.report, 'TestX'), 'skip');
  assert.equal(ranCount(r.report), 1);
  const f = parseReport('--- FAIL: TestY (0.01s)\n--- PASS: TestY (0.01s)\n');
  assert.ok(f.ok);
  assert.equal(statusOf(f.report, 'TestY'), 'pass');
  assert.deepEqual([...f.report.flaky], ['TestY']);
});

test('the e2e framework\'s junit_01.xml (Ginkgo names, no Go tests) counts when specs ran and passed', async () => {
  const ginkgoJunit = '<?xml version="1.0"?>\n<testsuites tests="3"><testsuite name="e2e" tests="3" skipped="1"><testcase name="[It] [wg-ai-conformance] Gang Scheduling works [AIConformance]" status="passed"></testcase><testcase name="[It] other" status="skipped"><skipped/></testcase></testsuite></testsuites>\n';
  const { file } = validSubmission('v1.37', (doc) => setReq(doc, 'gang_scheduling', 'evidence', ['junit_01.xml']), { 'junit_01.xml': ginkgoJunit });
  assert.deepEqual(await findings(file), []);
});

test('JUnit nested 5,000 levels deep is refused as unreadable, not a crash', () => {
  const r = parseReport(`<testsuites><testsuite><testcase name="TestA">${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}</testcase></testsuite></testsuites>`);
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.message : '', /nested deeper than 64 levels/);
});

test('#fragment: after file:// it names a test; on a plain path it is part of the name unless only the bare file exists', () => {
  const dir = join(tmp(), 'v1.37', 'acme');
  mkdirSync(dir, { recursive: true });
  const product = join(dir, 'PRODUCT.yaml');
  writeFileSync(join(dir, 'results.json'), '{}');
  writeFileSync(join(dir, 'notes#1.md'), 'x');
  writeFileSync(join(dir, 'README.md'), 'x');
  const a = resolveEvidence('file://results.json#TestX', product);
  assert.ok(a.kind === 'file' && a.fragment === 'TestX' && a.abs === join(dir, 'results.json'));
  const b = resolveEvidence('notes#1.md', product);
  assert.ok(b.kind === 'file' && b.abs === join(dir, 'notes#1.md') && !b.fragment && !b.anchor, 'the file with # in its name exists');
  const c = resolveEvidence('README.md#setup', product);
  assert.ok(c.kind === 'file' && c.abs === join(dir, 'README.md') && c.anchor === 'setup' && !c.fragment, 'an anchor, not a test');
  const d = resolveEvidence('missing.md#x', product);
  assert.ok(d.kind === 'file' && d.rel === 'missing.md#x', 'neither exists: reported under the whole name');
});

test('a plain-path fragment does not select a test; a file:// one does', async () => {
  const json = ['{"Action":"run","Test":"TestOther"}', '{"Action":"fail","Test":"TestOther"}', '{"Action":"run","Test":"TestGangScheduling"}', '{"Action":"pass","Test":"TestGangScheduling"}', ''].join('\n');
  const plain = validSubmission('v1.37', (doc) => setReq(doc, 'gang_scheduling', 'evidence', ['results.json#TestOther']), { 'results.json': json });
  assert.deepEqual(await findings(plain.file), []);
  const url = validSubmission('v1.37', (doc) => setReq(doc, 'gang_scheduling', 'evidence', ['file://results.json#TestOther']), { 'results.json': json });
  assert.ok((await findings(url.file)).includes('E ARTIFACT_TEST_FAILED:gang_scheduling'));
});

test('--strict turns the anti-pattern warnings into errors, and only those', async () => {
  const { file } = validSubmission('v1.37', (doc) => {
    setReq(doc, 'gang_scheduling', 'notes', 'Not supported yet.');
    doc.setIn(['metadata', 'productLogoUrl'], 'https://acme.test/logo.png');
  });
  assert.deepEqual(await findings(file), ['W LOGO_FORMAT', 'W NOTES_CONTRADICT_STATUS:gang_scheduling']);
  const strict = new Validator({ checklist: CHECKLISTS, offline: true, strict: true });
  assert.deepEqual(await findings(file, strict), ['E NOTES_CONTRADICT_STATUS:gang_scheduling', 'W LOGO_FORMAT']);
});

test('one YAML mistake is one finding, not a cascade', () => {
  const r = parseYamlText('metadata:\n  a: 1\nspec:\n\taccelerators:\n\t  - id: x\n\t    level: MUST\n\t  - id: y\n', 'v1.37/x/PRODUCT.yaml');
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.diagnostics.length, 1);
});

test('aliases: any number is read (the Go parser reads them); expansion, depth and self-reference are bounded', () => {
  const many = `a: &x {k: v}\nb: [${Array(500).fill('*x').join(', ')}]\n`;
  assert.equal(parseYamlText(many, 'f').ok, true);
  const bomb = ['a: &a [x,x,x,x,x,x,x,x,x,x]', ...Array.from({ length: 7 }, (_, i) => `${'bcdefgh'[i]}: &${'bcdefgh'[i]} [${Array(10).fill(`*${'abcdefg'[i]}`).join(',')}]`)].join('\n');
  const r = parseYamlText(bomb, 'f');
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.diagnostics[0]!.message : '', /more than 200,000 nodes/);
  const loop = parseYamlText('a: &l [1, *l]\n', 'f');
  assert.match(!loop.ok ? loop.diagnostics[0]!.message : '', /contains it/);
  const dangling = parseYamlText('a: *nothing\n', 'f');
  assert.equal(dangling.ok, false);
});

test('non-regular files are refused without reading; size caps name the limit', () => {
  const dir = tmp();
  execFileSync('mkfifo', [join(dir, 'fifo.yaml')]);
  const fifo = readYamlFile(join(dir, 'fifo.yaml'));
  assert.match(!fifo.ok ? fifo.diagnostics[0]!.message : '', /FIFO/);
  const dev = readYamlFile('/dev/zero');
  assert.match(!dev.ok ? dev.diagnostics[0]!.message : '', /character device/);
  writeFileSync(join(dir, 'big.yaml'), `a: "${'x'.repeat(2.5 * 1048576)}"\n`);
  const big = readYamlFile(join(dir, 'big.yaml'));
  assert.match(!big.ok ? big.diagnostics[0]!.message : '', /over the limit for YAML files \(2 MiB\)/);
});

test('a kaic bug is exit 70 with one line saying so; the trace only with --debug', () => {
  const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
  const plain = describeFailure(bug, false);
  assert.equal(plain.code, 70);
  assert.equal(plain.message.split('\n').length, 1);
  assert.match(plain.message, /this is a kaic bug/);
  const debug = describeFailure(bug, true);
  assert.match(debug.message, /\n\s+at /);
  assert.equal(describeFailure(new UsageError('bad'), false).code, 2);
  assert.deepEqual(takeDebugFlag(['validate', '--debug', 'x', '--', '--debug']), { argv: ['validate', 'x', '--', '--debug'], debug: true });
});

test('a kaic bug on one file does not stop the others: INTERNAL_ERROR for that file only', async () => {
  const { file } = validSubmission('v1.37');
  const v = new Validator({ checklist: CHECKLISTS, offline: true });
  // Sabotage one rule's input: a checklist lookup that throws stands in for any bug.
  const real = v.checklist.bind(v);
  let calls = 0;
  v.checklist = (version: string) => (calls++ === 0 ? Promise.reject(new TypeError('boom')) : real(version));
  const first = await v.validateFile(file);
  const second = await v.validateFile(file);
  assert.equal(first.diagnostics[0]?.code, 'INTERNAL_ERROR');
  assert.match(first.diagnostics[0]!.message, /this is a kaic bug/);
  assert.ok(first.internalError);
  assert.deepEqual(second.diagnostics, []);
});

test('--changed-since: the submissions a change touches, from git', () => {
  const repo = tmp();
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
  git('init', '-q', '-b', 'main');
  for (const d of ['v1.35/a', 'v1.35/b', 'v1.36/a']) {
    mkdirSync(join(repo, d), { recursive: true });
    writeFileSync(join(repo, d, 'PRODUCT.yaml'), 'x: 1\n');
  }
  git('add', '.');
  git('commit', '-q', '-m', 'base');
  writeFileSync(join(repo, 'v1.35', 'b', 'notes.md'), 'new evidence\n');
  writeFileSync(join(repo, 'v1.36', 'a', 'PRODUCT.yaml'), 'x: 2\n');
  writeFileSync(join(repo, 'README.md'), 'not a submission\n');
  const r = changedSubmissions('main', [repo]);
  assert.ok(r.ok);
  assert.deepEqual(r.ok && r.files.map((f) => f.slice(repo.length + 1)), ['v1.35/b/PRODUCT.yaml', 'v1.36/a/PRODUCT.yaml']);
  const bad = changedSubmissions('no-such-ref', [repo]);
  assert.match(!bad.ok ? bad.message : '', /no such commit/);
});
