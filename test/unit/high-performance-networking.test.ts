import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ClusterFacts, DiscoverContext } from '../../src/checks/api.js';
import hpn, { candidates, clientCommand, ipv4Network, netDevices, parseNetView, pickPair, type NetDevice } from '../../src/checks/high-performance-networking.js';
import { DEFAULT_IMAGES } from '../../src/checks/images.js';
import { PROFILES } from '../../src/checks/profiles/accelerators.js';
import { celAttribute, NETWORK_DRIVERS, NETWORK_RESOURCE, networkProfileFor } from '../../src/checks/profiles/networks.js';
import type { Slice } from '../../src/checks/support/dra.js';
import { ROOT, withScan } from '../helpers.js';

// Recorded on the local cluster: DRANET v1.0.1's ResourceSlice for the real node's fabric, and what
// the client and control probes printed in a passing run.
const fixture = (f: string) => readFileSync(join(ROOT, 'test', 'fixtures', 'dranet', f), 'utf8');
const slices = (JSON.parse(fixture('resourceslices.json')) as { items: Slice[] }).items;
const dranet = NETWORK_DRIVERS[0]!;

test('the probe output: interfaces with hardware addresses, counters and addresses (once each), the answer and the client address without its port', () => {
  const v = parseNetView(fixture('net-client.log'));
  assert.equal(v.done, true);
  assert.deepEqual(v.interfaces.map((i) => i.name), ['eth0', 'kaic-net0', 'lo']);
  const net = v.interfaces.find((i) => i.name === 'kaic-net0')!;
  assert.equal(net.mac, '2a:71:07:38:df:cf');
  assert.deepEqual(net.addresses, ['192.168.231.1/24', 'fe80::2871:7ff:fe38:dfcf/64']);
  assert.equal(v.hostname, 'net-server');
  assert.equal(v.clientIp, '192.168.231.1');
  const after = v.after.find((i) => i.name === 'kaic-net0')!;
  assert.ok(after.tx > net.tx && after.rx > net.rx);
  const control = parseNetView(fixture('net-control.log'));
  assert.equal(control.done, true);
  assert.equal(control.hostname, undefined);
  assert.ok(!control.interfaces.some((i) => i.name.startsWith('kaic-net')));
  // Unfinished, or with no answer: nothing is made up.
  assert.equal(parseNetView('KNET if: eth0 aa:bb:cc:dd:ee:ff 1 2\n').done, false);
  assert.equal(parseNetView('KNET hostname: \nKNET clientip: \nKNET done').hostname, undefined);
  assert.equal(parseNetView('KNET clientip: [fd00::2]:4000\nKNET done').clientIp, 'fd00::2');
});

test('DRANET\'s published interfaces: name, hardware address and IPv4 from the recorded slice; a device without them is bare', () => {
  const { devices, bare } = netDevices(slices, dranet, new Set(['kaic-real-0']));
  assert.equal(devices.length, 4);
  assert.deepEqual(devices.map((d) => [d.ifName, d.ipv4]).sort(), [['kaic-net0', '192.168.231.1/24'], ['kaic-net1', '192.168.231.2/24'], ['kaic-net2', '192.168.231.3/24'], ['kaic-net3', '192.168.231.4/24']]);
  assert.ok(devices.every((d) => /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(d.mac) && d.node === 'kaic-real-0'));
  assert.deepEqual(bare, []);
  // A node that is not Ready publishes nothing usable.
  assert.equal(netDevices(slices, dranet, new Set()).devices.length, 0);
  const stripped = structuredClone(slices);
  delete (stripped[0]!.spec.devices![0]!.attributes as Record<string, unknown>)['dra.net/mac'];
  assert.deepEqual(netDevices(stripped, dranet, new Set(['kaic-real-0'])).bare, [`${stripped[0]!.spec.pool.name}/kaic-net0`]);
});

test('the pair: two interfaces in one IPv4 network; none across networks or without addresses', () => {
  const d = (device: string, ipv4?: string): NetDevice => ({ node: 'n', pool: 'p', device, ifName: device, mac: `02:00:00:00:00:0${device.length}`, ...(ipv4 ? { ipv4 } : {}) });
  assert.deepEqual(pickPair([d('a', '10.0.0.1/24'), d('b', '10.0.1.1/24'), d('c', '10.0.0.9/24')])?.map((x) => x.device), ['a', 'c']);
  assert.equal(pickPair([d('a', '10.0.0.1/24'), d('b', '10.0.1.1/24')]), undefined);
  assert.equal(pickPair([d('a'), d('b')]), undefined);
  assert.equal(ipv4Network('192.168.231.7/24'), ipv4Network('192.168.231.200/24'));
  assert.notEqual(ipv4Network('10.0.0.1/25'), ipv4Network('10.0.0.129/25'));
  assert.equal(ipv4Network('fe80::1/64'), undefined);
});

test('network drivers: DRANET by name; another driver by interface-name and hardware-address attributes; an accelerator driver is not one', () => {
  assert.equal(networkProfileFor('dra.net', [])?.name, 'DRANET');
  const other = networkProfileFor('net.acme.io', ['net.acme.io/interfaceName', 'net.acme.io/macAddress', 'net.acme.io/ipv4']);
  assert.deepEqual(other?.attributes, { ifName: 'net.acme.io/interfaceName', mac: 'net.acme.io/macAddress', ipv4: 'net.acme.io/ipv4' });
  assert.equal(networkProfileFor('gpu.example.com', ['gpu.example.com/uuid', 'gpu.example.com/model', 'gpu.example.com/driverVersion']), undefined);
  assert.equal(celAttribute('dra.net/mac'), 'device.attributes["dra.net"].mac');
  for (const r of ['rdma/hca_shared_devices_a', 'nvidia.com/rdma_ib', 'openshift.io/sriov_netdevice', 'intel.com/intel_sriov_netdevice']) assert.ok(NETWORK_RESOURCE.test(r), r);
  for (const r of ['nvidia.com/gpu', 'example.com/vgpu', 'cpu', 'hugepages-2Mi']) assert.ok(!NETWORK_RESOURCE.test(r), r);
});

test('the client asks with busybox\'s timeout, never wget -T (Debian\'s busybox-static wget crashes with it)', () => {
  const script = clientCommand('192.168.231.2', '10.88.0.7').join(' ');
  assert.match(script, /timeout 3 wget -q -O - http:\/\/192\.168\.231\.2:8080\/hostname/);
  assert.ok(script.indexOf('http://10.88.0.7:8080/hostname') < script.indexOf('http://192.168.231.2:8080/hostname'), 'the pod-network control comes first');
  assert.doesNotMatch(script, /wget[^;]*-T/);
});

const ctx = (o: { served?: boolean; classes?: object[]; slices?: Slice[]; nads?: number; allocatable?: Record<string, string>; set?: string }): DiscoverContext<never> => withScan({
  cluster: {
    version: { gitVersion: 'v1.37.2', major: '1', minor: '37' },
    nodes: [{ metadata: { name: 'kaic-real-0', labels: {} }, spec: {}, status: { conditions: [{ type: 'Ready', status: 'True' }], allocatable: o.allocatable ?? {} } }] as never,
    serves: (gv) => (gv.startsWith('resource.k8s.io') ? o.served !== false : gv === 'k8s.cni.cncf.io/v1' && !!o.nads),
    verbs: () => ['get', 'list'],
    servedVersions: (g) => (g === 'resource.k8s.io' && o.served !== false ? ['v1'] : []),
    unavailable: new Map(),
    isSimulated: () => false,
    allSimulated: false,
  } satisfies ClusterFacts,
  settings: { 'network.deviceClass': o.set, 'network.window': 15_000 } as never,
  accelerator: PROFILES.example!,
  images: DEFAULT_IMAGES,
  signal: new AbortController().signal,
  async list<T>(t: { kind: string }) {
    if (t.kind === 'DeviceClass') return (o.classes ?? []) as T[];
    if (t.kind === 'ResourceSlice') return (o.slices ?? []) as T[];
    if (t.kind === 'NetworkAttachmentDefinition') return Array.from({ length: o.nads ?? 0 }, (_, i) => ({ metadata: { namespace: 'default', name: `net${i}` } })) as T[];
    return [] as T[];
  },
});
const cls = (name: string, driver: string) => ({ metadata: { name }, spec: { selectors: [{ cel: { expression: `device.driver == "${driver}"` } }] } });

test('discovery: DRANET\'s class is found beside an accelerator\'s; Multus and RDMA resources alone are reported, NOT-RUN; a named class that does not exist says so', async () => {
  const found = await hpn.discover(ctx({ classes: [cls('gpu.example.com', 'gpu.example.com'), cls('dranet', 'dra.net')], slices }));
  assert.equal(found.ready, true);
  if (found.ready) {
    assert.equal(found.env.deviceClass, 'dranet');
    assert.equal(found.env.free.length, 4);
    assert.match(found.found.interfaces!, /^4 on kaic-real-0: kaic-net\d 192\.168\.231\.\d\/24/);
  }
  const others = await hpn.discover(ctx({ nads: 2, allocatable: { 'rdma/hca_shared_devices_a': '63' } }));
  assert.equal(others.ready, false);
  if (!others.ready) {
    assert.equal(others.reason, 'missing-component');
    assert.match(others.detail, /Multus: 2 NetworkAttachmentDefinition\(s\).*rdma\/hca_shared_devices_a.*detects but does not prove/);
  }
  const named = await hpn.discover(ctx({ classes: [cls('dranet', 'dra.net')], slices, set: 'sriov-net' }));
  assert.ok(!named.ready && /DeviceClass sriov-net \(--set network.deviceClass\) does not exist/.test(named.detail));
  const noDra = await hpn.discover(ctx({ served: false }));
  assert.ok(!noDra.ready && /DRA API is not served/.test(noDra.detail));
});

test('candidates: the node\'s own networking (overlays, bridges, IPVS, tunnels), shared and empty hardware addresses and host /32s are never claimed; RDMA and physical interfaces first', () => {
  const d = (ifName: string, mac: string, extra: Partial<NetDevice> = {}): NetDevice => ({ node: 'n', pool: 'p', device: ifName, ifName, mac, ...extra });
  const picked = candidates([
    d('flannel.1', '02:00:00:00:00:01', { type: 'vxlan' }),
    d('kube-ipvs0', '02:00:00:00:00:02', { type: 'dummy', ipv4: '10.96.0.1/32' }),
    d('tunl0', '00:00:00:00:00:00', { type: 'ipip' }),
    d('br0', '02:00:00:00:00:03', { type: 'bridge' }),
    d('eth1.100', '02:00:00:00:00:04', { type: 'vlan' }),
    d('eth1', '02:00:00:00:00:04', { type: 'device', virtual: false }),
    d('veth-x', '02:00:00:00:00:05', { type: 'veth', virtual: true }),
    d('ib0', '02:00:00:00:00:06', { type: 'device', virtual: false, rdma: true }),
    d('eth2', '02:00:00:00:00:07', { type: 'device', virtual: false }),
  ]);
  assert.deepEqual(picked.map((x) => x.ifName), ['ib0', 'eth2', 'veth-x']);
  // Addresses: a /32 is no shared network; two interfaces with one address are not a pair.
  const one = (name: string, ipv4: string) => d(name, `02:00:00:00:01:${name.length}${name.at(-1)}`, { ipv4 });
  assert.equal(pickPair([one('a', '10.0.0.1/24'), one('b', '10.0.0.1/24')]), undefined);
  const sl = structuredClone(slices);
  (sl[0]!.spec.devices![0]!.attributes as Record<string, { string?: string }>)['dra.net/ipv4'] = { string: '10.0.4.7/32' };
  assert.equal(netDevices(sl, dranet, new Set(['kaic-real-0'])).devices.find((x) => x.ifName === 'kaic-net0')?.ipv4, undefined);
  assert.deepEqual(netDevices(slices, dranet, new Set(['kaic-real-0'])).devices.map((x) => [x.type, x.virtual, x.rdma])[0], ['veth', true, false]);
});
