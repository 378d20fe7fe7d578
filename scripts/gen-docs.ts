import { writeFileSync } from 'node:fs';
import { renderDiagnosticsDoc } from '../src/source/diagnostics-doc.js';

writeFileSync(new URL('../docs/diagnostics.md', import.meta.url), renderDiagnosticsDoc());
console.log('wrote docs/diagnostics.md');
