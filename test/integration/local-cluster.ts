import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { TestContext } from 'node:test';
import { loadKubeConfig } from '../../src/cluster/connect.js';
import { waitFor } from '../../src/cluster/wait.js';
import { up } from '../../localcluster/local-cluster.js';

let shared: Promise<KubeConfig> | undefined;

/**
 * The real local control plane, started once per process (or reused if `.ci/run` or a developer
 * started it). A cluster that cannot start fails the test: integration tests never become skips.
 */
export function localCluster(): Promise<KubeConfig> {
  shared ??= up({ log: (s) => process.stderr.write(`cluster: ${s}\n`) }).then((r) => loadKubeConfig({ kubeconfig: r.kubeconfig }));
  return shared;
}

/** A namespace for one test, deleted (and awaited) when the test ends. */
export async function testNamespace(kc: KubeConfig, t: TestContext, prefix = 'kaic-it'): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  await core.createNamespace({ body: { metadata: { name, labels: { 'kaic.dev/test': 'integration' } } } });
  t.after(async () => {
    await core.deleteNamespace({ name }).catch(() => undefined);
    await waitFor(kc, { path: '/api/v1/namespaces', fieldSelector: `metadata.name=${name}` }, `namespace ${name} to be deleted`, (m) => (m.size === 0 ? true : undefined), { timeoutMs: 60_000 });
  });
  return name;
}
