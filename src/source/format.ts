import { dotPath, type Diagnostic } from './diagnostic.js';

/** One line per finding: `PRODUCT.yaml:42:7 error MUST_NOT_IMPLEMENTED spec.security[0].status: ...` */
export function formatText(d: Diagnostic): string {
  const where = d.path.length ? ` ${dotPath(d.path)}:` : '';
  return `${d.file}:${d.line}:${d.col} ${d.severity} ${d.code}${where} ${d.message}`;
}

/** GitHub Actions workflow command; `%`, CR and LF are escaped as the runner requires. */
export function formatGithub(d: Diagnostic): string {
  const esc = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const escProp = (s: string) => esc(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const level = d.severity === 'error' ? 'error' : 'warning';
  return `::${level} file=${escProp(d.file)},line=${d.line},col=${d.col},title=${escProp(d.code)}::${esc(d.message)}`;
}

export function summaryLine(ds: readonly Diagnostic[], files: number): string {
  const e = ds.filter((d) => d.severity === 'error').length;
  const w = ds.length - e;
  const plural = (n: number, s: string) => `${n} ${s}${n === 1 ? '' : 's'}`;
  return `${plural(files, 'file')} checked: ${plural(e, 'error')}, ${plural(w, 'warning')}`;
}
