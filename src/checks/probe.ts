import type { AcceleratorProfile } from './profiles/accelerators.js';

/**
 * The in-container probe: lists the accelerator's device files and runs the vendor tool where the
 * image has it, printing marker lines that kaic reads back from the container log.
 */
export function probeCommand(p: AcceleratorProfile): string[] {
  const globs = p.deviceGlobs.join(' ');
  const tool = p.tool ? `if command -v ${p.tool.split(' ')[0]} >/dev/null 2>&1; then ${p.tool} 2>&1 | sed 's/^/KAIC_PROBE tool: /'; else echo 'KAIC_PROBE tool-absent'; fi; ` : '';
  return ['sh', '-c', `for f in ${globs}; do [ -e "$f" ] && echo "KAIC_PROBE device: $f"; done; ${tool}echo 'KAIC_PROBE done'; sleep 3600`];
}

export interface ProbeResult {
  readonly done: boolean;
  readonly devices: readonly string[];
  /** Lines from the vendor tool (e.g. `GPU 0: NVIDIA H100 (UUID: GPU-...)`). */
  readonly tool: readonly string[];
  readonly toolAbsent: boolean;
  /** Device identities the tool printed (UUIDs), for comparing containers. */
  readonly identities: readonly string[];
}

export function parseProbe(log: string): ProbeResult {
  const lines = log.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('KAIC_PROBE'));
  const devices = lines.filter((l) => l.startsWith('KAIC_PROBE device: ')).map((l) => l.slice('KAIC_PROBE device: '.length));
  const tool = lines.filter((l) => l.startsWith('KAIC_PROBE tool: ')).map((l) => l.slice('KAIC_PROBE tool: '.length));
  const identities = tool.flatMap((l) => [...l.matchAll(/\b(GPU-[0-9a-f-]{8,}|MIG-[0-9a-f-]{8,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b/gi)].map((m) => m[1]!));
  return { done: lines.includes('KAIC_PROBE done'), devices, tool, toolAbsent: lines.includes('KAIC_PROBE tool-absent'), identities };
}

/** What a container saw, as one short phrase. */
export function seen(r: ProbeResult): string {
  const ids = r.identities.length ? ` (${r.identities.join(', ')})` : '';
  return r.devices.length ? `${r.devices.length} device file(s): ${r.devices.join(', ')}${ids}` : `no device files${ids}`;
}
