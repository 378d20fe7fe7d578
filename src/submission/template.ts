import { isMap, isSeq, parseDocument, YAMLMap, YAMLSeq, Scalar, type Document } from 'yaml';
import type { Checklist } from '../standard/checklist.js';
import { evidenceAdvice } from '../standard/evidence-forms.js';

const K8S_CONFORMANCE_PLACEHOLDER = (version: string) => `[URL to your k8s-conformance submission, e.g. https://github.com/cncf/k8s-conformance/tree/master/${version}/<product>]`;

/**
 * A fill-in PRODUCT.yaml for a version: the official checklist's own structure, ids, descriptions,
 * levels and comments, with the metadata placeholders the CNCF validator expects (k8sConformanceUrl
 * is added where an older template lacks it).
 */
export function renderTemplate(checklist: Checklist): string {
  if (!checklist.yaml) throw new Error('a template needs the official checklist text (not the catalog alone)');
  const doc = parseDocument(checklist.yaml.text);
  const md = doc.get('metadata');
  if (isMap(md) && !md.has('k8sConformanceUrl') && !md.has('k8s_conformance_url')) {
    md.set('k8sConformanceUrl', quoted(K8S_CONFORMANCE_PLACEHOLDER(checklist.version)));
  }
  // Say which evidence forms the reviewers' validator accepts for this version, once, above spec.
  const spec = doc.contents && isMap(doc.contents) ? doc.contents.items.find((p) => (p.key as Scalar | undefined)?.value === 'spec') : undefined;
  if (spec?.key && !String((spec.key as Scalar).commentBefore ?? '').includes('evidence:')) {
    const key = spec.key as Scalar;
    key.commentBefore = [key.commentBefore, ` evidence: ${evidenceAdvice(checklist.version).replace(/`/g, '')}`].filter(Boolean).join('\n');
  }
  return doc.toString({ lineWidth: 0 });
}

function quoted(v: string): Scalar {
  const s = new Scalar(v);
  s.type = Scalar.QUOTE_DOUBLE;
  return s;
}

export interface UpgradeResult {
  readonly text: string;
  readonly carried: string[];
  readonly added: string[];
  readonly removed: { id: string; status: string }[];
  readonly levelChanged: { id: string; from: string; to: string }[];
}

/**
 * Moves a PRODUCT.yaml to another version's checklist: metadata and every answer (status, evidence,
 * notes) carry over, new ids arrive empty, removed ids are listed, levels and descriptions follow the
 * target checklist. The user's comments and key order survive because the user's document is edited
 * in place rather than regenerated.
 */
export function upgradeDocument(userText: string, target: Checklist): UpgradeResult {
  if (!target.yaml) throw new Error('an upgrade needs the official checklist text');
  const doc = parseDocument(userText) as Document;
  const template = parseDocument(target.yaml.text);
  const result: UpgradeResult = { text: '', carried: [], added: [], removed: [], levelChanged: [] };

  let md = doc.get('metadata');
  if (!isMap(md)) {
    md = new YAMLMap();
    doc.set('metadata', md);
  }
  const meta = md as YAMLMap;
  const versionKey = meta.has('kubernetes_version') && !meta.has('kubernetesVersion') ? 'kubernetes_version' : 'kubernetesVersion';
  meta.set(versionKey, target.version);
  if (!meta.has('k8sConformanceUrl') && !meta.has('k8s_conformance_url')) meta.set('k8sConformanceUrl', quoted(K8S_CONFORMANCE_PLACEHOLDER(target.version)));

  // Index the user's requirement nodes by id, wherever they sit.
  const userSpec = doc.get('spec');
  const userNodes = new Map<string, YAMLMap>();
  if (isMap(userSpec)) {
    for (const pair of userSpec.items) {
      if (!isSeq(pair.value)) continue;
      for (const item of pair.value.items) if (isMap(item) && typeof item.get('id') === 'string' && !userNodes.has(item.get('id') as string)) userNodes.set(item.get('id') as string, item);
    }
  }
  const spec = isMap(userSpec) ? userSpec : new YAMLMap();
  if (!isMap(userSpec)) doc.set('spec', spec);
  const targetSpec = template.get('spec') as YAMLMap;
  const targetIds = new Set<string>();
  for (const pair of targetSpec.items) {
    const cat = String((pair.key as Scalar).value);
    const seq = new YAMLSeq();
    const existing = spec.get(cat, true);
    if (isSeq(existing)) {
      seq.commentBefore = existing.commentBefore;
      seq.comment = existing.comment;
    }
    for (const tItem of (pair.value as YAMLSeq).items as YAMLMap[]) {
      const id = tItem.get('id') as string;
      targetIds.add(id);
      const mine = userNodes.get(id);
      if (mine) {
        const oldLevel = String(mine.get('level') ?? '');
        const newLevel = String(tItem.get('level'));
        if (oldLevel !== newLevel) result.levelChanged.push({ id, from: oldLevel, to: newLevel });
        mine.set('description', tItem.get('description', true));
        mine.set('level', newLevel);
        seq.items.push(mine);
        result.carried.push(id);
      } else {
        seq.items.push(tItem);
        result.added.push(id);
      }
    }
    spec.set(cat, seq);
  }
  for (const [id, node] of userNodes) if (!targetIds.has(id)) result.removed.push({ id, status: String(node.get('status') ?? '') });
  for (const pair of [...spec.items]) {
    const cat = String((pair.key as Scalar).value);
    if (!targetSpec.has(cat)) spec.delete(cat);
  }
  // Keep the user's category order; categories new in the target go after theirs, in template order.
  return { ...result, text: doc.toString({ lineWidth: 0 }) };
}
