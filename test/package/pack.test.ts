import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ROOT, tmp } from '../helpers.js';

/**
 * Issue 13: the published package works on its own. `npm pack` the checkout (dist is built by the
 * test command first), install the tarball into an empty folder far from the checkout (no
 * ../shared, empty HOME and cache), then run kaic there with every network call refused.
 */
test('npm pack → install in an empty folder → validate, checklist, init, report and run --help work offline', { timeout: 300_000 }, () => {
  const work = tmp('kaic-pack-');
  const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(pack.status, 0, pack.stderr);
  const info = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  const shipped = info[0]!.files.map((f) => f.path);
  for (const v of ['1.33', '1.34', '1.35', '1.36', '1.37']) assert.ok(shipped.includes(`checklists/AIConformance-${v}.yaml`), `ships the ${v} checklist`);
  assert.ok(shipped.includes('checklists/sources.json'));
  assert.ok(!shipped.some((p) => p.startsWith('test/') || p.startsWith('src/') || p.startsWith('localcluster/')), 'no tests, sources or cluster code');

  const app = join(work, 'app');
  const home = join(work, 'home');
  mkdirSync(app);
  mkdirSync(home);
  writeFileSync(join(app, 'package.json'), '{ "name": "kaic-package-test", "private": true }\n');
  const install = spawnSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', join(work, info[0]!.filename)], { cwd: app, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } });
  assert.equal(install.status, 0, install.stderr);

  const kaic = (...args: string[]) => {
    const r = spawnSync(process.execPath, [join(app, 'node_modules', 'kaic', 'bin', 'kaic.js'), ...args], {
      cwd: app,
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '', HOME: home, KAIC_CACHE: join(home, 'cache'), NODE_OPTIONS: `--import=${pathToFileURL(join(ROOT, 'test', 'package', 'no-network.mjs')).href}` },
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
  assert.equal(kaic('--version').out.trim(), version);

  mkdirSync(join(app, 'v1.37', 'acme'), { recursive: true });
  const init = kaic('init', '--version', 'v1.37', '-o', 'v1.37/acme/PRODUCT.yaml');
  assert.equal(init.code, 0, init.err);
  assert.ok(existsSync(join(app, 'v1.37', 'acme', 'PRODUCT.yaml')));

  const validate = kaic('validate', 'v1.37/acme', '--offline');
  assert.equal(validate.code, 1, `a fresh template has findings, and they are findings, not unreadable input: ${validate.err}`);
  assert.match(validate.out, /v1\.37\/acme\/PRODUCT\.yaml:\d+:\d+ error METADATA_PLACEHOLDER/);
  assert.doesNotMatch(validate.out + validate.err, /VERSION_UNKNOWN|INPUT_UNREADABLE|internal error|network access attempted/);

  const checklist = kaic('checklist', '--version', 'v1.35');
  assert.equal(checklist.code, 0, checklist.err);
  assert.match(checklist.out, /Dynamic Resource Allocation/, 'the checklist text, not just ids');
  assert.doesNotMatch(checklist.err, /no official .* checklist available/);

  const report = kaic('report', 'v1.37/acme/PRODUCT.yaml', '--offline');
  assert.equal(report.code, 0, report.err);

  const run = kaic('run', '--help');
  assert.equal(run.code, 0, run.err);
  assert.match(run.out, /--version/);
});
