/**
 * Whether an observed traffic split agrees with the weights a route asked for. A binomial
 * proportion with its Wilson score interval: the split agrees when the interval holds the expected
 * share, and it tells the expected weights apart from the two ways weights are commonly lost
 * (an even split, or everything to one backend) only when the interval excludes both.
 */

/** z for a two-sided 99.9% interval: a correct implementation fails this one run in a thousand. */
export const Z_999 = 3.2905;

export interface Interval {
  readonly low: number;
  readonly high: number;
}

/** The Wilson score interval for `k` successes in `n` trials. */
export function wilson(k: number, n: number, z = Z_999): Interval {
  if (n <= 0) return { low: 0, high: 1 };
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export type SplitVerdict =
  | { readonly verdict: 'agrees'; readonly share: number; readonly interval: Interval }
  | { readonly verdict: 'disagrees'; readonly share: number; readonly interval: Interval; /** The lost-weights pattern the split is consistent with, if any. */ readonly lookslike?: string }
  | { readonly verdict: 'inconclusive'; readonly share: number; readonly interval: Interval };

/**
 * `k` of `n` requests reached the backend whose weight share is `expected` (0.8 for 80/20).
 * `alternatives` are the shares a broken implementation would give (0.5 for weights ignored, 1 for
 * everything to the first backend); agreement needs the interval to exclude each of them.
 */
export function judgeSplit(k: number, n: number, expected: number, alternatives: readonly { share: number; name: string }[]): SplitVerdict {
  const interval = wilson(k, n);
  const share = n ? k / n : 0;
  const holds = (x: number) => interval.low - 1e-9 <= x && x <= interval.high + 1e-9;
  if (!holds(expected)) {
    const like = alternatives.find((a) => holds(a.share));
    return { verdict: 'disagrees', share, interval, ...(like ? { lookslike: like.name } : {}) };
  }
  if (alternatives.some((a) => holds(a.share))) return { verdict: 'inconclusive', share, interval };
  return { verdict: 'agrees', share, interval };
}

/** The smallest number of requests for which an exact split at `expected` excludes every alternative. */
export function requestsNeeded(expected: number, alternatives: readonly number[]): number {
  for (let n = 10; n <= 100_000; n += 10) {
    const i = wilson(Math.round(expected * n), n);
    if (alternatives.every((a) => a < i.low - 1e-9 || a > i.high + 1e-9)) return n;
  }
  return 100_000;
}

export const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
