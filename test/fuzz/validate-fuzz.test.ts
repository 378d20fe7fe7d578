import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Validator, exitCodeForValidation } from '../../src/submission/validate.js';
import { CHECKLISTS, ROOT, SUBMISSIONS, allSubmissions, tmp } from '../helpers.js';
import { validSubmission } from '../fixture-submission.js';

/**
 * Issue 13: no input crashes, hangs or blows up kaic. Mutants of real submissions run in-process
 * through the library (fast); the hostile files run through the built CLI, one process each, held
 * to the same bounds: exit 0, 1 or 2, no stack trace, under 5 s and 300 MB.
 * KAIC_FUZZ_SEED and KAIC_FUZZ_N reproduce or widen a run.
 */
const SEED = Number(process.env.KAIC_FUZZ_SEED ?? 13);
const N = Number(process.env.KAIC_FUZZ_N ?? 5000);
const MAX_MS = 5000;
const MAX_MB = 300;

function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKENS = ['\t', ': ', '- ', '&a ', '*a', '*zz', '[', '{', ']', '}', '"', "'", '#', '\r\n', '\uFEFF', '\0', '? ', '|', '>', '---\n', '...\n', '<<: *a\n', '%YAML 1.2\n', '!!binary ', '!!str ', '  ', '\n', ',', '\\', '\u2028', 'ü', '🙂'];
const VALUES = ['[]', '{}', '~', '123', '1e999', 'true', '""', '" "', '.', './', 'PRODUCT.yaml', 'file://e2e.log#TestX', 'file://junit_01.xml#TestDRASupport', '../../../etc/passwd', '/dev/zero', '*a', '&a x', 'N/A', 'Implemented', '[a, [b, [c]]]', `"${'x'.repeat(20000)}"`, '!!binary AAAA', '2001-01-01', '0x1F', '-', '|\n  block'];

function mutate(src: Buffer, donors: Buffer[], rnd: () => number): Buffer {
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  let text = src.toString('latin1');
  const rounds = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < rounds; i++) {
    const lines = text.split('\n');
    const at = Math.floor(rnd() * Math.max(1, text.length));
    const li = Math.floor(rnd() * lines.length);
    switch (Math.floor(rnd() * 10)) {
      case 0: { // flip one byte
        const b = Buffer.from(text, 'latin1');
        if (b.length) b[at % b.length] = Math.floor(rnd() * 256);
        text = b.toString('latin1');
        break;
      }
      case 1: text = text.slice(0, at) + text.slice(at + 1 + Math.floor(rnd() * 50)); break;
      case 2: text = text.slice(0, at) + Buffer.from(pick(TOKENS), 'utf8').toString('latin1') + text.slice(at); break;
      case 3: lines.splice(li, 0, lines[li] ?? ''); text = lines.join('\n'); break;
      case 4: lines.splice(li, 1); text = lines.join('\n'); break;
      case 5: { const lj = Math.floor(rnd() * lines.length); [lines[li], lines[lj]] = [lines[lj]!, lines[li]!]; text = lines.join('\n'); break; }
      case 6: lines[li] = pick(['\t', '  ', '']) + (rnd() < 0.5 ? lines[li] : lines[li]?.replace(/^ {1,2}/, '')); text = lines.join('\n'); break;
      case 7: { // replace a value
        const m = /^(\s*(?:- )?[\w.-]+:) .*$/.exec(lines[li] ?? '');
        lines[li] = m ? `${m[1]} ${pick(VALUES)}` : `${lines[li]} ${pick(VALUES)}`;
        text = lines.join('\n');
        break;
      }
      case 8: { // splice lines from another submission
        const d = pick(donors).toString('latin1').split('\n');
        const from = Math.floor(rnd() * d.length);
        lines.splice(li, Math.floor(rnd() * 5), ...d.slice(from, from + 1 + Math.floor(rnd() * 10)));
        text = lines.join('\n');
        break;
      }
      default: { // an anchor on one line, aliases to it on others
        lines[li] = (lines[li] ?? '').replace(/: (.+)$/, ': &a $1');
        for (let k = 0; k < 1 + Math.floor(rnd() * 150); k++) {
          const lj = Math.floor(rnd() * lines.length);
          if (lj > li) lines[lj] = (lines[lj] ?? '').replace(/: (.+)$/, ': *a');
        }
        text = lines.join('\n');
      }
    }
  }
  return Buffer.from(text, 'latin1');
}

test(`fuzz: ${N} mutants of real submissions validate in-process with exit 0/1/2, no crash, < ${MAX_MS} ms each`, async () => {
  const files = allSubmissions();
  const originals = files.map((f) => readFileSync(f));
  const rnd = prng(SEED);
  const full = new Validator({ checklist: CHECKLISTS, offline: true });
  const bulk = new Validator({ checklist: CHECKLISTS, offline: true, bulk: true });
  const codes = new Map<number, number>();
  let slowest = 0;
  let peakMb = 0;
  for (let i = 0; i < N; i++) {
    const k = Math.floor(rnd() * files.length);
    const mutant = mutate(originals[k]!, originals, rnd);
    const where = `mutant ${i} of ${relative(SUBMISSIONS, files[k]!)} (KAIC_FUZZ_SEED=${SEED})`;
    for (const v of i % 10 === 0 ? [full, bulk] : [full]) {
      const t = performance.now();
      const r = await v.validateText(mutant, files[k]!);
      const ms = performance.now() - t;
      slowest = Math.max(slowest, ms);
      assert.equal(r.internalError, undefined, `${where}: kaic crashed: ${r.internalError?.stack}\n--- input ---\n${mutant.toString('utf8').slice(0, 2000)}`);
      const code = exitCodeForValidation([r]);
      assert.ok(code === 0 || code === 1 || code === 2, `${where}: exit ${code}`);
      codes.set(code, (codes.get(code) ?? 0) + 1);
      assert.ok(ms < MAX_MS, `${where}: took ${ms.toFixed(0)} ms`);
      for (const d of r.diagnostics) {
        assert.doesNotMatch(d.message, /\n\s+at /, `${where}: a stack trace in ${d.code}`);
        assert.ok(d.line >= 1 && d.col >= 1, `${where}: ${d.code} located`);
      }
    }
    if (i % 250 === 0) peakMb = Math.max(peakMb, process.memoryUsage().rss / 1048576);
  }
  assert.ok(peakMb < MAX_MB, `resident memory reached ${peakMb.toFixed(0)} MB`);
  // The mutants must reach every outcome, or the fuzzer is not exploring.
  for (const c of [0, 1, 2]) assert.ok((codes.get(c) ?? 0) > 0, `no mutant ended with exit ${c}: ${JSON.stringify([...codes])}`);
  console.log(`fuzz: ${N} mutants, exits ${JSON.stringify(Object.fromEntries(codes))}, slowest ${slowest.toFixed(0)} ms, rss ${peakMb.toFixed(0)} MB`);
});

/** Runs the built CLI, measuring wall time and peak memory; SIGKILL after 20 s counts as a hang. */
function runKaic(args: string[], opts: { signalAfterMs?: number } = {}): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; ms: number; mb: number }> {
  return new Promise((resolve) => {
    const t = performance.now();
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'kaic.js'), ...args], {
      env: { ...process.env, NODE_OPTIONS: `--import=${pathToFileURL(join(ROOT, 'test', 'fuzz', 'rss-preload.mjs')).href}`, KAIC_CACHE: join(tmp(), 'cache') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
    let signalledAt: number | undefined;
    if (opts.signalAfterMs !== undefined) setTimeout(() => { signalledAt = performance.now(); child.kill('SIGTERM'); }, opts.signalAfterMs);
    child.on('close', (code, signal) => {
      clearTimeout(kill);
      const mb = Number(/kaic-test-maxrss (\d+)/.exec(stderr)?.[1] ?? NaN);
      stderr = stderr.replace(/\nkaic-test-maxrss \d+\n/, '');
      resolve({ code, signal, stdout, stderr, ms: performance.now() - (signalledAt ?? t), mb });
    });
  });
}

test('hostile files: each is refused or read within bounds, through the CLI, one process each', async () => {
  const base = readFileSync(validSubmission('v1.35').file, 'utf8');
  const root = tmp('kaic-fuzz-');
  const sub = (name: string, content?: string | Buffer) => {
    const dir = join(root, name, 'v1.35', 'acme');
    mkdirSync(join(dir, 'evidence'), { recursive: true });
    writeFileSync(join(dir, 'evidence', 'procedure.log'), 'kubectl apply -f test.yaml\npod/test created\n');
    if (content !== undefined) writeFileSync(join(dir, 'PRODUCT.yaml'), content);
    return dir;
  };
  const withNotes = (notes: string) => base.replace(/notes: .*/, `notes: ${notes}`);
  const anchors = `${base.replace(/notes: (.*)/, 'notes: &n $1').replace(/(notes: (?!&).*)/g, 'notes: *n')}x-refs: [${Array.from({ length: 150 }, () => '*n').join(', ')}]\n`;
  const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n');
  const junitDeep = `<?xml version="1.0"?>\n<testsuites><testsuite name="x"><testcase name="TestDRASupport">${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}</testcase></testsuite></testsuites>\n`;
  const fifoDir = sub('fifo');
  execFileSync('mkfifo', [join(fifoDir, 'PRODUCT.yaml')]);
  const zeroDir = sub('zero');
  symlinkSync('/dev/zero', join(zeroDir, 'PRODUCT.yaml'));
  const randomDir = sub('urandom');
  symlinkSync('/dev/urandom', join(randomDir, 'PRODUCT.yaml'));
  const dirDir = sub('directory');
  mkdirSync(join(dirDir, 'PRODUCT.yaml'));
  const deepXmlDir = sub('deep-xml', base.replace('evidence/procedure.log', 'file://results/junit.xml#TestDRASupport'));
  mkdirSync(join(deepXmlDir, 'results'));
  writeFileSync(join(deepXmlDir, 'results', 'junit.xml'), junitDeep);
  const good = sub('good', base);

  const cases: { name: string; dir: string; exits: number[]; expect?: RegExp; lines?: number }[] = [
    { name: '150 alias references (the Go parser reads them)', dir: sub('aliases', anchors), exits: [0, 1] },
    { name: 'alias expansion bomb', dir: sub('laughs', `${laughs}\n${base}`), exits: [2], expect: /expand this document to more than 200,000 nodes/ },
    { name: 'recursive alias', dir: sub('recursive', `${base}x-loop: &l [*l]\n`), exits: [2], expect: /refers to a node that contains it/ },
    { name: 'YAML nested 10,000 levels', dir: sub('deep-yaml', `x: ${'['.repeat(10000)}${']'.repeat(10000)}\n`), exits: [2], expect: /YAML_SYNTAX/ },
    { name: 'junit.xml nested 10,000 levels, cited as evidence', dir: deepXmlDir, exits: [1], expect: /ARTIFACT_UNPARSEABLE .*nested deeper than 64 levels/ },
    { name: 'BOM', dir: sub('bom', `\uFEFF${base}`), exits: [0] },
    { name: 'CRLF line ends', dir: sub('crlf', base.replace(/\n/g, '\r\n')), exits: [0] },
    { name: 'a tab: one YAML error, reported once', dir: sub('tab', base.replace('\n  accelerators:', '\n\taccelerators:')), exits: [2], expect: /YAML_SYNTAX/, lines: 1 },
    { name: 'duplicate keys', dir: sub('dup', base.replace('metadata:\n', 'metadata:\n  platformName: a\n  platformName: b\n')), exits: [2], expect: /YAML_SYNTAX/ },
    { name: 'not UTF-8', dir: sub('latin1', Buffer.concat([Buffer.from(base), Buffer.from([0xff, 0xfe, 0x41])])), exits: [2], expect: /not valid UTF-8/ },
    { name: 'a 1.9 MB string (under the cap)', dir: sub('long-string', withNotes(`"${'x'.repeat(1_900_000)}"`)), exits: [0, 1] },
    { name: 'a 3 MB file (over the cap, named)', dir: sub('huge', withNotes(`"${'x'.repeat(3_000_000)}"`)), exits: [2], expect: /over the limit for YAML files \(2 MiB\)/ },
    { name: 'a FIFO named PRODUCT.yaml', dir: fifoDir, exits: [2], expect: /FIFO/ },
    { name: 'PRODUCT.yaml -> /dev/zero', dir: zeroDir, exits: [2], expect: /character device, not a regular file/ },
    { name: 'PRODUCT.yaml -> /dev/urandom', dir: randomDir, exits: [2], expect: /character device, not a regular file/ },
    { name: 'a directory named PRODUCT.yaml', dir: dirDir, exits: [2], expect: /is a directory/ },
  ];
  for (const c of cases) {
    const r = await runKaic(['validate', c.dir, '--offline', '--checklist', CHECKLISTS]);
    const out = r.stdout + r.stderr;
    assert.ok(r.code !== null && c.exits.includes(r.code), `${c.name}: exit ${r.code} (signal ${r.signal}), expected ${c.exits.join('/')}\n${out.slice(0, 2000)}`);
    assert.doesNotMatch(out, /\n\s+at |internal error/, `${c.name}: no stack trace, no internal error`);
    assert.ok(r.ms < MAX_MS, `${c.name}: took ${r.ms.toFixed(0)} ms`);
    assert.ok(r.mb < MAX_MB, `${c.name}: peak memory ${r.mb} MB`);
    if (c.expect) assert.match(out, c.expect, c.name);
    if (c.lines !== undefined) assert.equal(r.stdout.trim().split('\n').length, c.lines, `${c.name}: ${r.stdout}`);
  }

  // One bad file never stops a multi-file run: the FIFO, the device and the bomb are reported and
  // the good submission after them is still judged.
  const many = await runKaic(['validate', fifoDir, zeroDir, join(root, 'laughs'), good, '--offline', '--checklist', CHECKLISTS]);
  assert.equal(many.code, 2, many.stderr);
  assert.match(many.stderr, /4 files checked/);
  assert.ok(existsSync(good));
});

test('SIGTERM ends kaic promptly, whatever it is doing', async () => {
  const root = tmp('kaic-sigterm-');
  const { file } = validSubmission('v1.35');
  const text = readFileSync(file);
  for (let i = 0; i < 400; i++) {
    const dir = join(root, `s${i}`, 'v1.35', 'acme');
    mkdirSync(join(dir, 'evidence'), { recursive: true });
    writeFileSync(join(dir, 'PRODUCT.yaml'), text);
    writeFileSync(join(dir, 'evidence', 'procedure.log'), 'ok\n');
  }
  const fifo = join(root, 'fifo', 'v1.35', 'x');
  mkdirSync(fifo, { recursive: true });
  execFileSync('mkfifo', [join(fifo, 'PRODUCT.yaml')]);
  const r = await runKaic(['validate', root, '--offline', '--checklist', CHECKLISTS], { signalAfterMs: 400 });
  assert.ok(r.ms < 2000, `ended ${r.ms.toFixed(0)} ms after SIGTERM`);
  assert.ok(r.code === 130 || r.code === 2 || r.signal === 'SIGTERM', `exit ${r.code} ${r.signal}: ${r.stderr.slice(-500)}`);
});
