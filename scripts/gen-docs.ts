import { writeFileSync } from 'node:fs';
import { renderChecksDoc } from '../src/checks/checks-doc.js';
import { renderDiagnosticsDoc } from '../src/source/diagnostics-doc.js';

writeFileSync(new URL('../docs/diagnostics.md', import.meta.url), renderDiagnosticsDoc());
writeFileSync(new URL('../docs/checks.md', import.meta.url), renderChecksDoc());
console.log('wrote docs/diagnostics.md, docs/checks.md');
