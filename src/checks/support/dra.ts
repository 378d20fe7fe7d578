import type { CheckScope, ClusterFacts } from '../api.js';
import { parseQuantity } from './quantity.js';

/** A device as a ResourceSlice publishes it, in either shape (v1/v1beta2 flat, v1beta1 under `basic`). */
export interface SliceDevice {
  name: string;
  attributes?: Record<string, Attribute>;
  basic?: { attributes?: Record<string, Attribute> };
}
export interface Attribute {
  string?: string;
  int?: number;
  bool?: boolean;
  version?: string;
}
export interface Slice {
  metadata: { name: string };
  spec: { driver: string; nodeName?: string; allNodes?: boolean; pool: { name: string; generation: number; resourceSliceCount: number }; devices?: SliceDevice[] };
}
export interface DeviceClassObj {
  metadata: { name: string };
  spec?: { selectors?: { cel?: { expression?: string } }[] };
}
export interface Claim {
  metadata: { name: string };
  status?: { allocation?: { devices?: { results?: { driver: string; pool: string; device: string; request: string; adminAccess?: boolean }[] } }; reservedFor?: { name: string; uid: string }[] };
}

export const attributesOf = (d: SliceDevice) => d.attributes ?? d.basic?.attributes ?? {};
export const attributeText = (a: Attribute | undefined) => (a === undefined ? undefined : a.string ?? a.version ?? (a.int !== undefined ? String(a.int) : a.bool !== undefined ? String(a.bool) : undefined));

/**
 * The DRA API version a cluster of this Kubernetes minor must serve: v1 from 1.34 (GA); before
 * that v1beta2 (1.33) or v1beta1. Returns the version to prove and the versions that would do.
 */
export function draVersionFor(cluster: ClusterFacts): { expected: string[]; served?: string } {
  const minor = Number.parseInt(cluster.version.minor, 10);
  const expected = minor >= 34 || Number.isNaN(minor) ? ['v1'] : ['v1beta2', 'v1beta1'];
  const served = expected.find((v) => cluster.serves(`resource.k8s.io/${v}`, 'resourceclaims'));
  return { expected, ...(served ? { served } : {}) };
}

/** `device.driver == "gpu.nvidia.com"` → gpu.nvidia.com; the class name itself by convention otherwise. */
export function driverOf(cls: DeviceClassObj): string {
  for (const s of cls.spec?.selectors ?? []) {
    const m = /device\.driver\s*==\s*["']([^"']+)["']/.exec(s.cel?.expression ?? '');
    if (m) return m[1]!;
  }
  return cls.metadata.name;
}

/**
 * Pools the scheduler can use: all slices of the newest generation present (resourceSliceCount of
 * them), on a Ready node (or not node-local), with at least one device.
 */
export function completePools(slices: readonly Slice[], driver: string, readyNodes: ReadonlySet<string>) {
  const pools = new Map<string, Slice[]>();
  for (const s of slices.filter((x) => x.spec.driver === driver)) pools.set(s.spec.pool.name, [...(pools.get(s.spec.pool.name) ?? []), s]);
  const complete: { pool: string; node?: string; devices: number }[] = [];
  const incomplete: string[] = [];
  for (const [pool, list] of pools) {
    const gen = Math.max(...list.map((s) => s.spec.pool.generation));
    const current = list.filter((s) => s.spec.pool.generation === gen);
    const want = current[0]!.spec.pool.resourceSliceCount;
    const devices = current.reduce((n, s) => n + (s.spec.devices?.length ?? 0), 0);
    const node = current[0]!.spec.nodeName;
    if (current.length === want && devices > 0 && (!node || readyNodes.has(node))) complete.push({ pool, ...(node ? { node } : {}), devices });
    else incomplete.push(`${pool} (${current.length}/${want} slices of generation ${gen}, ${devices} devices${node && !readyNodes.has(node) ? `, node ${node} not Ready` : ''})`);
  }
  return { complete, incomplete };
}

/** The request shape differs: v1beta1 names the class on the request, later versions under `exactly`. */
export function deviceRequest(version: string, name: string, deviceClassName: string, selectors?: { cel: { expression: string } }[], count?: number) {
  const body = { deviceClassName, ...(selectors ? { selectors } : {}), ...(count ? { allocationMode: 'ExactCount', count } : {}) };
  return version === 'v1beta1' ? { name, ...body } : { name, exactly: body };
}

export function findDevice(slices: readonly Slice[], r: { driver: string; pool: string; device: string }): SliceDevice | undefined {
  return slices.find((x) => x.spec.driver === r.driver && x.spec.pool.name === r.pool && x.spec.devices?.some((d) => d.name === r.device))?.spec.devices?.find((d) => d.name === r.device);
}

/**
 * Every device some claim holds, as `driver/pool/device`; admin-access claims (monitoring) hold none.
 * `list` is a scope's (pass the scope) or discovery's cluster-wide snapshot.
 */
export async function allocatedDevices(from: Pick<CheckScope, 'list'> | (<T>(t: { apiVersion: string; kind: string }) => Promise<T[]>), gv: string): Promise<Set<string>> {
  const type = { apiVersion: gv, kind: 'ResourceClaim' };
  const claims = typeof from === 'function' ? await from<Claim>(type) : await from.list<Claim>({ ...type, namespace: '' });
  return new Set(claims.flatMap((cl) => cl.status?.allocation?.devices?.results ?? []).filter((x) => !x.adminAccess).map((x) => `${x.driver}/${x.pool}/${x.device}`));
}

/** The DRA allocation path for one DeviceClass: its driver, its slices and the Ready nodes with complete pools. */
export interface DraPath {
  readonly gv: string;
  readonly version: string;
  readonly deviceClass: string;
  readonly driver: string;
  readonly slices: readonly Slice[];
  readonly nodes: readonly string[];
}

/**
 * Finds the DeviceClass `deviceClass` and the nodes where its driver publishes complete pools, at
 * the DRA version the cluster's Kubernetes minor must serve; undefined when there is no such path.
 */
export async function findDraPath(cluster: ClusterFacts, deviceClass: string | undefined, readyNodes: ReadonlySet<string>, list: <T>(t: { apiVersion: string; kind: string }) => Promise<T[]>): Promise<DraPath | undefined> {
  const { served } = draVersionFor(cluster);
  if (!deviceClass || !served) return undefined;
  const gv = `resource.k8s.io/${served}`;
  const cls = (await list<DeviceClassObj>({ apiVersion: gv, kind: 'DeviceClass' })).find((c) => c.metadata.name === deviceClass);
  if (!cls) return undefined;
  const driver = driverOf(cls);
  const all = (await list<Slice>({ apiVersion: gv, kind: 'ResourceSlice' })).filter((x) => x.spec.driver === driver);
  // Only each pool's newest generation: a driver restarting publishes a new one before the old goes.
  const newest = new Map<string, number>();
  for (const x of all) newest.set(x.spec.pool.name, Math.max(newest.get(x.spec.pool.name) ?? 0, x.spec.pool.generation));
  const slices = all.filter((x) => x.spec.pool.generation === newest.get(x.spec.pool.name));
  const nodes = [...new Set(completePools(slices, driver, readyNodes).complete.map((p) => p.node).filter((n): n is string => !!n))];
  return nodes.length ? { gv, version: served, deviceClass: cls.metadata.name, driver, slices, nodes } : undefined;
}

/** A device's identity: its name where the container sees names, else the profile's identity attribute. */
export function deviceIdentity(slices: readonly Slice[], r: { driver: string; pool: string; device: string }, profile: { identityIsDeviceName?: boolean; identityAttribute: string }): string | undefined {
  if (profile.identityIsDeviceName) return r.device;
  const d = findDevice(slices, r);
  return attributeText(d ? attributesOf(d)[profile.identityAttribute] : undefined);
}

/** Hardware partitions a DRA driver publishes: by counters (partitionable devices) or in a DeviceClass of their own (MIG). */
export interface Partitions { readonly count: number; readonly example: string; readonly nodes: readonly string[]; readonly deviceClass?: string }

type CounterSlice = Slice & { spec: { sharedCounters?: { name: string; counters: Record<string, { value: string }> }[]; devices?: (Slice['spec']['devices'] extends (infer D)[] | undefined ? D & { consumesCounters?: { counterSet: string; counters: Record<string, { value: string }> }[] } : never)[] } };

/**
 * Partitions: devices that draw on a counter set that one device (the whole GPU) consumes entirely,
 * for less than all of it. A counter set every device draws a part of (a PCIe or NVLink budget
 * spanning GPUs) has no whole device, so it makes no partitions. Named `pool/device`.
 */
export function partitionsOf(slices: readonly Slice[]): { partitions?: Partitions; names: Set<string> } {
  const totals = new Map<string, Record<string, number>>();
  for (const sl of slices as CounterSlice[]) for (const cs of sl.spec.sharedCounters ?? []) totals.set(`${sl.spec.pool.name}/${cs.name}`, Object.fromEntries(Object.entries(cs.counters).map(([k, v]) => [k, parseQuantity(v.value) ?? 0])));
  const users = new Map<string, { name: string; node?: string; whole: boolean }[]>();
  for (const sl of slices as CounterSlice[]) {
    for (const d of sl.spec.devices ?? []) {
      for (const cc of d.consumesCounters ?? []) {
        const key = `${sl.spec.pool.name}/${cc.counterSet}`;
        const total = totals.get(key);
        if (!total) continue;
        const whole = Object.entries(total).every(([k, v]) => (parseQuantity(cc.counters[k]?.value) ?? 0) >= v);
        users.set(key, [...(users.get(key) ?? []), { name: `${sl.spec.pool.name}/${d.name}`, ...(sl.spec.nodeName ? { node: sl.spec.nodeName } : {}), whole }]);
      }
    }
  }
  const names = new Set<string>();
  const nodes = new Set<string>();
  for (const list of users.values()) {
    if (!list.some((u) => u.whole)) continue;
    for (const u of list.filter((x) => !x.whole)) {
      names.add(u.name);
      if (u.node) nodes.add(u.node);
    }
  }
  const first = [...names][0];
  return { names, ...(first ? { partitions: { count: names.size, example: first, nodes: [...nodes] } } : {}) };
}
