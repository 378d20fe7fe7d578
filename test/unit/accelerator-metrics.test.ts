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

test('the exposition parser: labels with escapes, exponents, NaN and Inf, comments; malformed lines are located errors', () => {
  const s = samples('# HELP x y\nx{a="q\\"uote",b="back\\\\slash",c="new\\nline"} 2.5e+09 1700000000\ny NaN\nz{} +Inf\n\n');
  assert.deepEqual(s[0], { name: 'x', labels: { a: 'q"uote', b: 'back\\slash', c: 'new\nline' }, value: 2.5e9 });
  assert.ok(Number.isNaN(s[1]!.value));
  assert.equal(s[2]!.value, Infinity);
  assert.deepEqual(readExposition('ok 1\nbad{a=1} 2\n'), { error: 'line 2: malformed label at column 5: bad{a=1} 2' });
  assert.deepEqual(readExposition('x{a="open} 1'), { error: 'line 1: unterminated label value' });
  assert.deepEqual(readExposition('x{a="1"} notanumber'), { error: 'line 1: no value: x{a="1"} notanumber' });
  assert.deepEqual(readExposition('a 1\nb 2\nc 3', 2), { error: 'more than 2 samples' });
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
