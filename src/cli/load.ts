import { formatText } from '../source/format.js';
import { catalogChecklist, loadChecklist, type Checklist } from '../standard/checklist.js';
import { UsageError } from './exit-codes.js';

/** Loads a checklist or throws a one-line usage error; drift warnings go to stderr. */
export async function loadOrFail(version: string, opts: { checklist?: string; offline?: boolean; catalogFallback?: boolean; needText?: boolean }): Promise<Checklist> {
  const r = await loadChecklist(version, opts);
  if (r.ok) {
    for (const w of r.warnings) process.stderr.write(`${formatText(w)}\n`);
    return r.value;
  }
  if (opts.catalogFallback && !opts.checklist) {
    const c = catalogChecklist(version);
    if (c) {
      process.stderr.write(`kaic: note: no official ${version} checklist available (${r.diagnostics[0]?.message}); using kaic's catalog (ids and levels, no descriptions)\n`);
      return c;
    }
  }
  const d = r.diagnostics[0]!;
  throw new UsageError(d.code === 'VERSION_UNKNOWN' ? d.message : formatText(d));
}
