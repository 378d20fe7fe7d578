/**
 * Check settings (`--set gang.window=20s`) as declared data: each check names its settings with a
 * parser, a default and a floor, so a typo or a zero window is a usage error before anything runs,
 * and `docs/checks.md` lists them from the same declarations.
 */
export interface Setting<T> {
  readonly kind: string;
  readonly description: string;
  readonly default?: string;
  /** The value, or a sentence saying what is wrong with it. */
  parse(raw: string): { ok: true; value: T } | { ok: false; error: string };
}

export type SettingsSpec = Readonly<Record<string, Setting<unknown>>>;
export type SettingsOf<S extends SettingsSpec> = { readonly [K in keyof S]: S[K] extends Setting<infer T> ? (S[K]['default'] extends string ? T : T | undefined) : never };

const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** `90s`, `10m`, `1h`, `1500ms` → milliseconds. */
export function parseDuration(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(s.trim());
  if (!m) return undefined;
  return Number(m[1]) * UNITS[m[2] as keyof typeof UNITS];
}

export function duration<D extends string | undefined>(opts: { description: string; default: D; min: string; max?: string }): Setting<number> & { default: D } {
  const min = parseDuration(opts.min)!;
  const max = opts.max ? parseDuration(opts.max)! : Infinity;
  return {
    kind: `duration (≥ ${opts.min}${opts.max ? `, ≤ ${opts.max}` : ''})`,
    description: opts.description,
    default: opts.default,
    parse(raw) {
      const ms = parseDuration(raw);
      if (ms === undefined) return { ok: false, error: `expected a duration such as 20s or 2m` };
      if (ms < min) return { ok: false, error: `must be at least ${opts.min}: a shorter window proves nothing` };
      if (ms > max) return { ok: false, error: `must be at most ${opts.max}` };
      return { ok: true, value: ms };
    },
  };
}

export function choice<const C extends string, D extends C | undefined>(opts: { description: string; values: readonly C[]; default: D }): Setting<C> & { default: D } {
  return {
    kind: opts.values.join(' | '),
    description: opts.description,
    default: opts.default,
    parse: (raw) => (opts.values.includes(raw as C) ? { ok: true, value: raw as C } : { ok: false, error: `expected one of ${opts.values.join(', ')}` }),
  };
}

export function text<D extends string | undefined>(opts: { description: string; default: D; pattern?: RegExp; example?: string }): Setting<string> & { default: D } {
  return {
    kind: opts.example ? `text, e.g. ${opts.example}` : 'text',
    description: opts.description,
    default: opts.default,
    parse: (raw) => (!raw.trim() ? { ok: false, error: 'must not be empty' } : opts.pattern && !opts.pattern.test(raw) ? { ok: false, error: `expected ${opts.example ?? opts.pattern.source}` } : { ok: true, value: raw }),
  };
}

export function integer<D extends string | undefined>(opts: { description: string; default: D; min: number; max: number }): Setting<number> & { default: D } {
  return {
    kind: `integer ${opts.min}..${opts.max}`,
    description: opts.description,
    default: opts.default,
    parse(raw) {
      const n = Number(raw);
      return Number.isInteger(n) && n >= opts.min && n <= opts.max ? { ok: true, value: n } : { ok: false, error: `expected a whole number from ${opts.min} to ${opts.max}` };
    },
  };
}

export class SettingError extends Error {}

/** Parses one check's settings from the run's `--set` map (its own keys only), defaults applied. */
export function resolveSettings<S extends SettingsSpec>(spec: S, raw: Readonly<Record<string, string>>): SettingsOf<S> {
  const out: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(spec)) {
    const value = raw[key] ?? setting.default;
    if (value === undefined) continue;
    const r = setting.parse(value);
    if (!r.ok) throw new SettingError(`--set ${key}=${value}: ${r.error}`);
    out[key] = r.value;
  }
  return out as SettingsOf<S>;
}
