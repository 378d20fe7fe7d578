import { defineCommand } from 'citty';
import { readFileSync } from 'node:fs';
import { readYamlFile } from '../../source/yaml-file.js';
import { formatText } from '../../source/format.js';
import { upgradeDocument } from '../../submission/template.js';
import { checklistArgs, versionArg } from '../common-args.js';
import { UsageError } from '../exit-codes.js';
import { emit } from '../io.js';
import { loadOrFail } from '../load.js';

export default defineCommand({
  meta: { name: 'upgrade', description: 'Carry a PRODUCT.yaml to another version\'s checklist, keeping answers and comments' },
  args: {
    file: { type: 'positional', required: true, description: 'PRODUCT.yaml to upgrade' },
    to: { type: 'string', required: true, description: 'Target version, e.g. v1.37' },
    output: { type: 'string', alias: 'o', description: 'File to write (default: stdout)' },
    write: { type: 'boolean', default: false, description: 'Rewrite the input file in place' },
    ...checklistArgs,
  },
  async run({ args }) {
    const to = versionArg(args.to, '--to');
    const file = String(args.file);
    const src = readYamlFile(file);
    if (!src.ok) throw new UsageError(formatText(src.diagnostics[0]!));
    const c = await loadOrFail(to, { checklist: args.checklist, offline: args.offline });
    const r = upgradeDocument(readFileSync(file, 'utf8'), c);
    emit(r.text, args.write ? file : args.output);
    const say = (s: string) => process.stderr.write(`${s}\n`);
    say(`upgraded to ${to}: ${r.carried.length} answers carried over`);
    if (r.added.length) say(`  added (empty, fill in): ${r.added.join(', ')}`);
    for (const x of r.removed) say(`  removed (not in ${to}): ${x.id}${x.status ? ` (was ${x.status})` : ''}`);
    for (const x of r.levelChanged) say(`  level changed: ${x.id} ${x.from || '(none)'} → ${x.to}`);
    return 0;
  },
});
