/**
 * Kubernetes resource quantities (`3920m`, `64`, `512Gi`, `1e3`) as numbers of the base unit.
 * parseInt would read `3920m` CPU as 3920 CPUs; a gang sized from that can never fit and would
 * "prove" all-or-nothing on any scheduler.
 */
const SUFFIX: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

export function parseQuantity(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  if (typeof q === 'number') return q;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/.exec(q.trim());
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  return base * SUFFIX[m[3] ?? '']!;
}

/** A quantity for a request: whole units where possible, millis for fractional CPU. */
export function formatQuantity(n: number, resource: string): string {
  if (Number.isInteger(n)) return String(n);
  if (resource === 'cpu') return `${Math.floor(n * 1000)}m`;
  return String(Math.floor(n));
}
