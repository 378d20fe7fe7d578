import { CoreV1Api, ResourceV1Api, type KubeConfig, type V1Pod, type V1PodSpec } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { nodeBinaries, nodeConfig, readVersions } from '../../localcluster/local-cluster.js';
import { directRequest } from '../../src/run/cluster-session.js';
import { DEVICE_PLUGIN_DEVICES, DEVICE_PLUGIN_RESOURCE, DRA_EXAMPLE_DEVICES, DRA_EXAMPLE_DRIVER, imageRefs, NODE_PATHS, nodeFootprint, REAL_NODE_NAME, REAL_NODE_TAINT, setTwin } from '../../localcluster/real-node.js';
import { onRealNode, realNodeCluster, testNamespace, type RealNodeCluster } from './local-cluster.js';

// Every test here runs containers on the real node: the kubelet, containerd, CNI, kube-proxy,
// CoreDNS and both device plugin paths are the real ones (issue 9).
const versions = readVersions();
const BUSYBOX = 'registry.k8s.io/e2e-test-images/busybox:1.37.0-1';
const AGNHOST = `registry.k8s.io/e2e-test-images/agnhost:${versions.AGNHOST_VERSION}`;
let cluster: RealNodeCluster;
let kc: KubeConfig;
let core: CoreV1Api;

before(async () => {
  cluster = await realNodeCluster();
  kc = cluster.kc;
  core = kc.makeApiClient(CoreV1Api);
});
after(() => cluster?.release());

/** Polls until `probe` returns a value; a timeout names what was awaited and the last state seen. */
async function poll<T>(what: string, probe: () => Promise<T | undefined>, describe: () => string, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}; last seen: ${describe()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function podIn(ns: string, name: string, what: string, ok: (p: V1Pod) => boolean, timeoutMs = 60_000): Promise<V1Pod> {
  let last: V1Pod | undefined;
  return poll(`${name} to ${what}`, async () => {
    last = await core.readNamespacedPod({ name, namespace: ns });
    return ok(last) ? last : undefined;
  }, () => JSON.stringify({ phase: last?.status?.phase, containers: last?.status?.containerStatuses?.map((c) => c.state) }), timeoutMs);
}
const succeeded = (p: V1Pod) => {
  if (p.status?.phase === 'Failed') throw new Error(`pod ${p.metadata?.name} failed: ${JSON.stringify(p.status?.containerStatuses?.[0]?.state)}`);
  return p.status?.phase === 'Succeeded';
};
const ready = (p: V1Pod) => !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

/** Starts a long-running pod and returns once its log matches (the pod keeps its claims while it runs). */
async function runUntilLog(ns: string, name: string, spec: V1PodSpec, done: RegExp): Promise<{ pod: V1Pod; log: string }> {
  await core.createNamespacedPod({ namespace: ns, body: { metadata: { name }, spec } });
  const pod = await podIn(ns, name, 'run', (p) => p.status?.phase === 'Running' || succeeded(p));
  let log = '';
  await poll(`the log of ${name} to match ${done}`, async () => {
    log = await core.readNamespacedPodLog({ name, namespace: ns });
    return done.test(log) ? true : undefined;
  }, () => log, 30_000);
  return { pod, log };
}

async function runToLog(ns: string, name: string, spec: V1PodSpec): Promise<{ pod: V1Pod; log: string }> {
  await core.createNamespacedPod({ namespace: ns, body: { metadata: { name }, spec } });
  const pod = await podIn(ns, name, 'succeed', succeeded);
  const log = await core.readNamespacedPodLog({ name, namespace: ns });
  return { pod, log };
}

test('the real node is Ready, runs kubelet and containerd of the pinned versions, and holds every locally built image', async () => {
  const node = await core.readNode({ name: REAL_NODE_NAME });
  assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  assert.equal(node.metadata?.annotations?.['kwok.x-k8s.io/node'], undefined, 'kwok does not manage it');
  assert.equal(node.status?.nodeInfo?.kubeletVersion, versions.KUBERNETES_VERSION);
  assert.equal(node.status?.nodeInfo?.containerRuntimeVersion, `containerd://${versions.CONTAINERD_VERSION!.replace(/^v/, '')}`);
  assert.ok(node.spec?.taints?.some((t) => t.key === REAL_NODE_TAINT.key && t.effect === 'NoSchedule'));
  assert.equal(node.status?.allocatable?.[DEVICE_PLUGIN_RESOURCE], String(DEVICE_PLUGIN_DEVICES));
  const onNode = new Set(node.status?.images?.flatMap((i) => i.names ?? []));
  for (const ref of imageRefs(nodeConfig(cluster.name))) assert.ok(onNode.has(ref), `${ref} is on the node`);
});

test('a pod runs as a real container and its log reads back', async (t) => {
  const ns = await testNamespace(kc, t, 'kaic-real');
  const { pod, log } = await runToLog(ns, 'hello', onRealNode({ containers: [{ name: 'main', image: BUSYBOX, command: ['sh', '-c', 'echo "hello from $(hostname) pid $$$$"'] }] }));
  assert.equal(pod.spec?.nodeName, REAL_NODE_NAME);
  assert.match(pod.status?.containerStatuses?.[0]?.containerID ?? '', /^containerd:\/\//);
  assert.match(pod.status?.podIP ?? '', /^10\.88\./, 'the IP comes from the CNI bridge, not kwok');
  assert.match(log, /^hello from hello pid 1$/m, 'the container is PID 1 of its own PID namespace');
});

test('a ClusterIP Service is reachable from another pod and from the host', async (t) => {
  const ns = await testNamespace(kc, t, 'kaic-real');
  await core.createNamespacedPod({
    namespace: ns,
    body: {
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: onRealNode({ restartPolicy: 'Always', containers: [{ name: 'netexec', image: AGNHOST, args: ['netexec', '--http-port=8080'], readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 } }] }),
    },
  });
  const svc = await core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } } });
  const ip = svc.spec!.clusterIP!;
  await podIn(ns, 'web', 'be Ready', ready);

  // From the host: kube-proxy's OUTPUT rules send the ClusterIP to the pod. Each try is a new
  // connection: one made before kube-proxy wrote its rules goes wherever the host routes the address
  // (here, a network proxy that answers 404), and a kept-alive one would stay there.
  let body = '';
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    const a = await directRequest(`http://${ip}/hostname`, new AbortController().signal, { timeoutMs: 2_000 });
    body = a.status === 200 ? a.body : `HTTP ${a.status} ${a.error ?? a.body}`.trim();
    if (body === 'web') break;
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.equal(body, 'web', `GET http://${ip}/hostname from the host`);

  // From another pod on the node, through the same ClusterIP.
  const { log } = await runToLog(ns, 'client', onRealNode({ containers: [{ name: 'main', image: BUSYBOX, command: ['sh', '-c', `timeout 5 wget -q -O- http://${ip}/hostname`] }] }));
  assert.equal(log.trim(), 'web');
});

test('a Service name resolves through cluster DNS inside a pod', async (t) => {
  const ns = await testNamespace(kc, t, 'kaic-real');
  const svc = await core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'named' }, spec: { ports: [{ port: 80 }] } } });
  const ip = svc.spec!.clusterIP!;
  // nslookup asks the cluster DNS directly; ping resolves the short name through libc and the search path.
  const { log } = await runToLog(ns, 'dns', onRealNode({ containers: [{ name: 'main', image: BUSYBOX, command: ['sh', '-c', `cat /etc/resolv.conf; nslookup named.${ns}.svc.cluster.local; ping -c 1 -W 1 named | head -1; true`] }] }));
  assert.match(log, new RegExp(`^search ${ns}\\.svc\\.cluster\\.local svc\\.cluster\\.local cluster\\.local$`, 'm'));
  assert.match(log, new RegExp(`^Name:\\s+named\\.${ns}\\.svc\\.cluster\\.local\\nAddress:\\s+${ip.replace(/\./g, '\\.')}$`, 'm'), log);
  assert.match(log, new RegExp(`^PING named \\(${ip.replace(/\./g, '\\.')}\\)`, 'm'), `the short name resolves to ${ip}:\n${log}`);
});

test('an image that is not on the node fails fast with ErrImageNeverPull naming it', async (t) => {
  const ns = await testNamespace(kc, t, 'kaic-real');
  const image = 'registry.k8s.io/e2e-test-images/not-built-here:0.0';
  const t0 = Date.now();
  await core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'missing' }, spec: onRealNode({ containers: [{ name: 'main', image }] }) } });
  const pod = await podIn(ns, 'missing', 'report ErrImageNeverPull', (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImageNeverPull', 30_000);
  assert.ok(Date.now() - t0 < 30_000);
  assert.match(pod.status!.containerStatuses![0]!.state!.waiting!.message ?? '', new RegExp(image.replace(/[.:/]/g, '\\$&')));
  let reasons: string[] = [];
  const event = await poll('the ErrImageNeverPull event', async () => {
    const list = (await core.listNamespacedEvent({ namespace: ns })).items;
    reasons = list.map((e) => e.reason ?? '');
    return list.find((e) => e.reason === 'ErrImageNeverPull');
  }, () => reasons.join(', '), 20_000);
  assert.ok(event.message?.includes(image), event.message);
});

test('the DRA example driver publishes its ResourceSlice, and a claim-granted pod sees exactly its CDI-injected device', async (t) => {
  const resource = kc.makeApiClient(ResourceV1Api);
  const slices = (await resource.listResourceSlice()).items.filter((s) => s.spec.driver === DRA_EXAMPLE_DRIVER && s.spec.nodeName === REAL_NODE_NAME);
  assert.equal(slices.length, 1);
  assert.equal(slices[0]!.spec.devices?.length, DRA_EXAMPLE_DEVICES);

  const ns = await testNamespace(kc, t, 'kaic-real');
  await resource.createNamespacedResourceClaimTemplate({ namespace: ns, body: { metadata: { name: 'one' }, spec: { spec: { devices: { requests: [{ name: 'gpu', exactly: { deviceClassName: DRA_EXAMPLE_DRIVER } }] } } } } });
  const { pod, log } = await runUntilLog(ns, 'dra', onRealNode({ resourceClaims: [{ name: 'gpu', resourceClaimTemplateName: 'one' }], containers: [{ name: 'main', image: BUSYBOX, command: ['sh', '-c', 'env | grep ^GPU_DEVICE_ | sort; echo done; exec sleep 600'], resources: { claims: [{ name: 'gpu' }] } }] }), /^done$/m);
  const claimName = pod.status?.resourceClaimStatuses?.[0]?.resourceClaimName;
  assert.ok(claimName);
  const claim = await resource.readNamespacedResourceClaim({ name: claimName, namespace: ns });
  const device = claim.status?.allocation?.devices?.results?.[0]?.device;
  assert.match(device ?? '', /^gpu-\d+$/);
  const seen = log.split('\n').filter((l) => /^GPU_DEVICE_\d+=/.test(l));
  assert.deepEqual(seen, [`GPU_DEVICE_${device!.slice(4)}=${device}`], 'the container sees the allocated device and no other');
});

test('a device-plugin-granted pod sees only its own device file, with its own identity', async (t) => {
  const ns = await testNamespace(kc, t, 'kaic-real');
  const hostDevices = readdirSync(NODE_PATHS.devices).filter((f) => f.startsWith('kaic-gpu'));
  assert.equal(hostDevices.length, DEVICE_PLUGIN_DEVICES, 'control: the host has every device file');
  const { log } = await runToLog(ns, 'dp', onRealNode({ containers: [{ name: 'main', image: BUSYBOX, command: ['sh', '-c', 'ls /dev | grep ^kaic-gpu; echo "uuids=$KAIC_GPU_UUIDS"'], resources: { limits: { [DEVICE_PLUGIN_RESOURCE]: '1' } } }] }));
  const files = log.split('\n').filter((l) => l.startsWith('kaic-gpu'));
  assert.equal(files.length, 1, `exactly one device file:\n${log}`);
  assert.ok(hostDevices.includes(files[0]!));
  assert.match(log, /^uuids=GPU-[0-9a-f-]+$/m, 'one UUID');
});

test("the twins' switches: the device plugin hands out every device, the DRA CDI spec exposes every device", async (t) => {
  const cfg = nodeConfig(cluster.name);
  t.after(() => setTwin(cfg, {}));
  await setTwin(cfg, { shareAllDevices: true, draCdiExposesAllDevices: true });
  const ns = await testNamespace(kc, t, 'kaic-real');
  const dp = await runToLog(ns, 'dp-twin', onRealNode({ containers: [{ name: 'main', image: BUSYBOX, command: ['sh', '-c', 'ls /dev | grep ^kaic-gpu'], resources: { limits: { [DEVICE_PLUGIN_RESOURCE]: '1' } } }] }));
  assert.equal(dp.log.trim().split('\n').length, DEVICE_PLUGIN_DEVICES, dp.log);
  const resource = kc.makeApiClient(ResourceV1Api);
  await resource.createNamespacedResourceClaimTemplate({ namespace: ns, body: { metadata: { name: 'one' }, spec: { spec: { devices: { requests: [{ name: 'gpu', exactly: { deviceClassName: DRA_EXAMPLE_DRIVER } }] } } } } });
  const dra = await runToLog(ns, 'dra-twin', onRealNode({ resourceClaims: [{ name: 'gpu', resourceClaimTemplateName: 'one' }], containers: [{ name: 'main', image: BUSYBOX, command: ['sh', '-c', 'env | grep -E "^GPU_DEVICE_[0-9]+=" | sort -u'], resources: { claims: [{ name: 'gpu' }] } }] }));
  assert.equal(dra.log.trim().split('\n').length, DRA_EXAMPLE_DEVICES, dra.log);
});

test('stopping the real node (what cluster:down runs) leaves no process, mount, netns, interface, iptables rule, cgroup or directory behind', async () => {
  const bin = nodeBinaries();
  const running = nodeFootprint(bin);
  assert.ok(running.kubelet === 1 && running.containerd === 1, `the node runs: ${JSON.stringify(running)}`);
  assert.ok(running.iptablesOwnRules > 0 && running.cniLinks > 0, `kube-proxy and CNI left their marks while running: ${JSON.stringify(running)}`);
  await cluster.down();
  const left = nodeFootprint(bin);
  assert.deepEqual(left, { kubelet: 0, containerd: 0, shims: 0, otherComponents: 0, containerProcesses: 0, mounts: 0, netns: 0, cniLinks: 0, iptablesOwnRules: 0, cgroups: 0, paths: 0 });
  if (cluster.baseline) assert.deepEqual(cluster.afterDown(), cluster.baseline, 'iptables rule count and network namespaces as before the node started');
  assert.equal(existsSync(NODE_PATHS.owner), false);
});

test('after a crash (kubelet and containerd killed with a pod running), stopping the node still leaves nothing behind', async (t) => {
  cluster = await cluster.restart();
  kc = cluster.kc;
  core = kc.makeApiClient(CoreV1Api);
  const ns = await testNamespace(kc, t, 'kaic-real');
  await core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'held' }, spec: onRealNode({ containers: [{ name: 'main', image: AGNHOST, args: ['netexec', '--http-port=8080'], ports: [{ containerPort: 8080, hostPort: 18089 }], resources: { limits: { [DEVICE_PLUGIN_RESOURCE]: '1' } } }] }) } });
  await podIn(ns, 'held', 'be Ready', ready);
  const bin = nodeBinaries();
  const running = nodeFootprint(bin);
  assert.ok(running.shims > 0 && running.containerProcesses > 0 && running.netns > 0, JSON.stringify(running));
  for (const c of ['kubelet', 'containerd']) process.kill(Number(readFileSync(join(NODE_PATHS.pids, `${c}.pid`), 'utf8')), 'SIGKILL');
  await cluster.stopNode();
  // No kubelet confirms the deletion any more: remove the pod object so the namespace can go.
  await core.deleteNamespacedPod({ name: 'held', namespace: ns, gracePeriodSeconds: 0 });
  assert.deepEqual(nodeFootprint(bin), { kubelet: 0, containerd: 0, shims: 0, otherComponents: 0, containerProcesses: 0, mounts: 0, netns: 0, cniLinks: 0, iptablesOwnRules: 0, cgroups: 0, paths: 0 });
  if (cluster.baseline) assert.deepEqual(cluster.afterDown(), cluster.baseline);
});
