import type { CheckScope, ClusterFacts, KObject } from '../api.js';
import { parseQuantity } from '../support/quantity.js';
import type { GangSolver, GangWord } from './gang.js';

/**
 * Kueue as a gang solver: a batch/v1 Job of N parallel members in a LocalQueue is one Workload,
 * admitted whole or not at all against its ClusterQueue's quota. kaic never touches the cluster's
 * own queues: each case gets a ResourceFlavor, a ClusterQueue (open to the run's namespace only,
 * its accelerator quota the free capacity of the nodes the gang is pinned to) and a LocalQueue.
 * Kueue's word on a gang is its Workload: absent (Kueue never saw the Job), pending with its reason,
 * or admitted.
 */

const GROUP = 'kueue.x-k8s.io';
const QUEUE_LABEL = 'kueue.x-k8s.io/queue-name';
/** Resources the members may carry besides the measured one (defaults a LimitRange adds): never the limit. */
const UNLIMITED: Readonly<Record<string, string>> = { cpu: '100000', memory: '1000Ti' };

/** The newest Kueue API this cluster serves for the kinds kaic creates. */
export function kueueVersion(c: ClusterFacts): string | undefined {
  return ['v1beta2', 'v1beta1'].find((v) => ['resourceflavors', 'clusterqueues', 'localqueues', 'workloads'].every((p) => c.serves(`${GROUP}/${v}`, p)));
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}
const conditions = (o: KObject | undefined) => ((o?.status as { conditions?: Condition[] } | undefined)?.conditions ?? []);
const cond = (o: KObject | undefined, type: string) => conditions(o).find((x) => x.type === type);

/** Kueue's reasons that only a quota-aware admission gives: the gang as a whole does not fit the quota. */
export const kueueQuotaReason = (message: string) => /insufficient (unused )?quota|> maximum capacity|exceeds the maximum/i.test(message);

/** Kueue's word on a Workload (undefined: none exists for the Job). */
export function kueueWord(wl: KObject | undefined, job: string): GangWord {
  if (!wl) return { kind: 'unseen', text: `Kueue created no Workload for Job ${job}: it never took the Job in (is its controller running, and is batch/job among its integrations?)` };
  const admitted = cond(wl, 'Admitted');
  const reserved = cond(wl, 'QuotaReserved');
  if (admitted?.status === 'True') return { kind: 'taken', text: `Workload ${wl.metadata!.name} admitted (${admitted.reason ?? 'Admitted'}${admitted.message ? `: ${admitted.message}` : ''})` };
  if (reserved?.status === 'True') return { kind: 'taken', text: `Workload ${wl.metadata!.name} holds quota, not yet admitted (${reserved.message ?? ''})` };
  const message = reserved?.message ?? '';
  if (reserved && kueueQuotaReason(message)) return { kind: 'held', text: `Workload ${wl.metadata!.name} pending: "${message}"` };
  if (reserved) return { kind: 'generic', text: `Workload ${wl.metadata!.name} pending for another reason: ${reserved.reason}: ${message}` };
  return { kind: 'unseen', text: `Workload ${wl.metadata!.name} exists but Kueue never judged it (no QuotaReserved condition)` };
}

const cqName = (s: CheckScope, name: string) => `${s.namespace}-${name}`.slice(0, 63).replace(/-+$/, '');

export const kueueSolver: GangSolver = {
  name: 'kueue',
  title: 'Kueue (all-or-nothing admission of a Job through a LocalQueue)',
  detect: (c) => c.servedVersions(GROUP).some((v) => c.serves(`${GROUP}/${v}`, 'workloads')),
  controlThroughSolver: true,

  async prepare(s, setup) {
    const v = kueueVersion(s.cluster);
    if (!v) return { ok: false, detail: 'Kueue serves Workloads, but not ResourceFlavors, ClusterQueues and LocalQueues in one version kaic knows (v1beta2, v1beta1)', remedy: 'install Kueue v0.9 or newer' };
    const name = cqName(s, setup.name);
    const covered = [setup.resource, ...Object.keys(UNLIMITED).filter((r) => r !== setup.resource)];
    const quota = (r: string) => (r === setup.resource ? setup.quota : UNLIMITED[r]!);
    await s.apply({ apiVersion: `${GROUP}/${v}`, kind: 'ResourceFlavor', metadata: { name }, spec: {} });
    await s.apply({
      apiVersion: `${GROUP}/${v}`,
      kind: 'ClusterQueue',
      metadata: { name },
      spec: {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': s.namespace } },
        resourceGroups: [{ coveredResources: covered, flavors: [{ name, resources: covered.map((r) => ({ name: r, nominalQuota: quota(r) })) }] }],
      },
    });
    await s.apply({ apiVersion: `${GROUP}/${v}`, kind: 'LocalQueue', metadata: { name: setup.name }, spec: { clusterQueue: name } });
    // Active only once Kueue's controller has read the queue and its flavor: a stopped Kueue ends here.
    const active = await s.waitForCondition({ apiVersion: `${GROUP}/${v}`, kind: 'ClusterQueue', name }, 'Active', { timeoutMs: 30_000 });
    if (!active.ok) return { ok: false, detail: `Kueue did not make ClusterQueue ${name} Active within 30s (${active.lastSeen}): its controller is not running or cannot read the queue`, remedy: 'check the kueue-controller-manager' };
    return { ok: true, log: `Kueue ${v}: ClusterQueue ${name} Active with ${setup.quota} ${setup.resource} (the free capacity of the gang's nodes), LocalQueue ${setup.name}` };
  },

  async submit(s, g) {
    const v = kueueVersion(s.cluster)!;
    // No `suspend` from kaic: Kueue's webhook suspends a queued Job. A Job it never suspends runs its
    // pods at once, and a partly bound gang shows that.
    const job = await s.apply<KObject>({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: g.group, labels: { [QUEUE_LABEL]: g.setup.name, 'kaic.dev/gang': g.group } },
      spec: {
        parallelism: g.members,
        completions: g.members,
        backoffLimit: 0,
        template: { metadata: { labels: { 'kaic.dev/gang': g.group } }, spec: g.podSpec },
      },
    });
    const uid = job.metadata!.uid!;
    // The create's answer carries the mutating webhooks' changes: a queued Job Kueue manages is suspended.
    const suspended = (job.spec as { suspend?: boolean } | undefined)?.suspend === true;
    const workload = async () => (await s.list({ apiVersion: `${GROUP}/${v}`, kind: 'Workload' })).find((w) => (w.metadata?.ownerReferences ?? []).some((o) => o.uid === uid));
    return {
      selector: `kaic.dev/gang=${g.group}`,
      ...(suspended ? {} : { notTaken: `Kueue's webhook did not suspend Job ${g.group}, so Kueue does not manage this namespace (managedJobsNamespaceSelector, or OpenShift's kueue.openshift.io/managed label) or its webhook did not run` }),
      async word() {
        return kueueWord(await workload(), g.group);
      },
      async accounting(resource, amount) {
        const wl = await workload();
        const usage = (wl?.status as { admission?: { podSetAssignments?: { resourceUsage?: Record<string, string> }[] } } | undefined)?.admission?.podSetAssignments?.[0]?.resourceUsage ?? {};
        return usage[resource] === undefined ? `Kueue admitted ${wl?.metadata?.name ?? 'the Workload'} without counting ${resource} (its usage: ${JSON.stringify(usage)}; excludeResourcePrefixes or a resource transformation?), so its quota cannot hold a gang back` : Math.abs((parseQuantity(usage[resource]) ?? NaN) - (parseQuantity(amount) ?? NaN)) > 1e-9 || Number.isNaN(parseQuantity(usage[resource]) ?? NaN) ? `Kueue counted ${usage[resource]} ${resource} for a member asking ${amount} (a resource transformation?)` : undefined;
      },
      async remove() {
        await s.remove({ apiVersion: 'batch/v1', kind: 'Job', name: g.group }, { wait: true });
      },
      async evidence() {
        const wl = await workload();
        const cq = await s.get({ apiVersion: `${GROUP}/${v}`, kind: 'ClusterQueue', name: cqName(s, g.setup.name) });
        const j = await s.get({ apiVersion: 'batch/v1', kind: 'Job', name: g.group });
        return {
          ...(wl ? { [`${g.group}-workload.json`]: JSON.stringify(wl, null, 2) } : {}),
          ...(cq ? { [`${g.group}-clusterqueue.json`]: JSON.stringify({ spec: cq.spec, status: cq.status }, null, 2) } : {}),
          ...(j ? { [`${g.group}-job.json`]: JSON.stringify({ spec: { suspend: (j.spec as { suspend?: boolean }).suspend }, status: j.status }, null, 2) } : {}),
        };
      },
    };
  },
};
