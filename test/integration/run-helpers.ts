import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { loadKubeConfig } from '../../src/cluster/connect.js';
import { rawRequest } from '../../src/cluster/api.js';
import { findLabelled, refText, runLabels } from '../../src/cluster/scope.js';
import { discoverCluster } from '../../src/cluster/view.js';
import { CHECKS } from '../../src/checks/registry.js';
import { sweptTypes } from '../../src/run/cluster-session.js';
import { down, up, type ClusterOptions } from '../../localcluster/local-cluster.js';
import { loadChecklist, type Checklist } from '../../src/standard/checklist.js';
import { CHECKLISTS, ROOT, tmp } from '../helpers.js';

export async function checklist(v = 'v1.35'): Promise<Checklist> {
  const c = await loadChecklist(v, { checklist: CHECKLISTS });
  if (!c.ok) throw new Error('checklist');
  return c.value;
}

/** A sabotaged twin of the local cluster, removed when the test ends. */
export async function twinCluster(t: TestContext, name: string, opts: ClusterOptions): Promise<string> {
  t.after(() => down(name));
  const r = await up({ ...opts, name });
  return r.kubeconfig;
}

/** Sets every webhook of an add-on's two configurations to `failurePolicy: Ignore` (the fail-open twin). */
export async function failOpenWebhooks(kubeconfig: string, addOn: string): Promise<void> {
  const kc = loadKubeConfig({ kubeconfig });
  for (const kind of ['mutating', 'validating']) {
    const path = `/apis/admissionregistration.k8s.io/v1/${kind}webhookconfigurations/${addOn}-${kind}-webhook-configuration`;
    const cfg = (await rawRequest(kc, 'GET', path)) as { webhooks: unknown[] };
    await rawRequest(kc, 'PATCH', path, cfg.webhooks.map((_, i) => ({ op: 'replace', path: `/webhooks/${i}/failurePolicy`, value: 'Ignore' })), { contentType: 'application/json-patch+json' });
  }
}

export async function leftovers(kubeconfig: string, runId: string): Promise<string[]> {
  const kc = loadKubeConfig({ kubeconfig });
  const view = await discoverCluster(kc);
  return (await findLabelled(kc, sweptTypes(view, [...CHECKS.values()]), runId)).map(refText);
}

/**
 * Creates an object as if a run `runId` had (its label), for sabotage and leftovers; removed when
 * the test ends unless `keep`.
 */
export async function createLabelled(t: TestContext | undefined, kubeconfig: string, runId: string, collection: string, obj: Record<string, unknown>): Promise<void> {
  const kc = loadKubeConfig({ kubeconfig });
  const meta = (obj.metadata ?? {}) as { name: string; labels?: Record<string, string> };
  obj.metadata = { ...meta, labels: { ...meta.labels, ...runLabels(runId) } };
  await rawRequest(kc, 'POST', collection, obj);
  t?.after(() => rawRequest(kc, 'DELETE', `${collection}/${meta.name}`).catch(() => undefined));
}

/** Full metadata, so the generated PRODUCT.yaml is judged on its answers, not on placeholders. */
export function runConfigFile(extra = ''): string {
  const f = join(tmp(), 'kaic.yaml');
  writeFileSync(
    f,
    `metadata:
  platformName: kaic local cluster
  platformVersion: "0.1.0"
  vendorName: kaic
  websiteUrl: https://kaic.test/
  documentationUrl: https://kaic.test/docs
  productLogoUrl: https://kaic.test/logo.svg
  description: Local control plane with simulated GPU nodes
  contactEmailAddress: maintainers@kaic.test
  k8sConformanceUrl: https://github.com/cncf/k8s-conformance/tree/master/v1.35/kaic
settings:
  gang.window: 8s
${extra}`,
  );
  return f;
}

export interface Spawned {
  code: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
  kill: (sig: NodeJS.Signals) => void;
  /** The reader goes away (`| head`). */
  closeStdout: () => void;
}

/** The built CLI as a child process (for signals and exit codes). */
export function spawnKaic(args: string[]): Spawned {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist not built');
  const p = spawn(process.execPath, [join(ROOT, 'bin', 'kaic.js'), ...args], { cwd: ROOT, env: { ...process.env, CI: 'true' } });
  let out = '';
  let err = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (err += d));
  return { code: new Promise((res) => p.on('close', (c) => res(c))), stdout: () => out, stderr: () => err, kill: (s) => p.kill(s), closeStdout: () => p.stdout.destroy() };
}
