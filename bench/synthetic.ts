import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { findSubmissions } from '../src/analyze/load.js';

/**
 * A synthetic submissions tree of `n` PRODUCT.yaml files, made from the real corpus with each copy
 * changed (vendor and platform names, a few statuses and notes), so no two files are the same text.
 */
export function makeSyntheticTree(corpusSubmissions: string, n: number, dir: string): string {
  rmSync(dir, { recursive: true, force: true });
  const sources = findSubmissions(corpusSubmissions).map((f) => ({ rel: relative(corpusSubmissions, f), text: readFileSync(f, 'utf8') }));
  const statuses = ['Implemented', 'Partially Implemented', 'Not Implemented', 'N/A'];
  for (let i = 0; i < n; i++) {
    const src = sources[i % sources.length]!;
    const version = src.rel.split('/')[0]!;
    let k = 0;
    const text = src.text
      .replace(/(vendorName:\s*)(.*)/, `$1"Synthetic Vendor ${i}"`)
      .replace(/(platformName:\s*)(.*)/, `$1"Synthetic Platform ${i}"`)
      .replace(/status:\s*"?Implemented"?/g, (m) => (k++ % 7 === i % 7 ? `status: "${statuses[(i + k) % statuses.length]}"` : m))
      .replace(/notes:\s*"/, `notes: "run ${i}: `);
    const out = join(dir, version, `vendor-${i}`);
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'PRODUCT.yaml'), text);
  }
  return dir;
}
