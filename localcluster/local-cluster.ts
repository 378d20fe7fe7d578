import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { deviceClass, nodes, resourceSlices, DEFAULT_TOPOLOGY, type Topology } from './topology.js';
import { isAlive } from './process.js';
import { addOnsDir, addOnStatus, AddOnError, ADD_ONS, startAddOns, stopAddOn, stopAllAddOns, type AddOnName } from './addons.js';

export { isAlive };
import { importImages, nodeFootprint, preflight, readOwner, RealNodeError, REAL_NODE_NAME, setTwin, startNode, startRuntime, stopNode, nodeProcesses, type RealNodeBinaries, type RealNodeConfig, type RealNodeTwin } from './real-node.js';

/**
 * kaic's local cluster: real kube-apiserver, kube-controller-manager, kube-scheduler and etcd built
 * from Go modules, started by kwokctl's binary runtime, with kwok simulating nodes and pods, and
 * (realNodes: 1) one real node beside them: see real-node.ts.
 * State lives in `<repo>/.kaic/` (ignored by git); binaries in `~/.cache/kaic/bin/<component>-<version>/`.
 */
export const REPO = resolve(import.meta.dirname, '..');
export const CLUSTER_NAME = 'kaic';

export class ClusterError extends Error {}

export interface ClusterOptions {
  /** Override the feature gates / runtime config (e.g. to start a sabotaged twin). */
  readonly featureGates?: string;
  readonly runtimeConfig?: string;
  readonly name?: string;
  readonly topology?: Topology;
  /** kwokctl `--extra-args component=key=value` (e.g. a scheduler with a gate switched off). */
  readonly extraArgs?: readonly string[];
  /** Publish the simulated DRA driver's DeviceClass and ResourceSlices (default true). */
  readonly draDriver?: boolean;
  /**
   * Real nodes beside the kwok ones: 0 or 1 (one machine holds at most one; it needs root).
   * Default: `defaultRealNodes(name)`. 0 gives the kwok-only cluster, for runs that need no containers.
   */
  readonly realNodes?: 0 | 1;
  /** Sabotaged-twin switches of the real node's device plugins (default: none). */
  readonly realNodeTwin?: RealNodeTwin;
  /** Cluster add-ons to run beside it (addons.ts), e.g. ['kueue']; a reused cluster gains the missing ones. */
  readonly with?: readonly AddOnName[];
  readonly log?: (line: string) => void;
}

/**
 * The real-node count `up` uses when none is given: 1 for the shared cluster, 0 for every other.
 * `KAIC_REAL_NODES=0|1` sets it for the shared cluster; twins and other named clusters never take
 * the machine's one real node by default.
 */
export function defaultRealNodes(name: string): 0 | 1 {
  const env = process.env.KAIC_REAL_NODES;
  if (name === CLUSTER_NAME && (env === '0' || env === '1')) return Number(env) as 0 | 1;
  // The shared cluster has the real node; twins (scheduling-only sabotage) stay kwok-only and fast.
  return name === CLUSTER_NAME ? 1 : 0;
}

export function readVersions(file = join(REPO, 'cluster', 'versions.env')): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

const cacheDir = () => process.env.KAIC_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kaic');

export function binaries(v = readVersions()) {
  const bin = join(cacheDir(), 'bin');
  const k8s = join(bin, `k8s-${v.KUBERNETES_VERSION}`);
  return {
    kubeApiserver: join(k8s, 'kube-apiserver'),
    kubeControllerManager: join(k8s, 'kube-controller-manager'),
    kubeScheduler: join(k8s, 'kube-scheduler'),
    kubectl: join(k8s, 'kubectl'),
    etcd: join(bin, `etcd-${v.ETCD_VERSION}`, 'etcd'),
    kwok: join(bin, `kwok-${v.KWOK_VERSION}`, 'kwok'),
    kwokctl: join(bin, `kwok-${v.KWOK_VERSION}`, 'kwokctl'),
  };
}

/** The real node's binaries: built ones from the cache, runc, CNI plugins and busybox from Debian. */
export function nodeBinaries(v = readVersions()): RealNodeBinaries {
  const bin = join(cacheDir(), 'bin');
  const k8s = join(bin, `k8s-${v.KUBERNETES_VERSION}`);
  const ctrd = join(bin, `containerd-${v.CONTAINERD_VERSION}`);
  const r = spawnSync('bash', [join(REPO, 'scripts', 'build-components.sh'), 'paths'], { encoding: 'utf8' });
  const kaicNode = /^KAIC_NODE_BIN=(.*)$/m.exec(r.stdout ?? '')?.[1] ?? join(bin, 'kaic-node-unknown');
  return {
    kubelet: join(k8s, 'kubelet'),
    kubeProxy: join(k8s, 'kube-proxy'),
    kubectl: join(k8s, 'kubectl'),
    agnhost: join(k8s, 'agnhost'),
    containerd: join(ctrd, 'containerd'),
    containerdShim: join(ctrd, 'containerd-shim-runc-v2'),
    ctr: join(ctrd, 'ctr'),
    coredns: join(bin, `coredns-${v.COREDNS_VERSION}`, 'coredns'),
    draKubeletPlugin: join(bin, `dra-example-driver-${v.DRA_EXAMPLE_DRIVER_VERSION}`, 'dra-example-kubeletplugin'),
    devicePlugin: join(kaicNode, 'kaic-device-plugin'),
    gpuExporter: join(kaicNode, 'kaic-gpu-exporter'),
    prometheus: join(bin, `prometheus-${v.PROMETHEUS_VERSION}`, 'prometheus'),
    prometheusAdapter: join(bin, `prometheus-adapter-${v.PROMETHEUS_ADAPTER_VERSION}`, 'adapter'),
    traefik: join(bin, `traefik-${v.TRAEFIK_VERSION}`, 'traefik'),
    traefikWeightsIgnored: join(bin, `traefik-${v.TRAEFIK_VERSION}-weights-ignored`, 'traefik'),
    gatewayCrds: join(bin, `gateway-api-${v.GATEWAY_API_VERSION}`, 'crds'),
    dranet: join(bin, `dranet-${v.DRANET_VERSION}`, 'dranet'),
    pause: join(kaicNode, 'pause'),
    runc: '/usr/sbin/runc',
    cniBin: '/usr/lib/cni',
    busybox: '/bin/busybox',
  };
}

export function paths(name = CLUSTER_NAME) {
  const state = process.env.KAIC_STATE_DIR ?? join(REPO, '.kaic');
  return {
    state,
    workdir: join(state, 'kwok'),
    clusterDir: join(state, 'kwok', 'clusters', name),
    logs: join(state, 'kwok', 'clusters', name, 'logs'),
    kubeconfig: join(state, name === CLUSTER_NAME ? 'kubeconfig' : `kubeconfig-${name}`),
  };
}

function kwokEnv(v: Record<string, string>) {
  return { ...process.env, KWOK_WORKDIR: paths().workdir, KWOK_KUBE_VERSION: v.KUBERNETES_VERSION };
}

/** Builds missing components (a warm cache returns at once). */
export function ensureBinaries(log: (s: string) => void = () => {}, realNode = false): ReturnType<typeof binaries> {
  const b = binaries();
  const node: Record<string, string> = realNode ? { ...nodeBinaries() } : {};
  const built = Object.entries(node).filter(([k]) => !['runc', 'cniBin', 'busybox'].includes(k)).map(([, f]) => f);
  if ([...Object.values(b), ...built].every((f) => existsSync(f))) return b;
  log('building cluster components (first run only; see ~/.cache/kaic/build-logs/)');
  const r = spawnSync('bash', [join(REPO, 'scripts', 'build-components.sh'), 'all'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new ClusterError('building the cluster components failed (see the message above)');
  return b;
}

export function kubectl(args: string[], opts: { input?: string; name?: string; timeoutMs?: number } = {}): string {
  const r = spawnSync(binaries().kubectl, ['--kubeconfig', paths(opts.name).kubeconfig, ...args], { input: opts.input, encoding: 'utf8', timeout: opts.timeoutMs ?? 60_000, maxBuffer: 256 * 2 ** 20 });
  if (r.status !== 0) throw new ClusterError(`kubectl ${args.join(' ')} failed: ${(r.stderr || r.error?.message || '').trim()}`);
  return r.stdout;
}

/**
 * True when the API server answers with the kubeconfig we wrote. /version, not /readyz: a twin with
 * an API group switched off can report a post-start hook unready and still serve everything else.
 */
export function isHealthy(name = CLUSTER_NAME): boolean {
  if (!existsSync(paths(name).kubeconfig) || !existsSync(binaries().kubectl)) return false;
  try {
    return /"gitVersion"/.test(kubectl(['get', '--raw', '/version'], { name, timeoutMs: 5_000 }));
  } catch {
    return false;
  }
}

function kwokctl(args: string[], v: Record<string, string>, timeoutMs = 180_000) {
  return spawnSync(binaries(v).kwokctl, args, { env: kwokEnv(v), encoding: 'utf8', timeout: timeoutMs });
}


/** component name → pid, from kwokctl's pid files. */
export function componentPids(name = CLUSTER_NAME): Map<string, number> {
  const dir = join(paths(name).clusterDir, 'pids');
  const out = new Map<string, number>();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir)) {
    const pid = Number(readFileSync(join(dir, f), 'utf8').trim());
    if (pid > 0) out.set(f.replace(/\.pid$/, ''), pid);
  }
  return out;
}

/** Which components died early, with the tail of each one's log. */
function diagnoseStart(name: string): string {
  const { logs } = paths(name);
  const lines: string[] = [];
  for (const [c, pid] of componentPids(name)) {
    if (!isAlive(pid)) {
      const logFile = join(logs, `${c}.log`);
      const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n    ') : '(no log)';
      lines.push(`  ${c} exited early (log: ${logFile}):\n    ${tail}`);
    }
  }
  return lines.length ? lines.join('\n') : `  see the component logs in ${logs}`;
}

export interface UpResult {
  readonly kubeconfig: string;
  readonly server: string;
  readonly reused: boolean;
  readonly seconds: number;
  readonly nodes: number;
  readonly gpuNodes: number;
  /** Nodes backed by a real kubelet and container runtime (REAL_NODE_NAME). */
  readonly realNodes: number;
}

/** Where the real node's component logs go (kept under failed-starts when a start fails). */
const nodeLogs = (name: string) => join(paths(name).state, `real-node-${name}`, 'logs');
/** Records how many real nodes a running cluster was created with. */
const realNodesMarker = (name: string) => join(paths(name).state, `real-node-${name}`, 'real-nodes');

export function nodeConfig(name: string, opts: Pick<ClusterOptions, 'realNodeTwin' | 'log'> = {}, v = readVersions()): RealNodeConfig {
  return {
    cluster: name,
    stateDir: paths(name).state,
    kubeconfig: paths(name).kubeconfig,
    logs: nodeLogs(name),
    bin: nodeBinaries(v),
    agnhostVersion: v.AGNHOST_VERSION!,
    imageCache: join(cacheDir(), 'images'),
    twin: opts.realNodeTwin ?? {},
    log: opts.log,
  };
}

function recordedRealNodes(name: string): number {
  try {
    return Number(readFileSync(realNodesMarker(name), 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

/** Starts the cluster (idempotent: a healthy one is reused, a stale one is replaced). */
export async function up(opts: ClusterOptions = {}): Promise<UpResult> {
  const t0 = Date.now();
  const log = opts.log ?? (() => {});
  const name = opts.name ?? CLUSTER_NAME;
  const realNodes = opts.realNodes ?? defaultRealNodes(name);
  const v = readVersions();
  ensureBinaries(log, realNodes > 0);
  const p = paths(name);
  const node = realNodes > 0 ? nodeConfig(name, opts, v) : undefined;
  if (node) {
    try {
      preflight(node.bin);
    } catch (e) {
      throw new ClusterError((e as Error).message);
    }
  }
  if (isHealthy(name)) {
    const running = recordedRealNodes(name);
    // A running cluster is replaced only when the caller asked for a different real-node count:
    // without one, it is reused as it runs (with or without its real node).
    if (running === realNodes || opts.realNodes === undefined) {
      applyTopology(name, opts.topology ?? DEFAULT_TOPOLOGY, log, opts.draDriver ?? true);
      if (running > 0) await reuseRealNode(node ?? nodeConfig(name, opts, v), log);
      await withAddOns(name, opts.with ?? [], log, v);
      return summary(name, true, t0, opts.topology, running);
    }
    log(`replacing cluster "${name}": it runs with ${running} real nodes, ${realNodes} asked`);
    down(name);
  }
  if (existsSync(p.clusterDir)) {
    log(`replacing a stale cluster "${name}" from an earlier run`);
    down(name);
  }
  mkdirSync(p.state, { recursive: true });
  const b = binaries(v);

  // kwokctl runs kubectl to wait for the API server: point it at ours, never a download.
  const config = join(p.state, `kwokctl-${name}.yaml`);
  writeFileSync(config, `apiVersion: config.kwok.x-k8s.io/v1alpha1\nkind: KwokctlConfiguration\noptions:\n  kubectlBinary: ${JSON.stringify(b.kubectl)}\n---\n${readFileSync(join(REPO, 'cluster', 'stages.yaml'), 'utf8')}`);
  const nodeArgs = node
    ? [
        // kwok plays only the nodes it created (annotated fake); the kubelet owns the real one.
        'kwok-controller=manage-all-nodes=false',
        'kwok-controller=manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
        // The real node's name does not resolve: logs and exec go to its InternalIP.
        'kube-apiserver=kubelet-preferred-address-types=InternalIP,Hostname',
      ]
    : [];
  const args = [
    '--config', config,
    'create', 'cluster', '--name', name, '--runtime', 'binary',
    '--kube-apiserver-binary', b.kubeApiserver,
    '--kube-controller-manager-binary', b.kubeControllerManager,
    '--kube-scheduler-binary', b.kubeScheduler,
    '--etcd-binary', b.etcd,
    '--kwok-controller-binary', b.kwok,
    '--kubeconfig', p.kubeconfig,
    '--kube-feature-gates', opts.featureGates ?? v.KUBE_FEATURE_GATES ?? '',
    '--kube-runtime-config', opts.runtimeConfig ?? v.KUBE_RUNTIME_CONFIG ?? '',
    '--wait', '90s',
    ...[...nodeArgs, ...(opts.extraArgs ?? [])].flatMap((a) => ['--extra-args', a]),
  ];
  log(`starting Kubernetes ${v.KUBERNETES_VERSION} (kwokctl ${v.KWOK_VERSION}, binary runtime)${node ? ' and a real node' : ''}`);
  const fail = (why: string): never => {
    // Keep the component logs: the cluster's state is removed, its logs are what explain why.
    const kept = join(p.state, 'failed-starts', `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    if (existsSync(p.logs)) cpSync(p.logs, kept, { recursive: true });
    if (node && existsSync(node.logs)) cpSync(node.logs, join(kept, 'real-node'), { recursive: true });
    down(name);
    throw new ClusterError(`the local cluster did not start:\n${why.split(p.logs).join(kept).split(node?.logs ?? '\0').join(join(kept, 'real-node'))}`);
  };
  // The node's runtime starts and takes its images while the control plane comes up.
  let nodeIP = '';
  let imported: Promise<unknown> = Promise.resolve();
  if (node) {
    try {
      nodeIP = startRuntime(node).nodeIP;
      imported = importImages(node).catch((e: Error) => e);
    } catch (e) {
      fail(`  real node: ${(e as Error).message}`);
    }
  }
  const r = await startWatched(args, v, name);
  if (!r.ok || !isHealthy(name)) fail(`${diagnoseStart(name)}${r.output ? `\n  kwokctl: ${r.output}` : ''}`);
  applyTopology(name, opts.topology ?? DEFAULT_TOPOLOGY, log, opts.draDriver ?? true);
  mkdirSync(join(realNodesMarker(name), '..'), { recursive: true });
  writeFileSync(realNodesMarker(name), String(realNodes));
  if (node) {
    try {
      const imp = await imported;
      if (imp instanceof Error) throw imp;
      await startNode(node, nodeIP);
    } catch (e) {
      fail(`  real node: ${(e as Error).message}`);
    }
  }
  try {
    await withAddOns(name, opts.with ?? [], log, v);
  } catch (e) {
    if (e instanceof ClusterError) fail(`  ${e.message}`);
    throw e;
  }
  return summary(name, false, t0, opts.topology, realNodes);
}

async function withAddOns(name: string, list: readonly AddOnName[], log: (s: string) => void, v: Record<string, string>) {
  if (!list.length) return;
  const p = paths(name);
  const dir = addOnsDir(p.state, name);
  try {
    await startAddOns(dir, list, (a) => ({
      cluster: name,
      kubeconfig: p.kubeconfig,
      dir: join(dir, a),
      bin: ADD_ONS[a].binDir(v, cacheDir()),
      kubectl: (args, input) => {
        try {
          return kubectl(args, { name, input, timeoutMs: 120_000 });
        } catch (e) {
          // kubectl echoes whole objects in some errors: one line is what explains it.
          throw new ClusterError(`kubectl ${args.slice(0, 3).join(' ')}: ${(e as Error).message.split('\n').find((l) => /error/i.test(l))?.slice(0, 400) ?? (e as Error).message.slice(0, 400)}`);
        }
      },
      log,
    }));
  } catch (e) {
    if (e instanceof AddOnError || e instanceof ClusterError) throw new ClusterError(`add-on: ${e.message}`);
    throw e;
  }
}

/** Stops one add-on of a running cluster and leaves what it configured: the twin of a controller that died. */
export async function stopClusterAddOn(a: AddOnName, name = CLUSTER_NAME): Promise<void> {
  await stopAddOn(addOnsDir(paths(name).state, name), a);
}

/** A running cluster's real node: reused when all its processes live, restarted otherwise. */
async function reuseRealNode(node: RealNodeConfig, log: (s: string) => void) {
  const owner = readOwner();
  const { dead } = nodeProcesses();
  try {
    if (owner?.cluster === node.cluster && owner.stateDir === node.stateDir && dead.length === 0) {
      if (JSON.stringify(owner.twin ?? {}) !== JSON.stringify(node.twin ?? {})) {
        log(`switching the real node's device plugins to ${JSON.stringify(node.twin)}`);
        await setTwin(node, node.twin ?? {});
      }
      return;
    }
    log(`restarting the real node${dead.length ? ` (${dead.join(', ')} not running)` : ''}`);
    const { nodeIP } = startRuntime(node);
    await importImages(node);
    await startNode(node, nodeIP);
  } catch (e) {
    if (e instanceof RealNodeError) throw new ClusterError(`the real node did not start: ${e.message} (logs: ${node.logs})`);
    throw e;
  }
}

/**
 * Runs `kwokctl create cluster`, watching the components as they start: one that exits ends the wait
 * at once (kwokctl itself would wait minutes for an API server that is already dead).
 */
async function startWatched(args: string[], v: Record<string, string>, name: string, timeoutMs = 120_000): Promise<{ ok: boolean; output: string }> {
  const child = spawn(binaries(v).kwokctl, args, { env: kwokEnv(v), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  const deadline = Date.now() + timeoutMs;
  let code: number | null | undefined;
  let ok = false;
  while (Date.now() < deadline) {
    code = await Promise.race([exited, new Promise<undefined>((res) => setTimeout(() => res(undefined), 500))]);
    if (code !== undefined) {
      ok = code === 0;
      break;
    }
    const pids = componentPids(name);
    if (pids.size > 0 && [...pids.values()].some((p) => !isAlive(p))) break;
  }
  if (code === undefined) {
    child.kill('SIGKILL');
    await exited;
  }
  const tail = output.trim().split('\n').filter((l) => /"level":"(ERROR|WARN)"/.test(l) || !l.startsWith('{')).slice(-2).join('\n  ');
  return { ok, output: code === undefined && Date.now() >= deadline ? `no ready cluster after ${timeoutMs / 1000}s ${tail}` : tail };
}

function applyTopology(name: string, t: Topology, log: (s: string) => void, dra: boolean) {
  const ns = nodes(t);
  const existing = new Set(kubectl(['get', 'nodes', '-o', 'name'], { name }).split('\n').filter(Boolean).map((s) => s.replace(/^node\//, '')));
  const missing = ns.filter((n) => !existing.has((n.metadata as { name: string }).name));
  if (missing.length) {
    log(`creating ${missing.length} simulated nodes`);
    kubectl(['create', '-f', '-'], { name, input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: missing }) });
  }
  kubectl(['wait', '--for=condition=Ready', 'node', '-l', 'kaic.dev/local-cluster=true', '--timeout=60s'], { name, timeoutMs: 70_000 });
  if (!dra) return;
  const uids = new Map<string, string>();
  // Only the topology's own nodes: a cluster with 5,000 more (the scale benchmark's) is reused too.
  const list = JSON.parse(kubectl(['get', 'nodes', '-l', 'kaic.dev/local-cluster=true', '-o', 'json'], { name })) as { items: { metadata: { name: string; uid: string } }[] };
  for (const n of list.items) uids.set(n.metadata.name, n.metadata.uid);
  const draObjects = [deviceClass(), ...resourceSlices(uids, t)];
  kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=kaic-local-cluster', '-f', '-'], { name, input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: draObjects }) });
}

function summary(name: string, reused: boolean, t0: number, t: Topology = DEFAULT_TOPOLOGY, realNodes = 0): UpResult {
  const kc = readFileSync(paths(name).kubeconfig, 'utf8');
  const server = /server:\s*(\S+)/.exec(kc)?.[1] ?? 'unknown';
  return { kubeconfig: paths(name).kubeconfig, server, reused, seconds: (Date.now() - t0) / 1000, nodes: t.cpuNodes + t.gpuNodes + realNodes, gpuNodes: t.gpuNodes, realNodes };
}

/** Stops every component and removes all state; safe to call when nothing runs. */
export function down(name = CLUSTER_NAME): { removed: boolean } {
  const v = readVersions();
  const p = paths(name);
  // The real node goes first, while the API server still answers (its pods are deleted through it).
  const owner = readOwner();
  const ownsNode = owner?.cluster === name && owner.stateDir === p.state;
  if (ownsNode) stopNode({ bin: nodeBinaries(v), kubeconfig: p.kubeconfig });
  rmSync(join(p.state, `real-node-${name}`), { recursive: true, force: true });
  stopAllAddOns(addOnsDir(p.state, name));
  if (!existsSync(p.clusterDir) && !existsSync(p.kubeconfig)) return { removed: ownsNode };
  const pids = [...componentPids(name).values()];
  if (existsSync(binaries(v).kwokctl)) kwokctl(['delete', 'cluster', '--name', name, '--kubeconfig', p.kubeconfig], v, 60_000);
  // Whatever kwokctl did not stop (a crashed run, a half-started cluster) is stopped here, and
  // down returns only once every component is gone.
  for (const pid of pids) {
    try {
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const until = Date.now() + 10_000;
  while (pids.some(isAlive) && Date.now() < until) spawnSync('sleep', ['0.1']);
  const left = pids.filter(isAlive);
  if (left.length) throw new ClusterError(`could not stop processes ${left.join(', ')} of cluster "${name}"`);
  rmSync(p.clusterDir, { recursive: true, force: true });
  rmSync(p.kubeconfig, { force: true });
  return { removed: true };
}

export function status(name = CLUSTER_NAME): { running: boolean; kubeconfig: string; detail: string } {
  const p = paths(name);
  if (!existsSync(p.clusterDir)) return { running: false, kubeconfig: p.kubeconfig, detail: 'no local cluster (npm run cluster:up)' };
  if (!isHealthy(name)) return { running: false, kubeconfig: p.kubeconfig, detail: `stale: state in ${p.clusterDir} but the API server does not answer (npm run cluster:up replaces it)` };
  const out = kubectl(['get', 'nodes', '-o', 'custom-columns=NAME:.metadata.name,READY:.status.conditions[?(@.type=="Ready")].status,GPU:.status.allocatable.nvidia\\.com/gpu,SIMULATED-GPU:.status.allocatable.example\\.com/gpu,KUBELET:.status.nodeInfo.kubeletVersion'], { name });
  const owner = readOwner();
  let node = '';
  if (owner?.cluster === name && owner.stateDir === p.state) {
    const { alive, dead } = nodeProcesses();
    node = `\nreal node ${REAL_NODE_NAME}: ${alive.join(', ')} running${dead.length ? `; NOT running: ${dead.join(', ')} (npm run cluster:up restarts the node)` : ''}; logs in ${join(p.state, `real-node-${name}`, 'logs')}`;
  }
  const addOns = addOnStatus(addOnsDir(p.state, name));
  const extra = addOns.length ? `\nadd-ons: ${addOns.map((a) => `${a.name} ${a.running ? 'running' : 'NOT running (npm run cluster:up -- --with ' + a.name + ' restarts it)'}`).join(', ')}` : '';
  return { running: true, kubeconfig: p.kubeconfig, detail: out.trim() + node + extra };
}


export { REAL_NODE_NAME, nodeFootprint, type RealNodeTwin };
export { ADD_ON_NAMES, parseAddOns, type AddOnName } from './addons.js';
