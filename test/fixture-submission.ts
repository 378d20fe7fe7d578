import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument, type Document } from 'yaml';
import { CHECKLISTS, tmp } from './helpers.js';

/**
 * A complete, valid submission built from the official checklist (no network): every requirement
 * Implemented with a committed test log as evidence. Tests then break one thing at a time.
 */
export function validSubmission(version: string, edit: (doc: Document) => void = () => {}, files: Record<string, string> = {}): { file: string; dir: string } {
  const text = readFileSync(join(CHECKLISTS, `AIConformance-${version.slice(1)}.yaml`), 'utf8');
  const doc = parseDocument(text);
  const md = {
    kubernetesVersion: version,
    platformName: 'Acme Kubernetes',
    platformVersion: '2.4.1',
    vendorName: 'Acme Corp',
    websiteUrl: 'https://acme.test/',
    repoUrl: 'https://github.com/acme/acme-k8s',
    documentationUrl: 'https://docs.acme.test/',
    productLogoUrl: 'https://acme.test/logo.svg',
    description: 'A test platform.',
    contactEmailAddress: 'conformance@acme.test',
    k8sConformanceUrl: `https://github.com/cncf/k8s-conformance/tree/master/${version}/acme`,
  };
  doc.set('metadata', doc.createNode(md));
  const spec = doc.get('spec') as { items: { value: { items: { set: (k: string, v: unknown) => void }[] } }[] };
  for (const cat of spec.items) {
    for (const req of cat.value.items) {
      req.set('status', 'Implemented');
      req.set('evidence', doc.createNode(['evidence/procedure.log']));
      req.set('notes', 'Verified with the procedure in evidence/procedure.log.');
    }
  }
  edit(doc);
  const root = tmp();
  const dir = join(root, version, 'acme');
  mkdirSync(join(dir, 'evidence'), { recursive: true });
  writeFileSync(join(dir, 'evidence', 'procedure.log'), 'kubectl apply -f test.yaml\npod/test created\n');
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  const file = join(dir, 'PRODUCT.yaml');
  writeFileSync(file, doc.toString({ lineWidth: 0 }));
  return { file, dir };
}

/** Sets a field of the requirement with this id, wherever it sits. */
export function setReq(doc: Document, id: string, key: string, value: unknown): void {
  const spec = doc.get('spec') as { items: { value: { items: { get: (k: string) => unknown; set: (k: string, v: unknown) => void }[] } }[] };
  for (const cat of spec.items) for (const r of cat.value.items) if (r.get('id') === id) r.set(key, value === null ? null : doc.createNode(value));
}
