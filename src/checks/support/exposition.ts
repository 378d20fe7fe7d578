/** One sample of the Prometheus text exposition format. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A float as the text format writes one (no hex, no empty string): `1`, `-2.5e+09`, `NaN`, `+Inf`. */
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Parses the Prometheus text format (0.0.4; OpenMetrics text is a superset for what is read here):
 * comments and blank lines skipped, label values unescaped, NaN and ±Inf read. At most `maxSamples`
 * samples, so a runaway exporter cannot exhaust memory. A line kaic cannot read (a newer syntax, a
 * quoted UTF-8 name, garbage) is skipped and counted, with the first one's location: one odd line
 * does not void the rest of a scrape. Nothing is thrown: checks never catch.
 */
export function readExposition(text: string, maxSamples = 500_000): { samples: Sample[]; skipped: number; firstSkipped?: string } | { error: string } {
  const out: Sample[] = [];
  let skipped = 0;
  let firstSkipped: string | undefined;
  let lineNo = 0;
  for (const raw of text.split('\n')) {
    lineNo++;
    const r = readLine(raw.trim());
    if (r === undefined) continue;
    if ('error' in r) {
      skipped++;
      firstSkipped ??= `line ${lineNo}: ${r.error}: ${raw.trim().slice(0, 80)}`;
      continue;
    }
    if (out.length >= maxSamples) return { error: `more than ${maxSamples} samples` };
    out.push(r);
  }
  return { samples: out, skipped, ...(firstSkipped ? { firstSkipped } : {}) };
}

/** One line: a sample, nothing (a comment or a blank line), or what is wrong with it. */
function readLine(line: string): Sample | { error: string } | undefined {
  if (!line || line.startsWith('#')) return undefined;
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
  if (!m) return { error: 'no metric name' };
  const name = m[1]!;
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ' || line[i] === ',') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      const k = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i));
      if (!k || line[i + k[0].length] !== '=' || line[i + k[0].length + 1] !== '"') return { error: `malformed label at column ${i + 1}` };
      i += k[0].length + 2;
      let v = '';
      for (;;) {
        const ch = line[i];
        if (ch === undefined) return { error: 'unterminated label value' };
        if (ch === '\\') {
          const next = line[i + 1];
          v += next === 'n' ? '\n' : next ?? '';
          i += 2;
          continue;
        }
        i++;
        if (ch === '"') break;
        v += ch;
      }
      labels[k[0]] = v;
    }
  }
  const valueText = line.slice(i).trim().split(/\s+/)[0] ?? '';
  let value: number;
  if (/^[+]?Inf$/i.test(valueText)) value = Infinity;
  else if (/^-Inf$/i.test(valueText)) value = -Infinity;
  else if (/^NaN$/i.test(valueText)) value = NaN;
  else if (FLOAT.test(valueText)) value = Number(valueText);
  else return { error: 'no value' };
  return { name, labels, value };
}
