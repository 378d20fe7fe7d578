import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { CHECKLISTS, ROOT, SUBMISSIONS } from '../helpers.js';

test('the package entry (dist/index.js) exposes the library API', async () => {
  const kaic = (await import(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)) as typeof import('../../src/index.js');
  const results = await kaic.validatePaths([join(SUBMISSIONS, 'v1.35', 'aks')], { checklist: CHECKLISTS, offline: true });
  assert.equal(kaic.exitCodeForValidation(results), 0);
  assert.equal(kaic.CATALOG.length, 16);
  assert.ok(kaic.CHECKS.has('gang_scheduling'));
  assert.match(kaic.clusterRoleYaml(), /kind: ClusterRole/);
});
