import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import jsyaml from 'js-yaml';
import { ensureImageTarballs, nodeImages, type NodeImage } from './node-images.js';
import { isAlive } from './process.js';

/**
 * The real node of the local cluster (docs/decisions/0006-real-node.md): containerd v2 + Debian's
 * runc and CNI plugins, a kubelet and kube-proxy built from the pinned Kubernetes module, CoreDNS as a
 * host process behind the kube-dns Service, kaic's device plugin and the DRA example driver as
 * kubelet plugins. It holds host-wide resources (the kubelet's device-plugin directory, iptables,
 * a bridge), so one machine has at most one: the owner file names the cluster it belongs to.
 */

export const REAL_NODE_NAME = 'kaic-real-0';
/** Keeps kwok-era workloads (pause pods that never exit, Jobs completed by annotation) off the real node. */
export const REAL_NODE_TAINT = { key: 'kaic.dev/real-node', value: 'true', effect: 'NoSchedule' } as const;
export const REAL_NODE_LABEL = 'kaic.dev/real-node';
export const DEVICE_PLUGIN_RESOURCE = 'example.com/gpu';
export const DEVICE_PLUGIN_DEVICES = 4;
/** A second instance of kaic's device plugin presents simulated virtual GPUs (virtualized_accelerator). */
export const VGPU_RESOURCE = 'example.com/vgpu';
export const VGPU_DEVICES = 2;
/** What the node allocates of both device-plugin resources, and what that reads once both plugins registered. */
const PLUGINS_ALLOCATABLE = '{.status.allocatable.example\\.com/gpu} {.status.allocatable.example\\.com/vgpu}';
const PLUGINS_REGISTERED = `${DEVICE_PLUGIN_DEVICES} ${VGPU_DEVICES}`;
export const DRA_EXAMPLE_DRIVER = 'gpu.example.com';
export const DRA_EXAMPLE_DEVICES = 4;
/**
 * The simulated driver version: what the DRA example driver publishes as every device's
 * driverVersion, advertised on the node as GPU feature discovery would (a label), and handed to each
 * container the device plugin grants (KAIC_GPU_DRIVER_VERSION), as NVIDIA's toolkit injects nvidia-smi.
 */
export const SIMULATED_DRIVER_VERSION = '1.0.0';
export const DRIVER_VERSION_LABEL = 'example.com/gpu.driver-version';
export const POD_CIDR = '10.88.0.0/16';
const CNI_BRIDGE = 'kaic0';
const CNI_NETWORK = 'kaic';

/** Host paths the node uses; `down` removes every one of them. */
export const NODE_PATHS = {
  run: '/run/kaic-node',
  lib: '/var/lib/kaic-node',
  /** The kubelet's root: device plugins must register under /var/lib/kubelet/device-plugins (fixed in the kubelet). */
  kubelet: '/var/lib/kubelet',
  runtimeRoot: '/var/lib/kaic-node/containerd',
  runtimeState: '/run/kaic-node/containerd',
  socket: '/run/kaic-node/containerd/containerd.sock',
  cniConf: '/run/kaic-node/cni/net.d',
  cniData: '/run/kaic-node/cni/networks',
  cdi: '/run/kaic-node/cdi',
  devices: '/run/kaic-node/dev',
  podLogs: '/var/lib/kaic-node/pod-logs',
  containerLogLinks: '/var/log/containers',
  pids: '/run/kaic-node/pids',
  owner: '/run/kaic-node/owner.json',
} as const;

/** Sabotaged twins: the same components with one thing wrong, so isolation checks can be shown to FAIL. */
export interface RealNodeTwin {
  /** kaic-device-plugin --share-all-devices: every container gets every device file. */
  readonly shareAllDevices?: boolean;
  /** The DRA example driver's common CDI device (injected with every claim) also carries every device. */
  readonly draCdiExposesAllDevices?: boolean;
  /** The device plugin hands containers this driver version instead of the one the node advertises. */
  readonly injectedDriverVersion?: string;
  /** The metrics exporter leaves out one device's utilisation, every per-device label, or one device. */
  readonly metrics?: 'omit-utilisation' | 'no-device-labels' | 'omit-device';
  /** Prometheus without its Kubernetes pod discovery job, or scraping the wrong port (every target down). */
  readonly prometheus?: 'no-pod-discovery' | 'wrong-port';
  /** prometheus-adapter not running, its APIService still registered (unavailable). */
  readonly adapterDown?: boolean;
  /** The virtual GPU plugin grants devices without their device files (a granted container finds nothing). */
  readonly vgpuWithoutDevices?: boolean;
  /** The Gateway implementation is Traefik's twin built with HTTPRoute weights ignored (every backendRef weight 1). */
  readonly gatewayIgnoresWeights?: boolean;
  /** The secondary network's interfaces are published and handed to pods, but their fabric is cut (no bridge between them). */
  readonly networkDisconnected?: boolean;
}

export interface RealNodeBinaries {
  readonly kubelet: string;
  readonly kubeProxy: string;
  readonly kubectl: string;
  readonly agnhost: string;
  readonly containerd: string;
  readonly containerdShim: string;
  readonly ctr: string;
  readonly coredns: string;
  readonly draKubeletPlugin: string;
  readonly devicePlugin: string;
  readonly gpuExporter: string;
  /** Prometheus built from its module with Kubernetes service discovery (cluster/versions.env). */
  readonly prometheus: string;
  /** prometheus-adapter, built from sigs.k8s.io/prometheus-adapter. */
  readonly prometheusAdapter: string;
  /** Traefik v3, the Gateway API implementation (controller and data plane in one process). */
  readonly traefik: string;
  /** The same Traefik with one line changed: HTTPRoute weights ignored (a twin). */
  readonly traefikWeightsIgnored: string;
  /** The Gateway API's standard-channel CRDs (a folder of YAML files). */
  readonly gatewayCrds: string;
  /** DRANET (github.com/google/dranet): the node's secondary network interfaces as DRA devices. */
  readonly dranet: string;
  readonly pause: string;
  readonly runc: string;
  readonly cniBin: string;
  readonly busybox: string;
}

export interface RealNodeConfig {
  readonly cluster: string;
  /** Where the cluster's state lives (the owner file records it, so two work trees never share a node). */
  readonly stateDir: string;
  readonly kubeconfig: string;
  readonly logs: string;
  readonly bin: RealNodeBinaries;
  readonly agnhostVersion: string;
  readonly imageCache: string;
  readonly twin?: RealNodeTwin;
  readonly log?: (s: string) => void;
}

interface Owner {
  cluster: string;
  stateDir: string;
  kubeconfig: string;
  twin: RealNodeTwin;
  nodeIP: string;
  dnsIP: string;
  baseline: { ipForward: string; bridgeNf: string; netns: string[] };
}

export class RealNodeError extends Error {}

const COMPONENTS = ['containerd', 'kubelet', 'kube-proxy', 'coredns', 'device-plugin', 'vgpu-plugin', 'dra-driver', 'gpu-exporter', 'prometheus', 'prometheus-adapter', 'traefik', 'hpn-addresses', 'dranet'] as const;
/**
 * The node's add-ons: host processes started in this order once the node is Ready (each waits until
 * it serves), restarted in it by `setTwin`, stopped in reverse. A new add-on (an autoscaler, an
 * operator) is one entry here and its start function.
 */
const ADD_ONS: readonly { readonly component: Component; start(cfg: RealNodeConfig, nodeIP: string): Promise<void> }[] = [
  { component: 'gpu-exporter', start: (c, ip) => startExporter(c, ip) },
  { component: 'prometheus', start: (c, ip) => startPrometheus(c, ip) },
  { component: 'prometheus-adapter', start: (c, ip) => startAdapter(c, ip) },
  { component: 'traefik', start: (c, ip) => startGateway(c, ip) },
  { component: 'dranet', start: (c) => startDranet(c) },
  // Stopped with DRANET (started by it); listed so that setTwin and stopNode stop it.
  { component: 'hpn-addresses', start: async () => {} },
];
const isAddOn = (c: Component) => ADD_ONS.some((a) => a.component === c);
/** The add-ons in the order they stop: the last started first. */
const ADD_ONS_STOPPING = ADD_ONS.map((a) => a.component).reverse();
type Component = (typeof COMPONENTS)[number];

function sh(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number; allowFail?: boolean } = {}): { ok: boolean; out: string; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: opts.input, timeout: opts.timeoutMs ?? 60_000 });
  const res = { ok: r.status === 0, out: r.stdout ?? '', err: (r.stderr || r.error?.message || '').trim() };
  if (!res.ok && !opts.allowFail) throw new RealNodeError(`${cmd} ${args.join(' ')} failed: ${res.err}`);
  return res;
}


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value; the timeout names what was awaited and the last state seen. */
async function waitUntil<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, lastState: () => string = () => ''): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new RealNodeError(`timed out after ${timeoutMs / 1000}s waiting for ${what}${lastState() ? ` (last seen: ${lastState()})` : ''}`);
    await sleep(200);
  }
}

function pidOf(c: Component): number | undefined {
  const f = join(NODE_PATHS.pids, `${c}.pid`);
  if (!existsSync(f)) return undefined;
  const pid = Number(readFileSync(f, 'utf8').trim());
  return pid > 0 ? pid : undefined;
}

export function readOwner(): Owner | undefined {
  try {
    return JSON.parse(readFileSync(NODE_PATHS.owner, 'utf8')) as Owner;
  } catch {
    return undefined;
  }
}

/** The running node's components, or which are missing. */
export function nodeProcesses(): { alive: Component[]; dead: Component[] } {
  const alive: Component[] = [];
  const dead: Component[] = [];
  for (const c of COMPONENTS) {
    const pid = pidOf(c);
    (pid && isAlive(pid) ? alive : dead).push(c);
  }
  return { alive, dead };
}

/** The IPv4 address of the interface holding the default route: the node's InternalIP. */
export function hostIP(): string {
  const routes = readFileSync('/proc/net/route', 'utf8').split('\n').slice(1);
  const dflt = routes.map((l) => l.trim().split(/\s+/)).find((f) => f[1] === '00000000' && f[7] === '00000000');
  const iface = dflt?.[0];
  const addr = iface ? networkInterfaces()[iface]?.find((a) => a.family === 'IPv4' && !a.internal) : undefined;
  if (!addr) throw new RealNodeError('no IPv4 address on the default-route interface: the real node needs one for its InternalIP');
  return addr.address;
}

function kubectl(cfg: { kubeconfig: string; bin: { kubectl: string } }, args: string[], input?: string, allowFail = false) {
  return sh(cfg.bin.kubectl, ['--kubeconfig', cfg.kubeconfig, ...args], { input, allowFail });
}

function ctr(bin: RealNodeBinaries, args: string[], allowFail = false) {
  return sh(bin.ctr, ['--address', NODE_PATHS.socket, '--namespace', 'k8s.io', ...args], { allowFail, timeoutMs: 120_000 });
}

function startProcess(c: Component, bin: string, args: string[], logs: string, env: Record<string, string> = {}): number {
  mkdirSync(NODE_PATHS.pids, { recursive: true });
  mkdirSync(logs, { recursive: true });
  const fd = openSync(join(logs, `${c}.log`), 'a');
  const child = spawn(bin, args, { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
  closeSync(fd);
  child.unref();
  if (!child.pid) throw new RealNodeError(`could not start ${c} (${bin})`);
  writeFileSync(join(NODE_PATHS.pids, `${c}.pid`), String(child.pid));
  return child.pid;
}

/** Fails at once, naming the log, when a component has exited. */
function assertRunning(cfg: RealNodeConfig, cs: readonly Component[]) {
  for (const c of cs) {
    const pid = pidOf(c);
    if (!pid || !isAlive(pid)) {
      const logFile = join(cfg.logs, `${c}.log`);
      const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-6).join('\n    ') : '(no log)';
      throw new RealNodeError(`${c} of the real node exited early (log: ${logFile}):\n    ${tail}`);
    }
  }
}

function readSysctl(key: string): string {
  try {
    return readFileSync(`/proc/sys/${key}`, 'utf8').trim();
  } catch {
    return '';
  }
}
function writeSysctl(key: string, value: string) {
  if (value && readSysctl(key) !== value) writeFileSync(`/proc/sys/${key}`, value);
}

function listNetns(): string[] {
  return existsSync('/run/netns') ? readdirSync('/run/netns') : [];
}

/** NRI plugins connect to the default socket only (DRANET has no flag for another): stopNode removes it. */
const NRI_SOCKET = '/var/run/nri/nri.sock';

function containerdConfig(bin: RealNodeBinaries): string {
  // containerd 2.x config version 3. CDI is on by default in 2.x; the spec dir is the node's own.
  return `version = 3
root = ${JSON.stringify(NODE_PATHS.runtimeRoot)}
state = ${JSON.stringify(NODE_PATHS.runtimeState)}
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.blockfile", "io.containerd.snapshotter.v1.erofs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = ${JSON.stringify(NODE_PATHS.socket)}

[plugins."io.containerd.cri.v1.runtime"]
  enable_cdi = true
  cdi_spec_dirs = [${JSON.stringify(NODE_PATHS.cdi)}]
  # This machine lacks CAP_SYS_RESOURCE: the kubelet's -998 for sandboxes would fail in runc.
  restrict_oom_score_adj = true
  [plugins."io.containerd.cri.v1.runtime".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
        BinaryName = ${JSON.stringify(bin.runc)}
        SystemdCgroup = false
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = [${JSON.stringify(bin.cniBin)}]
    conf_dir = ${JSON.stringify(NODE_PATHS.cniConf)}
    max_conf_num = 1

# NRI, for DRANET (it moves a claimed network interface into the pod's namespace), at the default socket.
[plugins."io.containerd.nri.v1.nri"]
  disable = false
  socket_path = ${JSON.stringify(NRI_SOCKET)}

[plugins."io.containerd.cri.v1.images"]
  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = "registry.k8s.io/pause:3.10"
`;
}

function cniConfig(): string {
  return JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: CNI_NETWORK,
      plugins: [
        {
          type: 'bridge',
          bridge: CNI_BRIDGE,
          isGateway: true,
          ipMasq: true,
          hairpinMode: true,
          ipam: { type: 'host-local', ranges: [[{ subnet: POD_CIDR }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: NODE_PATHS.cniData },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}

function kubeletConfig(nodeIP: string, dnsIP: string): string {
  return JSON.stringify(
    {
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      // The machine has the hybrid cgroup layout (v1 controllers): see docs/decisions/0006-real-node.md.
      failCgroupV1: false,
      cgroupDriver: 'cgroupfs',
      containerRuntimeEndpoint: `unix://${NODE_PATHS.socket}`,
      address: nodeIP,
      port: 10250,
      readOnlyPort: 0,
      healthzBindAddress: '127.0.0.1',
      healthzPort: 10248,
      // The API server calls the kubelet (logs, exec) without a client certificate.
      authentication: { anonymous: { enabled: true }, webhook: { enabled: false } },
      authorization: { mode: 'AlwaysAllow' },
      clusterDNS: [dnsIP],
      clusterDomain: 'cluster.local',
      registerWithTaints: [REAL_NODE_TAINT],
      failSwapOn: false,
      podLogsDir: NODE_PATHS.podLogs,
      // Every image is built locally: image GC must never remove one.
      imageGCHighThresholdPercent: 100,
      imageGCLowThresholdPercent: 99,
      evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
      serializeImagePulls: false,
      shutdownGracePeriod: '0s',
      nodeStatusUpdateFrequency: '4s',
      syncFrequency: '10s',
      fileCheckFrequency: '0s',
      maxPods: 50,
    },
    null,
    2,
  );
}

function kubeProxyConfig(kubeconfig: string): string {
  return JSON.stringify(
    {
      apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
      kind: 'KubeProxyConfiguration',
      clientConnection: { kubeconfig },
      mode: 'iptables',
      hostnameOverride: REAL_NODE_NAME,
      clusterCIDR: POD_CIDR,
      // Leave the host's conntrack sysctls alone.
      conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
      iptables: { syncPeriod: '30s', minSyncPeriod: '0s' },
      nodePortAddresses: ['primary'],
      metricsBindAddress: '127.0.0.1:10249',
      healthzBindAddress: '127.0.0.1:10256',
    },
    null,
    2,
  );
}

function corefile(nodeIP: string, kubeconfig: string): string {
  // No `forward`: no upstream resolver is reachable from this machine, and a cluster DNS that
  // answers only cluster names fails fast instead of timing out on others.
  return `.:53 {
    bind ${nodeIP}
    errors
    health 127.0.0.1:18080
    ready 127.0.0.1:18181
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig ${kubeconfig}
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    cache 5
    loadbalance
}
`;
}

function dnsObjects(dnsIP: string, nodeIP: string) {
  const ports = [
    { name: 'dns', port: 53, protocol: 'UDP' },
    { name: 'dns-tcp', port: 53, protocol: 'TCP' },
  ];
  return {
    apiVersion: 'v1',
    kind: 'List',
    items: [
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS', 'kaic.dev/real-node': 'true' } },
        spec: { clusterIP: dnsIP, ports: ports.map((p) => ({ ...p, targetPort: 53 })) },
      },
      {
        // CoreDNS runs on the host, so its endpoint is the node's address (no selector on the Service).
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'kube-dns-host', namespace: 'kube-system', labels: { 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': 'local-cluster.kaic.dev' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: [nodeIP], conditions: { ready: true }, nodeName: REAL_NODE_NAME }],
        ports,
      },
    ],
  };
}

function deviceClass() {
  return {
    apiVersion: 'resource.k8s.io/v1',
    kind: 'DeviceClass',
    metadata: { name: DRA_EXAMPLE_DRIVER, labels: { 'kaic.dev/real-node': 'true' } },
    spec: { selectors: [{ cel: { expression: `device.driver == "${DRA_EXAMPLE_DRIVER}"` } }] },
  };
}

/** The kube-dns ClusterIP: the tenth address of the cluster's Service range (the `kubernetes` Service holds the first). */
function dnsIPFor(cfg: RealNodeConfig): string {
  const ip = kubectl(cfg, ['get', 'service', 'kubernetes', '-n', 'default', '-o', 'jsonpath={.spec.clusterIP}']).out.trim();
  const parts = ip.split('.');
  if (parts.length !== 4) throw new RealNodeError(`unexpected kubernetes Service IP "${ip}"`);
  return [...parts.slice(0, 3), String(Number(parts[3]) + 9)].join('.');
}

export function images(cfg: Pick<RealNodeConfig, 'bin' | 'agnhostVersion'>): NodeImage[] {
  return nodeImages({ pause: cfg.bin.pause, agnhost: cfg.bin.agnhost, agnhostVersion: cfg.agnhostVersion, busybox: cfg.bin.busybox });
}

/** Every image reference the node holds once it is up. */
export function imageRefs(cfg: Pick<RealNodeConfig, 'bin' | 'agnhostVersion'>): string[] {
  return images(cfg).flatMap((i) => [...i.refs]);
}

/** Checks what the node needs from the machine before anything starts. */
export function preflight(bin: RealNodeBinaries): void {
  if (process.getuid?.() !== 0) {
    throw new RealNodeError('the real node needs root (containerd, the kubelet, iptables, network namespaces, device nodes): run as root, or use --real-nodes 0');
  }
  const missing = Object.entries(bin).filter(([, f]) => !existsSync(f));
  if (missing.length) {
    throw new RealNodeError(`the real node is missing ${missing.map(([k, f]) => `${k} (${f})`).join(', ')}: run \`bash scripts/setup.sh\` (Debian packages runc, containernetworking-plugins, iptables, conntrack, busybox-static; components from scripts/build-components.sh)`);
  }
}

/**
 * Starts the node's runtime and imports its images. Needs no API server, so `up` runs it while the
 * control plane starts.
 */
export function startRuntime(cfg: RealNodeConfig): { nodeIP: string } {
  const log = cfg.log ?? (() => {});
  preflight(cfg.bin);
  const owner = readOwner();
  if (owner && (owner.cluster !== cfg.cluster || owner.stateDir !== cfg.stateDir) && nodeProcesses().alive.length) {
    // A node whose cluster is gone (its API server stopped, its work tree removed) is taken over.
    const ownerServes = existsSync(owner.kubeconfig) && sh(cfg.bin.kubectl, ['--kubeconfig', owner.kubeconfig, 'get', '--raw', '/version'], { allowFail: true, timeoutMs: 5_000 }).ok;
    if (ownerServes) {
      throw new RealNodeError(`this machine's real node belongs to cluster "${owner.cluster}" (${owner.stateDir}); stop that cluster first (npm run cluster:down), or start this one with --real-nodes 0`);
    }
    log(`taking over the real node of cluster "${owner.cluster}" (${owner.stateDir}), whose API server is gone`);
  }
  if (owner || existsSync(NODE_PATHS.run) || existsSync(NODE_PATHS.kubelet) || existsSync(`/sys/class/net/${CNI_BRIDGE}`) || podProcesses().length) {
    log('cleaning up a real node left from an earlier run');
    stopNode({ bin: cfg.bin, kubeconfig: owner?.kubeconfig, log });
  }
  const nodeIP = hostIP();
  for (const d of [NODE_PATHS.run, NODE_PATHS.lib, NODE_PATHS.cniConf, NODE_PATHS.cniData, NODE_PATHS.cdi, NODE_PATHS.devices, NODE_PATHS.podLogs, NODE_PATHS.runtimeState]) mkdirSync(d, { recursive: true });
  const baseline = { ipForward: readSysctl('net/ipv4/ip_forward'), bridgeNf: readSysctl('net/bridge/bridge-nf-call-iptables'), netns: listNetns() };
  const o: Owner = { cluster: cfg.cluster, stateDir: cfg.stateDir, kubeconfig: cfg.kubeconfig, twin: cfg.twin ?? {}, nodeIP, dnsIP: '', baseline };
  writeFileSync(NODE_PATHS.owner, JSON.stringify(o, null, 2));
  // Pod traffic is routed by the host; bridged replies must pass kube-proxy's NAT rules.
  writeSysctl('net/ipv4/ip_forward', '1');
  writeSysctl('net/bridge/bridge-nf-call-iptables', '1');

  writeFileSync(join(NODE_PATHS.run, 'containerd.toml'), containerdConfig(cfg.bin));
  writeFileSync(join(NODE_PATHS.cniConf, `10-${CNI_NETWORK}.conflist`), cniConfig());
  const binDir = join(cfg.bin.containerdShim, '..');
  startProcess('containerd', cfg.bin.containerd, ['--config', join(NODE_PATHS.run, 'containerd.toml')], cfg.logs, { PATH: `${binDir}:/usr/sbin:/usr/bin:/sbin:/bin` });
  return { nodeIP };
}

export async function importImages(cfg: RealNodeConfig): Promise<string[]> {
  const log = cfg.log ?? (() => {});
  const tarballs = ensureImageTarballs(images(cfg), cfg.bin.busybox, cfg.imageCache, log);
  await waitUntil('containerd to answer on its socket', () => { assertRunning(cfg, ['containerd']); return ctr(cfg.bin, ['version'], true).ok || undefined; }, 20_000);
  for (const { tarball } of tarballs) ctr(cfg.bin, ['images', 'import', tarball]);
  const present = ctr(cfg.bin, ['images', 'ls', '-q']).out.split('\n').filter(Boolean);
  const missing = imageRefs(cfg).filter((r) => !present.includes(r));
  if (missing.length) throw new RealNodeError(`images missing after import: ${missing.join(', ')}`);
  return imageRefs(cfg);
}

/** Starts the kubelet, kube-proxy, CoreDNS and the two device plugins once the API server serves. */
export async function startNode(cfg: RealNodeConfig, nodeIP: string): Promise<void> {
  const log = cfg.log ?? (() => {});
  const dnsIP = dnsIPFor(cfg);
  const owner = readOwner()!;
  writeFileSync(NODE_PATHS.owner, JSON.stringify({ ...owner, dnsIP }, null, 2));
  kubectl(cfg, ['apply', '--server-side', '--force-conflicts', '--field-manager=kaic-real-node', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [...dnsObjects(dnsIP, nodeIP).items, deviceClass()] }));

  writeFileSync(join(NODE_PATHS.run, 'kubelet.json'), kubeletConfig(nodeIP, dnsIP));
  startProcess('kubelet', cfg.bin.kubelet, [
    '--config', join(NODE_PATHS.run, 'kubelet.json'),
    '--kubeconfig', cfg.kubeconfig,
    '--hostname-override', REAL_NODE_NAME,
    '--node-ip', nodeIP,
    '--node-labels', `${REAL_NODE_LABEL}=true,kaic.dev/accelerators=simulated,${DRIVER_VERSION_LABEL}=${SIMULATED_DRIVER_VERSION}`,
    '--root-dir', NODE_PATHS.kubelet,
    '--cert-dir', join(NODE_PATHS.lib, 'kubelet-pki'),
    '--v=2',
  ], cfg.logs);
  writeFileSync(join(NODE_PATHS.run, 'kube-proxy.json'), kubeProxyConfig(cfg.kubeconfig));
  startProcess('kube-proxy', cfg.bin.kubeProxy, ['--config', join(NODE_PATHS.run, 'kube-proxy.json'), '--v=1'], cfg.logs);
  writeFileSync(join(NODE_PATHS.run, 'Corefile'), corefile(nodeIP, cfg.kubeconfig));
  startProcess('coredns', cfg.bin.coredns, ['-conf', join(NODE_PATHS.run, 'Corefile')], cfg.logs);
  const pluginsStarted = Date.now();
  startPlugins(cfg);

  // The exporter starts once the driver has published its devices (it reports those).
  const all = COMPONENTS.filter((c) => !isAddOn(c));
  const ready = () => {
    assertRunning(cfg, all);
    const r = kubectl(cfg, ['get', 'node', REAL_NODE_NAME, '-o', `jsonpath={.status.conditions[?(@.type=="Ready")].status} ${PLUGINS_ALLOCATABLE}`], undefined, true);
    return r.ok ? r.out.trim() : r.err;
  };
  await waitUntil(`node ${REAL_NODE_NAME} to be Ready with ${DEVICE_PLUGIN_DEVICES} ${DEVICE_PLUGIN_RESOURCE} and ${VGPU_DEVICES} ${VGPU_RESOURCE}`, () => (ready() === `True ${PLUGINS_REGISTERED}` ? true : undefined), 60_000, ready);
  const slices = () => {
    assertRunning(cfg, all);
    return kubectl(cfg, ['get', 'resourceslices', '--field-selector', `spec.nodeName=${REAL_NODE_NAME},spec.driver=${DRA_EXAMPLE_DRIVER}`, '-o', 'name'], undefined, true).out.trim();
  };
  await waitUntil(`the DRA example driver's ResourceSlice for ${REAL_NODE_NAME}`, () => (slices() ? true : undefined), 30_000);
  const dnsReady = () => fetch('http://127.0.0.1:18181/ready', { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
  await waitUntil('CoreDNS to be ready', async () => { assertRunning(cfg, all); return (await dnsReady()) || undefined; }, 20_000);
  if (cfg.twin?.draCdiExposesAllDevices) await sabotageDraCdi(pluginsStarted);
  for (const a of ADD_ONS) await a.start(cfg, nodeIP);
  log(`real node ${REAL_NODE_NAME} Ready (${nodeIP})${twinText(cfg.twin)}`);
}

function twinText(t?: RealNodeTwin): string {
  const s = [t?.vgpuWithoutDevices && 'virtual GPUs granted without device files', t?.gatewayIgnoresWeights && 'the Gateway implementation ignores HTTPRoute weights', t?.networkDisconnected && 'the secondary network is cut', t?.adapterDown && 'prometheus-adapter down', t?.prometheus && `prometheus: ${t.prometheus}`, t?.metrics && `metrics exporter: ${t.metrics}`, t?.shareAllDevices && 'device plugin shares all devices', t?.draCdiExposesAllDevices && 'DRA CDI spec exposes all devices', t?.injectedDriverVersion && `containers get driver ${t.injectedDriverVersion}, the node advertises ${SIMULATED_DRIVER_VERSION}`].filter(Boolean);
  return s.length ? ` — SABOTAGED TWIN: ${s.join(', ')}` : '';
}

function startPlugins(cfg: RealNodeConfig) {
  // The kubelet creates these too; the plugins may be first.
  for (const d of ['plugins_registry', 'plugins', 'device-plugins']) mkdirSync(join(NODE_PATHS.kubelet, d), { recursive: true });
  startProcess('device-plugin', cfg.bin.devicePlugin, [
    '--resource', DEVICE_PLUGIN_RESOURCE,
    '--devices', String(DEVICE_PLUGIN_DEVICES),
    '--dev-dir', NODE_PATHS.devices,
    '--node-name', REAL_NODE_NAME,
    ...(cfg.twin?.shareAllDevices ? ['--share-all-devices'] : []),
    '--driver-version', cfg.twin?.injectedDriverVersion ?? SIMULATED_DRIVER_VERSION,
  ], cfg.logs);
  startProcess('vgpu-plugin', cfg.bin.devicePlugin, [
    '--resource', VGPU_RESOURCE,
    '--devices', String(VGPU_DEVICES),
    '--name-prefix', 'kaic-vgpu',
    '--dev-dir', NODE_PATHS.devices,
    '--node-name', REAL_NODE_NAME,
    ...(cfg.twin?.vgpuWithoutDevices ? ['--no-device-files'] : []),
  ], cfg.logs);
  startProcess('dra-driver', cfg.bin.draKubeletPlugin, [
    '--node-name', REAL_NODE_NAME,
    '--kubeconfig', cfg.kubeconfig,
    '--cdi-root', NODE_PATHS.cdi,
    '--num-devices', String(DRA_EXAMPLE_DEVICES),
    '--device-profile', 'gpu',
    '--kubelet-registrar-directory-path', join(NODE_PATHS.kubelet, 'plugins_registry'),
    '--kubelet-plugins-directory-path', join(NODE_PATHS.kubelet, 'plugins'),
  ], cfg.logs, { NODE_NAME: REAL_NODE_NAME });
}

/**
 * The DRA twin: the driver injects a "common" CDI device with every claim. Giving that device the
 * environment of every device (GPU_DEVICE_<n>=gpu-<n>, as the driver sets for an allocated one)
 * makes each claim-granted container see all devices, as a driver with a broken CDI spec would.
 */
async function sabotageDraCdi(since: number) {
  const file = await waitUntil('the DRA example driver to write its common CDI spec', () => {
    for (const f of existsSync(NODE_PATHS.cdi) ? readdirSync(NODE_PATHS.cdi) : []) {
      const p = join(NODE_PATHS.cdi, f);
      try {
        // The restarted driver's own spec, not the one its previous run left: that one it overwrites.
        if (statSync(p).mtimeMs < since) continue;
        const spec = jsyaml.load(readFileSync(p, 'utf8')) as { devices?: { name: string }[] } | undefined;
        if (spec?.devices?.some((d) => d.name === 'common')) return p;
      } catch {
        // half-written
      }
    }
    return undefined;
  }, 20_000);
  const spec = jsyaml.load(readFileSync(file, 'utf8')) as { devices: { name: string; containerEdits: { env?: string[] } }[] };
  const common = spec.devices.find((d) => d.name === 'common')!;
  const all = Array.from({ length: DRA_EXAMPLE_DEVICES }, (_, i) => `GPU_DEVICE_${i}=gpu-${i}`);
  common.containerEdits.env = [...(common.containerEdits.env ?? []).filter((e) => !/^GPU_DEVICE_\d+=/.test(e)), ...all];
  writeFileSync(`${file}.tmp`, jsyaml.dump(spec));
  renameSync(`${file}.tmp`, file);
}

export const EXPORTER_PORT = 9400;

/**
 * kaic-gpu-exporter for the DRA example driver's devices (index, name and UUID from the node's
 * ResourceSlice), on the node's address, behind a Service named and labelled as NVIDIA's DCGM
 * exporter's is (no selector: the exporter is a host process, its endpoint is the node).
 */
async function startExporter(cfg: RealNodeConfig, nodeIP: string) {
  const read = () => {
    const r = kubectl(cfg, ['get', 'resourceslices', '--field-selector', `spec.nodeName=${REAL_NODE_NAME},spec.driver=${DRA_EXAMPLE_DRIVER}`, '-o', 'jsonpath={range .items[*].spec.devices[*]}{.attributes.index.int}={.name}={.attributes.uuid.string}{","}{end}'], undefined, true);
    const devs = r.ok ? r.out.split(',').filter((x) => /^\d+=[^=]+=\S+$/.test(x)) : [];
    return devs.length === DRA_EXAMPLE_DEVICES ? devs : undefined;
  };
  const devices = await waitUntil(`the ${DRA_EXAMPLE_DEVICES} devices of the DRA example driver`, read, 30_000);
  const t = cfg.twin?.metrics;
  startProcess('gpu-exporter', cfg.bin.gpuExporter, [
    '--listen', `${nodeIP}:${EXPORTER_PORT}`,
    '--node-name', REAL_NODE_NAME,
    '--devices', devices.join(','),
    ...(t === 'omit-utilisation' ? ['--omit-utilisation', 'gpu-1'] : t === 'no-device-labels' ? ['--no-device-labels'] : t === 'omit-device' ? ['--omit-device', 'gpu-3'] : []),
  ], cfg.logs);
  const labels = { 'app.kubernetes.io/name': 'dcgm-exporter', app: 'nvidia-dcgm-exporter', 'kaic.dev/real-node': 'true' };
  const ports = [{ name: 'metrics', port: EXPORTER_PORT, protocol: 'TCP' }];
  kubectl(cfg, ['apply', '--server-side', '--force-conflicts', '--field-manager=kaic-real-node', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'dcgm-exporter', namespace: 'kube-system', labels }, spec: { ports: ports.map((p) => ({ ...p, targetPort: EXPORTER_PORT })) } },
    { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'dcgm-exporter-host', namespace: 'kube-system', labels: { 'kubernetes.io/service-name': 'dcgm-exporter', 'endpointslice.kubernetes.io/managed-by': 'local-cluster.kaic.dev' } }, addressType: 'IPv4', endpoints: [{ addresses: [nodeIP], conditions: { ready: true }, nodeName: REAL_NODE_NAME }], ports },
  ] }));
  const up = () => fetch(`http://${nodeIP}:${EXPORTER_PORT}/metrics`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
  await waitUntil('the GPU metrics exporter to answer', async () => { assertRunning(cfg, ['gpu-exporter']); return (await up()) || undefined; }, 10_000);
}

export const PROMETHEUS_PORT = 9090;
/** Seconds: short, so a check sized from it finishes quickly. */
export const PROMETHEUS_SCRAPE_INTERVAL = 5;

/**
 * Prometheus's configuration: every pod annotated prometheus.io/scrape=true is scraped, found
 * through Kubernetes service discovery (the API server, with the cluster's kubeconfig), at its
 * prometheus.io/port and prometheus.io/path, labelled with its namespace and pod, as the common
 * community charts configure it.
 */
export function prometheusConfig(kubeconfig: string, twin?: RealNodeTwin['prometheus']): string {
  const podJob = [
    '  - job_name: kubernetes-pods',
    '    kubernetes_sd_configs:',
    '      - role: pod',
    `        kubeconfig_file: ${JSON.stringify(kubeconfig)}`,
    '    relabel_configs:',
    '      - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]',
    '        action: keep',
    '        regex: "true"',
    '      - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_path]',
    '        action: replace',
    '        target_label: __metrics_path__',
    '        regex: (.+)',
    '      - source_labels: [__address__, __meta_kubernetes_pod_annotation_prometheus_io_port]',
    '        action: replace',
    '        regex: ([^:]+)(?::\\d+)?;(\\d+)',
    // The twin scrapes a port nothing listens on: every target is down.
    `        replacement: ${twin === 'wrong-port' ? '$1:1' : '$1:$2'}`,
    '        target_label: __address__',
    '      - source_labels: [__meta_kubernetes_namespace]',
    '        target_label: namespace',
    '      - source_labels: [__meta_kubernetes_pod_name]',
    '        target_label: pod',
  ];
  return [
    'global:',
    `  scrape_interval: ${PROMETHEUS_SCRAPE_INTERVAL}s`,
    `  evaluation_interval: ${PROMETHEUS_SCRAPE_INTERVAL}s`,
    ...(twin === 'no-pod-discovery' ? ['scrape_configs: []'] : ['scrape_configs:', ...podJob]),
    '',
  ].join('\n');
}

/**
 * Prometheus on the node's address (so the API server's service proxy reaches it), with a
 * fresh store each start, behind a Service `monitoring/prometheus` as a chart would name it.
 */
async function startPrometheus(cfg: RealNodeConfig, nodeIP: string) {
  const dir = join(NODE_PATHS.lib, 'prometheus');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const conf = join(NODE_PATHS.run, 'prometheus.yml');
  writeFileSync(conf, prometheusConfig(cfg.kubeconfig, cfg.twin?.prometheus));
  startProcess('prometheus', cfg.bin.prometheus, [`--config.file=${conf}`, `--storage.tsdb.path=${dir}`, `--web.listen-address=${nodeIP}:${PROMETHEUS_PORT}`, '--log.level=warn'], cfg.logs);
  const labels = { 'app.kubernetes.io/name': 'prometheus', 'kaic.dev/real-node': 'true' };
  const ports = [{ name: 'web', port: PROMETHEUS_PORT, protocol: 'TCP' }];
  kubectl(cfg, ['apply', '--server-side', '--force-conflicts', '--field-manager=kaic-real-node', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'monitoring', labels: { 'kaic.dev/real-node': 'true' } } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'prometheus', namespace: 'monitoring', labels }, spec: { ports: ports.map((p) => ({ ...p, targetPort: PROMETHEUS_PORT })) } },
    // A host process: the API server's service proxy reaches only pods, so kaic goes through the
    // node proxy to the endpoint's node, as it does for host-network exporters.
    { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'prometheus-host', namespace: 'monitoring', labels: { 'kubernetes.io/service-name': 'prometheus', 'endpointslice.kubernetes.io/managed-by': 'local-cluster.kaic.dev' } }, addressType: 'IPv4', endpoints: [{ addresses: [nodeIP], conditions: { ready: true }, nodeName: REAL_NODE_NAME }], ports },
  ] }));
  const ready = () => fetch(`http://${nodeIP}:${PROMETHEUS_PORT}/-/ready`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
  await waitUntil('Prometheus to be ready', async () => { assertRunning(cfg, ['prometheus']); return (await ready()) || undefined; }, 30_000);
}

export const ADAPTER_PORT = 6443;
/** Seconds between the adapter's lists of Prometheus's series (its default is 1m). */
export const ADAPTER_RELIST = 10;

/** The community chart's default rule: every gauge of a pod, as a custom metric of that pod. */
const ADAPTER_RULES = [
  'rules:',
  '  - seriesQuery: \'{namespace!="",pod!=""}\'',
  '    seriesFilters:',
  '      - isNot: ".*_total$"',
  '      - isNot: ".*_bucket$"',
  '    resources:',
  '      overrides:',
  '        namespace: { resource: namespace }',
  '        pod: { resource: pod }',
  '    name:',
  '      matches: "^(.*)$"',
  '      as: "${1}"',
  '    metricsQuery: \'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)\'',
  '',
].join('\n');

/**
 * prometheus-adapter on the node's address, serving custom.metrics.k8s.io from the node's Prometheus
 * (self-signed serving certificate; authentication and authorization delegated to the API server),
 * registered as the APIService behind a Service `monitoring/prometheus-adapter`. With the twin
 * `adapterDown` the APIService is registered and nothing serves it.
 */
async function startAdapter(cfg: RealNodeConfig, nodeIP: string) {
  const dir = join(NODE_PATHS.run, 'prometheus-adapter');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'rules.yaml'), ADAPTER_RULES);
  const ports = [{ name: 'https', port: ADAPTER_PORT, protocol: 'TCP' }];
  kubectl(cfg, ['apply', '--server-side', '--force-conflicts', '--field-manager=kaic-real-node', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'monitoring', labels: { 'kaic.dev/real-node': 'true' } } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'prometheus-adapter', namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus-adapter', 'kaic.dev/real-node': 'true' } }, spec: { ports: [{ name: 'https', port: 443, targetPort: ADAPTER_PORT, protocol: 'TCP' }] } },
    { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'prometheus-adapter-host', namespace: 'monitoring', labels: { 'kubernetes.io/service-name': 'prometheus-adapter', 'endpointslice.kubernetes.io/managed-by': 'local-cluster.kaic.dev' } }, addressType: 'IPv4', endpoints: [{ addresses: [nodeIP], conditions: { ready: true }, nodeName: REAL_NODE_NAME }], ports },
    { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1beta1.custom.metrics.k8s.io', labels: { 'kaic.dev/real-node': 'true' } }, spec: { service: { name: 'prometheus-adapter', namespace: 'monitoring', port: 443 }, group: 'custom.metrics.k8s.io', version: 'v1beta1', insecureSkipTLSVerify: true, groupPriorityMinimum: 100, versionPriority: 100 } },
  ] }));
  if (cfg.twin?.adapterDown) {
    // The twin is "registered, nothing serves it": wait until the aggregator has noticed (it re-probes
    // every 30 s), so the API server reports what a cluster with a dead adapter reports.
    const down = () => {
      const r = kubectl(cfg, ['get', 'apiservice', 'v1beta1.custom.metrics.k8s.io', '-o', 'jsonpath={.status.conditions[?(@.type=="Available")].status}'], undefined, true);
      return r.ok && r.out.trim() === 'False' ? true : undefined;
    };
    await waitUntil('the custom metrics APIService to report itself unavailable', down, 90_000);
    return;
  }
  startProcess('prometheus-adapter', cfg.bin.prometheusAdapter, [
    `--secure-port=${ADAPTER_PORT}`, `--bind-address=${nodeIP}`, `--cert-dir=${dir}`,
    `--lister-kubeconfig=${cfg.kubeconfig}`, `--authentication-kubeconfig=${cfg.kubeconfig}`, `--authorization-kubeconfig=${cfg.kubeconfig}`,
    `--prometheus-url=http://${nodeIP}:${PROMETHEUS_PORT}`, `--metrics-relist-interval=${ADAPTER_RELIST}s`, `--config=${join(dir, 'rules.yaml')}`, '--v=1',
  ], cfg.logs);
  // Serving, not only Available (a condition left from before a restart): discovery answers 200.
  const available = () => {
    assertRunning(cfg, ['prometheus-adapter']);
    const r = kubectl(cfg, ['get', '--raw', '/apis/custom.metrics.k8s.io/v1beta1'], undefined, true);
    return r.ok && r.out.includes('APIResourceList') ? true : undefined;
  };
  await waitUntil('prometheus-adapter to serve custom.metrics.k8s.io', available, 60_000);
}

/**
 * The secondary network (high_performance_networking): DRANET publishes the node's network
 * interfaces as DRA devices of driver `dra.net` and, through containerd's NRI, moves a claimed one
 * into the pod's network namespace with its addresses. The node has no second NIC, so the fabric is
 * virtual: a bridge with HPN_INTERFACES veth pairs; the pod-side end of each (`kaic-net<n>`, with an
 * address of HPN_SUBNET) is what DRANET publishes (its filter keeps every other interface of this
 * machine out), the other end is a port of the bridge. The twin leaves the ports off the bridge.
 */
export const DRANET_DRIVER = 'dra.net';
export const DRANET_DEVICE_CLASS = 'dranet';
export const HPN_PREFIX = 'kaic-net';
export const HPN_INTERFACES = 4;
export const HPN_SUBNET = '192.168.231';
const HPN_BRIDGE = `${HPN_PREFIX}br`;
const DRANET_METRICS = 9177;

/** The fabric, made afresh: a pair whose pod end went with a deleted pod's namespace is made again. */
function makeNetworkFabric(twin?: RealNodeTwin) {
  removeNetworkFabric();
  sh('ip', ['link', 'add', HPN_BRIDGE, 'type', 'bridge']);
  sh('ip', ['link', 'set', HPN_BRIDGE, 'up']);
  for (let i = 0; i < HPN_INTERFACES; i++) {
    const end = `${HPN_PREFIX}${i}`;
    const port = `${HPN_PREFIX}${i}p`;
    sh('ip', ['link', 'add', end, 'type', 'veth', 'peer', 'name', port]);
    sh('ip', ['addr', 'add', `${HPN_SUBNET}.${i + 1}/24`, 'dev', end]);
    if (!twin?.networkDisconnected) sh('ip', ['link', 'set', port, 'master', HPN_BRIDGE]);
    sh('ip', ['link', 'set', port, 'up']);
    sh('ip', ['link', 'set', end, 'up']);
  }
}

function removeNetworkFabric() {
  for (const l of sh('ip', ['-o', 'link', 'show'], { allowFail: true }).out.split('\n')) {
    const name = /^\d+: ([^@:]+)/.exec(l)?.[1];
    if (name?.startsWith(HPN_PREFIX) && !name.endsWith('br')) spawnSync('ip', ['link', 'delete', name]);
  }
  spawnSync('ip', ['link', 'delete', HPN_BRIDGE]);
}

async function startDranet(cfg: RealNodeConfig) {
  makeNetworkFabric(cfg.twin);
  // DRANET gives an interface back without its addresses when the pod goes; a host's network
  // configuration (systemd-networkd, DHCP) would set them again, and so does this loop.
  const keep = Array.from({ length: HPN_INTERFACES }, (_, i) => `ip addr replace ${HPN_SUBNET}.${i + 1}/24 dev ${HPN_PREFIX}${i} 2>/dev/null`).join('; ');
  startProcess('hpn-addresses', '/bin/sh', ['-c', `while :; do ${keep}; sleep 1; done`], cfg.logs);
  kubectl(cfg, ['apply', '--server-side', '--force-conflicts', '--field-manager=kaic-real-node', '-f', '-'], JSON.stringify({
    apiVersion: 'resource.k8s.io/v1',
    kind: 'DeviceClass',
    metadata: { name: DRANET_DEVICE_CLASS, labels: { 'kaic.dev/real-node': 'true' } },
    spec: { selectors: [{ cel: { expression: `device.driver == "${DRANET_DRIVER}"` } }] },
  }));
  startProcess('dranet', cfg.bin.dranet, [
    '--kubeconfig', cfg.kubeconfig,
    '--hostname-override', REAL_NODE_NAME,
    '--bind-address', `127.0.0.1:${DRANET_METRICS}`,
    // Only the fabric's pod ends: DRANET would otherwise publish (and hand out) this machine's own NICs.
    '--filter', `"dra.net/ifName" in attributes && attributes["dra.net/ifName"].StringValue.matches("^${HPN_PREFIX}[0-9]+$")`,
    '--v=2',
  ], cfg.logs, { TMPDIR: NODE_PATHS.run });
  // The fabric is new (new hardware addresses): wait until every interface is published as it is now,
  // not as a previous fabric's slice still says.
  const want = Array.from({ length: HPN_INTERFACES }, (_, i) => `${HPN_PREFIX}${i}=${readFileSync(`/sys/class/net/${HPN_PREFIX}${i}/address`, 'utf8').trim()}`).sort().join(' ');
  const published = () => {
    assertRunning(cfg, ['dranet']);
    const r = kubectl(cfg, ['get', 'resourceslices', '--field-selector', `spec.nodeName=${REAL_NODE_NAME},spec.driver=${DRANET_DRIVER}`, '-o', 'jsonpath={range .items[*]}{range .spec.devices[*]}{.name}={.attributes.dra\\.net/mac.string} {end}{end}'], undefined, true);
    return r.ok ? r.out.trim().split(/\s+/).filter((d) => d.startsWith(HPN_PREFIX)).sort().join(' ') : r.err;
  };
  await waitUntil(`DRANET to publish the ${HPN_INTERFACES} ${HPN_PREFIX} interfaces as they are (${want})`, () => (published() === want ? true : undefined), 90_000, published);
}

export const GATEWAY_PORT = 80;
export const GATEWAY_CLASS = 'traefik';
const TRAEFIK_CONTROLLER = 'traefik.io/gateway-controller';
const TRAEFIK_PING = 9089;

/**
 * The Gateway API: its standard-channel CRDs, a GatewayClass, and Traefik as its implementation on
 * the node's address (entryPoint `web` on port 80, which Gateway listeners on port 80 bind to; the
 * Gateway's status address is the node's). Traefik reaches pods over the node's bridge.
 */
async function startGateway(cfg: RealNodeConfig, nodeIP: string) {
  kubectl(cfg, ['apply', '--server-side', '--force-conflicts', '--field-manager=kaic-real-node', '-f', cfg.bin.gatewayCrds]);
  kubectl(cfg, ['wait', '--for=condition=Established', '--timeout=30s', 'crd/gatewayclasses.gateway.networking.k8s.io', 'crd/gateways.gateway.networking.k8s.io', 'crd/httproutes.gateway.networking.k8s.io']);
  kubectl(cfg, ['apply', '--server-side', '--force-conflicts', '--field-manager=kaic-real-node', '-f', '-'], JSON.stringify({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: GATEWAY_CLASS, labels: { 'kaic.dev/real-node': 'true' } }, spec: { controllerName: TRAEFIK_CONTROLLER } }));
  startTraefik(cfg, nodeIP);
  const accepted = () => {
    assertRunning(cfg, ['traefik']);
    const r = kubectl(cfg, ['get', 'gatewayclass', GATEWAY_CLASS, '-o', 'jsonpath={.status.conditions[?(@.type=="Accepted")].status}'], undefined, true);
    return r.ok && r.out.trim() === 'True' ? true : undefined;
  };
  await waitUntil(`Traefik to accept GatewayClass ${GATEWAY_CLASS}`, accepted, 60_000);
  const up = () => fetch(`http://127.0.0.1:${TRAEFIK_PING}/ping`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
  await waitUntil('Traefik to answer its ping', async () => { assertRunning(cfg, ['traefik']); return (await up()) || undefined; }, 20_000);
}

function startTraefik(cfg: RealNodeConfig, nodeIP: string) {
  startProcess('traefik', cfg.twin?.gatewayIgnoresWeights ? cfg.bin.traefikWeightsIgnored : cfg.bin.traefik, [
    `--entryPoints.web.address=${nodeIP}:${GATEWAY_PORT}`,
    `--entryPoints.ping.address=127.0.0.1:${TRAEFIK_PING}`, '--ping=true', '--ping.entryPoint=ping',
    '--providers.kubernetesgateway=true', `--providers.kubernetesgateway.statusaddress.ip=${nodeIP}`,
    '--log.level=INFO', '--global.checkNewVersion=false', '--global.sendAnonymousUsage=false',
  ], cfg.logs, { KUBECONFIG: cfg.kubeconfig });
}

/**
 * Kills the Gateway implementation, leaving every status it wrote (GatewayClass, Gateways and
 * routes stay Accepted): the twin of a controller that died after accepting a route.
 */
export async function stopGateway(): Promise<void> {
  const pid = pidOf('traefik');
  if (pid && isAlive(pid)) process.kill(pid, 'SIGKILL');
  await stopProcess('traefik', 5_000);
}

/** Restarts only the device plugins, the exporter, Prometheus, its adapter and the Gateway, with the given twin switches (the kubelet keeps running). */
export async function setTwin(cfg: RealNodeConfig, twin: RealNodeTwin): Promise<void> {
  for (const c of [...ADD_ONS_STOPPING, 'device-plugin', 'vgpu-plugin', 'dra-driver'] as const) await stopProcess(c, 10_000);
  const owner = readOwner();
  if (owner) writeFileSync(NODE_PATHS.owner, JSON.stringify({ ...owner, twin }, null, 2));
  const next = { ...cfg, twin };
  const pluginsStarted = Date.now();
  startPlugins(next);
  const all = () => {
    assertRunning(next, ['device-plugin', 'vgpu-plugin', 'dra-driver']);
    return kubectl(next, ['get', 'node', REAL_NODE_NAME, '-o', `jsonpath=${PLUGINS_ALLOCATABLE}`], undefined, true).out.trim();
  };
  await waitUntil(`${DEVICE_PLUGIN_RESOURCE} and ${VGPU_RESOURCE} to be allocatable again`, () => (all() === PLUGINS_REGISTERED ? true : undefined), 30_000, all);
  if (twin.draCdiExposesAllDevices) await sabotageDraCdi(pluginsStarted);
  if (owner?.nodeIP) for (const a of ADD_ONS) await a.start(next, owner.nodeIP);
}

async function stopProcess(c: Component, timeoutMs: number) {
  const pid = pidOf(c);
  if (pid && isAlive(pid)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone
    }
    const until = Date.now() + timeoutMs;
    while (isAlive(pid) && Date.now() < until) await sleep(100);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    const hard = Date.now() + 5_000;
    while (isAlive(pid) && Date.now() < hard) await sleep(50);
  }
  rmSync(join(NODE_PATHS.pids, `${c}.pid`), { force: true });
}

function stopProcessSync(c: Component, timeoutMs: number) {
  const pid = pidOf(c);
  if (pid && isAlive(pid)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone
    }
    const until = Date.now() + timeoutMs;
    while (isAlive(pid) && Date.now() < until) spawnSync('sleep', ['0.1']);
    if (isAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    const hard = Date.now() + 5_000;
    while (isAlive(pid) && Date.now() < hard) spawnSync('sleep', ['0.05']);
  }
  rmSync(join(NODE_PATHS.pids, `${c}.pid`), { force: true });
}

/** Processes whose executable is one of ours (shims outlive containerd; matched by binary path, never by name). */
function processesOf(exes: readonly string[]): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const exe = readlinkSync(`/proc/${d}/exe`).replace(/ \(deleted\)$/, '');
      if (exes.includes(exe) && isAlive(Number(d))) out.push(Number(d));
    } catch {
      // exited or kernel thread
    }
  }
  return out;
}

/** Mount points under the node's roots, deepest first. */
export function nodeMounts(): string[] {
  const roots = [NODE_PATHS.kubelet, NODE_PATHS.lib, NODE_PATHS.run, '/run/netns/cni-'];
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((m): m is string => !!m && roots.some((r) => m === r || m.startsWith(r.endsWith('-') ? r : `${r}/`)))
    .sort((a, b) => b.length - a.length);
}

/** iptables rules (v4 and v6) that belong to the node: KUBE-* and CNI-* chains and every rule using them or our bridge. */
function ownRule(line: string): boolean {
  return /(^:|-j |-A |-g )(KUBE-|CNI-)/.test(line) || line.includes(CNI_BRIDGE) || line.includes(`"name: \\"${CNI_NETWORK}\\"`);
}

export function iptablesRules(): { total: number; own: number } {
  let total = 0;
  let own = 0;
  for (const save of ['iptables-save', 'ip6tables-save']) {
    const r = sh(save, [], { allowFail: true });
    for (const l of r.out.split('\n')) {
      if (!l.startsWith('-A') && !l.startsWith(':')) continue;
      total++;
      if (ownRule(l)) own++;
    }
  }
  return { total, own };
}

function removeOwnIptables() {
  for (const [save, restore] of [['iptables-save', 'iptables-restore'], ['ip6tables-save', 'ip6tables-restore']] as const) {
    const r = sh(save, [], { allowFail: true });
    if (!r.ok || !r.out.split('\n').some(ownRule)) continue;
    const kept = r.out.split('\n').filter((l) => !ownRule(l)).join('\n');
    sh(restore, [], { input: kept, allowFail: true });
  }
}

/** Processes in the kubelet's pod cgroups: containers whose shim died keep running without it. */
function podProcesses(): number[] {
  const out = new Set<number>();
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    try {
      for (const l of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (Number(l) > 0) out.add(Number(l));
      for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(join(dir, e.name));
    } catch {
      // removed meanwhile
    }
  };
  if (existsSync('/sys/fs/cgroup')) for (const h of readdirSync('/sys/fs/cgroup')) walk(join('/sys/fs/cgroup', h, 'kubepods'));
  return [...out].filter(isAlive);
}

function killPodProcesses() {
  const until = Date.now() + 5_000;
  for (let pids = podProcesses(); pids.length && Date.now() < until; pids = podProcesses()) {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    spawnSync('sleep', ['0.1']);
  }
}

function removeCgroups() {
  if (!existsSync('/sys/fs/cgroup')) return;
  const rmTree = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) rmTree(join(dir, e.name));
    try {
      spawnSync('rmdir', [dir]);
    } catch {
      // busy: reported by the leak checks
    }
  };
  for (const h of readdirSync('/sys/fs/cgroup')) rmTree(join('/sys/fs/cgroup', h, 'kubepods'));
}

/** What the node leaves on the machine; all zero after `stopNode`. */
export function nodeFootprint(bin: Pick<RealNodeBinaries, 'kubelet' | 'containerd' | 'containerdShim' | 'kubeProxy' | 'coredns' | 'devicePlugin' | 'draKubeletPlugin'> & Partial<Pick<RealNodeBinaries, 'traefik' | 'dranet'>>) {
  const links = (() => {
    const r = sh('ip', ['-o', 'link', 'show'], { allowFail: true }).out.split('\n');
    return r.filter((l) => l.includes(CNI_BRIDGE) || / veth[0-9a-f]+@/.test(l) || l.includes(`: ${HPN_PREFIX}`)).length;
  })();
  const cgroups = existsSync('/sys/fs/cgroup') ? readdirSync('/sys/fs/cgroup').filter((h) => existsSync(join('/sys/fs/cgroup', h, 'kubepods'))).length : 0;
  return {
    kubelet: processesOf([bin.kubelet]).length,
    containerd: processesOf([bin.containerd]).length,
    shims: processesOf([bin.containerdShim]).length,
    otherComponents: processesOf([bin.kubeProxy, bin.coredns, bin.devicePlugin, bin.draKubeletPlugin, ...(bin.traefik ? [bin.traefik] : []), ...(bin.dranet ? [bin.dranet] : [])]).length,
    containerProcesses: podProcesses().length,
    mounts: nodeMounts().length,
    netns: listNetns().filter((n) => n.startsWith('cni-')).length,
    cniLinks: links,
    iptablesOwnRules: iptablesRules().own,
    cgroups,
    paths: [NODE_PATHS.run, NODE_PATHS.lib, NODE_PATHS.kubelet].filter((p) => existsSync(p)).length,
  };
}

/**
 * Stops the node and removes everything it put on the machine. Pods are deleted first, while the
 * kubelet runs, so their sandboxes go through CNI DEL; whatever a crash left behind is removed by
 * hand afterwards (shims by binary path, mounts, network namespaces, rules, cgroups).
 */
export function stopNode(o: { bin: RealNodeBinaries; kubeconfig?: string; log?: (s: string) => void }): void {
  const owner = readOwner();
  const kubelet = pidOf('kubelet');
  const kubeconfig = o.kubeconfig ?? owner?.kubeconfig;
  if (kubelet && isAlive(kubelet) && kubeconfig && existsSync(kubeconfig)) {
    const cfg = { kubeconfig, bin: o.bin };
    const del = kubectl(cfg, ['delete', 'pods', '--all-namespaces', '--field-selector', `spec.nodeName=${REAL_NODE_NAME}`, '--grace-period=1', '--wait=false'], undefined, true);
    if (del.ok) {
      const until = Date.now() + 20_000;
      while (Date.now() < until) {
        const tasks = ctr(o.bin, ['tasks', 'ls', '-q'], true);
        if (!tasks.ok || tasks.out.trim() === '') break;
        spawnSync('sleep', ['0.2']);
      }
    }
  }
  for (const c of [...ADD_ONS_STOPPING, 'dra-driver', 'device-plugin', 'vgpu-plugin', 'kubelet', 'kube-proxy', 'coredns'] as const) stopProcessSync(c, 10_000);
  if (existsSync(o.bin.kubeProxy)) sh(o.bin.kubeProxy, ['--cleanup'], { allowFail: true, timeoutMs: 30_000 });
  // Containers the kubelet did not stop: kill their tasks while containerd still answers.
  const left = pidOf('containerd') && isAlive(pidOf('containerd')!) ? ctr(o.bin, ['tasks', 'ls', '-q'], true).out.split('\n').filter(Boolean) : [];
  for (const t of left) {
    ctr(o.bin, ['tasks', 'kill', '-s', 'SIGKILL', t], true);
  }
  stopProcessSync('containerd', 10_000);
  for (const pid of processesOf([o.bin.containerdShim])) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  const until = Date.now() + 5_000;
  while (processesOf([o.bin.containerdShim]).length && Date.now() < until) spawnSync('sleep', ['0.1']);
  // Containers outlive a killed shim: their network namespaces (and veths) and cgroups go with them.
  killPodProcesses();
  for (const m of nodeMounts()) spawnSync('umount', ['-l', m]);
  const before = new Set(owner?.baseline.netns ?? []);
  for (const n of listNetns()) if (n.startsWith('cni-') && !before.has(n)) spawnSync('ip', ['netns', 'delete', n]);
  for (const l of sh('ip', ['-o', 'link', 'show', 'master', CNI_BRIDGE], { allowFail: true }).out.split('\n')) {
    const veth = /^\d+: ([^@:]+)/.exec(l)?.[1];
    if (veth) spawnSync('ip', ['link', 'delete', veth]);
  }
  spawnSync('ip', ['link', 'delete', CNI_BRIDGE]);
  removeNetworkFabric();
  rmSync(NRI_SOCKET, { force: true });
  removeOwnIptables();
  removeCgroups();
  if (owner) {
    writeSysctl('net/ipv4/ip_forward', owner.baseline.ipForward);
    writeSysctl('net/bridge/bridge-nf-call-iptables', owner.baseline.bridgeNf);
  }
  if (existsSync(NODE_PATHS.containerLogLinks)) {
    for (const f of readdirSync(NODE_PATHS.containerLogLinks)) {
      const p = join(NODE_PATHS.containerLogLinks, f);
      try {
        if (readlinkSync(p).startsWith(NODE_PATHS.podLogs)) rmSync(p, { force: true });
      } catch {
        // not a link
      }
    }
  }
  for (const p of [NODE_PATHS.kubelet, NODE_PATHS.lib, NODE_PATHS.run]) {
    try {
      rmSync(p, { recursive: true, force: true });
    } catch (e) {
      o.log?.(`could not remove ${p}: ${(e as Error).message}`);
    }
  }
}
