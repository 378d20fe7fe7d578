import { defineCommand } from 'citty';
import { CATALOG, CATEGORY_TITLES, KNOWN_VERSIONS } from '../../standard/catalog.js';
import { diffChecklists } from '../../standard/diff.js';
import { checklistArgs, oneOf, versionArg } from '../common-args.js';
import { loadOrFail } from '../load.js';

const list = defineCommand({
  meta: { name: 'list', description: 'Requirements per version: id, category, level (from kaic\'s catalog, or a checklist with --checklist)' },
  args: { version: { type: 'string', description: 'One version (default: all known versions as a matrix)' }, format: { type: 'string', default: 'text', description: 'text | json' }, ...checklistArgs },
  async run({ args }) {
    const format = oneOf(args.format, ['text', 'json'] as const, '--format');
    if (args.version) {
      const version = versionArg(args.version);
      const c = await loadOrFail(version, { checklist: args.checklist, offline: args.offline, catalogFallback: true });
      const rows = c.categories.flatMap((cat) => cat.requirements.map((r) => ({ id: r.id, category: cat.id, level: r.level })));
      if (format === 'json') process.stdout.write(`${JSON.stringify({ version, source: c.source, requirements: rows }, null, 2)}\n`);
      else {
        const must = rows.filter((r) => r.level === 'MUST').length;
        process.stdout.write(`${version}: ${rows.length} requirements (${must} MUST, ${rows.length - must} SHOULD) from ${c.source}\n`);
        for (const r of rows) process.stdout.write(`  ${r.level.padEnd(6)} ${r.id.padEnd(30)} ${CATEGORY_TITLES[r.category] ?? r.category}\n`);
      }
      return 0;
    }
    if (format === 'json') {
      process.stdout.write(`${JSON.stringify({ versions: KNOWN_VERSIONS, requirements: CATALOG.map((e) => ({ id: e.id, category: e.category, title: e.title, levels: e.levels })) }, null, 2)}\n`);
      return 0;
    }
    process.stdout.write(`${'id'.padEnd(30)} ${'category'.padEnd(24)} ${KNOWN_VERSIONS.map((v) => v.padEnd(7)).join('')}\n`);
    for (const e of CATALOG) process.stdout.write(`${e.id.padEnd(30)} ${e.category.padEnd(24)} ${KNOWN_VERSIONS.map((v) => (e.levels[v] ?? '–').padEnd(7)).join('')}\n`);
    return 0;
  },
});

const diff = defineCommand({
  meta: { name: 'diff', description: 'What changed between two versions: added, removed, level changes' },
  args: { from: { type: 'positional', required: true, description: 'e.g. v1.35' }, to: { type: 'positional', required: true, description: 'e.g. v1.36' }, format: { type: 'string', default: 'text', description: 'text | json' }, ...checklistArgs },
  async run({ args }) {
    const format = oneOf(args.format, ['text', 'json'] as const, '--format');
    const [a, b] = [versionArg(args.from, 'FROM'), versionArg(args.to, 'TO')];
    const ca = await loadOrFail(a, { checklist: args.checklist, offline: args.offline, catalogFallback: true });
    const cb = await loadOrFail(b, { checklist: args.checklist, offline: args.offline, catalogFallback: true });
    const d = diffChecklists(ca, cb);
    if (format === 'json') {
      process.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
      return 0;
    }
    const lines = [`${a} → ${b}`];
    for (const x of d.added) lines.push(`  + ${x.id} (${x.level}, ${x.category})`);
    for (const x of d.removed) lines.push(`  - ${x.id} (was ${x.level}, ${x.category})`);
    for (const x of d.levelChanged) lines.push(`  ~ ${x.id}: ${x.from} → ${x.to}`);
    for (const x of d.moved) lines.push(`  ~ ${x.id}: moved ${x.from} → ${x.to}`);
    for (const id of d.descriptionChanged) lines.push(`  ~ ${id}: description reworded`);
    if (lines.length === 1) lines.push('  no changes');
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
});

/**
 * One verb family for the standard itself: `kaic spec list | diff | checklist`. `kaic checklist`
 * stays as a shorthand for `kaic spec checklist`.
 */
export default defineCommand({ meta: { name: 'spec', description: 'The standard: list its requirements, diff two versions, render a checklist' }, subCommands: { list, diff, checklist: () => import('./checklist.js').then((m) => m.default) } });
