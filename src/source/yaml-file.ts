import { statSync } from 'node:fs';
import jsyaml from 'js-yaml';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { diagnostic, type Diagnostic, type Path, type Position } from './diagnostic.js';
import { readRegularFile } from './read-file.js';

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
  try {
    if (statSync(file).isDirectory()) return fail('is a directory (expected a YAML file)');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fail(code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(e)})`);
  }
  const read = readRegularFile(file, MAX_YAML_BYTES, 'the limit for YAML files');
  if (!read.ok) return fail(read.message);
  return parseYamlText(read.bytes, display, opts);
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
  // Anchors go through the full parser, which bounds what aliases expand to (js-yaml does not).
  if (opts.fast && !ANCHOR.test(text)) {
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
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true });
  } catch (e) {
    // The parser recurses; input nested deep enough to exhaust the stack is refused, not a crash.
    if (e instanceof RangeError) return { ok: false, diagnostics: [diagnostic('YAML_SYNTAX', { file, ...START }, [], `nested too deeply to parse (more than ${MAX_YAML_DEPTH} levels)`)] };
    throw e;
  }
  if (doc.errors.length > 0) {
    // One mistake (a tab, a bad indent) makes the parser report dozens of follow-on errors: the
    // first is the real one, and the only one worth reading (the Go parser also stops there).
    const err = doc.errors[0]!;
    const p = lines.linePos(err.pos[0]);
    const first = err.message.split('\n')[0] ?? err.message;
    const more = doc.errors.length > 1 ? `; fix it first, ${doc.errors.length - 1} later parse error${doc.errors.length === 2 ? '' : 's'} may follow from it` : '';
    return { ok: false, diagnostics: [diagnostic('YAML_SYNTAX', { file, line: p.line, col: p.col }, [], `${first.replace(/ at line \d+, column \d+:?$/, '')} (${err.code})${more}`)] };
  }
  if (doc.contents === null || isScalar(doc.contents) && doc.contents.value === null) {
    return { ok: false, diagnostics: [diagnostic('INPUT_UNREADABLE', { file, ...START }, [], 'the document is empty')] };
  }
  const shape = measure(doc);
  if (shape.problem) {
    const p = shape.at !== undefined ? lines.linePos(shape.at) : START;
    return { ok: false, diagnostics: [diagnostic('YAML_SYNTAX', { file, line: p.line, col: p.col }, [], shape.problem)] };
  }
  // Aliases resolve to shared objects, so reading them costs nothing; `measure` already bounded
  // what a consumer walking the data would see, which is the real defence against alias bombs.
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: -1 }) as unknown;
  } catch (e) {
    // Alias problems `measure` did not foresee surface here: bad input, reported at the start.
    if (e instanceof ReferenceError || e instanceof RangeError) return { ok: false, diagnostics: [diagnostic('YAML_SYNTAX', { file, ...START }, [], e.message)] };
    throw e;
  }
  return { ok: true, value: { file, text, data, positions: () => ({ doc, lines }) }, warnings: [] };
}

/** An anchor (`&name`) anywhere a node can start. URLs with `?a=1&b=2` do not match. */
const ANCHOR = /(?:^|[\s[{,:-])&[^\s]/m;

/**
 * Bounds on a parsed document. The reviewers' Go parser reads files with any number of aliases
 * (yaml's default limit of 100 rejected real submissions), so the count is free; what is bounded is
 * the size of the data once aliases are expanded, its depth, and self-containing anchors.
 */
export const MAX_EXPANDED_NODES = 200_000;
export const MAX_YAML_DEPTH = 200;

function measure(doc: Document.Parsed): { problem?: string; at?: number } {
  const size = new Map<unknown, number>();
  const open = new Set<unknown>();
  let problem: string | undefined;
  let at: number | undefined;
  const visit = (node: unknown, depth: number): number => {
    if (problem) return 0;
    if (depth > MAX_YAML_DEPTH) {
      problem = `nested deeper than ${MAX_YAML_DEPTH} levels (kaic's limit)`;
      at = (node as Node).range?.[0];
      return 0;
    }
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) {
        problem = `alias *${node.source} has no anchor &${node.source} before it`;
        at = node.range?.[0];
        return 0;
      }
      if (open.has(target)) {
        problem = `alias *${node.source} refers to a node that contains it (a recursive structure)`;
        at = node.range?.[0];
        return 0;
      }
      return visit(target, depth);
    }
    const known = size.get(node);
    if (known !== undefined) return known;
    let n = 1;
    open.add(node);
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isMap(pair.key) || isSeq(pair.key)) {
          problem = 'a mapping key is itself a list or mapping (`? [a]: b`); keys must be plain values';
          at = (pair.key as Node).range?.[0];
          return 0;
        }
        n += visit(pair.key, depth + 1) + visit(pair.value, depth + 1);
      }
    }
    else if (isSeq(node)) for (const item of node.items) n += visit(item, depth + 1);
    open.delete(node);
    size.set(node, n);
    if (n > MAX_EXPANDED_NODES && !problem) {
      problem = `aliases expand this document to more than ${MAX_EXPANDED_NODES.toLocaleString('en-US')} nodes (kaic's limit; a PRODUCT.yaml has a few hundred)`;
      at = (node as Node).range?.[0];
    }
    return n;
  };
  visit(doc.contents, 0);
  return { problem, at };
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
