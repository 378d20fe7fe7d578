#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm install` via the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('kaic: not built yet; run `npm install` (or `npm run build`) in the kaic checkout first\n');
  process.exit(2);
}
const { entry: run } = await import(entry.href);
await run();
