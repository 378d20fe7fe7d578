import type { V1Pod } from '@kubernetes/client-node';
import type { KObject } from '../api.js';
import type { GangSolver, GangWord } from './gang.js';

/**
 * Volcano as a gang solver: a PodGroup (`scheduling.volcano.sh`) with `minMember` N in a Volcano
 * queue, and N member pods scheduled by Volcano (`schedulerName: volcano`) that name it in the
 * `scheduling.k8s.io/group-name` annotation. Volcano binds none of them until all N fit. Its word on
 * a gang is the PodGroup: its phase (Pending, Inqueue, Running) and its `Unschedulable` condition,
 * whose message counts the tasks of the gang it could not place ("5/5 tasks in gang unschedulable:
 * pod group is not ready, 5 Pending, 5 minAvailable"), and the same message on each member pod.
 */

const GROUP = 'scheduling.volcano.sh';
const VERSION = 'v1beta1';
/** The scheduler name of a default Volcano installation, and the queue every installation has. */
export const VOLCANO_SCHEDULER = 'volcano';
export const VOLCANO_QUEUE = 'default';
const GROUP_ANNOTATION = 'scheduling.k8s.io/group-name';

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
type PodGroup = KObject & { status?: { phase?: string; conditions?: Condition[]; running?: number; succeeded?: number } };

/**
 * Volcano's gang message: "X/Y tasks in gang unschedulable: …", X the members it could not place
 * and Y the members it considered. Volcano writes it for every job that is not ready, whatever the
 * cause; only X < Y over the whole gang shows a gang held back as a gang (some members fitted in
 * its trial allocation, and it placed none of them).
 */
export function volcanoGangCount(message: string): { unplaced: number; of: number } | undefined {
  const m = /(\d+)\/(\d+) tasks in gang unschedulable/.exec(message);
  return m ? { unplaced: Number(m[1]), of: Number(m[2]) } : undefined;
}
const heldAsGang = (message: string, members: number) => {
  const n = volcanoGangCount(message);
  return !!n && n.of === members && n.unplaced < n.of;
};

/**
 * Volcano's word on a gang of `members`, from its PodGroup and member pods (undefined PodGroup: it
 * is gone). Taken: every member bound by Volcano itself (`schedulerName`) and the PodGroup Running.
 */
export function volcanoWord(pg: PodGroup | undefined, pods: readonly V1Pod[], group: string, members: number): GangWord {
  if (!pg) return { kind: 'unseen', text: `PodGroup ${group} is gone` };
  const phase = pg.status?.phase;
  const unschedulable = (pg.status?.conditions ?? []).find((c) => c.type === 'Unschedulable' && c.status === 'True');
  const bound = pods.filter((p) => p.spec?.nodeName);
  const others = bound.filter((p) => p.spec?.schedulerName !== VOLCANO_SCHEDULER);
  if (others.length) return { kind: 'generic', text: `${others.length} member(s) bound by another scheduler (${[...new Set(others.map((p) => p.spec?.schedulerName ?? 'default-scheduler'))].join(', ')}), not Volcano: a webhook rewrote schedulerName?` };
  if (pods.length && bound.length === pods.length) return phase === 'Running' ? { kind: 'taken', text: `PodGroup ${group} Running, every member bound by Volcano` } : { kind: 'generic', text: `every member bound, but PodGroup ${group} is ${phase ?? 'without a phase'}, not Running` };
  if (phase === 'Running') return { kind: 'taken', text: `PodGroup ${group} Running (${pg.status?.running ?? 0} running), ${bound.length} of ${pods.length} members bound` };
  if (unschedulable && heldAsGang(unschedulable.message ?? '', members)) return { kind: 'held', text: `PodGroup ${group} ${phase ?? ''}: "${unschedulable.message}"`.replace('  ', ' ') };
  const podWord = pods.map((p) => p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False')).find(Boolean);
  if (podWord && heldAsGang(podWord.message ?? '', members)) return { kind: 'held', text: `Volcano on the members: "${podWord.message}"` };
  if (unschedulable || podWord) return { kind: 'generic', text: `${(unschedulable ?? podWord)!.reason}: ${(unschedulable ?? podWord)!.message}${volcanoGangCount((unschedulable ?? podWord)!.message ?? '') ? ' (not a gang Volcano could partly place: nothing shows it held the gang as a gang)' : ''}` };
  return { kind: 'unseen', text: `Volcano never judged PodGroup ${group} (phase ${phase ?? 'none'}, no Unschedulable condition, no member judged): is vc-scheduler running under the name "${VOLCANO_SCHEDULER}"?` };
}

export const volcanoSolver: GangSolver = {
  name: 'volcano',
  title: 'Volcano (a PodGroup with minMember, scheduled by vc-scheduler)',
  detect: (c) => c.servedVersions(GROUP).some((v) => c.serves(`${GROUP}/${v}`, 'podgroups')),
  // A lone pod Volcano does not schedule proves nothing about Volcano: the control is a gang of one.
  controlThroughSolver: true,

  async prepare(s) {
    if (!s.cluster.serves(`${GROUP}/${VERSION}`, 'podgroups') || !s.cluster.serves(`${GROUP}/${VERSION}`, 'queues')) return { ok: false, detail: `Volcano does not serve PodGroups and Queues at ${GROUP}/${VERSION}`, remedy: 'install Volcano v1.x' };
    const queue = await s.get<KObject & { status?: { state?: string } }>({ apiVersion: `${GROUP}/${VERSION}`, kind: 'Queue', name: VOLCANO_QUEUE });
    if (!queue) return { ok: false, detail: `Volcano has no queue "${VOLCANO_QUEUE}"`, remedy: 'create the default queue, as Volcano installs it' };
    // Volcano's PodGroup webhook refuses a queue that is not Open.
    const state = queue.status?.state;
    if (state !== 'Open') return { ok: false, detail: `Volcano's queue "${VOLCANO_QUEUE}" is ${state ?? 'without a state (its controller has not run?)'}, not Open`, remedy: 'open the queue, and check vc-controller-manager' };
    return { ok: true, log: `Volcano queue "${VOLCANO_QUEUE}" Open` };
  },

  async submit(s, g) {
    const ref = { apiVersion: `${GROUP}/${VERSION}`, kind: 'PodGroup', name: g.group };
    const names = Array.from({ length: g.members }, (_, i) => `${g.group}-${i}`);
    const podGroup = () => s.get<PodGroup>(ref);
    const selector = `kaic.dev/gang=${g.group}`;
    const remove = async () => {
      for (const name of names) await s.remove({ apiVersion: 'v1', kind: 'Pod', name }, { wait: true });
      await s.remove(ref, { wait: true });
    };
    const evidence = async () => {
      const pg = await podGroup();
      return pg ? { [`${g.group}-podgroup.json`]: JSON.stringify({ spec: pg.spec, status: pg.status }, null, 2) } : {};
    };
    await s.apply({ apiVersion: ref.apiVersion, kind: 'PodGroup', metadata: { name: g.group }, spec: { minMember: g.members, queue: VOLCANO_QUEUE } });
    // Volcano's pod webhook refuses members of a PodGroup still Pending: its enqueue action must take
    // the group in first (Inqueue).
    const enqueued = await s.waitFor({ apiVersion: ref.apiVersion, kind: 'PodGroup', fieldSelector: `metadata.name=${g.group}` }, `PodGroup ${g.group} to leave Pending`, (m) => {
      const phase = ([...m.values()][0] as PodGroup | undefined)?.status?.phase;
      return phase && phase !== 'Pending' ? phase : undefined;
    }, { timeoutMs: 30_000 });
    const word = async (pods: readonly V1Pod[]) => volcanoWord(await podGroup(), pods.length ? pods : await s.list<V1Pod>({ apiVersion: 'v1', kind: 'Pod', labelSelector: selector }), g.group, g.members);
    if (!enqueued.ok) return { selector, notTaken: `Volcano's enqueue action kept PodGroup ${g.group} Pending for 30s (${enqueued.message}), so its members cannot be created`, word, evidence, remove };
    for (const name of names) {
      await s.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { 'kaic.dev/gang': g.group }, annotations: { [GROUP_ANNOTATION]: g.group } }, spec: { ...g.podSpec, schedulerName: VOLCANO_SCHEDULER } });
    }
    return {
      selector,
      async word(pods) {
        // Volcano writes Running when its scheduling round ends, a moment after the binds.
        const first = await word(pods);
        if (first.kind !== 'generic' || !/not Running/.test(first.text)) return first;
        const settled = await s.poll(`PodGroup ${g.group} to be Running`, async () => ((await podGroup())?.status?.phase === 'Running' ? true : undefined), { intervalMs: 500, timeoutMs: 10_000 });
        return settled.ok ? word(pods) : first;
      },
      evidence,
      remove,
    };
  },
};
