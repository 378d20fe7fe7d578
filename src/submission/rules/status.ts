import type { Rule } from './context.js';

export const STATUSES = ['Implemented', 'Not Implemented', 'Partially Implemented', 'N/A'] as const;
export type Status = (typeof STATUSES)[number];

/** Status values, the MUST rule and N/A notes, judged by the checklist's level as the CNCF validator does. */
export const statusRule: Rule = (ctx) => {
  for (const { req, want } of ctx.matched) {
    if (req.status === undefined) continue; // wrong type, reported as SPEC_TYPE
    const path = [...req.path, 'status'];
    const id = req.id;
    if (want.level === 'SHOULD' && req.status === '' && req.evidence.length === 0) continue;
    if (want.level === 'MUST' && req.status === '') {
      ctx.report('MUST_STATUS_EMPTY', path, `\`${id}\` is a MUST and has no status; it must be Implemented`, { requirement: id });
      continue;
    }
    if (!(STATUSES as readonly string[]).includes(req.status)) {
      const close = STATUSES.find((s) => s.toLowerCase() === req.status!.trim().toLowerCase());
      const what = req.status === '' ? 'empty status with evidence given (a SHOULD may stay blank only when its evidence is empty too);' : `status \`${req.status}\` is not one of`;
      ctx.report('STATUS_INVALID', path, `${what} ${STATUSES.join(', ')}${close ? ` (did you mean \`${close}\`?)` : ''}`, { requirement: id });
    }
    if (want.level === 'MUST' && req.status !== 'Implemented') {
      const why =
        req.status === 'N/A'
          ? ': the reviewers\' validator rejects N/A for a MUST. Where the requirement is conditional ("if the platform provides ..."), answer Implemented and explain in the notes that the condition does not apply'
          : '';
      ctx.report('MUST_NOT_IMPLEMENTED', path, `\`${id}\` is a MUST but its status is \`${req.status}\`; it must be Implemented${why}`, { requirement: id });
    }
    if (req.status === 'N/A' && req.notes.trim() === '') ctx.report('NA_WITHOUT_NOTES', [...req.path, 'notes'], `\`${id}\` is N/A and needs notes saying why`, { requirement: id });
  }
};
