import { readHead } from '../../source/read-file.js';
import { resolveEvidence } from '../evidence.js';
import type { Rule } from './context.js';

/** What kaic writes into every artifact of a run on simulated nodes or devices. */
const MARKERS = [/<property name="kaic\.simulated" value="true"/, /^SIMULATED: /m, /"Output":"SIMULATED: /];

/**
 * kaic's own results from simulated nodes (the demo, the local cluster) read as a full answer, but
 * prove kaic, not the platform: cited as evidence they are refused. Reads only each file's head.
 */
export const simulatedEvidenceRule: Rule = (ctx) => {
  for (const { req } of ctx.matched) {
    req.evidence.forEach((entry, i) => {
      const ref = resolveEvidence(entry, ctx.sub.file);
      if (ref.kind !== 'file' || ref.escapes) return;
      const head = readHead(ref.abs, 64 * 1024);
      if (!head) return;
      const text = head.bytes.toString('utf8');
      if (MARKERS.some((m) => m.test(text))) ctx.report('EVIDENCE_SIMULATED', [...req.path, 'evidence', i], `\`${entry}\` was produced on simulated nodes or devices (kaic marks it SIMULATED): it is not evidence for a submission; run kaic against the real platform`, { requirement: req.id });
    });
  }
};
