import { CoreV1Api, type KubeConfig, type V1PodSpec } from '@kubernetes/client-node';
import { existsSync, readdirSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { loadKubeConfig } from '../../src/cluster/connect.js';
import { waitFor } from '../../src/cluster/wait.js';
import { CLUSTER_NAME, down, isHealthy, nodeBinaries, paths, up } from '../../localcluster/local-cluster.js';
import { iptablesRules, readOwner, REAL_NODE_LABEL, REAL_NODE_TAINT, stopNode } from '../../localcluster/real-node.js';

let shared: Promise<KubeConfig> | undefined;

/**
 * The real local control plane, started once per process (or reused if `.ci/run` or a developer
 * started it). A cluster that cannot start fails the test: integration tests never become skips.
 */
export function localCluster(): Promise<KubeConfig> {
  shared ??= up({ log: (s) => process.stderr.write(`cluster: ${s}\n`) }).then((r) => loadKubeConfig({ kubeconfig: r.kubeconfig }));
  return shared;
}

/** A pod pinned to the real node by its label and taint, never pulling. */
export function onRealNode(spec: Partial<V1PodSpec> & Pick<V1PodSpec, 'containers'>): V1PodSpec {
  return {
    nodeSelector: { [REAL_NODE_LABEL]: 'true' },
    tolerations: [{ ...REAL_NODE_TAINT, operator: 'Equal' }],
    restartPolicy: 'Never',
    automountServiceAccountToken: false,
    terminationGracePeriodSeconds: 1,
    ...spec,
    containers: spec.containers.map((c) => ({ imagePullPolicy: 'Never', ...c })),
  };
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

/** The machine-wide counts a real node changes while it runs, to compare before and after it. */
export interface HostBaseline {
  readonly iptablesRules: number;
  readonly netns: number;
}
function hostBaseline(): HostBaseline {
  return { iptablesRules: iptablesRules().total, netns: existsSync('/run/netns') ? readdirSync('/run/netns').length : 0 };
}

export interface RealNodeCluster {
  readonly name: string;
  readonly kc: KubeConfig;
  /** Counts taken before this process started the node (undefined when it was already running). */
  readonly baseline?: HostBaseline;
  afterDown(): HostBaseline;
  /** Stops the real node only (the code `cluster:down` runs first); the API server stays. */
  stopNode(): Promise<void>;
  /** `cluster:down` of a cluster started for this file; `stopNode` for the shared one, which others use. */
  down(): Promise<void>;
  /** Ends this file's use: a cluster started for it is removed, a shared one gets its node back. */
  release(): Promise<void>;
  /** The same cluster with its real node running again (after `stopNode`). */
  restart(): Promise<RealNodeCluster>;
}

const REAL_CLUSTER = 'kaic-real';

/**
 * A cluster with the real node: the shared one when it holds the node, else a cluster of its own
 * (`kaic-real`) for the test file, removed by `release`.
 */
export async function realNodeCluster(): Promise<RealNodeCluster> {
  const log = (s: string) => process.stderr.write(`cluster: ${s}\n`);
  const owner = readOwner();
  if (owner?.cluster === CLUSTER_NAME && owner.stateDir === paths().state && isHealthy(CLUSTER_NAME)) {
    const kc = await localCluster();
    return {
      name: CLUSTER_NAME,
      kc,
      afterDown: hostBaseline,
      stopNode: async () => stopNode({ bin: nodeBinaries(), kubeconfig: paths().kubeconfig }),
      down: async () => stopNode({ bin: nodeBinaries(), kubeconfig: paths().kubeconfig }),
      release: async () => {
        await up({ log, realNodes: 1 });
      },
      restart: async () => {
        await up({ log, realNodes: 1 });
        return realNodeCluster();
      },
    };
  }
  const baseline = owner ? undefined : hostBaseline();
  const r = await up({ name: REAL_CLUSTER, realNodes: 1, log });
  return {
    name: REAL_CLUSTER,
    kc: loadKubeConfig({ kubeconfig: r.kubeconfig }),
    baseline,
    afterDown: hostBaseline,
    stopNode: async () => stopNode({ bin: nodeBinaries(), kubeconfig: paths(REAL_CLUSTER).kubeconfig }),
    down: async () => {
      down(REAL_CLUSTER);
    },
    release: async () => {
      down(REAL_CLUSTER);
    },
    restart: async () => {
      down(REAL_CLUSTER);
      const again = await realNodeCluster();
      return { ...again, baseline: again.baseline ?? baseline };
    },
  };
}
