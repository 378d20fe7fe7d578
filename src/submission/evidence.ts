import { isAbsolute, join, normalize, relative, resolve, sep, basename, dirname } from 'node:path';

export type EvidenceRef =
  | { kind: 'url'; url: string }
  | { kind: 'empty' }
  | { kind: 'file'; rel: string; abs: string; fragment?: string; escapes: boolean };

export const ARTIFACT_NAMES = ['junit.xml', 'results.json', 'e2e.log'] as const;
export type ArtifactName = (typeof ARTIFACT_NAMES)[number];

export const isArtifactName = (name: string): name is ArtifactName => (ARTIFACT_NAMES as readonly string[]).includes(name);

/**
 * How an evidence entry is read: an http(s) URL, or a path relative to the PRODUCT.yaml's folder
 * (with or without `file://`). `file://vX.Y/<dir>/...` is resolved against the submission root, the
 * way the conformance repository lays submissions out. A `#TestName` fragment is kept apart.
 */
export function resolveEvidence(entry: string, productFile: string): EvidenceRef {
  const link = entry.trim();
  if (!link) return { kind: 'empty' };
  if (/^https?:\/\//i.test(link)) return { kind: 'url', url: link };
  let rest = link.replace(/^file:\/\//i, '');
  let fragment: string | undefined;
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    fragment = rest.slice(hash + 1) || undefined;
    rest = rest.slice(0, hash);
  }
  const productDir = resolve(dirname(productFile));
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
  const escapes = escapesAbs || relToProduct.startsWith('..') || isAbsolute(relToProduct);
  return { kind: 'file', rel: rest, abs, ...(fragment ? { fragment } : {}), escapes };
}

export const artifactNameOf = (ref: EvidenceRef): ArtifactName | undefined =>
  ref.kind === 'file' && isArtifactName(basename(ref.abs)) ? (basename(ref.abs) as ArtifactName) : undefined;
