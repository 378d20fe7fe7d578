import type { AcceleratorProfile } from './profiles/accelerators.js';

/**
 * The in-container probe: lists the accelerator's device files, the identities the runtime handed
 * the container (environment, identity files) and what the vendor tool prints, as marker lines
 * that kaic reads back from the container log.
 */
export function probeCommand(p: AcceleratorProfile): string[] {
  const files = p.deviceFiles.join(' ');
  const ids = (p.identityFiles ?? []).join(' ');
  // grep -E is POSIX ERE: a JavaScript non-capturing group `(?:` is a plain group there.
  const env = p.identityEnv ? `env | grep -E '${p.identityEnv.replace(/'/g, '').replace(/\(\?:/g, '(')}' | sed 's/^/KAIC_PROBE env: /'; ` : '';
  // A vendor tool that hangs (a GPU after an Xid error) must not keep the probe from finishing.
  const tool = p.tool ? `if command -v ${p.tool.split(' ')[0]} >/dev/null 2>&1; then T=; command -v timeout >/dev/null 2>&1 && T='timeout 20'; $T ${p.tool} 2>&1 | sed 's/^/KAIC_PROBE tool: /'; else echo 'KAIC_PROBE tool-absent'; fi; ` : '';
  const script = [
    files ? `for f in ${files}; do [ -e "$f" ] && echo "KAIC_PROBE device: $f"; done; ` : '',
    ids ? `for f in ${ids}; do [ -f "$f" ] && echo "KAIC_PROBE identity: $(cat "$f")"; done; ` : '',
    env,
    tool,
    `echo 'KAIC_PROBE done'; sleep 3600`,
  ].join('');
  return ['sh', '-c', script];
}

export interface ProbeResult {
  readonly done: boolean;
  readonly devices: readonly string[];
  /** Lines from the vendor tool (e.g. `GPU 0: NVIDIA H100 (UUID: GPU-...)`). */
  readonly tool: readonly string[];
  readonly toolAbsent: boolean;
  /** Device identities seen: UUIDs the tool printed, identities from the environment or identity files. */
  readonly identities: readonly string[];
}

export function parseProbe(log: string, p: AcceleratorProfile): ProbeResult {
  const lines = log.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('KAIC_PROBE'));
  const after = (prefix: string) => lines.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
  const devices = after('KAIC_PROBE device: ');
  const tool = after('KAIC_PROBE tool: ');
  const envRe = p.identityEnv ? new RegExp(p.identityEnv) : undefined;
  // A variable may list several devices (`KAIC_GPU_UUIDS=GPU-a,GPU-b`).
  const fromEnv = envRe ? after('KAIC_PROBE env: ').flatMap((l) => envRe.exec(l)?.[1]?.split(',') ?? []).map((x) => x.trim()).filter(Boolean) : [];
  const ids = tool.flatMap((l) => [...l.matchAll(/\b(GPU-[0-9a-f-]{8,}|MIG-[0-9a-f-]{8,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b/gi)].map((m) => m[1]!));
  // With MIG, `nvidia-smi -L` prints the parent GPU above its MIG device: the leaf is the device.
  const fromTool = ids.some((x) => /^MIG-/i.test(x)) ? ids.filter((x) => !/^GPU-/i.test(x)) : ids;
  const identities = [...new Set([...fromTool, ...fromEnv, ...after('KAIC_PROBE identity: ').map((x) => x.trim()).filter(Boolean)])];
  return { done: lines.includes('KAIC_PROBE done'), devices, tool, toolAbsent: lines.includes('KAIC_PROBE tool-absent'), identities };
}

/** What a container saw, as one short phrase. */
export function seen(r: ProbeResult): string {
  const ids = r.identities.length ? ` (identities ${r.identities.join(', ')})` : '';
  return r.devices.length ? `${r.devices.length} device file(s): ${r.devices.join(', ')}${ids}` : `no device files${ids}`;
}

export const seesAny = (r: ProbeResult) => r.devices.length > 0 || r.identities.length > 0;
