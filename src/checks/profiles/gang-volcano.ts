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

/** Volcano's own reason for holding a gang: the gang's tasks counted against its minimum. */
export const volcanoGangReason = (message: string) => /tasks in gang unschedulable|pod group is not ready|job is not ready/i.test(message);

/** Volcano's word on a gang, from its PodGroup and member pods (undefined PodGroup: it is gone). */
export function volcanoWord(pg: PodGroup | undefined, pods: readonly V1Pod[], group: string): GangWord {
  if (!pg) return { kind: 'unseen', text: `PodGroup ${group} is gone` };
  const phase = pg.status?.phase;
  const unschedulable = (pg.status?.conditions ?? []).find((c) => c.type === 'Unschedulable' && c.status === 'True');
  const bound = pods.filter((p) => p.spec?.nodeName).length;
  if (pods.length && bound === pods.length) return { kind: 'taken', text: `PodGroup ${group} ${phase ?? 'without a phase'}, every member bound` };
  if (phase === 'Running') return { kind: 'taken', text: `PodGroup ${group} Running (${pg.status?.running ?? 0} running), ${bound} of ${pods.length} members bound` };
  if (unschedulable && volcanoGangReason(unschedulable.message ?? '')) return { kind: 'held', text: `PodGroup ${group} ${phase ?? ''}: "${unschedulable.message}"`.replace('  ', ' ') };
  const podWord = pods.map((p) => p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False')).find(Boolean);
  if (podWord && volcanoGangReason(podWord.message ?? '')) return { kind: 'held', text: `Volcano on the members: "${podWord.message}"` };
  if (unschedulable || podWord) return { kind: 'generic', text: `${(unschedulable ?? podWord)!.reason}: ${(unschedulable ?? podWord)!.message}` };
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
    const state = queue.status?.state;
    if (state && state !== 'Open') return { ok: false, detail: `Volcano's queue "${VOLCANO_QUEUE}" is ${state}`, remedy: 'open the queue' };
    return { ok: true, log: `Volcano queue "${VOLCANO_QUEUE}" ${state ?? '(no state yet)'}` };
  },

  async submit(s, g) {
    await s.apply({ apiVersion: `${GROUP}/${VERSION}`, kind: 'PodGroup', metadata: { name: g.group }, spec: { minMember: g.members, queue: VOLCANO_QUEUE } });
    const names = Array.from({ length: g.members }, (_, i) => `${g.group}-${i}`);
    for (const name of names) {
      await s.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { 'kaic.dev/gang': g.group }, annotations: { [GROUP_ANNOTATION]: g.group } }, spec: { ...g.podSpec, schedulerName: VOLCANO_SCHEDULER } });
    }
    const podGroup = () => s.get<PodGroup>({ apiVersion: `${GROUP}/${VERSION}`, kind: 'PodGroup', name: g.group });
    return {
      selector: `kaic.dev/gang=${g.group}`,
      async word(pods) {
        return volcanoWord(await podGroup(), pods.length ? pods : await s.list<V1Pod>({ apiVersion: 'v1', kind: 'Pod', labelSelector: `kaic.dev/gang=${g.group}` }), g.group);
      },
      async evidence() {
        const pg = await podGroup();
        return pg ? { [`${g.group}-podgroup.json`]: JSON.stringify({ spec: pg.spec, status: pg.status }, null, 2) } : {};
      },
      async remove() {
        for (const name of names) await s.remove({ apiVersion: 'v1', kind: 'Pod', name }, { wait: true });
        await s.remove({ apiVersion: `${GROUP}/${VERSION}`, kind: 'PodGroup', name: g.group }, { wait: true });
      },
    };
  },
};
