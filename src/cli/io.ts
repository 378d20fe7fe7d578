import { writeAtomic } from '../output/atomic-write.js';

/** Output to `-o FILE` (atomically) or stdout. */
export function emit(text: string, out?: string): void {
  if (out && out !== '-') writeAtomic(out, text.endsWith('\n') ? text : `${text}\n`);
  else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
