import type { V1Pod } from '@kubernetes/client-node';
import { defineCheck, type KObject } from './api.js';
import { celAttribute, NETWORK_RESOURCE, networkProfileFor, type NetworkDriverProfile } from './profiles/networks.js';
import { allocatedDevices, attributesOf, attributeText, completePools, deviceRequest, draVersionFor, driverOf, type Claim, type DeviceClassObj, type Slice } from './support/dra.js';
import { isReadyNode, nodeName, tolerationsFor } from './support/nodes.js';
import { onNodes, restrictedPod, schedulerRefused } from './support/pods.js';
import { duration, text } from './settings.js';

/** One network interface a DRA driver publishes. */
export interface NetDevice {
  readonly node: string;
  readonly pool: string;
  readonly device: string;
  readonly ifName: string;
  readonly mac: string;
  /** The first IPv4 address with its prefix (`192.168.1.2/24`), when published. */
  readonly ipv4?: string;
  readonly type?: string;
  readonly virtual?: boolean;
  readonly rdma?: boolean;
}

/**
 * Interfaces that carry the node's own or its pods' networking (overlay tunnels, bridges, IPVS,
 * CNI devices): a driver may publish them (DRANET's default filter drops only veths), but claiming
 * one would cut the node's networking for the run. Never candidates.
 */
const INFRASTRUCTURE_TYPE = /^(bridge|vxlan|ipip|gre|gretap|ip6gre|ip6tnl|sit|tun|tuntap|dummy|wireguard|geneve|vrf|openvswitch|ipvlan)$/;
const INFRASTRUCTURE_NAME = /^(kube-ipvs|flannel|cni|cali|vxlan|tunl|weave|docker|cilium|lxc|antrea|ovn|genev|br-|virbr|nodelocaldns)/;
export const isInfrastructure = (d: Pick<NetDevice, 'ifName' | 'type'>) => INFRASTRUCTURE_NAME.test(d.ifName) || (!!d.type && INFRASTRUCTURE_TYPE.test(d.type));
const NO_MAC = /^(00:){5}00$|^$/;

interface Env {
  readonly gv: string;
  readonly version: string;
  readonly deviceClass: string;
  readonly profile: NetworkDriverProfile;
  /** Published interfaces on Ready nodes where containers run, free when discovered. */
  readonly free: readonly NetDevice[];
  readonly published: number;
  /** Devices of the driver's complete pools that publish no interface name or hardware address. */
  readonly bare: readonly string[];
  readonly others: readonly string[];
  /** Every published interface's hardware address, free or not. */
  readonly macs: readonly string[];
  /** Tolerations for every node's taints: the scheduler, not kaic, must pick the node. */
  readonly tolerations: readonly { key: string; operator: string }[];
  readonly nodeCount: number;
}

export const NET_PROBE_PORT = 8080;
const PROBE_TRIES = 20;
/** Each try: one request of at most 3 s (the second only once the first answered), then 1 s. */
const CLIENT_MAX_MS = (PROBE_TRIES + 10) * 4_000 + 30_000;

/** Prints every interface (name, hardware address, byte counters) and every address, as marker lines. */
function listInterfaces(tag: string): string {
  return `for d in /sys/class/net/*; do echo "KNET ${tag}: \${d##*/} $(cat $d/address) $(cat $d/statistics/rx_bytes) $(cat $d/statistics/tx_bytes)"; done; ip -o addr 2>/dev/null | sed 's/^/KNET addr: /'`;
}

/** The server: lists its interfaces, then serves agnhost's netexec (answers /hostname and /clientip). */
export function serverCommand(): string[] {
  return ['sh', '-c', `${listInterfaces('if')}; echo 'KNET done'; exec /agnhost netexec --http-port=${NET_PROBE_PORT}`];
}

/**
 * The client: lists its interfaces, asks the server at `address` for its name and for the address
 * the request came from (retrying while the path comes up), lists the counters again, then sleeps.
 */
export function clientCommand(address: string, podAddress: string): string[] {
  const url = `http://${address}:${NET_PROBE_PORT}`;
  // `timeout`, not wget's -T: Debian's busybox-static wget crashes with -T.
  const get = (u: string, path: string) => `$(timeout 3 wget -q -O - ${u}${path} 2>/dev/null)`;
  // The control first: the server answers this client over the pod network (so the client's tools work, and the server serves).
  const control = `i=0; while [ $i -lt 10 ]; do P=${get(`http://${podAddress}:${NET_PROBE_PORT}`, '/hostname')} && break; P=; sleep 1; i=$((i+1)); done`;
  const ask = `i=0; while [ $i -lt ${PROBE_TRIES} ]; do H=${get(url, '/hostname')} && C=${get(url, '/clientip')} && break; H=; C=; sleep 1; i=$((i+1)); done`;
  return ['sh', '-c', `${listInterfaces('if')}; ${control}; echo "KNET primary: $P"; ${ask}; echo "KNET hostname: $H"; echo "KNET clientip: $C"; ${listInterfaces('after')}; echo 'KNET done'; sleep 3600`];
}

export interface Iface {
  readonly name: string;
  readonly mac: string;
  readonly rx: number;
  readonly tx: number;
  readonly addresses: readonly string[];
}
export interface NetView {
  readonly done: boolean;
  readonly interfaces: readonly Iface[];
  readonly after: readonly Iface[];
  readonly hostname?: string;
  /** The server's name as it answered over the pod network (the client's control). */
  readonly primary?: string;
  /** The address the server saw the request come from (`ip:port` → ip). */
  readonly clientIp?: string;
}

export function parseNetView(log: string): NetView {
  const lines = log.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('KNET '));
  const addrs = new Map<string, string[]>();
  for (const l of lines.filter((x) => x.startsWith('KNET addr: '))) {
    const m = /^KNET addr: \d+: ([^\s@]+)\s+inet6? (\S+)/.exec(l);
    if (m && !addrs.get(m[1]!)?.includes(m[2]!)) addrs.set(m[1]!, [...(addrs.get(m[1]!) ?? []), m[2]!]);
  }
  const ifs = (tag: string): Iface[] => lines.filter((l) => l.startsWith(`KNET ${tag}: `)).flatMap((l) => {
    const [name, mac, rx, tx] = l.slice(`KNET ${tag}: `.length).split(/\s+/);
    return name && mac ? [{ name, mac: mac.toLowerCase(), rx: Number(rx), tx: Number(tx), addresses: addrs.get(name) ?? [] }] : [];
  });
  const value = (k: string) => lines.find((l) => l.startsWith(`KNET ${k}: `))?.slice(`KNET ${k}: `.length).trim() || undefined;
  const client = value('clientip');
  const clientIp = client ? client.replace(/:\d+$/, '').replace(/^\[|\]$/g, '') : undefined;
  return { done: lines.includes('KNET done'), interfaces: ifs('if'), after: ifs('after'), ...(value('hostname') ? { hostname: value('hostname')! } : {}), ...(value('primary') ? { primary: value('primary')! } : {}), ...(clientIp ? { clientIp } : {}) };
}


const ipOf = (cidr: string) => cidr.split('/')[0]!;

/** The IPv4 network of `a.b.c.d/len`, as a string key. */
export function ipv4Network(cidr: string): string | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) return undefined;
  const len = Number(m[5]);
  const n = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
  const mask = len === 0 ? 0 : (~0 << (32 - len)) >>> 0;
  return `${(n & mask) >>> 0}/${len}`;
}

/** Two free interfaces in one IPv4 network (they can reach each other), on different devices; nodes where containers run first. */
export function pickPair(devices: readonly NetDevice[]): [NetDevice, NetDevice] | undefined {
  const byNet = new Map<string, NetDevice[]>();
  for (const d of [...devices].sort((x, y) => rank(y) - rank(x))) {
    const net = d.ipv4 ? ipv4Network(d.ipv4) : undefined;
    if (net) byNet.set(net, [...(byNet.get(net) ?? []), d]);
  }
  for (const list of byNet.values()) {
    const other = list.find((d) => ipOf(d.ipv4!) !== ipOf(list[0]!.ipv4!));
    if (other) return [list[0]!, other];
  }
  return undefined;
}

/** RDMA interfaces first, then physical ones: what a high-performance network is made of. */
const rank = (d: NetDevice) => Number(d.rdma === true) * 2 + Number(d.virtual === false);

/**
 * The interfaces kaic may claim: not infrastructure, with a hardware address no other published
 * interface shares (VLANs and bond members share their parent's), best first.
 */
export function candidates(devices: readonly NetDevice[]): NetDevice[] {
  const count = new Map<string, number>();
  for (const d of devices) count.set(d.mac.toLowerCase(), (count.get(d.mac.toLowerCase()) ?? 0) + 1);
  return devices.filter((d) => !isInfrastructure(d) && !NO_MAC.test(d.mac) && count.get(d.mac.toLowerCase()) === 1).sort((x, y) => rank(y) - rank(x));
}

/** The devices of a driver's complete pools, as interfaces (those publishing a name and a hardware address). */
export function netDevices(slices: readonly Slice[], profile: NetworkDriverProfile, readyNodes: ReadonlySet<string>): { devices: NetDevice[]; bare: string[] } {
  const pools = new Set(completePools(slices, profile.driver, readyNodes).complete.map((p) => p.pool));
  const devices: NetDevice[] = [];
  const bare: string[] = [];
  for (const sl of slices) {
    if (sl.spec.driver !== profile.driver || !pools.has(sl.spec.pool.name) || !sl.spec.nodeName) continue;
    for (const d of sl.spec.devices ?? []) {
      const a = attributesOf(d);
      const ifName = attributeText(a[profile.attributes.ifName]);
      const mac = attributeText(a[profile.attributes.mac]);
      // A host address (/32, a service VIP) is no network two interfaces share.
      const ipv4 = profile.attributes.ipv4 ? attributeText(a[profile.attributes.ipv4])?.split(',').map((x) => x.trim()).find((x) => ipv4Network(x) && !x.endsWith('/32')) : undefined;
      const type = profile.attributes.type ? attributeText(a[profile.attributes.type]) : undefined;
      const flag = (k?: string) => (k && a[k]?.bool !== undefined ? { value: a[k]!.bool! } : undefined);
      const virtual = flag(profile.attributes.virtual);
      const rdma = flag(profile.attributes.rdma);
      if (!ifName || !mac) bare.push(`${sl.spec.pool.name}/${d.name}`);
      else devices.push({ node: sl.spec.nodeName, pool: sl.spec.pool.name, device: d.name, ifName, mac, ...(ipv4 ? { ipv4 } : {}), ...(type ? { type } : {}), ...(virtual ? { virtual: virtual.value } : {}), ...(rdma ? { rdma: rdma.value } : {}) });
    }
  }
  return { devices, bare };
}

const settings = {
  'network.deviceClass': text({ description: 'the DRA DeviceClass of network interfaces to prove (default: the first selecting a network driver kaic knows, or whose devices publish an interface name and a hardware address)', default: undefined, example: 'dranet' }),
  'network.window': duration({ description: 'how long a pod claiming an interface no node publishes must stay unplaced', default: '15s', min: '5s', max: '5m' }),
};

export default defineCheck({
  id: 'high_performance_networking',
  testName: 'TestHighPerformanceNetworking',
  summary: 'detects DRA network drivers (DRANET, or any driver publishing interface names and hardware addresses), Multus NetworkAttachmentDefinitions and SR-IOV/RDMA resources; proves that the interfaces\' attributes are published, that a pod claiming one is placed only where it is published (and a claim for one no node publishes is placed nowhere), that the container gets exactly the interface it claimed (its hardware address and address) while an ordinary pod on the same node has none, and that two pods exchange data over their claimed interfaces (the server sees the client\'s secondary address, and the interface\'s byte counters move)',
  needs: 'a DRA network driver with two free interfaces in one IPv4 network on nodes where containers run (DRANET publishes a host interface\'s addresses)',
  cannotProve: 'bandwidth, latency or RDMA verbs (no traffic generator or RDMA device here); Multus, SR-IOV and RDMA device-plugin networks are detected and reported, not proven',
  cases: ['InterfacesPublished', 'PlacedWhereAdvertised', 'InterfaceGranted', 'DataExchanged'],
  uses: [
    { group: 'resource.k8s.io', resources: ['deviceclasses', 'resourceslices'], verbs: ['get', 'list', 'watch'] },
    { group: 'resource.k8s.io', resources: ['resourceclaims'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { group: '', resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { group: '', resources: ['pods/log'], verbs: ['get'] },
    { group: 'k8s.cni.cncf.io', resources: ['network-attachment-definitions'], verbs: ['list'] },
  ],
  settings,
  images: ['pause', 'probe', 'echo'],
  timeoutMs: 6 * 60_000,

  async discover({ cluster, list, settings: cfg }) {
    const others: string[] = [];
    if (cluster.serves('k8s.cni.cncf.io/v1', 'network-attachment-definitions') && cluster.verbs('k8s.cni.cncf.io/v1', 'network-attachment-definitions').includes('list')) {
      const nads = await list<KObject>({ apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition' });
      if (nads.length) others.push(`Multus: ${nads.length} NetworkAttachmentDefinition(s) (${nads.slice(0, 3).map((n) => `${n.metadata?.namespace}/${n.metadata?.name}`).join(', ')})`);
    }
    const resources = [...new Set(cluster.nodes.flatMap((n) => Object.keys(n.status?.allocatable ?? {}).filter((r) => NETWORK_RESOURCE.test(r))))];
    if (resources.length) others.push(`device-plugin network resources: ${resources.join(', ')}`);
    const found: Record<string, string> = { otherMechanisms: others.join('; ') || 'none' };
    const { served } = draVersionFor(cluster);
    const readyNodes = new Set(cluster.nodes.filter(isReadyNode).map(nodeName));
    const unprovable = (detail: string) => ({ ready: false as const, reason: 'missing-component' as const, detail: others.length ? `${detail}; found ${others.join('; ')}, which kaic detects but does not prove` : detail, remedy: 'install a DRA network driver (DRANET) publishing the secondary interfaces, or pass --set network.deviceClass', found });
    if (!served) return unprovable('the DRA API is not served: no DRA network driver can publish interfaces');
    const gv = `resource.k8s.io/${served}`;
    const classes = await list<DeviceClassObj>({ apiVersion: gv, kind: 'DeviceClass' });
    const slices = await list<Slice>({ apiVersion: gv, kind: 'ResourceSlice' });
    const attrNames = (driver: string) => [...new Set(slices.filter((x) => x.spec.driver === driver).flatMap((x) => (x.spec.devices ?? []).flatMap((d) => Object.keys(attributesOf(d)))))];
    const wanted = cfg['network.deviceClass'];
    const classProfiles = classes.map((c) => ({ cls: c, profile: networkProfileFor(driverOf(c), attrNames(driverOf(c))) }));
    const pick = wanted ? classProfiles.find((c) => c.cls.metadata.name === wanted) : classProfiles.find((c) => c.profile && completePools(slices, c.profile.driver, readyNodes).complete.length);
    if (wanted && !pick) return { ready: false, reason: 'missing-component', detail: `DeviceClass ${wanted} (--set network.deviceClass) does not exist`, remedy: `DeviceClasses here: ${classes.map((c) => c.metadata.name).join(', ') || 'none'}`, found };
    if (!pick) return unprovable(`no DRA DeviceClass selects a network driver with published devices (DeviceClasses: ${classes.map((c) => c.metadata.name).join(', ') || 'none'})`);
    if (!pick.profile) return { ready: false, reason: 'missing-component', detail: `DeviceClass ${pick.cls.metadata.name} selects driver ${driverOf(pick.cls)}, whose devices publish no interface name and hardware address kaic recognises: not a network driver kaic knows`, remedy: 'name the DeviceClass of a DRA network driver (DRANET\'s publishes dra.net/ifName and dra.net/mac)', found };
    const profile = pick.profile;
    const { devices, bare } = netDevices(slices, profile, readyNodes);
    const taken = await allocatedDevices(list, gv);
    const cordoned = new Set(cluster.nodes.filter((n) => n.spec?.unschedulable).map(nodeName));
    const free = candidates(devices).filter((d) => !taken.has(`${profile.driver}/${d.pool}/${d.device}`) && !cluster.isSimulated(d.node) && !cordoned.has(d.node));
    Object.assign(found, {
      deviceClass: `${pick.cls.metadata.name} (${profile.name})`,
      interfaces: devices.length ? `${devices.length} on ${[...new Set(devices.map((d) => d.node))].join(', ')}: ${devices.slice(0, 6).map((d) => `${d.ifName}${d.ipv4 ? ` ${d.ipv4}` : ''}`).join(', ')}` : 'none',
      free: String(free.length),
    });
    return {
      ready: true,
      env: { gv, version: served, deviceClass: pick.cls.metadata.name, profile, free, published: devices.length, bare, others, macs: candidates(devices).map((d) => d.mac.toLowerCase()), tolerations: tolerationsFor(cluster.nodes, cluster.nodes.map(nodeName)), nodeCount: cluster.nodes.length },
      found,
      nodes: [],
    };
  },

  async prove(env: Env, s) {
    const pair = pickPair(env.free);
    const one = pair?.[0] ?? env.free[0];
    const node = (d: NetDevice) => d.node;
    const claim = (name: string, selector: string) => ({ apiVersion: env.gv, kind: 'ResourceClaim', metadata: { name }, spec: { devices: { requests: [deviceRequest(env.version, 'net', env.deviceClass, [{ cel: { expression: selector } }])] } } });
    // Guarded: a device without the attribute must not turn the selector into an error for every device.
    const has = (q: string) => { const i = q.lastIndexOf('/'); return `${JSON.stringify(q.slice(i + 1))} in device.attributes[${JSON.stringify(q.slice(0, i))}]`; };
    const attrIs = (q: string, v: string) => `${has(q)} && ${celAttribute(q)} == ${JSON.stringify(v)}`;
    const exactly = (d: Pick<NetDevice, 'ifName' | 'mac'>) => `${attrIs(env.profile.attributes.ifName, d.ifName)} && ${attrIs(env.profile.attributes.mac, d.mac)}`;
    const pod = (name: string, claimName: string | undefined, container: Record<string, unknown>, pinTo?: string): KObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      // Not pinned (but the control): the scheduler must find the node that publishes the interface among every node the pod tolerates.
      spec: restrictedPod({
        tolerations: env.tolerations,
        ...(pinTo ? { affinity: onNodes([pinTo]) } : {}),
        containers: [{ name: 'main', ...container, ...(claimName ? { resources: { claims: [{ name: 'net' }] } } : {}) }],
        ...(claimName ? { resourceClaims: [{ name: 'net', resourceClaimName: claimName }] } : {}),
      }),
    });

    await s.case('InterfacesPublished', async (c) => {
      if (!env.published) return c.fail(`the ${env.profile.name} devices of DeviceClass ${env.deviceClass} publish an interface name and a hardware address`, `none does (devices: ${env.bare.slice(0, 5).join(', ') || 'none in a complete pool on a Ready node'})`);
      c.pass(`${env.published} interface(s) published by ${env.profile.driver} with ${env.profile.attributes.ifName} and ${env.profile.attributes.mac}${env.profile.attributes.ipv4 ? ` (and ${env.profile.attributes.ipv4} where the interface has one)` : ''}`);
    });

    const noFree = `no free ${env.deviceClass} interface on a node where containers run (${env.published} published)`;
    // The server (or the only claimant): claims its interface by hardware address, is placed by the scheduler.
    const server = pair?.[1] ?? one;
    const client = pair ? pair[0] : undefined;
    if (server) {
      await s.apply(claim('net-server', exactly(server)));
      await s.apply(pod('net-server', 'net-server', { image: s.images.echo, command: serverCommand() }));
      await s.apply(claim('net-nowhere', exactly({ ifName: 'kaic-absent', mac: '02:00:00:00:00:00' })));
      await s.apply(pod('net-nowhere', 'net-nowhere', { image: s.images.pause }));
      await s.apply(pod('net-control', undefined, { image: s.images.probe, command: ['sh', '-c', `${listInterfaces('if')}; echo 'KNET done'; sleep 3600`] }, node(server)));
    }
    /** A pod that ran has `pod`; its probe's output too when the probe finished. */
    type Seen = { readonly error: string; readonly pod?: V1Pod } | { readonly pod: V1Pod; readonly view: NetView };
    const view = async (name: string, probeMs = 60_000): Promise<Seen> => {
      const up = await s.waitForPods([name], 'Running', 120_000);
      if (!up.ok) return { error: up.message };
      const p = up.value.get(name)!;
      let raw = '';
      const r = await s.poll(`the probe in ${name} to finish`, async () => {
        raw = await s.logs(name, 'main');
        const v = parseNetView(raw);
        return v.done ? v : undefined;
      }, { intervalMs: 1000, timeoutMs: probeMs });
      // The probe's own words, beside what kaic read from them.
      s.evidence(`${name}.log`, raw.split('\n').filter((l) => l.startsWith('KNET ')).join('\n'));
      return r.ok ? { pod: p, view: r.value } : { pod: p, error: r.message };
    };
    const serverSeen = server ? await view('net-server') : undefined;
    const controlSeen = server ? await view('net-control') : undefined;
    const claimStatus = async (name: string) => (await s.get<Claim & { status?: { devices?: { device: string; networkData?: { interfaceName?: string; hardwareAddress?: string; ips?: string[] } }[] } }>({ apiVersion: env.gv, kind: 'ResourceClaim', name }))?.status;
    const reported = new Map<string, string[]>();
    const reportedIps = (claimName: string) => reported.get(claimName) ?? [];
    const serverClaim = server ? { status: await claimStatus('net-server') } : undefined;
    reported.set('net-server', (serverClaim?.status?.devices ?? []).flatMap((d) => d.networkData?.ips ?? []));
    if (serverSeen && 'view' in serverSeen) s.evidence('net-server.json', JSON.stringify({ node: serverSeen.pod.spec?.nodeName, claim: serverClaim?.status, view: serverSeen.view }, null, 2));
    if (controlSeen && 'view' in controlSeen) s.evidence('net-control.json', JSON.stringify(controlSeen.view, null, 2));

    // The client, once the server serves: it is told the server's secondary address.
    let clientSeen: Seen | undefined;
    // The address to dial: the one the server shows on its claimed interface (a class's config may set another than published).
    const serverIface = serverSeen && 'view' in serverSeen ? serverSeen.view.interfaces.find((i) => i.mac === server!.mac.toLowerCase()) : undefined;
    const serverAddress = serverIface?.addresses.map(ipOf).find((a) => server?.ipv4 && ipv4Network(`${a}/${server.ipv4.split('/')[1]}`) === ipv4Network(server.ipv4)) ?? (server?.ipv4 ? ipOf(server.ipv4) : undefined);
    const serverPodIP = serverSeen?.pod?.status?.podIP;
    if (client && serverAddress && serverPodIP && serverSeen && 'view' in serverSeen) {
      await s.apply(claim('net-client', exactly(client)));
      await s.apply(pod('net-client', 'net-client', { image: s.images.probe, command: clientCommand(serverAddress, serverPodIP) }));
      clientSeen = await view('net-client', CLIENT_MAX_MS);
      reported.set('net-client', ((await claimStatus('net-client'))?.devices ?? []).flatMap((d) => d.networkData?.ips ?? []));
      if ('view' in clientSeen) s.evidence('net-client.json', JSON.stringify({ node: clientSeen.pod.spec?.nodeName, view: clientSeen.view }, null, 2));
    }

    await s.case('PlacedWhereAdvertised', async (c) => {
      if (!server) return c.notRun('control-failed', noFree, 'run when an interface is free');
      const placed = [[server, serverSeen], ...(client && clientSeen ? [[client, clientSeen] as const] : [])] as const;
      for (const [dev, seen] of placed) {
        if (!seen?.pod) {
          const bound = (await s.get<V1Pod>({ apiVersion: 'v1', kind: 'Pod', name: dev === server ? 'net-server' : 'net-client' }))?.spec?.nodeName;
          if (bound && bound !== dev.node) return c.fail(`the pod claiming ${dev.ifName} is placed on ${dev.node}, the node that publishes it`, `placed on ${bound}`);
          return c.notRun('control-failed', `the pod claiming ${dev.ifName} (${dev.node}) did not run: ${seen && 'error' in seen ? seen.error : 'not created'}`, 'run when the interface is free');
        }
        if (seen.pod.spec?.nodeName !== dev.node) return c.fail(`the pod claiming ${dev.ifName} is placed on ${dev.node}, the node that publishes it`, `placed on ${seen.pod.spec?.nodeName}`);
      }
      const held = await s.holdsFor({ apiVersion: 'v1', kind: 'Pod', fieldSelector: 'metadata.name=net-nowhere' }, 'the pod claiming an interface no node publishes to stay unplaced', (m) => {
        const p = [...m.values()][0] as V1Pod | undefined;
        return p?.spec?.nodeName ? `placed on ${p.spec.nodeName}` : undefined;
      }, s.settings['network.window']);
      if (!held.held) return c.fail('a pod claiming an interface no node publishes is placed nowhere', held.violation);
      const refused = await schedulerRefused(s, 'net-nowhere');
      if (refused && !/claim/i.test(refused)) return c.notRun('control-failed', `the pod claiming an unpublished interface is unplaced for another reason: "${refused}"`, 'run when the nodes have room for a pod');
      if (!refused) return c.notRun('control-failed', 'the scheduler never said why the pod claiming an unpublished interface is unplaced (it may not have tried)', 'run again; check the scheduler');
      c.pass(`each claimant placed on the node that publishes its interface (${placed.map(([d]) => `${d.ifName} → ${d.node}`).join(', ')}, among the ${env.nodeCount} nodes it tolerates); the claim for an interface none publishes unplaced for ${s.settings['network.window'] / 1000}s: "${refused}"`);
    });

    await s.case('InterfaceGranted', async (c) => {
      if (!server) return c.notRun('control-failed', noFree, 'run when an interface is free');
      if (!serverSeen || !('view' in serverSeen)) return c.notRun('control-failed', `the pod claiming ${server.ifName} did not run: ${serverSeen?.error}`);
      if (!controlSeen || !('view' in controlSeen)) return c.notRun('control-failed', `the ordinary pod on ${server.node} did not run: ${controlSeen?.error}`);
      if (!controlSeen.view.interfaces.length) return c.notRun('control-failed', 'the ordinary pod listed no interface at all: the probe cannot see interfaces');
      const claimed = [{ dev: server, v: serverSeen.view }, ...(client && clientSeen && 'view' in clientSeen ? [{ dev: client, v: clientSeen.view }] : [])];
      const published = new Set(env.macs);
      for (const { dev, v } of claimed) {
        const got = v.interfaces.find((i) => i.mac === dev.mac.toLowerCase());
        if (!got) return c.fail(`the container claiming ${dev.ifName} has an interface with its hardware address ${dev.mac}`, `its interfaces: ${v.interfaces.map((i) => `${i.name} ${i.mac}`).join(', ')}`);
        if (dev.ipv4 && !got.addresses.map(ipOf).includes(ipOf(dev.ipv4)) && !reportedIps(dev === server ? 'net-server' : 'net-client').some((a) => got.addresses.map(ipOf).includes(ipOf(a)))) return c.fail(`${dev.ifName} keeps its published address ${dev.ipv4} in the container`, `${got.name} has ${got.addresses.join(', ') || 'no address'}`);
        const extra = v.interfaces.filter((i) => i.mac !== dev.mac.toLowerCase() && published.has(i.mac));
        if (extra.length) return c.fail(`the container claiming ${dev.ifName} gets that interface only`, `it also has ${extra.map((i) => `${i.name} ${i.mac}`).join(', ')}`);
      }
      const leak = controlSeen.view.interfaces.filter((i) => published.has(i.mac));
      if (leak.length) return c.fail(`an ordinary pod on ${server.node} has none of the ${env.deviceClass} interfaces`, `it has ${leak.map((i) => `${i.name} ${i.mac}`).join(', ')}`);
      const driverSaid = serverClaim?.status?.devices?.find((d) => d.networkData)?.networkData;
      c.pass(`${claimed.map(({ dev, v }) => `${dev.ifName} (${dev.mac}${dev.ipv4 ? `, ${dev.ipv4}` : ''}${dev.rdma ? ', RDMA' : ''}${dev.virtual ? ', virtual' : ''}) is in its claimant as ${v.interfaces.find((i) => i.mac === dev.mac.toLowerCase())!.name}`).join('; ')}, and no other published interface; the ordinary pod on ${server.node} has only ${controlSeen.view.interfaces.map((i) => i.name).join(', ')}${driverSaid ? `; the driver reported ${driverSaid.interfaceName ?? '?'} ${driverSaid.hardwareAddress ?? ''} ${(driverSaid.ips ?? []).join(',')} in the claim's status` : ''}`);
    });

    await s.case('DataExchanged', async (c) => {
      if (!pair) return c.notRun('control-failed', env.free.length < 2 ? `${env.free.length} free interface(s); two are needed` : 'no two free interfaces share an IPv4 network (addresses published as ' + (env.profile.attributes.ipv4 ?? 'none') + ')', 'give two interfaces addresses in one network (DRANET publishes the host interface\'s), and run when they are free');
      if (!serverSeen || !('view' in serverSeen)) return c.notRun('control-failed', `the server did not run: ${serverSeen?.error}`);
      if (!clientSeen || !('view' in clientSeen)) return c.notRun('control-failed', `the client did not run: ${clientSeen && 'error' in clientSeen ? clientSeen.error : 'not created'}`);
      const v = clientSeen.view;
      if (v.primary !== 'net-server') return c.notRun('control-failed', `the client could not reach net-server over the pod network either (${serverPodIP}: ${v.primary ? `answered by ${v.primary}` : 'no answer'}), so silence on the secondary network would say nothing`, 'check the pod network and the probe images');
      const to = `${serverAddress} (${server!.ifName} in net-server)`;
      if (!v.hostname) return c.fail(`net-client reaches ${to} over its claimed interface`, `no answer in ${PROBE_TRIES} tries; the server answered on its pod address`);
      if (v.hostname !== 'net-server') return c.fail(`the answer from ${to} comes from net-server`, `it came from ${v.hostname}`);
      const mineIface = v.interfaces.find((i) => i.mac === client!.mac.toLowerCase());
      const mine = (mineIface?.addresses ?? []).map(ipOf);
      if (!v.clientIp || !mine.includes(v.clientIp)) return c.fail(`net-server sees the request come from an address of the client's claimed interface (${mine.join(', ') || 'none'})`, `it saw ${v.clientIp ?? 'nothing'}`);
      const before = mineIface;
      const after = v.after.find((i) => i.mac === client!.mac.toLowerCase());
      if (!before || !after || !(after.tx > before.tx) || !(after.rx > before.rx)) return c.fail(`the client's ${client!.ifName} carried the exchange (its byte counters move)`, `tx ${before?.tx}→${after?.tx}, rx ${before?.rx}→${after?.rx}`);
      c.pass(`net-client (${client!.ifName}, ${v.clientIp}) asked net-server at ${serverAddress}: answered by ${v.hostname}, which saw the request from ${v.clientIp}; ${after.name} sent ${after.tx - before.tx} and received ${after.rx - before.rx} bytes (net-server answered on its pod address too)`);
    });
  },
});
