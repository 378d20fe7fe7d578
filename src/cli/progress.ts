import type { ProgressEvent } from '../run/engine.js';

/**
 * Progress for people and machines: on a terminal a live line per requirement (state and elapsed
 * time), plain lines in CI or when piped, JSON lines with --output jsonl. Writes to stderr so stdout
 * stays clean for the summary.
 */
export function progressReporter(mode: 'text' | 'jsonl', ids: readonly string[], stream: NodeJS.WriteStream = process.stderr): { onEvent: (e: ProgressEvent) => void; stop: () => void } {
  if (mode === 'jsonl') {
    // A heartbeat every 5 s: a reader that went away (`| head`) is noticed by the next write (EPIPE),
    // and the run stops and cleans up instead of proving on for nobody.
    const beat = setInterval(() => process.stdout.write(`${JSON.stringify({ type: 'heartbeat', at: new Date().toISOString() })}\n`), 5000);
    beat.unref();
    return { onEvent: (e) => process.stdout.write(`${JSON.stringify({ ...e, at: new Date(e.at).toISOString() })}\n`), stop: () => clearInterval(beat) };
  }
  const live = stream.isTTY && !process.env.CI;
  const state = new Map<string, { status: string; started?: number; ended?: number; cases: number }>(ids.map((id) => [id, { status: 'waiting', cases: 0 }]));
  const width = Math.max(...ids.map((i) => i.length), 10);
  const line = (id: string) => {
    const s = state.get(id)!;
    const secs = s.started ? `${(((s.ended ?? Date.now()) - s.started) / 1000).toFixed(0)}s` : '';
    return `  ${id.padEnd(width)}  ${s.status.padEnd(9)} ${secs.padStart(5)}${s.cases ? `  ${s.cases} case(s)` : ''}`;
  };
  let drawn = 0;
  const draw = () => {
    if (!live) return;
    if (drawn) stream.write(`\x1b[${drawn}A`);
    for (const id of ids) stream.write(`\x1b[2K${line(id)}\n`);
    drawn = ids.length;
  };
  const timer = live ? setInterval(draw, 1000) : undefined;
  timer?.unref();
  return {
    onEvent(e) {
      const s = state.get(e.id);
      if (!s) return;
      if (e.type === 'check-start') {
        s.status = 'running';
        s.started = e.at;
        if (!live) stream.write(`${e.id}: running\n`);
      } else if (e.type === 'case') {
        s.cases++;
        if (!live) stream.write(`${e.id}: ${e.case} ${e.verdict.toUpperCase()}\n`);
      } else if (e.type === 'check-end') {
        s.status = e.verdict;
        s.ended = e.at;
        if (!live) stream.write(`${e.id}: ${e.verdict} (${e.seconds.toFixed(1)}s)\n`);
      } else if (e.type === 'cleanup' && e.leaked) {
        stream.write(`${e.id}: ${e.leaked} object(s) could not be removed\n`);
      }
      draw();
    },
    stop() {
      if (timer) clearInterval(timer);
      draw();
    },
  };
}
