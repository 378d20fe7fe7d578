import { resolveEvidence } from '../evidence.js';
import type { Rule } from './context.js';

/** Words in notes that contradict an `Implemented` status. Conditional MUSTs ("does not provide a
 * cluster autoscaler") are worded that way on purpose and are deliberately not matched. */
const CONTRADICTION = /\b(not (?:yet )?(?:supported|implemented|available)|unsupported|disabled by default|no support for|on (?:the|our) roadmap|coming soon|planned for (?:a )?future|in a future release|work in progress)\b/i;
const PLACEHOLDER = /^\[.*\]$|^(todo|tbd|n\/a|none|-+)$|\bexample\.(com|org)\b/i;
const DEVICE_PLUGIN = /device[- ]plugin|nvidia\.com\/gpu|extended resource/i;
const DRA_TERMS = /resourceclaim|resourceslice|deviceclass|dra driver|resource\.k8s\.io/i;
/** Evidence that shows something running, not just product pages: logs, test files, scripts, repos. */
export const ARTIFACT_URL = /\.(log|xml|json|txt|md|sh|ya?ml|out|png|jpe?g|gif|svg)(?:[?#].*)?$|github\.com\/.+\/(?:blob|tree)\/|gist\.github|\/tests?\//i;

export const antiPatternRule: Rule = (ctx) => {
  for (const { req, want } of ctx.matched) {
    const id = req.id;
    const status = req.status ?? '';
    const filled = req.evidence.filter((e) => e.trim() !== '');
    const text = `${req.notes}\n${req.evidence.join('\n')}`;
    // A MUST answered Implemented with nothing behind it is an error (EVIDENCE_PROVES_NOTHING, evidence rule).
    const mustCovered = want.level === 'MUST' && status === 'Implemented';
    if ((status === 'Implemented' || status === 'Partially Implemented') && filled.length === 0 && !req.typeErrors.includes('evidence') && !mustCovered) {
      ctx.report('EVIDENCE_NONE', [...req.path, 'evidence'], `\`${id}\` is ${status} but cites no evidence`, { requirement: id });
    }
    req.evidence.forEach((e, i) => {
      if (e.trim() && PLACEHOLDER.test(e.trim())) ctx.report('EVIDENCE_PLACEHOLDER', [...req.path, 'evidence', i], `evidence \`${e}\` looks like a placeholder`, { requirement: id });
    });
    if (status === 'Implemented') {
      // Asides in parentheses ("MIG is not supported on T4") qualify, they do not contradict.
      const m = CONTRADICTION.exec(req.notes.replace(/\([^)]*\)/g, ''));
      if (m) ctx.report('NOTES_CONTRADICT_STATUS', [...req.path, 'notes'], `status is Implemented but the notes say "${m[0]}"`, { requirement: id });
    }
    if (id === 'dra_support' && status !== 'Not Implemented' && status !== 'N/A' && DEVICE_PLUGIN.test(text) && !DRA_TERMS.test(text)) {
      ctx.report('DEVICE_PLUGIN_AS_DRA', [...req.path, 'notes'], 'dra_support is described through a device plugin / extended resources, which is not DRA (no ResourceClaim, ResourceSlice or DeviceClass mentioned)', { requirement: id });
    }
    if (id === 'dra_support' && ctx.version === 'v1.33' && status === 'Implemented') {
      ctx.report('DRA_V133_IMPLEMENTED', [...req.path, 'status'], 'dra_support Implemented on v1.33, where only the beta API resource.k8s.io/v1beta1 existed (off by default): say which API version and feature gates are enabled', { requirement: id });
    }
    if (want.level === 'MUST' && status === 'Implemented' && filled.length > 0) {
      const refs = filled.map((e) => resolveEvidence(e, ctx.sub.file));
      const docsOnly = refs.every((r) => r.kind === 'url' && !ARTIFACT_URL.test(r.url));
      const procedureInNotes = /\bkubectl\s|\bhelm\s|\bgo test\b|```/.test(req.notes);
      if (docsOnly && !procedureInNotes) {
        ctx.report('MUST_DOCS_ONLY', [...req.path, 'evidence'], `\`${id}\` is a MUST backed only by product documentation: add a test procedure, log or artifact that shows it working`, { requirement: id });
      }
    }
  }
};
