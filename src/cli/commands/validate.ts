import { defineCommand } from 'citty';
import { formatGithub, formatText, summaryLine } from '../../source/format.js';
import { exitCodeForValidation, validatePaths } from '../../submission/validate.js';
import { checklistArgs, oneOf } from '../common-args.js';
import { EXIT, UsageError } from '../exit-codes.js';

export default defineCommand({
  meta: { name: 'validate', description: 'Check PRODUCT.yaml files as the CNCF reviewers\' validator does, plus known anti-patterns' },
  args: {
    paths: { type: 'positional', description: 'PRODUCT.yaml files, submission folders, or trees of them', required: false },
    format: { type: 'string', description: 'text | json | github', default: 'text' },
    version: { type: 'string', description: 'Judge against this version instead of the one in the path/metadata' },
    quiet: { type: 'boolean', description: 'Errors only', default: false },
    strict: { type: 'boolean', description: 'Anti-pattern warnings become errors (docs/diagnostics.md lists which)', default: false },
    changedSince: { type: 'string', description: 'Validate the submissions that changed since this git ref (as the reviewers\' CI does for a pull request)' },
    ...checklistArgs,
  },
  async run({ args }) {
    const format = oneOf(args.format, ['text', 'json', 'github'] as const, '--format');
    let paths = args._.length ? args._.map(String) : [];
    if (args.changedSince !== undefined) {
      const { changedSubmissions } = await import('../../submission/changed.js');
      const changed = changedSubmissions(String(args.changedSince), paths);
      if (!changed.ok) throw new UsageError(changed.message);
      if (changed.files.length === 0) {
        process.stderr.write(`no submission changed since ${args.changedSince}\n`);
        return EXIT.ok;
      }
      paths = changed.files;
    }
    if (paths.length === 0) throw new UsageError('validate: give at least one PRODUCT.yaml or folder (or --changed-since REF)');
    const results = await validatePaths(paths, { checklist: args.checklist, offline: args.offline, version: args.version, strict: args.strict });
    const all = results.flatMap((r) => r.diagnostics).filter((d) => !args.quiet || d.severity === 'error');
    if (format === 'json') {
      process.stdout.write(`${JSON.stringify({ files: results.map((r) => ({ file: r.file, version: r.version ?? null, checklist: r.checklistSource ?? null, diagnostics: r.diagnostics })) }, null, 2)}\n`);
    } else {
      const fmt = format === 'github' ? formatGithub : formatText;
      for (const d of all) process.stdout.write(`${fmt(d)}\n`);
      process.stderr.write(`${summaryLine(all, results.length)}\n`);
    }
    const bugs = results.filter((r) => r.internalError);
    if (bugs.length > 0) {
      const { debugMode } = await import('../main.js');
      for (const r of bugs) process.stderr.write(`kaic: internal error on ${r.file} (this is a kaic bug; please report it)${debugMode ? `\n${r.internalError!.stack ?? ''}` : ''}\n`);
      return EXIT.internal;
    }
    return exitCodeForValidation(results);
  },
});
