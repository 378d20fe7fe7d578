import { defineCommand } from 'citty';
import { formatGithub } from '../../source/format.js';
import { renderReviewMarkdown, reviewSubmission } from '../../submission/review.js';
import { exitCodeForValidation } from '../../submission/validate.js';
import { checklistArgs, oneOf } from '../common-args.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { emit } from '../io.js';

export default defineCommand({
  meta: { name: 'review', description: 'Review one submission for a pull request: validation, what each MUST rests on, and the diff against the vendor\'s previous certification' },
  args: {
    dir: { type: 'positional', description: 'The submission folder (vX.Y/<product>/) or its PRODUCT.yaml', required: true },
    format: { type: 'string', description: 'md | github (workflow annotations plus the Markdown as a step summary)', default: 'md' },
    output: { type: 'string', alias: 'o', description: 'File to write the Markdown to (default: stdout)' },
    strict: { type: 'boolean', description: 'Anti-pattern warnings become errors', default: false },
    ...checklistArgs,
  },
  async run({ args }) {
    const format = oneOf(args.format, ['md', 'github'] as const, '--format');
    const dir = args._[0] === undefined ? '' : String(args._[0]);
    if (!dir) throw new UsageError('review: give one submission folder');
    const r = await reviewSubmission(dir, { checklist: args.checklist, offline: args.offline, strict: args.strict });
    const md = renderReviewMarkdown(r, process.cwd());
    if (format === 'github') {
      for (const d of r.result.diagnostics) process.stdout.write(`${formatGithub(d)}\n`);
      for (const m of r.musts.filter((x) => x.support === 'docs only' || x.support === 'nothing')) process.stdout.write(`::notice file=${r.file},title=kaic review::${m.id} (MUST) rests on ${m.support}\n`);
      if (process.env.GITHUB_STEP_SUMMARY) emit(md, process.env.GITHUB_STEP_SUMMARY);
      else if (args.output) emit(md, args.output);
    } else emit(md, args.output);
    if (r.result.internalError) return EXIT.internal;
    return exitCodeForValidation([r.result]);
  },
});
