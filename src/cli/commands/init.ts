import { defineCommand } from 'citty';
import { existsSync } from 'node:fs';
import { renderTemplate } from '../../submission/template.js';
import { checklistArgs, versionArg } from '../common-args.js';
import { UsageError } from '../exit-codes.js';
import { emit } from '../io.js';
import { loadOrFail } from '../load.js';

export default defineCommand({
  meta: { name: 'init', description: 'Write a fill-in PRODUCT.yaml for a version' },
  args: { version: { type: 'string', description: 'e.g. v1.37', required: true }, output: { type: 'string', alias: 'o', description: 'File to write (default: stdout)' }, force: { type: 'boolean', default: false, description: 'Overwrite an existing file' }, ...checklistArgs },
  async run({ args }) {
    const version = versionArg(args.version);
    if (args.output && existsSync(args.output) && !args.force) throw new UsageError(`${args.output} exists; pass --force to overwrite`);
    const c = await loadOrFail(version, { checklist: args.checklist, offline: args.offline });
    emit(renderTemplate(c), args.output);
    if (args.output) process.stderr.write(`wrote ${args.output} (${version}, ${c.categories.flatMap((x) => x.requirements).length} requirements)\n`);
    return 0;
  },
});
