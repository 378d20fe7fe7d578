import { spawn } from 'node:child_process';
import { openSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLUSTER_NAME, ClusterError, componentPids, isAlive, paths } from './local-cluster.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Stops one component of the local cluster (e.g. kube-apiserver), keeps it down for `downMs`, then
 * starts it again with the same command line, working folder and log, and records its new pid so
 * `cluster:down` still finds it. For fault tests: a real outage, connections refused.
 */
export async function restartComponent(component: string, downMs: number, name = CLUSTER_NAME): Promise<{ downAt: number; upAt: number }> {
  const pid = componentPids(name).get(component);
  if (!pid || !isAlive(pid)) throw new ClusterError(`${component} is not running in cluster ${name}`);
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  const cwd = readlinkSync(`/proc/${pid}/cwd`);
  const log = join(paths(name).logs, `${component}.log`);
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(100);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  const downAt = Date.now();
  await sleep(downMs);
  const fd = openSync(log, 'a');
  const child = spawn(argv[0]!, argv.slice(1), { cwd, detached: true, stdio: ['ignore', fd, fd] });
  child.unref();
  writeFileSync(join(paths(name).clusterDir, 'pids', `${component}.pid`), String(child.pid));
  return { downAt, upAt: Date.now() };
}
