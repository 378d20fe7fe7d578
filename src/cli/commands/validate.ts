import { defineCommand } from 'citty';
import { formatGithub, formatText, summaryLine } from '../../source/format.js';
import { exitCodeForValidation, validatePaths } from '../../submission/validate.js';
import { checklistArgs, oneOf } from '../common-args.js';
import { UsageError } from '../exit-codes.js';

export default defineCommand({
  meta: { name: 'validate', description: 'Check PRODUCT.yaml files as the CNCF reviewers\' validator does, plus known anti-patterns' },
  args: {
    paths: { type: 'positional', description: 'PRODUCT.yaml files, submission folders, or trees of them', required: true },
    format: { type: 'string', description: 'text | json | github', default: 'text' },
    version: { type: 'string', description: 'Judge against this version instead of the one in the path/metadata' },
    quiet: { type: 'boolean', description: 'Errors only', default: false },
    ...checklistArgs,
  },
  async run({ args }) {
    const format = oneOf(args.format, ['text', 'json', 'github'] as const, '--format');
    const paths = args._.length ? args._.map(String) : [];
    if (paths.length === 0) throw new UsageError('validate: give at least one PRODUCT.yaml or folder');
    const results = await validatePaths(paths, { checklist: args.checklist, offline: args.offline, version: args.version });
    const all = results.flatMap((r) => r.diagnostics).filter((d) => !args.quiet || d.severity === 'error');
    if (format === 'json') {
      process.stdout.write(`${JSON.stringify({ files: results.map((r) => ({ file: r.file, version: r.version ?? null, checklist: r.checklistSource ?? null, diagnostics: r.diagnostics })) }, null, 2)}\n`);
    } else {
      const fmt = format === 'github' ? formatGithub : formatText;
      for (const d of all) process.stdout.write(`${fmt(d)}\n`);
      process.stderr.write(`${summaryLine(all, results.length)}\n`);
    }
    return exitCodeForValidation(results);
  },
});
