import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reportedVersion, sameVersion, versionGroups, versionScript } from '../../src/checks/driver-runtime-management.js';
import { PROFILES } from '../../src/checks/profiles/accelerators.js';

test('versions are equal at the precision both share', () => {
  assert.ok(sameVersion('580.65.6', '580.65.06'));
  assert.ok(sameVersion('12.9.0', '12.9'));
  assert.ok(sameVersion('v1.0.0', '1.0'));
  assert.ok(!sameVersion('580.65.06', '580.82.07'));
  assert.ok(!sameVersion('12.9', '12.8.1'));
  assert.ok(!sameVersion('', '1.0'));
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
