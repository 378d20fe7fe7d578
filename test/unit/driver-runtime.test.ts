import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reportedVersion, sameVersion, versionGroups, versionScript } from '../../src/checks/driver-runtime-management.js';
import driverRuntime from '../../src/checks/driver-runtime-management.js';
import { DEFAULT_IMAGES } from '../../src/checks/images.js';
import { PROFILES } from '../../src/checks/profiles/accelerators.js';
import { withScan } from '../helpers.js';

test('versions are equal at the precision both share', () => {
  assert.ok(sameVersion('580.65.6', '580.65.06'));
  assert.ok(sameVersion('12.9.0', '12.9'));
  assert.ok(sameVersion('v1.0.0', '1.0'));
  assert.ok(!sameVersion('580.65.06', '580.82.07'));
  assert.ok(!sameVersion('12.9', '12.8.1'));
  assert.ok(!sameVersion('', '1.0'));
  assert.ok(!sameVersion('580', '580.95.05'), 'a bare major is no version to compare');
  assert.ok(!sameVersion('1.0.0-rc1', '1.0.0'));
  assert.ok(!sameVersion('N/A', 'N/A'));
  // Grouping is by every member: 12.8.0 and 12.8 agree, 12.9 does not join them.
  assert.deepEqual(versionGroups([{ value: '12.8.0', source: 'a' }, { value: '12.8', source: 'b' }, { value: '12.9', source: 'c' }]).map((g) => g.map((x) => x.source)), [['a', 'b'], ['c']]);
  assert.deepEqual(versionGroups([{ value: '580.65.06', source: 'a' }, { value: '580.65.6', source: 'b' }, { value: '575.57.08', source: 'c' }]).map((g) => g.map((x) => x.source)), [['a', 'b'], ['c']]);
});

// What nvidia-smi prints in a container the NVIDIA container toolkit prepared (recorded output).
const NVIDIA_LOG = [
  'KDV driver: 580.65.06',
  'KDV cuda: Mon Nov 23 10:02:11 2026',
  'KDV cuda: +-----------------------------------------------------------------------------------------+',
  'KDV cuda: | NVIDIA-SMI 580.65.06              Driver Version: 580.65.06      CUDA Version: 13.0     |',
  'KAIC_PROBE device: /dev/nvidia0',
  'KAIC_PROBE done',
].join('\n');

test('the driver and CUDA versions as nvidia-smi reports them inside a container', () => {
  const v = PROFILES.nvidia!.versions!;
  assert.deepEqual(reportedVersion(NVIDIA_LOG, 'driver', v.driver!), { value: '580.65.06' });
  assert.deepEqual(reportedVersion(NVIDIA_LOG, 'cuda', v.cuda!), { value: '13.0' });
  const absent = reportedVersion('KDV driver-absent: nvidia-smi\nKAIC_PROBE done', 'driver', v.driver!);
  assert.ok('missing' in absent && /not in the container/.test(absent.missing));
  const script = versionScript(v);
  assert.match(script, /command -v nvidia-smi/);
  assert.match(versionScript(PROFILES.example!.versions!), /KDV driver: \$\{KAIC_GPU_DRIVER_VERSION:-\}/);
  const unset = reportedVersion('KDV driver: \nKAIC_PROBE done', 'driver', PROFILES.example!.versions!.driver!);
  assert.ok('missing' in unset && /KAIC_GPU_DRIVER_VERSION is not set/.test(unset.missing));
});

test('older GPU feature discovery labels give the version in parts; a node that advertises nothing is kept, to be named', async () => {
  const ready = [{ type: 'Ready', status: 'True' }];
  const node = (name: string, labels: Record<string, string>) => ({ metadata: { name, labels: { 'nvidia.com/gpu.present': 'true', ...labels } }, status: { conditions: ready, allocatable: { 'nvidia.com/gpu': '8' }, nodeInfo: { containerRuntimeVersion: 'containerd://2.1.4' } } });
  const d = await driverRuntime.discover(withScan({
    cluster: { version: { gitVersion: 'v1.37.2', major: '1', minor: '37' }, nodes: [node('old-gfd', { 'nvidia.com/cuda.driver.major': '580', 'nvidia.com/cuda.driver.minor': '65', 'nvidia.com/cuda.driver.rev': '06', 'nvidia.com/cuda.runtime.major': '13', 'nvidia.com/cuda.runtime.minor': '0' }), node('silent', {})] as never, serves: () => false, verbs: () => [], servedVersions: () => [], unavailable: new Map(), isSimulated: () => false, allSimulated: false },
    settings: {},
    accelerator: PROFILES.nvidia!,
    images: DEFAULT_IMAGES,
    signal: new AbortController().signal,
    list: async () => [],
  }));
  assert.ok(d.ready);
  const old = d.env.nodes.find((n: { node: string }) => n.node === 'old-gfd')!;
  assert.deepEqual(old.adverts.driver, [{ value: '580.65.06', source: 'node labels nvidia.com/cuda.driver.major, nvidia.com/cuda.driver.minor, nvidia.com/cuda.driver.rev' }]);
  assert.equal(old.adverts.cuda?.[0]?.value, '13.0');
  assert.deepEqual(d.env.nodes.find((n: { node: string }) => n.node === 'silent')?.adverts, {});
  assert.deepEqual(d.nodes, ['old-gfd']);
});
