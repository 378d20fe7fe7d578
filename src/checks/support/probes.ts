import type { CheckScope } from '../api.js';
import { parseProbe, type ProbeResult } from '../probe.js';
import type { AcceleratorProfile } from '../profiles/accelerators.js';

/**
 * Waits for each probe pod to run, then for each named container's probe to finish, one pod at a
 * time: a pod that cannot start decides only the cases that need it. Results are keyed
 * `pod/container`; failures by pod, with the reason (waiting reason, or the probe's own timeout).
 */
export async function readProbes(s: CheckScope, profile: AcceleratorProfile, containers: Readonly<Record<string, readonly string[]>>, runTimeoutMs = 180_000) {
  const results = new Map<string, ProbeResult>();
  const failures = new Map<string, string>();
  for (const [name, ctrs] of Object.entries(containers)) {
    const running = await s.waitForPods([name], 'Running', runTimeoutMs);
    if (!running.ok) {
      failures.set(name, running.message);
      continue;
    }
    for (const ctr of ctrs) {
      const r = await s.poll(`the probe in ${name}/${ctr} to finish`, async () => {
        const p = parseProbe(await s.logs(name, ctr), profile);
        return p.done ? p : undefined;
      }, { intervalMs: 1000, timeoutMs: 60_000 });
      if (r.ok) results.set(`${name}/${ctr}`, r.value);
      else failures.set(name, r.message);
    }
  }
  return { results, failures };
}
