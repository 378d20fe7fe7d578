/** One sample of the Prometheus text exposition format. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * Parses the Prometheus text format (0.0.4; OpenMetrics text is a superset for what is read here):
 * comments and blank lines skipped, label values unescaped, NaN and ±Inf read. At most `maxSamples`
 * samples, so a runaway exporter cannot exhaust memory. A malformed line is an error naming it
 * (returned, not thrown: checks never catch).
 */
export function readExposition(text: string, maxSamples = 500_000): { samples: Sample[] } | { error: string } {
  const out: Sample[] = [];
  let lineNo = 0;
  for (const raw of text.split('\n')) {
    lineNo++;
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (out.length >= maxSamples) return { error: `more than ${maxSamples} samples` };
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
    if (!m) return { error: `line ${lineNo}: no metric name: ${line.slice(0, 80)}` };
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
        if (!k || line[i + k[0].length] !== '=' || line[i + k[0].length + 1] !== '"') return { error: `line ${lineNo}: malformed label at column ${i + 1}: ${line.slice(0, 80)}` };
        i += k[0].length + 2;
        let v = '';
        for (;;) {
          const ch = line[i];
          if (ch === undefined) return { error: `line ${lineNo}: unterminated label value` };
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
    const rest = line.slice(i).trim().split(/\s+/);
    const valueText = rest[0] ?? '';
    const value = /^[+-]?Inf$/i.test(valueText) ? (valueText.startsWith('-') ? -Infinity : Infinity) : /^NaN$/i.test(valueText) ? NaN : Number(valueText);
    if (valueText === '' || (Number.isNaN(value) && !/^NaN$/i.test(valueText))) return { error: `line ${lineNo}: no value: ${line.slice(0, 80)}` };
    out.push({ name, labels, value });
  }
  return { samples: out };
}
