import { CATEGORY_TITLES } from '../../standard/catalog.js';
import type { Rule, RuleContext } from './context.js';

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
/** The checklist's normalised descriptions, computed once per checklist, not once per submission. */
const normalised = new WeakMap<object, Map<string, string>>();
function officialText(checklist: RuleContext['checklist'], id: string, text: string): string {
  let m = normalised.get(checklist);
  if (!m) normalised.set(checklist, (m = new Map()));
  let v = m.get(id);
  if (v === undefined) m.set(id, (v = norm(text)));
  return v;
}

/** Every category and id of the checklist is present, once, with its official level and text. */
export const structureRule: Rule = (ctx) => {
  const { sub, checklist } = ctx;
  if (!sub.spec) {
    ctx.report('SPEC_MISSING', [], 'the `spec` section is missing');
    return;
  }
  const byCategory = new Map<string, typeof sub.requirements[number][]>();
  for (const r of sub.requirements) byCategory.set(r.category, [...(byCategory.get(r.category) ?? []), r]);
  for (const cat of checklist.categories) {
    if (!(cat.id in sub.spec)) {
      ctx.report('CATEGORY_MISSING', ['spec'], `category \`${cat.id}\` (${CATEGORY_TITLES[cat.id] ?? cat.id}) is missing; it holds ${cat.requirements.map((r) => r.id).join(', ')}`, { key: true });
      continue;
    }
    const have = byCategory.get(cat.id) ?? [];
    for (const want of cat.requirements) {
      const found = have.filter((r) => r.id === want.id);
      if (found.length === 0) {
        const elsewhere = sub.requirements.find((r) => r.id === want.id);
        const hint = elsewhere ? ` (it appears under \`${elsewhere.category}\` instead)` : '';
        ctx.report('REQUIREMENT_MISSING', ['spec', cat.id], `requirement \`${want.id}\` (${want.level}) is missing from \`${cat.id}\`${hint}`, { requirement: want.id });
      }
      for (const dup of found.slice(1)) ctx.report('REQUIREMENT_DUPLICATE', [...dup.path, 'id'], `\`${want.id}\` appears more than once in \`${cat.id}\``, { requirement: want.id });
    }
  }
  const known = new Set(checklist.categories.flatMap((c) => c.requirements.map((r) => `${c.id}/${r.id}`)));
  const knownCats = new Set(checklist.categories.map((c) => c.id));
  for (const cat of Object.keys(sub.spec)) {
    if (!knownCats.has(cat)) ctx.report('REQUIREMENT_UNKNOWN', ['spec', cat], `category \`${cat}\` is not in the ${ctx.version} checklist`, { key: true });
  }
  for (const r of sub.requirements) {
    if (knownCats.has(r.category) && !known.has(`${r.category}/${r.id}`) && !checklist.categories.some((c) => c.requirements.some((q) => q.id === r.id))) {
      ctx.report('REQUIREMENT_UNKNOWN', [...r.path, 'id'], `\`${r.id}\` is not a requirement of the ${ctx.version} checklist`, { requirement: r.id });
    }
  }
  for (const { req, want } of ctx.matched) {
    if (req.level !== want.level) {
      ctx.report('LEVEL_CHANGED', [...req.path, 'level'], `level is ${req.level ? `\`${req.level}\`` : 'empty'}; the ${ctx.version} checklist says ${want.level}`, { requirement: req.id });
    }
    if (want.description && req.description !== want.description && norm(req.description) !== officialText(ctx.checklist, want.id, want.description)) {
      ctx.report('DESCRIPTION_CHANGED', [...req.path, 'description'], 'description differs from the official checklist text', { requirement: req.id });
    }
  }
};
