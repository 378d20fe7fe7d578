import { readFileSync, statSync } from 'node:fs';
import jsyaml from 'js-yaml';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { diagnostic, type Diagnostic, type Path, type Position } from './diagnostic.js';

/** Larger files are refused: no checklist or PRODUCT.yaml comes near this. */
export const MAX_YAML_BYTES = 2 * 1024 * 1024;

export interface YamlSource {
  readonly file: string;
  readonly text: string;
  /** The document as plain data. */
  readonly data: unknown;
  /** The positioned document (parsed on first use when the source was read in fast mode). */
  positions(): { doc: Document.Parsed; lines: LineCounter };
}

export interface ParseOptions {
  /**
   * Read the data with js-yaml (about ten times faster) and build the positioned document only if a
   * location is asked for. Any js-yaml error falls back to the full parse, for its located message.
   */
  readonly fast?: boolean;
}

export type Loaded<T> = { ok: true; value: T; warnings: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

const START: Position = { line: 1, col: 1 };

/** Reads and parses a YAML file, turning every problem into located diagnostics. */
export function readYamlFile(file: string, display = file, opts: ParseOptions = {}): Loaded<YamlSource> {
  const fail = (message: string, at: Position = START): Loaded<YamlSource> => ({
    ok: false,
    diagnostics: [diagnostic('INPUT_UNREADABLE', { file: display, ...at }, [], message)],
  });
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) return fail('is a directory (expected a YAML file)');
    size = st.size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fail(code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(e)})`);
  }
  if (size > MAX_YAML_BYTES) return fail(`file is ${(size / 1048576).toFixed(1)} MiB; the limit is ${MAX_YAML_BYTES / 1048576} MiB`);
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    return fail(`cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return parseYamlText(buf, display, opts);
}

/** Parses YAML from bytes or text; binary content and invalid UTF-8 are refused with a location. */
export function parseYamlText(input: Buffer | string, file: string, opts: ParseOptions = {}): Loaded<YamlSource> {
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    const nul = input.indexOf(0);
    if (nul >= 0) {
      return { ok: false, diagnostics: [diagnostic('INPUT_UNREADABLE', { file, ...offsetToPos(input.subarray(0, nul).toString('utf8'), nul) }, [], 'binary content (NUL byte); expected a YAML text file')] };
    }
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      return { ok: false, diagnostics: [diagnostic('INPUT_UNREADABLE', { file, ...START }, [], 'not valid UTF-8 text; expected a YAML text file')] };
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (opts.fast) {
    let data: unknown;
    let ok = true;
    try {
      data = jsyaml.load(text, { filename: file, schema: jsyaml.CORE_SCHEMA });
    } catch {
      ok = false;
    }
    if (ok && data !== null && data !== undefined) {
      let positioned: { doc: Document.Parsed; lines: LineCounter } | undefined;
      const body = text;
      return {
        ok: true,
        value: {
          file,
          text,
          data,
          positions: () => {
            if (!positioned) {
              const lc = new LineCounter();
              positioned = { doc: parseDocument(body, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, strict: true }), lines: lc };
            }
            return positioned;
          },
        },
        warnings: [],
      };
    }
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      diagnostics: doc.errors.map((err) => {
        const p = lines.linePos(err.pos[0]);
        const first = err.message.split('\n')[0] ?? err.message;
        return diagnostic('YAML_SYNTAX', { file, line: p.line, col: p.col }, [], `${first.replace(/ at line \d+, column \d+:?$/, '')} (${err.code})`);
      }),
    };
  }
  if (doc.contents === null || isScalar(doc.contents) && doc.contents.value === null) {
    return { ok: false, diagnostics: [diagnostic('INPUT_UNREADABLE', { file, ...START }, [], 'the document is empty')] };
  }
  const data = doc.toJS({ maxAliasCount: 100 }) as unknown;
  return { ok: true, value: { file, text, data, positions: () => ({ doc, lines }) }, warnings: [] };
}

function offsetToPos(prefix: string, _offset: number): Position {
  const parts = prefix.split('\n');
  return { line: parts.length, col: (parts.at(-1)?.length ?? 0) + 1 };
}

/**
 * The position of the node at `path`, or of its deepest existing ancestor (for a missing key, the
 * mapping that should hold it). For a mapping key, points at the key when `key` is true.
 */
export function locate(src: YamlSource, path: Path, opts: { key?: boolean } = {}): Position {
  const { doc, lines } = src.positions();
  let node: unknown = doc.contents;
  let best: Position = posOf(lines, node) ?? START;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? p.key.value : p.key) === seg);
      if (!pair) return best;
      const last = i === path.length - 1;
      const keyPos = posOf(lines, pair.key);
      if (last && opts.key && keyPos) return keyPos;
      node = pair.value;
      best = posOf(lines, node) ?? keyPos ?? best;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) return best;
      node = item;
      best = posOf(lines, node) ?? best;
    } else return best;
  }
  return best;
}

function posOf(lines: LineCounter, node: unknown): Position | undefined {
  const range = (node as Node | null)?.range;
  if (!range) return undefined;
  const p = lines.linePos(range[0]);
  return { line: p.line, col: p.col };
}
