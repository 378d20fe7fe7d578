import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConnectError, loadKubeConfig } from '../../src/cluster/connect.js';
import { resolveImages, withRegistry, ImageError } from '../../src/checks/images.js';
import { parseProbe, probeCommand } from '../../src/checks/probe.js';
import { profileFromFlag, PROFILES, ProfileError } from '../../src/checks/profiles/accelerators.js';
import { completePools, driverOf } from '../../src/checks/support/dra.js';
import { ConfigFileError, parseDuration, readRunConfig } from '../../src/run/config-file.js';
import { plan, RunConfigError } from '../../src/run/suite.js';
import { clusterRoleYaml } from '../../src/run/rbac.js';
import { CHECKS } from '../../src/checks/registry.js';
import { loadChecklist } from '../../src/standard/checklist.js';
import { parse } from 'yaml';
import { CHECKLISTS, tmp } from '../helpers.js';

test('plan: --only, --skip and --na select requirements; unknown ids and empty justifications are refused', async () => {
  const c = await loadChecklist('v1.35', { checklist: CHECKLISTS });
  assert.ok(c.ok);
  assert.equal(plan(c.value, {}).length, 12);
  assert.deepEqual(plan(c.value, { only: ['gang_scheduling', 'dra_support'] }).map((p) => p.id), ['dra_support', 'gang_scheduling']);
  assert.equal(plan(c.value, { skip: ['gpu_sharing'] }).length, 11);
  assert.deepEqual(plan(c.value, { only: ['dra_support'], na: { cluster_autoscaling: 'fixed-size clusters' } }).map((p) => [p.id, p.na ?? null]), [['dra_support', null], ['cluster_autoscaling', 'fixed-size clusters']]);
  assert.throws(() => plan(c.value, { only: ['workload_sandboxing'] }), (e: Error) => e instanceof RunConfigError && /unknown requirement id\(s\) for v1.35: workload_sandboxing/.test(e.message));
  assert.throws(() => plan(c.value, { na: { gpu_sharing: ' ' } }), /justification is required/);
  assert.throws(() => plan(c.value, { only: ['dra_support'], skip: ['dra_support'] }), (e: Error) => e instanceof RunConfigError && /nothing to run/.test(e.message));
});

test('images: pinned defaults, one-by-one overrides, and a registry mirror that rewrites them all', () => {
  const d = resolveImages();
  assert.match(d.pause, /^registry\.k8s\.io\/pause:/);
  const m = resolveImages(['probe=busybox:1.37'], 'mirror.local:5000/k8s');
  assert.equal(m.pause, 'mirror.local:5000/k8s/pause:3.10');
  assert.equal(m.probe, 'mirror.local:5000/k8s/busybox:1.37');
  assert.ok(Object.values(m).every((i) => i.startsWith('mirror.local:5000/k8s/')), 'no image escapes the registry override');
  assert.equal(withRegistry('nvcr.io/nvidia/cuda:12', 'm.io'), 'm.io/nvidia/cuda:12');
  assert.throws(() => resolveImages(['nope=x']), ImageError);
});

test('accelerator profiles: the four vendors and dra:<class>; unknown names listed', () => {
  assert.deepEqual(Object.keys(PROFILES), ['nvidia', 'amd', 'intel', 'neuron', 'example']);
  const generic = profileFromFlag('dra:gpu.acme.io');
  assert.equal(generic.deviceClass, 'gpu.acme.io');
  // A class kaic knows nothing about names no device files: /dev/* would count /dev/null.
  assert.deepEqual(generic.deviceFiles, []);
  assert.ok(!PROFILES.amd!.deviceFiles.includes('/dev/kfd'), 'AMD counts a render node per GPU, not the shared /dev/kfd');
  for (const p of Object.values(PROFILES)) for (const f of p.deviceFiles) assert.doesNotMatch(f, /^\/dev\/\*$|\/\*$/, `${p.name}: ${f} names no device`);
  assert.throws(() => profileFromFlag('tpu'), (e: Error) => e instanceof ProfileError && /expected one of nvidia, amd, intel, neuron, example, dra:<deviceClass>/.test(e.message));
});

test('the in-container probe prints markers that parse back into devices and identities', () => {
  const cmd = probeCommand(PROFILES.nvidia!);
  assert.match(cmd[2]!, /\/dev\/nvidia\[0-9\]\*/);
  assert.match(cmd[2]!, /nvidia-smi -L/);
  const r = parseProbe('noise\nKAIC_PROBE device: /dev/nvidia0\nKAIC_PROBE tool: GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-6b616963-0000-4001-8000-000000000001)\nKAIC_PROBE done\n', PROFILES.nvidia!);
  assert.deepEqual(r.devices, ['/dev/nvidia0']);
  assert.deepEqual(r.identities, ['GPU-6b616963-0000-4001-8000-000000000001']);
  assert.equal(r.done, true);
  assert.equal(parseProbe('KAIC_PROBE tool-absent\n', PROFILES.nvidia!).done, false);
  // The example driver names its devices through the environment (CDI): the identity comes from there.
  const e = parseProbe('KAIC_PROBE env: GPU_DEVICE_0=gpu-3\nKAIC_PROBE env: GPU_DEVICE_0_SHARING_STRATEGY=TimeSlicing\nKAIC_PROBE done\n', PROFILES.example!);
  assert.deepEqual(e.identities, ['gpu-3']);
  // The probe's grep is POSIX ERE: no JavaScript-only syntax may reach it.
  assert.doesNotMatch(probeCommand(PROFILES.example!)[2]!, /\(\?:/);
  assert.match(probeCommand(PROFILES.example!)[2]!, /grep -E '\^\(GPU_DEVICE_\[0-9\]\+\|KAIC_GPU_UUIDS\)=\(\.\+\)\$'/);
  const mig = parseProbe('KAIC_PROBE tool: GPU 0: NVIDIA A100 (UUID: GPU-6b616963-0000-4001-8000-000000000001)\nKAIC_PROBE tool:   MIG 1g.10gb Device 0: (UUID: MIG-6b616963-0000-4001-8000-000000000009)\nKAIC_PROBE done\n', PROFILES.nvidia!);
  assert.deepEqual(mig.identities, ['MIG-6b616963-0000-4001-8000-000000000009'], 'a MIG slice is one device, not two');
  const plugin = parseProbe('KAIC_PROBE device: /dev/kaic-gpu1\nKAIC_PROBE device: /dev/kaic-gpu2\nKAIC_PROBE env: KAIC_GPU_UUIDS=GPU-aa,GPU-bb\nKAIC_PROBE done\n', PROFILES.example!);
  assert.deepEqual([plugin.devices.length, plugin.identities], [2, ['GPU-aa', 'GPU-bb']]);
});

test('DRA pools count only when every slice of the newest generation is there, on a Ready node', () => {
  const s = (pool: string, gen: number, count: number, node: string, devices = 1) => ({ metadata: { name: `${pool}-${gen}` }, spec: { driver: 'd', nodeName: node, pool: { name: pool, generation: gen, resourceSliceCount: count }, devices: Array.from({ length: devices }, (_, i) => ({ name: `x${i}` })) } });
  const r = completePools([s('a', 1, 1, 'n1'), s('b', 2, 2, 'n2'), s('b', 1, 1, 'n2'), s('c', 1, 1, 'down')], 'd', new Set(['n1', 'n2']));
  assert.deepEqual(r.complete.map((p) => p.pool), ['a']);
  assert.equal(r.incomplete.length, 2);
  assert.equal(driverOf({ metadata: { name: 'x' }, spec: { selectors: [{ cel: { expression: "device.driver == 'gpu.nvidia.com'" } }] } }), 'gpu.nvidia.com');
});

test('run config file: same options as flags; unknown keys and wrong types are located', () => {
  const dir = tmp();
  const good = join(dir, 'good.yaml');
  writeFileSync(good, 'version: v1.35\nonly: [dra_support]\nparallel: 2\nsettings:\n  gang.window: 10s\nmetadata:\n  platformName: Acme\n');
  assert.deepEqual(readRunConfig(good).settings, { 'gang.window': '10s' });
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'version: v1.35\nparallel: lots\n');
  assert.throws(() => readRunConfig(bad), (e: Error) => e instanceof ConfigFileError && /bad\.yaml:2:11 error SPEC_TYPE parallel:/.test(e.message));
  writeFileSync(bad, 'versoin: v1.35\n');
  assert.throws(() => readRunConfig(bad), /unknown option\(s\) versoin/);
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('10m'), 600_000);
  assert.equal(parseDuration('soon'), undefined);
});

test('kubeconfig: a missing file and the absence of any kubeconfig are errors, never localhost:8080', () => {
  const home = tmp();
  const saved = { HOME: process.env.HOME, KUBECONFIG: process.env.KUBECONFIG, KUBERNETES_SERVICE_HOST: process.env.KUBERNETES_SERVICE_HOST };
  try {
    process.env.HOME = home;
    delete process.env.KUBECONFIG;
    delete process.env.KUBERNETES_SERVICE_HOST;
    assert.throws(() => loadKubeConfig(), (e: Error) => e instanceof ConnectError && /no kubeconfig found/.test(e.message));
    assert.throws(() => loadKubeConfig({ kubeconfig: join(home, 'nope') }), /no such file/);
    mkdirSync(join(home, '.kube'));
    writeFileSync(join(home, '.kube', 'config'), 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n');
    assert.equal(loadKubeConfig().getCurrentCluster()?.server, 'https://127.0.0.1:1');
    assert.throws(() => loadKubeConfig({ context: 'other' }), /context "other" not found/);
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
});

test('kaic rbac prints a ClusterRole with no wildcard and no secrets access, derived from what checks declare', () => {
  const role = parse(clusterRoleYaml()) as { kind: string; rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] };
  assert.equal(role.kind, 'ClusterRole');
  for (const c of CHECKS.values())
    for (const u of c.uses)
      for (const res of u.resources)
        for (const v of u.verbs) assert.ok(role.rules.some((r) => r.apiGroups.includes(u.group) && r.resources.includes(res) && r.verbs.includes(v)), `${c.id} declares ${v} ${u.group}/${res}`);
  for (const r of role.rules) {
    assert.ok(!r.resources.includes('*') && !r.verbs.includes('*'));
    assert.ok(!r.resources.includes('secrets'));
  }
});
