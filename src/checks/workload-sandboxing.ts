import type { V1Node } from '@kubernetes/client-node';
import { defineCheck, type KObject } from './api.js';
import { classifyHandler, SANDBOX_NAME_HINT } from './profiles/sandboxes.js';
import { isReadyNode, nodeName, tolerationsFor } from './support/nodes.js';
import { onNodes, restrictedPod, schedulerRefused } from './support/pods.js';
import { text } from './settings.js';

interface RuntimeClass {
  metadata: { name: string };
  handler: string;
  scheduling?: { nodeSelector?: Record<string, string>; tolerations?: unknown[] };
}
interface Env {
  readonly runtimeClass: string;
  readonly handler: string;
  /** What kaic knows the handler to be ("gVisor"), or why it is tried ("named like a sandbox"). */
  readonly what: string;
  readonly node: string;
  /** The node's kubelet lists the handler in status.runtimeHandlers. */
  readonly handlerListed: boolean;
  /** The node's own boot id (status.nodeInfo.bootID): the host kernel's identity. */
  readonly bootId: string;
  readonly nodeAddresses: readonly string[];
  readonly tolerations: { key: string; operator: string }[];
}

/** What a probe saw of the kernel and host it runs on. */
export interface HostView {
  readonly done: boolean;
  readonly kernel?: string;
  readonly version?: string;
  readonly bootId?: string;
  readonly processes: readonly string[];
  readonly paths: readonly string[];
  readonly interfaces: readonly string[];
  readonly addresses: readonly string[];
}

const HOST_PATHS = ['/var/lib/kubelet', '/var/log/pods', '/run/containerd', '/var/lib/containerd', '/var/run/crio', '/etc/kubernetes'];
/** Processes that exist only on the host: seeing one means the pod shares the host's process table. */
const HOST_PROCESSES = /^(kubelet|containerd|containerd-shim.*|dockerd|crio|conmon|kube-proxy|runc|systemd|sshd)$/;

/** The probe: prints the kernel's identity and what of the host it can see, as marker lines, then sleeps. */
export function sandboxProbe(): string[] {
  const script = [
    'echo "KSB kernel: $(uname -r)"',
    'echo "KSB version: $(cat /proc/version)"',
    'echo "KSB boot: $(cat /proc/sys/kernel/random/boot_id)"',
    'for p in /proc/[0-9]*; do c=$(cat "$p/comm" 2>/dev/null) && echo "KSB proc: $c"; done',
    `for d in ${HOST_PATHS.join(' ')}; do [ -e "$d" ] && echo "KSB path: $d"; done`,
    "sed -n '3,$p' /proc/net/dev 2>/dev/null | cut -d: -f1 | tr -d ' ' | sed 's/^/KSB if: /'",
    "ip addr 2>/dev/null | grep 'inet' | sed 's/^ *inet6* \\([^ /]*\\).*/KSB addr: \\1/'",
    'echo "KSB done"',
    'sleep 3600',
  ].join('; ');
  return ['sh', '-c', script];
}

export function parseHostView(log: string): HostView {
  const lines = log.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('KSB '));
  const all = (k: string) => lines.filter((l) => l.startsWith(`KSB ${k}: `)).map((l) => l.slice(k.length + 6).trim()).filter(Boolean);
  const one = (k: string) => all(k)[0];
  const kernel = one('kernel');
  const version = one('version');
  const bootId = one('boot');
  return { done: lines.includes('KSB done'), ...(kernel ? { kernel } : {}), ...(version ? { version } : {}), ...(bootId ? { bootId } : {}), processes: all('proc'), paths: all('path'), interfaces: all('if'), addresses: all('addr') };
}

const settings = {
  'sandbox.runtimeClass': text({ description: 'the RuntimeClass to prove as the sandbox (default: the first whose handler kaic knows as a sandbox, then one named like a sandbox)', default: undefined, example: 'gvisor' }),
};

export default defineCheck({
  id: 'workload_sandboxing',
  testName: 'TestWorkloadSandboxing',
  summary: 'detects sandboxed RuntimeClasses (gVisor, Kata, Firecracker, Cloud Hypervisor, or named like a sandbox) and the agent-sandbox API; runs a probe in the sandbox and the same probe in an ordinary pod on the same node: the sandbox must show its own kernel (boot id, release, /proc/version) where the ordinary pod shows the node\'s, and no host processes, host paths or node addresses',
  needs: 'a RuntimeClass whose handler is a sandbox kaic knows (gVisor, Kata, Firecracker, Cloud Hypervisor) or one you name, on a real node',
  cannotProve: 'memory or filesystem isolation beyond the kernel identity; that the sandbox resists a real escape. The agent-sandbox API is detected, not exercised',
  cases: ['SandboxPodRuns', 'SandboxKernelIsNotHost', 'SandboxSeesNoHost'],
  uses: [
    { group: 'node.k8s.io', resources: ['runtimeclasses'], verbs: ['get', 'list', 'watch'] },
    { group: '', resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { group: '', resources: ['pods/log'], verbs: ['get'] },
  ],
  settings,
  images: ['probe'],
  timeoutMs: 6 * 60_000,

  async discover({ cluster, settings: set, list }) {
    const agents = cluster.servedVersions('agents.x-k8s.io');
    const found: Record<string, string> = { agentSandboxApi: agents.length ? `agents.x-k8s.io ${agents.join(', ')}` : 'none' };
    if (!cluster.serves('node.k8s.io/v1', 'runtimeclasses')) return { ready: false, reason: 'missing-component', detail: 'the cluster serves no node.k8s.io/v1 RuntimeClass API', found };
    const classes = await list<RuntimeClass>({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass' });
    const sorted = classes.map((rc) => ({ rc, c: classifyHandler(rc.handler) }));
    found.runtimeClasses = sorted.map(({ rc, c }) => `${rc.metadata.name} (handler ${rc.handler}: ${c.kind === 'sandbox' ? c.what : c.kind})`).join(', ') || 'none';
    const wanted = set['sandbox.runtimeClass'];
    // Candidates in order: the one named with --set; else every class whose handler is a known
    // sandbox; else classes named like a sandbox whose handler is ordinary (they claim what their
    // handler cannot give: proven, so they can FAIL). A name-hinted class with an unrecognised
    // handler is reported, never proven without --set.
    let candidates: { rc: RuntimeClass; what: string }[];
    if (wanted) {
      const rc = classes.find((x) => x.metadata.name === wanted);
      if (!rc) return { ready: false, reason: 'missing-component', detail: `--set sandbox.runtimeClass=${wanted}: no such RuntimeClass (found: ${found.runtimeClasses})`, found };
      const c = classifyHandler(rc.handler);
      candidates = [{ rc, what: c.kind === 'sandbox' ? c.what : `chosen with --set (handler ${rc.handler}, ${c.kind})` }];
    } else {
      const known = sorted.filter(({ c }) => c.kind === 'sandbox').map(({ rc, c }) => ({ rc, what: (c as { what: string }).what }));
      const named = sorted.filter(({ rc, c }) => c.kind === 'ordinary' && SANDBOX_NAME_HINT.test(rc.metadata.name)).map(({ rc }) => ({ rc, what: `named like a sandbox, with the ordinary handler ${rc.handler}` }));
      candidates = known.length ? known : named;
    }
    const unknown = sorted.filter(({ c }) => c.kind === 'unrecognised').map(({ rc }) => rc.metadata.name);
    if (unknown.length) found.unrecognised = `${unknown.join(', ')} (prove one with --set sandbox.runtimeClass=NAME)`;
    if (!candidates.length) {
      return unknown.length
        ? { ready: false, reason: 'no-verdict', detail: `RuntimeClass(es) with handlers kaic does not recognise: ${unknown.join(', ')}; none is known to be a sandbox`, remedy: `name the sandbox to prove: --set sandbox.runtimeClass=${unknown[0]}`, found }
        : { ready: false, reason: 'missing-component', detail: `no sandboxed RuntimeClass (gVisor runsc, Kata Containers, …)${agents.length ? '; the agent-sandbox API is served, but kaic proves the RuntimeClass its sandboxes use: name it with --set sandbox.runtimeClass' : ''}`, remedy: 'install gVisor or Kata Containers with a RuntimeClass, or name one with --set sandbox.runtimeClass=NAME', found };
    }
    const why: string[] = [];
    for (const pick of candidates) {
      const sel = pick.rc.scheduling?.nodeSelector ?? {};
      const fits = (n: V1Node) => isReadyNode(n) && !n.spec?.unschedulable && n.metadata?.labels?.['kubernetes.io/os'] !== 'windows' && Object.entries(sel).every(([k, v]) => n.metadata?.labels?.[k] === v);
      const real = cluster.nodes.filter(fits).filter((n) => !cluster.isSimulated(nodeName(n)));
      if (!real.length) {
        why.push(`${pick.rc.metadata.name}: ${cluster.nodes.some(fits) ? 'its nodes are simulated (kwok)' : `no Ready node matches its nodeSelector ${JSON.stringify(sel)}`}`);
        continue;
      }
      // Nodes whose kubelet lists the handler (status.runtimeHandlers, 1.30+) first.
      const lists = (n: V1Node) => ((n.status as { runtimeHandlers?: { name: string }[] } | undefined)?.runtimeHandlers ?? []).some((h) => h.name === pick.rc.handler);
      const node = real.find(lists) ?? real[0]!;
      found.sandbox = `${pick.rc.metadata.name}: ${pick.what}`;
      if (why.length) found.skipped = why.join('; ');
      return {
        ready: true,
        env: {
          runtimeClass: pick.rc.metadata.name,
          handler: pick.rc.handler,
          what: pick.what,
          node: nodeName(node),
          handlerListed: lists(node),
          bootId: node.status?.nodeInfo?.bootID ?? '',
          nodeAddresses: (node.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address),
          tolerations: tolerationsFor([node], [nodeName(node)]),
        },
        found,
      };
    }
    const allSim = why.every((w) => /simulated/.test(w));
    return { ready: false, reason: allSim ? 'simulated-nodes' : 'missing-component', detail: `no sandboxed RuntimeClass has a real node to run on: ${why.join('; ')}`, remedy: 'run against a cluster with real nodes that offer the sandbox runtime', found };
  },

  async prove(env: Env, s) {
    const pod = (name: string, sandboxed: boolean): KObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: restrictedPod({ ...(sandboxed ? { runtimeClassName: env.runtimeClass } : {}), tolerations: env.tolerations, affinity: onNodes([env.node]), automountServiceAccountToken: false, containers: [{ name: 'probe', image: s.images.probe, command: sandboxProbe() }] }),
    });
    await s.apply(pod('sandboxed', true));
    await s.apply(pod('ordinary', false));
    const read = async (name: string): Promise<{ view: HostView } | { error: string; cause?: string }> => {
      const running = await s.waitForPods([name], 'Running', 120_000);
      if (!running.ok) {
        const refused = await schedulerRefused(s, name);
        if (refused) return { error: running.message, cause: `the scheduler could not place it: ${refused}` };
        if (!env.handlerListed && /no runtime for|runtime handler|RuntimeHandler|handler .* not/i.test(running.message)) return { error: running.message, cause: `the handler ${env.handler} is not configured on ${env.node} (its kubelet does not list it)` };
        return { error: running.message };
      }
      const r = await s.poll(`the probe in ${name} to finish`, async () => {
        const v = parseHostView(await s.logs(name, 'probe'));
        return v.done ? v : undefined;
      }, { intervalMs: 1000, timeoutMs: 60_000 });
      return r.ok ? { view: r.value } : { error: r.message };
    };
    const sandbox = await read('sandboxed');
    const ordinary = await read('ordinary');
    const describe = (v: HostView) => `kernel ${v.kernel ?? '?'}, boot id ${v.bootId ?? '?'}`;
    if ('view' in sandbox) s.evidence('sandboxed.txt', JSON.stringify(sandbox.view, null, 2));
    if ('view' in ordinary) s.evidence('ordinary.txt', JSON.stringify(ordinary.view, null, 2));

    await s.case('SandboxPodRuns', async (c) => {
      if ('error' in sandbox && sandbox.cause) return c.notRun('control-failed', `the sandboxed pod did not run on ${env.node}: ${sandbox.cause}`, 'run when a node that offers the handler has room');
      if ('error' in sandbox) return c.fail(`a pod with runtimeClassName ${env.runtimeClass} (handler ${env.handler}) runs on ${env.node}`, sandbox.error);
      c.pass(`a pod with runtimeClassName ${env.runtimeClass} (${env.what}) runs on ${env.node} and reports ${describe(sandbox.view)}`);
    });

    const kernel = await s.case('SandboxKernelIsNotHost', async (c) => {
      if ('error' in sandbox) return c.notRun('control-failed', `the sandboxed pod did not run (${sandbox.error})`);
      if ('error' in ordinary) return c.notRun('control-failed', `the ordinary pod on ${env.node}, the control, did not run (${ordinary.error})`);
      const sb = sandbox.view;
      const ord = ordinary.view;
      c.log(`sandboxed: ${describe(sb)}; ${sb.version ?? ''}`);
      c.log(`ordinary:  ${describe(ord)}; ${ord.version ?? ''}`);
      // The host's identity: the node's own boot id, which the ordinary pod must show (the control:
      // the probe reads the host kernel's identity where the host kernel is what runs the pod).
      const hostBoot = env.bootId || ord.bootId;
      if (!hostBoot || !ord.bootId) return c.notRun('control-failed', `neither the node nor the ordinary pod gave the host's boot id (${describe(ord)})`);
      if (env.bootId && ord.bootId !== env.bootId) return c.notRun('control-failed', `the ordinary pod shows boot id ${ord.bootId}, not the node's ${env.bootId}: ordinary pods here do not run on the host kernel either (a sandboxed default runtime?), so there is no control`);
      if (!sb.bootId) return c.notRun('no-verdict', `the sandbox shows no boot id (${describe(sb)}): no kernel identity to compare`, 'run with a probe image whose shell can read /proc/sys/kernel/random/boot_id');
      if (sb.bootId === hostBoot) return c.fail(`a pod in ${env.runtimeClass} runs on a kernel other than the node's`, `it shares the node's kernel: boot id ${sb.bootId} is the node's, kernel ${sb.kernel ?? '?'} as an ordinary pod on ${env.node} shows${sb.version === ord.version ? `, and the same /proc/version (${sb.version})` : ''}`);
      // A different boot id with a byte-identical kernel build string may be a per-container
      // boot_id overlay on the host kernel: no verdict rather than a PASS.
      if (sb.version && sb.version === ord.version && sb.kernel === ord.kernel) return c.notRun('no-verdict', `the sandbox shows its own boot id ${sb.bootId}, but the very same kernel build as the host (${sb.version}): an overlaid boot id cannot be told from a guest kernel`);
      c.pass(`the sandbox runs its own kernel: boot id ${sb.bootId} and kernel ${sb.kernel ?? '?'}, where the node's boot id is ${hostBoot} and an ordinary pod on ${env.node} shows the node's kernel ${ord.kernel}`);
    });

    await s.case('SandboxSeesNoHost', async (c) => {
      if ('error' in sandbox) return c.notRun('control-failed', `the sandboxed pod did not run (${sandbox.error})`);
      // Kubernetes' own namespaces hide host processes, paths and addresses from any pod, and the
      // run's restricted namespace forbids the host* settings that would show them: no control can
      // show the probe seeing them. What the sandbox hides means something only on its own kernel.
      if (kernel.verdict !== 'pass') return c.notRun('no-verdict', `the sandbox was not shown to run its own kernel (${kernel.verdict}); without that, hidden host processes and paths are only Kubernetes' namespaces, which every pod has`);
      const sb = sandbox.view;
      const hostProcs = sb.processes.filter((p) => HOST_PROCESSES.test(p));
      if (hostProcs.length) return c.fail('no host process is visible inside the sandbox', `it sees ${[...new Set(hostProcs)].join(', ')}`);
      if (sb.paths.length) return c.fail('no host path is visible inside the sandbox', `it sees ${sb.paths.join(', ')}`);
      const nodeAddrs = sb.addresses.filter((a) => env.nodeAddresses.includes(a));
      if (nodeAddrs.length) return c.fail(`the sandbox has none of the node's addresses (${env.nodeAddresses.join(', ')})`, `it has ${nodeAddrs.join(', ')}: it shares the node's network`);
      // The control: the listing works (the probe sees its own processes); without it "none" means nothing.
      if (!sb.processes.length) return c.notRun('control-failed', 'the sandbox\'s process listing returned nothing, not even the probe itself');
      const ord = 'view' in ordinary ? ` (an ordinary pod there saw ${ordinary.view.processes.length} process(es), ${ordinary.view.paths.length} host path(s))` : '';
      c.pass(`inside the sandbox: ${sb.processes.length} process(es) of its own (${[...new Set(sb.processes)].join(', ')}), no host path of ${HOST_PATHS.length} looked for, interfaces ${sb.interfaces.join(', ') || 'none'} with addresses ${sb.addresses.join(', ') || 'none'}, none the node's${ord}`);
    });
  },
});
