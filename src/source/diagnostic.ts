import { DIAGNOSTIC_CODES, type DiagnosticCode } from './codes.js';

export type Severity = 'error' | 'warning';
export type Path = readonly (string | number)[];

/** A finding with its location. Parsers and validators return these; they never throw for bad input. */
export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly path: Path;
  readonly message: string;
  /** The requirement id the finding concerns, when there is one. */
  readonly requirement?: string;
}

export interface Position { readonly line: number; readonly col: number }

export function diagnostic(
  code: DiagnosticCode,
  where: { file: string } & Position,
  path: Path,
  message: string,
  extra: { requirement?: string; severity?: Severity } = {},
): Diagnostic {
  const d: Diagnostic = {
    code,
    severity: extra.severity ?? DIAGNOSTIC_CODES[code].severity,
    file: where.file,
    line: where.line,
    col: where.col,
    path,
    message,
    ...(extra.requirement ? { requirement: extra.requirement } : {}),
  };
  return d;
}

/** `metadata.platformName`, `spec.security[0].status` */
export function dotPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.code.localeCompare(b.code);
}


/**
 * A diagnostic whose line and column are computed on first read: a whole-corpus analysis rolls
 * findings up by rule and never pays for positions it does not show. (Getters on a class prototype:
 * far cheaper than defining properties on every object; toJSON keeps serialisation whole.)
 */
class LazyDiagnostic {
  private pos?: Position;
  readonly severity: Severity;
  readonly requirement?: string;
  constructor(
    readonly code: DiagnosticCode,
    readonly file: string,
    private readonly where: () => Position,
    readonly path: Path,
    readonly message: string,
    requirement?: string,
  ) {
    this.severity = DIAGNOSTIC_CODES[code].severity;
    if (requirement) this.requirement = requirement;
  }
  get line(): number {
    return (this.pos ??= this.where()).line;
  }
  get col(): number {
    return (this.pos ??= this.where()).col;
  }
  toJSON(): Diagnostic {
    return { code: this.code, severity: this.severity, file: this.file, line: this.line, col: this.col, path: this.path, message: this.message, ...(this.requirement ? { requirement: this.requirement } : {}) };
  }
}

export function lazyDiagnostic(code: DiagnosticCode, file: string, where: () => Position, path: Path, message: string, extra: { requirement?: string } = {}): Diagnostic {
  return new LazyDiagnostic(code, file, where, path, message, extra.requirement);
}
