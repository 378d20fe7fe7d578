import type { Checklist } from './checklist.js';
import { requirements } from './checklist.js';
import type { Level } from './catalog.js';

export interface SpecDiff {
  readonly from: string;
  readonly to: string;
  readonly added: { id: string; category: string; level: Level }[];
  readonly removed: { id: string; category: string; level: Level }[];
  readonly levelChanged: { id: string; from: Level; to: Level }[];
  readonly descriptionChanged: string[];
  readonly moved: { id: string; from: string; to: string }[];
}

/** What changed between two versions of the standard. */
export function diffChecklists(a: Checklist, b: Checklist): SpecDiff {
  const ra = new Map(requirements(a).map((r) => [r.id, r]));
  const rb = new Map(requirements(b).map((r) => [r.id, r]));
  const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
  const diff: SpecDiff = { from: a.version, to: b.version, added: [], removed: [], levelChanged: [], descriptionChanged: [], moved: [] };
  for (const [id, r] of rb) {
    const old = ra.get(id);
    if (!old) diff.added.push({ id, category: r.category, level: r.level });
    else {
      if (old.level !== r.level) diff.levelChanged.push({ id, from: old.level, to: r.level });
      if (old.description && r.description && norm(old.description) !== norm(r.description)) diff.descriptionChanged.push(id);
      if (old.category !== r.category) diff.moved.push({ id, from: old.category, to: r.category });
    }
  }
  for (const [id, r] of ra) if (!rb.has(id)) diff.removed.push({ id, category: r.category, level: r.level });
  return diff;
}
