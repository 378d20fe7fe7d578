// npm run cluster:up | cluster:down | cluster:status
import { ClusterError, down, status, up } from '../localcluster/local-cluster.js';

const cmd = process.argv[2];
const log = (s: string) => process.stderr.write(`cluster: ${s}\n`);
try {
  if (cmd === 'up') {
    const r = await up({ log });
    console.log(`${r.reused ? 'reused the running' : 'started a'} local cluster in ${r.seconds.toFixed(1)}s: ${r.nodes} nodes (${r.gpuNodes} with 8 simulated GPUs), API ${r.server}`);
    console.log(`kubeconfig: ${r.kubeconfig}`);
  } else if (cmd === 'down') {
    console.log(down().removed ? 'local cluster stopped and removed' : 'no local cluster to stop');
  } else if (cmd === 'status') {
    const s = status();
    console.log(`${s.running ? 'running' : 'not running'} (kubeconfig: ${s.kubeconfig})\n${s.detail}`);
    process.exitCode = s.running ? 0 : 1;
  } else {
    console.error('usage: cluster.ts up|down|status');
    process.exitCode = 2;
  }
} catch (e) {
  if (e instanceof ClusterError) {
    console.error(`cluster: ${e.message}`);
    process.exitCode = 1;
  } else throw e;
}
