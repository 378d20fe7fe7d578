import { KubeConfig } from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export class ConnectError extends Error {}

export interface ConnectOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
}

/**
 * Loads a kubeconfig the way kubectl finds one (flag, $KUBECONFIG, ~/.kube/config, in-cluster), but
 * refuses client-node's silent fallback to http://localhost:8080 when none exists.
 */
export function loadKubeConfig(opts: ConnectOptions = {}): KubeConfig {
  const kc = new KubeConfig();
  const candidates = opts.kubeconfig ? [opts.kubeconfig] : process.env.KUBECONFIG ? process.env.KUBECONFIG.split(delimiter).filter(Boolean) : [join(homedir(), '.kube', 'config')];
  const inCluster = !!process.env.KUBERNETES_SERVICE_HOST && existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token');
  const found = candidates.filter((f) => existsSync(f));
  if (opts.kubeconfig && found.length === 0) throw new ConnectError(`--kubeconfig ${opts.kubeconfig}: no such file`);
  if (found.length === 0 && !inCluster) {
    throw new ConnectError(`no kubeconfig found (looked at ${candidates.join(', ')}); pass --kubeconfig FILE or set KUBECONFIG`);
  }
  try {
    if (found.length === 1) kc.loadFromFile(found[0]!);
    else if (found.length > 1) kc.loadFromDefault();
    else kc.loadFromCluster();
  } catch (e) {
    throw new ConnectError(`cannot read kubeconfig ${found.join(', ')}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (opts.context) {
    if (!kc.getContexts().some((c) => c.name === opts.context)) throw new ConnectError(`context "${opts.context}" not found in the kubeconfig (have: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
    kc.setCurrentContext(opts.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new ConnectError('the kubeconfig has no current context/cluster; pass --context');
  return kc;
}
