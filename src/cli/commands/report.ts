import { defineCommand } from 'citty';
import { renderReportHtml } from '../../report/html.js';
import { renderReportMarkdown } from '../../report/markdown.js';
import { buildReportModel } from '../../report/model.js';
import { formatText } from '../../source/format.js';
import { Validator } from '../../submission/validate.js';
import { checklistArgs, oneOf } from '../common-args.js';
import { UsageError } from '../exit-codes.js';
import { emit } from '../io.js';

export default defineCommand({
  meta: { name: 'report', description: 'Render a PRODUCT.yaml as a vendor report (Markdown or self-contained HTML), with its validation findings' },
  args: {
    file: { type: 'positional', required: true, description: 'PRODUCT.yaml' },
    format: { type: 'string', default: 'md', description: 'md | html' },
    output: { type: 'string', alias: 'o', description: 'File to write (default: stdout)' },
    version: { type: 'string', description: 'Override the version read from the path/metadata' },
    findings: { type: 'boolean', default: true, description: 'Include `kaic validate --offline` findings (--no-findings to omit)' },
    ...checklistArgs,
  },
  async run({ args }) {
    const format = oneOf(args.format, ['md', 'html'] as const, '--format');
    const file = String(args.file);
    const v = new Validator({ checklist: args.checklist, offline: true, version: args.version });
    const result = await v.validateFile(file);
    if (result.unreadable) throw new UsageError(formatText(result.diagnostics.find((d) => d.severity === 'error') ?? result.diagnostics[0]!));
    const loaded = await v.checklist(result.version!);
    if (!loaded.ok) throw new UsageError(formatText(loaded.diagnostics[0]!));
    const model = buildReportModel(result.submission!, loaded.value, args.findings ? result.diagnostics : undefined);
    emit(format === 'md' ? renderReportMarkdown(model) : renderReportHtml(model), args.output);
    return 0;
  },
});
