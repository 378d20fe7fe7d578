import { existsSync } from 'node:fs';
import { isAbsolute, join, normalize, relative, resolve, sep, basename, dirname } from 'node:path';

export type EvidenceRef =
  | { kind: 'url'; url: string }
  | { kind: 'empty' }
  | { kind: 'file'; rel: string; abs: string; /** A test name (`file://…#TestX`). */ fragment?: string; /** An anchor into the file (`README.md#setup`). */ anchor?: string; escapes: boolean; productDir: string };

export const ARTIFACT_NAMES = ['junit.xml', 'results.json', 'e2e.log'] as const;
export type ArtifactName = (typeof ARTIFACT_NAMES)[number];

export const isArtifactName = (name: string): name is ArtifactName => (ARTIFACT_NAMES as readonly string[]).includes(name);

/**
 * How an evidence entry is read: an http(s) URL, or a path relative to the PRODUCT.yaml's folder
 * (with or without `file://`). `file://vX.Y/<dir>/...` is resolved against the submission root, the
 * way the conformance repository lays submissions out.
 *
 * `#fragment` (docs/decisions/0005-validate-hardening.md), as the reviewers' validator reads it:
 * - after `file://`, the fragment names a test in the cited report (`file://results.json#TestX`);
 * - on a plain path, `#` is part of the file name, unless only the name without it exists; then the
 *   fragment is an anchor into the file (`README.md#setup`), not a test name.
 */
export function resolveEvidence(entry: string, productFile: string): EvidenceRef {
  const link = entry.trim();
  if (!link) return { kind: 'empty' };
  if (/^https?:\/\//i.test(link)) return { kind: 'url', url: link };
  const isFileUrl = /^file:\/\//i.test(link);
  const productDir = resolve(dirname(productFile));
  const locate = (rest: string) => {
    let base = productDir;
    const m = /^(v\d+\.\d+)\/([^/]+)\//.exec(rest);
    if (m) {
      // `v1.37/acme/e2e.log` written from the repository root: resolve against the folder above vX.Y.
      const parts = productDir.split(sep);
      const vi = parts.lastIndexOf(m[1]!);
      if (vi >= 0) base = parts.slice(0, vi).join(sep) || sep;
    }
    const escapesAbs = isAbsolute(rest);
    const abs = escapesAbs ? normalize(rest) : resolve(join(base, rest));
    const relToProduct = relative(productDir, abs);
    return { abs, escapes: escapesAbs || relToProduct.startsWith('..') || isAbsolute(relToProduct) };
  };
  const rest = link.replace(/^file:\/\//i, '');
  const hash = rest.indexOf('#');
  if (hash < 0) return { kind: 'file', rel: rest, ...locate(rest), productDir };
  const path = rest.slice(0, hash);
  const fragment = rest.slice(hash + 1) || undefined;
  if (!isFileUrl) {
    const whole = locate(rest);
    const bare = locate(path);
    // Only when the name without the fragment exists and the whole name does not is it an anchor.
    if (whole.escapes || existsSync(whole.abs) || bare.escapes || !existsSync(bare.abs)) return { kind: 'file', rel: rest, ...whole, productDir };
    return { kind: 'file', rel: path, ...bare, productDir, ...(fragment ? { anchor: fragment } : {}) };
  }
  return { kind: 'file', rel: path, ...locate(path), productDir, ...(fragment ? { fragment } : {}) };
}

export const artifactNameOf = (ref: EvidenceRef): ArtifactName | undefined =>
  ref.kind === 'file' && isArtifactName(basename(ref.abs)) ? (basename(ref.abs) as ArtifactName) : undefined;
