import { z } from 'zod';
import { diagnostic, type Diagnostic, type Path } from '../source/diagnostic.js';
import { locate, type YamlSource } from '../source/yaml-file.js';
import { normalizeVersion } from '../standard/catalog.js';

/** One requirement entry of a PRODUCT.yaml, with YAML nulls read as the CNCF validator reads them. */
export interface SubmissionRequirement {
  readonly category: string;
  readonly index: number;
  readonly id: string;
  readonly description: string;
  readonly level: string;
  /** Undefined when the YAML holds a non-string (already reported as SPEC_TYPE). */
  readonly status: string | undefined;
  readonly evidence: readonly string[];
  readonly notes: string;
  /** Fields whose YAML value had the wrong type (reported as SPEC_TYPE; later rules leave them alone). */
  readonly typeErrors: readonly string[];
  readonly path: Path;
}

export interface Submission {
  readonly src: YamlSource;
  readonly file: string;
  /** From a `vX.Y/` path segment. */
  readonly pathVersion?: string;
  /** From metadata.kubernetesVersion (normalised). */
  readonly metaVersion?: string;
  readonly metadata?: Record<string, unknown>;
  readonly spec?: Record<string, unknown>;
  readonly requirements: readonly SubmissionRequirement[];
}

const nullableString = z.string().nullish();
const requirementSchema = z
  .object({
    id: z.string({ required_error: 'a requirement needs an id', invalid_type_error: 'id must be a string' }),
    description: nullableString,
    level: nullableString,
    status: z.string({ invalid_type_error: 'status must be a string such as "Implemented"' }).nullish(),
    evidence: z.array(z.string({ invalid_type_error: 'each evidence entry must be a string (a URL or a path)' }).nullable(), { invalid_type_error: 'evidence must be a list of strings' }).nullish(),
    notes: z.string({ invalid_type_error: 'notes must be a string' }).nullish(),
  })
  .passthrough();
const specSchema = z.record(z.array(requirementSchema, { invalid_type_error: 'a category must be a list of requirements' }).nullable());

export const VERSION_IN_PATH = /(?:^|[\\/])(v\d+\.\d+)[\\/]/;

/**
 * Reads the submission's shape. Type problems (a list where a string belongs, a number for a status)
 * become SPEC_TYPE diagnostics at the offending node; the well-typed parts are still returned.
 */
export function readSubmission(src: YamlSource): { submission: Submission; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const at = (path: Path) => ({ file: src.file, ...locate(src, path) });
  const root = src.data;
  const pathVersion = VERSION_IN_PATH.exec(src.file.replace(/\\/g, '/'))?.[1];
  if (!root || typeof root !== 'object' || Array.isArray(root)) {
    diagnostics.push(diagnostic('SPEC_TYPE', at([]), [], 'the document must be a mapping with `metadata` and `spec`'));
    return { submission: { src, file: src.file, pathVersion, requirements: [] }, diagnostics };
  }
  const r = root as Record<string, unknown>;
  let metadata: Record<string, unknown> | undefined;
  if (r.metadata !== undefined && r.metadata !== null) {
    if (typeof r.metadata === 'object' && !Array.isArray(r.metadata)) metadata = r.metadata as Record<string, unknown>;
    else diagnostics.push(diagnostic('SPEC_TYPE', at(['metadata']), ['metadata'], '`metadata` must be a mapping of fields'));
  }
  const rawVersion = metadata?.kubernetesVersion ?? metadata?.kubernetes_version;
  const metaVersion = typeof rawVersion === 'string' || typeof rawVersion === 'number' ? normalizeVersion(String(rawVersion)) : undefined;

  const requirements: SubmissionRequirement[] = [];
  let spec: Record<string, unknown> | undefined;
  if (r.spec !== undefined && r.spec !== null) {
    if (typeof r.spec !== 'object' || Array.isArray(r.spec)) {
      diagnostics.push(diagnostic('SPEC_TYPE', at(['spec']), ['spec'], '`spec` must be a mapping of categories'));
    } else {
      spec = r.spec as Record<string, unknown>;
      const parsed = specSchema.safeParse(spec);
      const badItems = new Set<string>();
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          const path: Path = ['spec', ...issue.path];
          badItems.add(issue.path.slice(0, 2).join('\u0000'));
          diagnostics.push(diagnostic('SPEC_TYPE', at(path), path, issue.code === 'invalid_type' && issue.received === 'undefined' ? issue.message : issue.message));
        }
      }
      for (const [category, list] of Object.entries(spec)) {
        if (!Array.isArray(list)) continue;
        list.forEach((item, index) => {
          if (badItems.has(`${category}\u0000${index}`) || badItems.has(category)) {
            // Keep what is readable so later rules still see the id (avoids a spurious "missing").
            const it = item as Record<string, unknown> | null;
            if (!it || typeof it !== 'object' || typeof it.id !== 'string') return;
          }
          const it = item as Record<string, unknown>;
          const str = (v: unknown) => (typeof v === 'string' ? v : '');
          requirements.push({
            category,
            index,
            id: it.id as string,
            description: str(it.description),
            level: str(it.level),
            status: typeof it.status === 'string' ? it.status : it.status == null ? '' : undefined,
            evidence: Array.isArray(it.evidence) ? it.evidence.filter((e): e is string => typeof e === 'string' || e === null).map((e) => e ?? '') : [],
            notes: str(it.notes),
            typeErrors: ['status', 'evidence', 'notes', 'description', 'level'].filter((k) => it[k] != null && (k === 'evidence' ? !Array.isArray(it[k]) || (it[k] as unknown[]).some((e) => e !== null && typeof e !== 'string') : typeof it[k] !== 'string')),
            path: ['spec', category, index],
          });
        });
      }
    }
  }
  return { submission: { src, file: src.file, pathVersion, metaVersion, metadata, spec, requirements }, diagnostics };
}
