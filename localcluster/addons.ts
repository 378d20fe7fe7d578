import { spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { isAlive } from './process.js';

/**
 * Cluster add-ons: upstream controllers built from their Go modules (scripts/build-components.sh,
 * versions in cluster/versions.env) that run as host processes beside one local cluster, reachable
 * from its API server on 127.0.0.1. Unlike the real node's add-ons (real-node.ts), each cluster —
 * the shared one or a twin — has its own: `up({ with: ['kueue'] })` starts them once the API server
 * answers, `down` stops them with the cluster, `stopAddOn` is the twin "the solver stopped".
 * A new add-on is one entry in ADD_ONS.
 */

export interface AddOnContext {
  readonly cluster: string;
  readonly kubeconfig: string;
  /** This add-on's folder for certificates, configuration and its log. */
  readonly dir: string;
  /** The add-on's binaries, from the component cache. */
  readonly bin: string;
  kubectl(args: string[], input?: string): string;
  log(line: string): void;
}

interface AddOn {
  readonly title: string;
  /** Add-ons this one needs running first (started with it when not asked for). */
  readonly requires?: readonly string[];
  /** The cached build folder, from the versions file. */
  binDir(versions: Record<string, string>, cache: string): string;
  start(ctx: AddOnContext): Promise<number>;
}

export class AddOnError extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
  });
}

function openssl(args: string[]) {
  const r = spawnSync('openssl', args, { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new AddOnError(`openssl ${args[0]} failed: ${(r.stderr || r.error?.message || '').trim()}`);
}

/** A CA and a serving certificate for 127.0.0.1 (webhooks the API server calls): made once per folder. */
export function servingCert(dir: string, cn: string): { certDir: string; caBundle: string } {
  const certDir = join(dir, 'certs');
  if (!existsSync(join(certDir, 'tls.crt'))) {
    mkdirSync(certDir, { recursive: true });
    const f = (n: string) => join(certDir, n);
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '3650', '-subj', `/CN=${cn}-ca`]);
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('tls.key'), '-out', f('tls.csr'), '-subj', `/CN=${cn}`]);
    writeFileSync(f('san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    openssl(['x509', '-req', '-in', f('tls.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('tls.crt'), '-days', '3650', '-extfile', f('san.cnf')]);
  }
  return { certDir, caBundle: readFileSync(join(certDir, 'ca.crt')).toString('base64') };
}

function startProcess(ctx: AddOnContext, name: string, bin: string, args: string[], env: Record<string, string> = {}): number {
  const fd = openSync(join(ctx.dir, `${name}.log`), 'a');
  const child = spawn(bin, args, { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
  closeSync(fd);
  child.unref();
  if (!child.pid) throw new AddOnError(`could not start ${name} (${bin})`);
  return child.pid;
}

function logTail(ctx: AddOnContext, name: string): string {
  const f = join(ctx.dir, `${name}.log`);
  return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').slice(-5).join('\n    ') : '(no log)';
}

/** Waits until the API server serves each CRD (a CRD just applied has no conditions yet). */
async function established(ctx: AddOnContext, crds: readonly string[], timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    // Conditions only: the CRDs themselves are megabytes.
    const waiting = crds.filter((c) => {
      const conds = ctx.kubectl(['get', `crd/${c}`, '-o', 'jsonpath={.status.conditions}']).trim();
      return !(((conds ? JSON.parse(conds) : null) ?? []) as { type: string; status: string }[]).some((x) => x.type === 'Established' && x.status === 'True');
    });
    if (!waiting.length) return;
    last = `not yet Established: ${waiting.join(', ')}`;
    if (Date.now() > until) throw new AddOnError(`the CRDs ${crds.join(', ')} were not Established within ${timeoutMs / 1000}s (last seen: ${last || 'no conditions'})`);
    await sleep(300);
  }
}

/**
 * Registers a manager's webhook configurations from its module's manifests, by URL with our CA,
 * named as its release names them (kustomize prefixes the module's with "<name>-"). Only webhooks
 * for `groups` are kept (another framework's would intercept kinds nobody serves here); `podSelector`
 * is the object selector a release adds to its webhooks on core pods.
 */
function registerWebhooks(ctx: AddOnContext, name: string, url: (path: string) => string, caBundle: string, groups: ReadonlySet<string>, podSelector?: Record<string, unknown>): number {
  const configs = (yaml.loadAll(readFileSync(join(ctx.bin, 'webhooks.yaml'), 'utf8')) as WebhookConfig[]).filter(Boolean).map((c) => ({
    ...c,
    metadata: { ...c.metadata, name: `${name}-${c.metadata.name}` },
    webhooks: (c.webhooks ?? [])
      .filter((w) => (w.rules ?? []).every((r) => (r.apiGroups ?? []).every((g) => groups.has(g))))
      .map((w) => ({
        ...w,
        ...(podSelector && (w.rules ?? []).some((r) => (r.apiGroups ?? []).includes('')) ? { objectSelector: podSelector } : {}),
        clientConfig: { url: url(String((w.clientConfig.service as { path?: string } | undefined)?.path ?? '/')), caBundle },
      })),
  }));
  ctx.kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=kaic-local-cluster', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: configs }));
  return configs.map((c) => c.webhooks.length).reduce((a, b) => a + b, 0);
}

/** Applies a manager's CRDs, converting between their versions through its webhook (when it has one). */
async function applyCrds(ctx: AddOnContext, webhook: { url: (path: string) => string; caBundle: string } | undefined, extra: unknown[] = []): Promise<string[]> {
  const crds = readdirSync(join(ctx.bin, 'crds')).filter((f) => f.endsWith('.yaml')).map((f) => yaml.load(readFileSync(join(ctx.bin, 'crds', f), 'utf8')) as { metadata: { name: string }; spec: { versions: unknown[]; conversion?: unknown } });
  for (const crd of crds) {
    if (crd.spec.versions.length > 1) {
      if (!webhook) throw new AddOnError(`CRD ${crd.metadata.name} has ${crd.spec.versions.length} versions and no conversion webhook to convert between them`);
      crd.spec.conversion = { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig: { url: webhook.url('/convert'), caBundle: webhook.caBundle } } };
    }
  }
  ctx.kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=kaic-local-cluster', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [...crds, ...extra] }));
  await established(ctx, crds.map((c) => c.metadata.name));
  return crds.map((c) => c.metadata.name);
}

/** Waits for a manager's readiness endpoint, failing at once when the process exits. */
async function untilReady(ctx: AddOnContext, name: string, pid: number, healthPort: number, timeoutMs = 90_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (!isAlive(pid)) throw new AddOnError(`${name} exited while starting (log: ${join(ctx.dir, `${name}.log`)}):\n    ${logTail(ctx, name)}`);
    const ready = await fetch(`http://127.0.0.1:${healthPort}/readyz`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
    if (ready) return;
    if (Date.now() > until) throw new AddOnError(`${name} was not ready within ${timeoutMs / 1000}s (log: ${join(ctx.dir, `${name}.log`)}):\n    ${logTail(ctx, name)}`);
    await sleep(500);
  }
}

/**
 * Waits until the controller manager's garbage collector watches a kind that did not exist when it
 * started (it looks for new kinds every 30 s): until then, what a deleted object owned is never
 * removed. Each try deletes an owner and waits for its ConfigMap to go.
 */
async function collectorKnows(ctx: AddOnContext, apiVersion: string, kind: string, spec: Record<string, unknown>, timeoutMs = 90_000) {
  const until = Date.now() + timeoutMs;
  for (let i = 0; ; i++) {
    const name = `kaic-gc-probe-${i}`;
    const owner = JSON.parse(ctx.kubectl(['create', '-o', 'json', '-f', '-'], JSON.stringify({ apiVersion, kind, metadata: { name, namespace: 'default' }, spec }))) as { metadata: { uid: string } };
    ctx.kubectl(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', ownerReferences: [{ apiVersion, kind, name, uid: owner.metadata.uid }] } }));
    ctx.kubectl(['delete', kind.toLowerCase(), name, '-n', 'default', '--wait=true']);
    const tryUntil = Math.min(until, Date.now() + 12_000);
    while (Date.now() < tryUntil) {
      if (!ctx.kubectl(['get', 'configmap', name, '-n', 'default', '--ignore-not-found', '-o', 'name']).trim()) return;
      await sleep(500);
    }
    ctx.kubectl(['delete', 'configmap', name, '-n', 'default', '--ignore-not-found']);
    if (Date.now() >= until) throw new AddOnError(`the garbage collector did not start removing what a deleted ${kind} owns within ${timeoutMs / 1000}s`);
  }
}

const KUEUE_SYSTEM = 'kueue-system';
/** Integrations kaic proves through (a webhook for any other would intercept kinds Kueue does not serve here). */
const KUEUE_GROUPS = new Set(['kueue.x-k8s.io', 'batch']);

type WebhookConfig = { kind: string; metadata: { name: string }; webhooks?: { clientConfig: Record<string, unknown>; rules?: { apiGroups?: string[] }[] }[] };

/**
 * Kueue's manager: its CRDs (conversion through its webhook), its controllers, and the webhooks for
 * its own kinds and batch/v1 Jobs, served over TLS on 127.0.0.1 with a certificate made here
 * (Kueue's internal certificate management expects a Service in front of a pod).
 */
async function startKueue(ctx: AddOnContext): Promise<number> {
  mkdirSync(ctx.dir, { recursive: true });
  const { certDir, caBundle } = servingCert(ctx.dir, 'kueue-webhook');
  const [webhookPort, healthPort] = [await freePort(), await freePort()];
  const url = (path: string) => `https://127.0.0.1:${webhookPort}${path}`;
  await applyCrds(ctx, { url, caBundle }, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: KUEUE_SYSTEM } }]);
  const config = join(ctx.dir, 'config.yaml');
  writeFileSync(config, yaml.dump({
    apiVersion: 'config.kueue.x-k8s.io/v1beta2',
    kind: 'Configuration',
    namespace: KUEUE_SYSTEM,
    health: { healthProbeBindAddress: `127.0.0.1:${healthPort}` },
    metrics: { bindAddress: '0' },
    webhook: { port: webhookPort, host: '127.0.0.1', certDir },
    leaderElection: { leaderElect: false },
    internalCertManagement: { enable: false },
    manageJobsWithoutQueueName: false,
    integrations: { frameworks: ['batch/job'] },
  }));
  // Without its internal certificate management Kueue reads the metrics server's certificate from a
  // fixed path, even with metrics off: any valid pair will do, and ours is one.
  const metricsCerts = '/etc/kueue/metrics/certs';
  if (!existsSync(join(metricsCerts, 'tls.crt'))) {
    try {
      mkdirSync(metricsCerts, { recursive: true });
      for (const f of ['tls.crt', 'tls.key']) copyFileSync(join(certDir, f), join(metricsCerts, f));
    } catch (e) {
      throw new AddOnError(`Kueue reads a certificate from ${metricsCerts}, which cannot be written here (${(e as Error).message}): run as root`);
    }
  }
  // The visibility API server wants its own certificates and an APIService: kaic reads none of it.
  const pid = startProcess(ctx, 'kueue', join(ctx.bin, 'kueue'), [`--config=${config}`, `--kubeconfig=${ctx.kubeconfig}`, '--feature-gates=VisibilityOnDemand=false', '--zap-log-level=info'], { KUBECONFIG: ctx.kubeconfig });
  await untilReady(ctx, 'kueue', pid, healthPort);
  const n = registerWebhooks(ctx, 'kueue', url, caBundle, KUEUE_GROUPS);
  ctx.log(`Kueue ready (webhooks on 127.0.0.1:${webhookPort}: ${n} for kueue.x-k8s.io and batch/v1 Jobs)`);
  return pid;
}

const JOBSET_GROUPS = new Set(['jobset.x-k8s.io', '']);

/**
 * JobSet's manager: its CRD, its controller, and its webhooks for JobSets and for the pods of
 * JobSets (the release's object selector keeps every other pod out), TLS on 127.0.0.1 as Kueue's.
 */
async function startJobSet(ctx: AddOnContext): Promise<number> {
  mkdirSync(ctx.dir, { recursive: true });
  const { certDir, caBundle } = servingCert(ctx.dir, 'jobset-webhook');
  const [webhookPort, healthPort] = [await freePort(), await freePort()];
  const url = (path: string) => `https://127.0.0.1:${webhookPort}${path}`;
  await applyCrds(ctx, { url, caBundle }, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'jobset-system' } }]);
  const config = join(ctx.dir, 'config.yaml');
  writeFileSync(config, yaml.dump({
    apiVersion: 'config.jobset.x-k8s.io/v1alpha1',
    kind: 'Configuration',
    health: { healthProbeBindAddress: `127.0.0.1:${healthPort}` },
    metrics: { bindAddress: '0' },
    webhook: { port: webhookPort, host: '127.0.0.1', certDir },
    leaderElection: { leaderElect: false },
    internalCertManagement: { enable: false },
  }));
  const pid = startProcess(ctx, 'jobset', join(ctx.bin, 'jobset'), [`--config=${config}`, `--kubeconfig=${ctx.kubeconfig}`], { KUBECONFIG: ctx.kubeconfig });
  await untilReady(ctx, 'jobset', pid, healthPort);
  const n = registerWebhooks(ctx, 'jobset', url, caBundle, JOBSET_GROUPS, { matchExpressions: [{ key: 'jobset.sigs.k8s.io/jobset-name', operator: 'Exists' }] });
  await collectorKnows(ctx, 'jobset.x-k8s.io/v1alpha2', 'JobSet', { replicatedJobs: [], suspend: true });
  ctx.log(`JobSet ready (webhooks on 127.0.0.1:${webhookPort}: ${n} for JobSets and their pods)`);
  return pid;
}

const TRAINER_GROUPS = new Set(['trainer.kubeflow.org']);

/**
 * Kubeflow Trainer's manager: its CRDs (TrainJobs and runtimes), its controller (a TrainJob runs as a
 * JobSet: the JobSet add-on must run) and its webhooks, TLS on 127.0.0.1 as Kueue's. Its webhook
 * server reads the certificate from controller-runtime's default folder under TMPDIR.
 */
async function startTrainer(ctx: AddOnContext): Promise<number> {
  mkdirSync(ctx.dir, { recursive: true });
  const { certDir, caBundle } = servingCert(ctx.dir, 'trainer-webhook');
  const tmp = join(ctx.dir, 'tmp');
  const served = join(tmp, 'k8s-webhook-server', 'serving-certs');
  mkdirSync(served, { recursive: true });
  for (const f of ['tls.crt', 'tls.key']) copyFileSync(join(certDir, f), join(served, f));
  const [webhookPort, healthPort] = [await freePort(), await freePort()];
  const url = (path: string) => `https://127.0.0.1:${webhookPort}${path}`;
  await applyCrds(ctx, { url, caBundle }, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kubeflow-system' } }]);
  const config = join(ctx.dir, 'config.yaml');
  writeFileSync(config, yaml.dump({
    apiVersion: 'config.trainer.kubeflow.org/v1alpha1',
    kind: 'Configuration',
    health: { healthProbeBindAddress: `127.0.0.1:${healthPort}`, readinessEndpointName: 'readyz', livenessEndpointName: 'healthz' },
    metrics: { bindAddress: '0' },
    webhook: { port: webhookPort, host: '127.0.0.1' },
    leaderElection: { leaderElect: false },
    certManagement: { enable: false },
  }));
  const pid = startProcess(ctx, 'trainer', join(ctx.bin, 'trainer'), [`--config=${config}`, `--kubeconfig=${ctx.kubeconfig}`], { KUBECONFIG: ctx.kubeconfig, TMPDIR: tmp });
  await untilReady(ctx, 'trainer', pid, healthPort);
  const n = registerWebhooks(ctx, 'trainer', url, caBundle, TRAINER_GROUPS);
  await collectorKnows(ctx, 'trainer.kubeflow.org/v1alpha1', 'TrainingRuntime', { template: { spec: { replicatedJobs: [] } } });
  ctx.log(`Kubeflow Trainer ready (webhooks on 127.0.0.1:${webhookPort}: ${n} for TrainJobs and runtimes)`);
  return pid;
}

/** The accelerator pool Karpenter scales on the local cluster: GPU nodes like the fixed ones (topology.ts). */
export const KARPENTER_POOL = 'gpu';
export const KARPENTER_INSTANCE_TYPE = 'gpu-h100x8-scaled';
/** At most this many GPUs in the pool (3 nodes of 8): the twin "the group is at its maximum" lowers it to 0. */
export const KARPENTER_GPU_LIMIT = 24;
/** How long an empty node stays before Karpenter removes it (cloud defaults are minutes). */
export const KARPENTER_CONSOLIDATE_AFTER = '5s';

/** The NodePool of the local cluster, as `up --with karpenter` creates it (tests patch its limits). */
export function karpenterNodePool(limit = KARPENTER_GPU_LIMIT): Record<string, unknown> {
  return {
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name: KARPENTER_POOL, labels: { 'kaic.dev/local-cluster': 'true' } },
    spec: {
      template: {
        // Labelled and tainted as the GPU Operator and cloud GPU pools do (topology.ts's fixed GPU nodes).
        metadata: { labels: { 'nvidia.com/gpu.present': 'true', 'kaic.dev/local-cluster': 'true', type: 'kwok' } },
        spec: {
          nodeClassRef: { group: 'karpenter.kwok.sh', kind: 'KWOKNodeClass', name: 'kaic' },
          requirements: [{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: [KARPENTER_INSTANCE_TYPE] }],
          taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }],
          expireAfter: 'Never',
        },
      },
      limits: { 'nvidia.com/gpu': String(limit) },
      disruption: { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: KARPENTER_CONSOLIDATE_AFTER },
    },
  };
}

/**
 * Karpenter's core with its kwok cloud provider: a NodeClaim becomes a kwok node (annotated fake, so
 * this cluster's kwok plays it), from one instance type of 8 GPUs, in one NodePool that starts
 * empty. Runs on this host against the API server like the other add-ons; it has no webhooks.
 */
async function startKarpenter(ctx: AddOnContext): Promise<number> {
  mkdirSync(ctx.dir, { recursive: true });
  await applyCrds(ctx, undefined);
  const types = join(ctx.dir, 'instance-types.json');
  writeFileSync(types, JSON.stringify([{
    name: KARPENTER_INSTANCE_TYPE,
    // The provider's own offering shape (its embedded instance_types.json): a price and requirements.
    offerings: [{ Price: 10, Available: true, Requirements: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] }, { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['kaic-zone-a'] }] }],
    architecture: 'amd64',
    operatingSystems: ['linux'],
    resources: { cpu: '64', memory: '512Gi', pods: '110', 'ephemeral-storage': '1Ti', 'nvidia.com/gpu': '8' },
  }], null, 2));
  ctx.kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=kaic-local-cluster', '-f', '-'], JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [{ apiVersion: 'karpenter.kwok.sh/v1alpha1', kind: 'KWOKNodeClass', metadata: { name: 'kaic' }, spec: {} }, karpenterNodePool()],
  }));
  const [metricsPort, healthPort] = [await freePort(), await freePort()];
  const pid = startProcess(ctx, 'karpenter', join(ctx.bin, 'karpenter'), ['--disable-leader-election', `--metrics-port=${metricsPort}`, `--health-probe-port=${healthPort}`, `--instance-types-file-path=${types}`, '--log-level=info'], { KUBECONFIG: ctx.kubeconfig, SYSTEM_NAMESPACE: 'kube-system' });
  await untilReady(ctx, 'karpenter', pid, healthPort);
  // Ready once Karpenter has resolved its node class and instance types.
  const until = Date.now() + 60_000;
  for (;;) {
    const ready = ctx.kubectl(['get', `nodepool/${KARPENTER_POOL}`, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']).trim();
    if (ready === 'True') break;
    if (!isAlive(pid)) throw new AddOnError(`karpenter exited while starting:\n    ${logTail(ctx, 'karpenter')}`);
    if (Date.now() > until) throw new AddOnError(`NodePool ${KARPENTER_POOL} was not Ready within 60s (Ready=${ready || 'absent'}):\n    ${logTail(ctx, 'karpenter')}`);
    await sleep(500);
  }
  ctx.log(`Karpenter ready (kwok provider; NodePool ${KARPENTER_POOL}: ${KARPENTER_INSTANCE_TYPE}, at most ${KARPENTER_GPU_LIMIT} nvidia.com/gpu, empty nodes removed after ${KARPENTER_CONSOLIDATE_AFTER})`);
  return pid;
}

export const ADD_ONS = {
  kueue: { title: 'Kueue', binDir: (v, cache) => join(cache, 'bin', `kueue-${v.KUEUE_VERSION}`), start: startKueue },
  jobset: { title: 'JobSet', binDir: (v, cache) => join(cache, 'bin', `jobset-${v.JOBSET_VERSION}`), start: startJobSet },
  trainer: { title: 'Kubeflow Trainer', binDir: (v, cache) => join(cache, 'bin', `trainer-${v.TRAINER_VERSION}`), start: startTrainer, requires: ['jobset'] },
  karpenter: { title: 'Karpenter', binDir: (v, cache) => join(cache, 'bin', `karpenter-${v.KARPENTER_VERSION}`), start: startKarpenter },
} as const satisfies Record<string, AddOn>;

export type AddOnName = keyof typeof ADD_ONS;
export const ADD_ON_NAMES = Object.keys(ADD_ONS) as AddOnName[];

export function parseAddOns(list: string): AddOnName[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(n in ADD_ONS));
  if (unknown.length) throw new AddOnError(`unknown add-on ${unknown.join(', ')} (known: ${ADD_ON_NAMES.join(', ')})`);
  return withRequired(names as AddOnName[]);
}

/** The add-ons in an order that starts each one's requirements before it, requirements added. */
export function withRequired(names: readonly AddOnName[]): AddOnName[] {
  const out: AddOnName[] = [];
  const add = (a: AddOnName) => {
    if (out.includes(a)) return;
    for (const r of ((ADD_ONS[a] as AddOn).requires ?? []) as AddOnName[]) add(r);
    out.push(a);
  };
  names.forEach(add);
  return out;
}

/** Where a cluster's add-ons keep their pids and folders. */
export const addOnsDir = (stateDir: string, cluster: string) => join(stateDir, `addons-${cluster}`);
const pidFile = (dir: string, a: AddOnName) => join(dir, `${a}.pid`);

function pidOf(dir: string, a: AddOnName): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile(dir, a), 'utf8').trim());
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The add-ons recorded for a cluster, and whether each runs. */
export function addOnStatus(dir: string): { name: AddOnName; running: boolean }[] {
  return ADD_ON_NAMES.filter((a) => existsSync(pidFile(dir, a))).map((name) => ({ name, running: isAlive(pidOf(dir, name) ?? -1) }));
}

/** Starts each add-on that does not run already. */
export async function startAddOns(dir: string, names: readonly AddOnName[], ctx: (a: AddOnName) => AddOnContext): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const a of withRequired(names)) {
    const pid = pidOf(dir, a);
    if (pid && isAlive(pid)) continue;
    const c = ctx(a);
    if (!existsSync(c.bin)) throw new AddOnError(`${ADD_ONS[a].title} is not built (${c.bin}): run npm run cluster:build`);
    c.log(`starting ${ADD_ONS[a].title}`);
    writeFileSync(pidFile(dir, a), String(await ADD_ONS[a].start(c)));
  }
}

/** Stops one add-on, leaving everything it configured (webhooks, CRDs, finalizers): "the controller died". */
export async function stopAddOn(dir: string, a: AddOnName): Promise<void> {
  const pid = pidOf(dir, a);
  if (pid && isAlive(pid)) {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(100);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
  }
  // Still recorded, as not running: status says so, and `up --with` starts it again.
  if (existsSync(pidFile(dir, a))) writeFileSync(pidFile(dir, a), '0');
}

/** Stops every add-on of a cluster (synchronously: `down` is). */
export function stopAllAddOns(dir: string): void {
  for (const a of ADD_ON_NAMES) {
    const pid = pidOf(dir, a);
    if (pid && isAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
      for (let i = 0; i < 50 && isAlive(pid); i++) spawnSync('sleep', ['0.1']);
    }
  }
  rmSync(dir, { recursive: true, force: true });
}
