import { defineCommand } from 'citty';
import { renderChecklistHtml } from '../../report/html.js';
import { renderChecklistMarkdown } from '../../report/markdown.js';
import { checklistArgs, oneOf, versionArg } from '../common-args.js';
import { emit } from '../io.js';
import { loadOrFail } from '../load.js';

export default defineCommand({
  meta: { name: 'checklist', description: 'Render a version\'s checklist as Markdown or a self-contained HTML page (same as `kaic spec checklist`)' },
  args: { version: { type: 'string', required: true, description: 'e.g. v1.33' }, format: { type: 'string', default: 'md', description: 'md | html' }, output: { type: 'string', alias: 'o', description: 'File to write (default: stdout)' }, ...checklistArgs },
  async run({ args }) {
    const format = oneOf(args.format, ['md', 'html'] as const, '--format');
    const c = await loadOrFail(versionArg(args.version), { checklist: args.checklist, offline: args.offline, catalogFallback: true });
    emit(format === 'md' ? renderChecklistMarkdown(c) : renderChecklistHtml(c), args.output);
    return 0;
  },
});
