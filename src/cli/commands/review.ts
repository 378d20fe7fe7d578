import { defineCommand } from 'citty';
import { UsageError } from '../exit-codes.js';

export default defineCommand({
  meta: { name: 'review', description: 'Review one submission for a pull request: validation, what each MUST rests on, and the diff against the vendor\'s previous certification' },
  args: { dir: { type: 'positional', description: 'The submission folder (vX.Y/<product>/)', required: true } },
  async run() {
    throw new UsageError('review: not implemented yet');
  },
});
