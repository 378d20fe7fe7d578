// npm run cluster:up [-- --real-nodes 0|1] [--with kueue] [--name NAME] | cluster:down [--name NAME] | cluster:status [--name NAME]
import { AddOnError } from '../localcluster/addons.js';
import { ClusterError, CLUSTER_NAME, down, parseAddOns, status, up } from '../localcluster/local-cluster.js';

const [cmd, ...rest] = process.argv.slice(2);
const log = (s: string) => process.stderr.write(`cluster: ${s}\n`);
function flag(name: string): string | undefined {
  const i = rest.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  return rest[i]!.includes('=') ? rest[i]!.slice(rest[i]!.indexOf('=') + 1) : rest[i + 1];
}
try {
  const name = flag('name') ?? CLUSTER_NAME;
  const rn = flag('real-nodes');
  if (rn !== undefined && rn !== '0' && rn !== '1') throw new ClusterError(`--real-nodes ${rn}: expected 0 or 1`);
  if (cmd === 'up') {
    const addOns = parseAddOns(flag('with') ?? '');
    const r = await up({ log, name, with: addOns, ...(rn !== undefined ? { realNodes: Number(rn) as 0 | 1 } : {}) });
    const real = r.realNodes ? `, ${r.realNodes} real node (containers run there)` : '';
    console.log(`${r.reused ? 'reused the running' : 'started a'} local cluster in ${r.seconds.toFixed(1)}s: ${r.nodes} nodes (${r.gpuNodes} with 8 simulated GPUs${real}), API ${r.server}`);
    if (addOns.length) console.log(`add-ons: ${addOns.join(', ')}`);
    console.log(`kubeconfig: ${r.kubeconfig}`);
  } else if (cmd === 'down') {
    console.log(down(name).removed ? 'local cluster stopped and removed' : 'no local cluster to stop');
  } else if (cmd === 'status') {
    const s = status(name);
    console.log(`${s.running ? 'running' : 'not running'} (kubeconfig: ${s.kubeconfig})\n${s.detail}`);
    process.exitCode = s.running ? 0 : 1;
  } else {
    console.error('usage: cluster.ts up [--real-nodes 0|1] [--with ADD-ON,...] [--name NAME] | down [--name NAME] | status [--name NAME]');
    process.exitCode = 2;
  }
} catch (e) {
  if (e instanceof ClusterError || e instanceof AddOnError) {
    console.error(`cluster: ${e.message}`);
    process.exitCode = 1;
  } else throw e;
}
