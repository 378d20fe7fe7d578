import { after, before, type TestContext } from 'node:test';
import { nodeConfig, paths } from '../../localcluster/local-cluster.js';
import { setTwin, type RealNodeTwin } from '../../localcluster/real-node.js';
import { runSuite } from '../../src/run/suite.js';
import { realNodeCluster, type RealNodeCluster } from './local-cluster.js';
import { checklist, leftovers } from './run-helpers.js';

type Run = Awaited<ReturnType<typeof runSuite>>;

/**
 * One check's tests on the real node: the shared cluster for the file, a run of that check alone,
 * its cases' verdicts and outcomes, and sabotaged twins that are undone when the test ends.
 */
export function realNodeCheck(id: string, opts: { accelerator?: string; version?: string } = {}) {
  let cluster: RealNodeCluster | undefined;
  before(async () => {
    cluster = await realNodeCluster();
  });
  after(() => cluster?.release());
  const current = () => {
    if (!cluster) throw new Error('the real-node cluster is not up');
    return cluster;
  };
  const kubeconfig = () => paths(current().name).kubeconfig;
  const restoreAfter = (t: TestContext) => {
    const cfg = nodeConfig(current().name);
    t.after(() => setTwin(cfg, {}));
  };
  return {
    get cluster() {
      return current();
    },
    kubeconfig,
    run: async (settings: Record<string, string> = {}) => runSuite({ checklist: await checklist(opts.version ?? 'v1.37'), kubeconfig: kubeconfig(), only: [id], ...(opts.accelerator ? { accelerator: opts.accelerator } : {}), settings }),
    cases: (r: Run) => Object.fromEntries(r.checks[0]!.cases.map((c) => [c.name, c.outcome.verdict])),
    text: (r: Run, name: string) => JSON.stringify(r.checks[0]!.cases.find((c) => c.name === name)!.outcome),
    /** Every case's outcome, for an assertion's message. */
    outcomes: (r: Run) => JSON.stringify(r.checks[0]!.cases.map((c) => [c.name, c.outcome]), null, 1),
    leftovers: (r: Run) => leftovers(kubeconfig(), r.runId),
    /** The correct setup restored when the test ends (for a test that breaks a component itself). */
    restoreAfter,
    /** Restarts the node's plugins as the twin; the correct setup is restored when the test ends. */
    twin: async (t: TestContext, twin: RealNodeTwin) => {
      restoreAfter(t);
      await setTwin(nodeConfig(current().name), twin);
    },
  };
}
