import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CHECKLISTS, SUBMISSIONS, kaic, tmp } from '../helpers.js';

const C = ['--checklist', CHECKLISTS];

test('validate: exit 0 on a clean file, 1 on findings, one line per finding with file:line:col', () => {
  const r = kaic(['validate', join(SUBMISSIONS, 'v1.33', 'talos'), '--offline', ...C]);
  assert.equal(r.code, 1);
  const lines = r.stdout.trim().split('\n');
  assert.ok(lines.every((l) => /^\S+PRODUCT\.yaml:\d+:\d+ (error|warning) [A-Z0-9_]+ /.test(l)), lines.join('\n'));
  assert.match(r.stderr, /1 file checked: \d+ errors, \d+ warnings/);
  const gh = kaic(['validate', join(SUBMISSIONS, 'v1.33', 'talos'), '--offline', '--format', 'github', ...C]);
  assert.match(gh.stdout, /^::error file=.*PRODUCT\.yaml,line=\d+,col=\d+,title=MUST_NOT_IMPLEMENTED::/m);
  const json = kaic(['validate', join(SUBMISSIONS, 'v1.35', 'daocloud'), '--offline', '--format', 'json', ...C]);
  assert.equal(json.code, 0, json.stderr);
  assert.equal(JSON.parse(json.stdout).files[0].version, 'v1.35');
});

test('bad input: malformed YAML, binary, unknown version, missing folder, unknown flag and format — one line, exit 2, no stack', () => {
  const dir = join(tmp(), 'v1.37', 'x');
  mkdirSync(dir, { recursive: true });
  const cases: [string[], RegExp][] = [];
  writeFileSync(join(dir, 'PRODUCT.yaml'), 'metadata:\n\tplatformName: x\n');
  cases.push([['validate', join(dir, 'PRODUCT.yaml'), '--offline', ...C], /PRODUCT\.yaml:2:\d+ error YAML_SYNTAX/]);
  const bin = join(tmp(), 'PRODUCT.yaml');
  writeFileSync(bin, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]));
  cases.push([['validate', bin, '--offline', ...C], /INPUT_UNREADABLE .*binary/]);
  cases.push([['validate', tmp(), '--offline', ...C], /no PRODUCT\.yaml/]);
  cases.push([['checklist', '--version', 'v1.99', ...C], /no checklist for v1\.99/]);
  cases.push([['checklist', '--version', 'banana', ...C], /not a Kubernetes minor version/]);
  cases.push([['validate', dir, '--ofline'], /unknown option --ofline/]);
  cases.push([['validate', dir, '--format', 'xml'], /--format xml: expected one of text, json, github/]);
  cases.push([['frobnicate'], /unknown command "frobnicate"/]);
  for (const [args, re] of cases) {
    const r = kaic(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout + r.stderr, re, args.join(' '));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('checklist: v1.33 shows 9 requirements (8 MUST, 1 SHOULD), v1.37 shows 15 (8 MUST, 7 SHOULD)', () => {
  const a = kaic(['spec', 'list', '--version', 'v1.33', ...C]);
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stdout, /v1\.33: 9 requirements \(8 MUST, 1 SHOULD\)/);
  const b = kaic(['checklist', '--version', 'v1.37', ...C]);
  assert.match(b.stdout, /\| \*\*v1\.37\*\* \| 15 \| 8 \| 7 \|/);
  const d = kaic(['spec', 'diff', 'v1.35', 'v1.36', ...C]);
  assert.match(d.stdout, /- dra_support \(was MUST/);
  assert.match(d.stdout, /\+ advanced_inference_ingress \(SHOULD/);
});

test('init refuses to overwrite; outputs are written whole or not at all', () => {
  const dir = tmp();
  const out = join(dir, 'PRODUCT.yaml');
  assert.equal(kaic(['init', '--version', 'v1.37', '-o', out, ...C]).code, 0);
  assert.ok(existsSync(out));
  const again = kaic(['init', '--version', 'v1.37', '-o', out, ...C]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /exists; pass --force/);
  const failed = kaic(['report', join(dir, 'nope.yaml'), '-o', join(dir, 'r.md'), ...C]);
  assert.equal(failed.code, 2);
  assert.deepEqual(readdirSync(dir), ['PRODUCT.yaml'], 'no partial or temporary file left');
});

test('report renders Markdown and HTML from a submission', () => {
  const md = kaic(['report', join(SUBMISSIONS, 'v1.35', 'aks', 'PRODUCT.yaml'), ...C]);
  assert.equal(md.code, 0, md.stderr);
  assert.match(md.stdout, /## Compliance Summary/);
  const html = kaic(['report', join(SUBMISSIONS, 'v1.35', 'aks', 'PRODUCT.yaml'), '--format', 'html', ...C]);
  assert.match(html.stdout, /^<!doctype html>/);
});

test('help and version', () => {
  assert.match(kaic(['--help']).stdout, /validate/);
  assert.equal(kaic(['validate', '--help']).code, 0);
  assert.match(kaic(['--version']).stdout, /^\d+\.\d+\.\d+/);
});

test('run: bad input and unreachable clusters are one-line errors with exit 2, and nothing is written', () => {
  const home = tmp();
  const out = join(home, 'out');
  const env = { HOME: home, KUBECONFIG: '' };
  const unreachable = join(home, 'kc');
  writeFileSync(unreachable, 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]\nusers: [{name: u, user: {token: "s3cr3t-token-value"}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n');
  const cases: [string[], RegExp][] = [
    [['run', '--version', 'v1.35', ...C, '-o', out], /no kubeconfig found .*pass --kubeconfig FILE or set KUBECONFIG/],
    [['run', '--version', 'v1.35', '--kubeconfig', unreachable, ...C, '-o', out], /cannot reach the API server at https:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/],
    [['run', '--version', 'v1.35', '--only', 'quantum', ...C, '-o', out], /unknown requirement id\(s\) for v1\.35: quantum/],
    [['run', '--version', 'v1.35', '--timeout', 'forever', ...C, '-o', out], /--timeout forever: expected a duration/],
    [['run', '--version', 'v1.35', '--na', 'gpu_sharing', ...C, '-o', out], /--na gpu_sharing: expected KEY=VALUE/],
    [['run', '--version', 'v1.35', '--accelerator', 'tpu', '--kubeconfig', unreachable, ...C, '-o', out], /--accelerator tpu: expected one of/],
    [['run', ...C], /--version is required/],
  ];
  for (const [args, re] of cases) {
    const r = kaic(args, { env });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.doesNotMatch(r.stderr + r.stdout, /s3cr3t-token-value/);
  }
  assert.equal(existsSync(out), false, 'no artifact folder for a run that never started');
});

test('rbac prints a ClusterRole', () => {
  const r = kaic(['rbac']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /kind: ClusterRole\n/);
});
