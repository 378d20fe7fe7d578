import { defineCommand } from 'citty';
import { isInputError } from '../../run/errors.js';
import { listLeftovers, removeLeftovers } from '../../run/cleanup.js';
import { UsageError } from '../exit-codes.js';

export default defineCommand({
  meta: { name: 'cleanup', description: 'Remove what a killed run left behind (objects labelled kaic.dev/run)' },
  args: {
    run: { type: 'string', description: 'The run id to clean up' },
    all: { type: 'boolean', default: false, description: 'Every kaic run\'s leftovers' },
    'dry-run': { type: 'boolean', default: false, description: 'List, do not delete' },
    kubeconfig: { type: 'string', description: 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config)' },
    context: { type: 'string', description: 'kubeconfig context' },
  },
  async run({ args }) {
    if (!args.run && !args.all) throw new UsageError('cleanup: pass --run ID or --all');
    if (args.run && !/^[a-z0-9]{4,16}$/.test(args.run)) throw new UsageError(`cleanup: --run ${args.run} is not a kaic run id`);
    const conn = { kubeconfig: args.kubeconfig, context: args.context };
    const runId = args.all ? undefined : args.run;
    try {
      if (args['dry-run']) {
        const found = await listLeftovers(conn, runId);
        for (const f of found) process.stdout.write(`${f}\n`);
        process.stderr.write(`${found.length} object(s) labelled kaic.dev/run${runId ? `=${runId}` : ''}\n`);
        return 0;
      }
    } catch (e) {
      if (isInputError(e)) throw new UsageError(e.message);
      throw e;
    }
    const r = await removeLeftovers(conn, runId).catch((e: unknown) => {
      if (isInputError(e)) throw new UsageError(e.message);
      throw e;
    });
    for (const f of r.removed) process.stdout.write(`removed ${f}\n`);
    for (const f of r.left) process.stderr.write(`still present: ${f}\n`);
    process.stderr.write(`${r.removed.length} removed, ${r.left.length} left\n`);
    return r.left.length ? 1 : 0;
  },
});
