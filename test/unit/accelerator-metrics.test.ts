import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { devicesIn } from '../../src/checks/accelerator-metrics.js';
import { EXPORTER_FAMILIES } from '../../src/checks/profiles/metrics.js';
import { readExposition, type Sample } from '../../src/checks/support/exposition.js';

const fixture = (f: string) => readFileSync(new URL(`../fixtures/metrics/${f}`, import.meta.url), 'utf8');
const family = (name: RegExp) => EXPORTER_FAMILIES.find((f) => name.test(f.name))!;
const samples = (text: string): Sample[] => {
  const r = readExposition(text);
  assert.ok('samples' in r, JSON.stringify(r));
  return r.samples;
};

test('the exposition parser: labels with escapes, exponents, NaN and Inf, comments; a line it cannot read is skipped and located, not fatal', () => {
  const s = samples('# HELP x y\nx{a="q\\"uote",b="back\\\\slash",c="new\\nline"} 2.5e+09 1700000000\ny NaN\nz{} +Inf\n\n');
  assert.deepEqual(s[0], { name: 'x', labels: { a: 'q"uote', b: 'back\\slash', c: 'new\nline' }, value: 2.5e9 });
  assert.ok(Number.isNaN(s[1]!.value));
  assert.equal(s[2]!.value, Infinity);
  const odd = readExposition('ok 1\nbad{a=1} 2\n{"utf8.name"} 3\nhex 0x10\nfine{a="1"} 4\n');
  assert.ok('samples' in odd);
  assert.deepEqual(odd.samples.map((x) => x.name), ['ok', 'fine']);
  assert.equal(odd.skipped, 3);
  assert.equal(odd.firstSkipped, 'line 2: malformed label at column 5: bad{a=1} 2');
  assert.deepEqual(readExposition('a 1\nb 2\nc 3', 2), { error: 'more than 2 samples' });
});

test('physical devices: GPU feature discovery\'s count wins over time-slicing replicas and MIG', async () => {
  const { physicalDevices } = await import('../../src/checks/accelerator-metrics.js');
  const { PROFILES } = await import('../../src/checks/profiles/accelerators.js');
  const node = (labels: Record<string, string>, cap: Record<string, string>) => ({ metadata: { name: 'n', labels }, status: { capacity: cap } });
  assert.equal(physicalDevices(node({ 'nvidia.com/gpu.count': '8', 'nvidia.com/gpu.replicas': '4' }, { 'nvidia.com/gpu': '32' }), PROFILES.nvidia!), 8);
  assert.equal(physicalDevices(node({ 'nvidia.com/gpu.replicas': '4' }, { 'nvidia.com/gpu': '32' }), PROFILES.nvidia!), 8);
  assert.equal(physicalDevices(node({ 'nvidia.com/gpu.count': '2' }, { 'nvidia.com/gpu': '0', 'nvidia.com/mig-1g.10gb': '14' }), PROFILES.nvidia!), 2);
  assert.equal(physicalDevices(node({}, { 'nvidia.com/gpu': '4' }), PROFILES.nvidia!), 4);
});

test('DCGM with MIG: a GPU in MIG mode counts through its instances; temperature and power stay with the GPU', () => {
  const d = devicesIn(samples(fixture('dcgm-mig.prom')), family(/DCGM/), 'gpu-node-1');
  assert.equal(d.label, 'UUID');
  assert.deepEqual(d.unlabelled, []);
  const rows = Object.fromEntries([...d.rows].map(([k, r]) => [k, r]));
  assert.equal(rows['GPU-7a1e9c2b-0000-4c4e-9a1d-000000000000/1']!.utilisation, 0.412);
  assert.equal(rows['GPU-7a1e9c2b-0000-4c4e-9a1d-000000000000/1']!.memory, 11890);
  assert.equal(rows['GPU-7a1e9c2b-0000-4c4e-9a1d-000000000000']!.temperature, 34);
  assert.equal(rows['GPU-7a1e9c2b-0000-4c4e-9a1d-000000000001']!.utilisation, 97, 'DCGM_FI_DEV_GPU_UTIL is preferred over the profiling ratio');
  assert.equal(rows['GPU-7a1e9c2b-0000-4c4e-9a1d-000000000001']!.interconnect, 2.5e9);
  assert.equal(rows['GPU-7a1e9c2b-0000-4c4e-9a1d-000000000001']!.identity, 'GPU-7a1e9c2b-0000-4c4e-9a1d-000000000001');
});

test('DCGM series stripped of their device labels are told apart as unlabelled', () => {
  const stripped = fixture('dcgm-mig.prom').replace(/gpu="\d",UUID="[^"]+",pci_bus_id="[^"]+",device="nvidia\d",/g, '');
  const d = devicesIn(samples(stripped), family(/DCGM/), 'n');
  assert.equal(d.rows.size, 0);
  assert.equal(d.unlabelled.length, 7, 'every utilisation and memory series');
});

test('AMD: devices by serial number, partitions by gpu_partition_id', () => {
  const d = devicesIn(samples(fixture('amd.prom')), family(/AMD/), 'mi300-node-1');
  assert.equal(d.label, 'serial_number');
  assert.deepEqual([...d.rows.keys()].sort(), ['692251001124', '692251001124/0', '692251001187', '692251001187/0']);
  assert.equal(d.rows.get('692251001124/0')!.utilisation, 12);
  assert.equal(d.rows.get('692251001124')!.power, 172);
});

test('Neuron monitor: one row per NeuronCore, counted against aws.amazon.com/neuroncore', () => {
  const f = family(/Neuron/);
  assert.equal(f.countsResource, 'aws.amazon.com/neuroncore');
  const d = devicesIn(samples(fixture('neuron.prom')), f, 'trn-node');
  assert.equal(d.label, 'neuroncore');
  assert.deepEqual([...d.rows.keys()].sort(), ['0', '1', '2', '3']);
  assert.ok([...d.rows.values()].every((r) => r.utilisation !== undefined && r.memory !== undefined));
});

test('ai_service_metrics reads how Prometheus discovers pods and how often it scrapes', async () => {
  const { readPromConfig, promDuration } = await import('../../src/checks/support/prometheus.js');
  assert.equal(promDuration('15s'), 15_000);
  assert.equal(promDuration('1m30s'), 90_000);
  assert.equal(promDuration('500ms'), 500);
  assert.equal(promDuration('soon'), undefined);
  const chart = 'global:\n  evaluation_interval: 1m\n  scrape_interval: 30s\nscrape_configs:\n- job_name: kubernetes-pods\n  kubernetes_sd_configs:\n  - role: pod\n  relabel_configs:\n  - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]\n    action: keep\n';
  assert.deepEqual(readPromConfig(chart), { annotations: true, intervalMs: 30_000, guess: 'its pod job does not read the prometheus.io/path annotation' });
  const withPath = `${chart}  - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_path]\n    target_label: __metrics_path__\n`;
  assert.deepEqual(readPromConfig(withPath), { annotations: true, intervalMs: 30_000 });
  assert.deepEqual(readPromConfig('global:\n  scrape_interval: 15s\nscrape_configs:\n- job_name: node\n  static_configs: []\n'), { annotations: false, intervalMs: 15_000 });
  assert.equal(readPromConfig('').intervalMs, 60_000, "Prometheus's default");
});
