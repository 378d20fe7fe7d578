import { defineCommand } from 'citty';
import { statSync } from 'node:fs';
import { analyze } from '../../analyze/analysis.js';
import { loadSubmissions } from '../../analyze/load.js';
import { renderAnalysisHtml } from '../../analyze/render-html.js';
import { renderAnalysisMarkdown } from '../../analyze/render-md.js';
import { checklistArgs, oneOf } from '../common-args.js';
import { UsageError } from '../exit-codes.js';
import { emit } from '../io.js';

export default defineCommand({
  meta: { name: 'analyze', description: 'Cross-vendor analysis of a folder of submissions (Markdown, JSON, or an interactive HTML dashboard)' },
  args: {
    dir: { type: 'positional', required: true, description: 'Folder holding vX.Y/<vendor>/PRODUCT.yaml submissions' },
    format: { type: 'string', default: 'md', description: 'md | json | html' },
    output: { type: 'string', alias: 'o', description: 'File to write (default: stdout)' },
    ...checklistArgs,
  },
  async run({ args }) {
    const format = oneOf(args.format, ['md', 'json', 'html'] as const, '--format');
    const dir = String(args.dir);
    try {
      if (!statSync(dir).isDirectory()) throw new UsageError(`analyze: ${dir} is not a folder`);
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`analyze: ${dir}: no such folder`);
    }
    const records = await loadSubmissions(dir, { checklist: args.checklist, offline: args.offline });
    if (records.length === 0) throw new UsageError(`analyze: no PRODUCT.yaml below ${dir}`);
    const a = analyze(records);
    emit(format === 'md' ? renderAnalysisMarkdown(a) : format === 'json' ? JSON.stringify(a, null, 2) : renderAnalysisHtml(a), args.output);
    if (process.env.KAIC_REPORT_RSS) process.stderr.write(`maxRSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB\n`);
    return 0;
  },
});
