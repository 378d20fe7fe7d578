/** One submission as the analysis sees it: plain data, produced by load.ts, consumed by analysis.ts. */
export interface RequirementRecord {
  readonly id: string;
  readonly category: string;
  readonly level: 'MUST' | 'SHOULD';
  /** As written, trimmed ('' when missing or blank). */
  readonly status: string;
  readonly evidence: readonly string[];
  readonly components: readonly string[];
}

export interface SubmissionRecord {
  /** Relative to the analysed folder, e.g. v1.35/aks/PRODUCT.yaml */
  readonly path: string;
  readonly version: string;
  /** The submission folder name, lower-cased: the same vendor across versions. */
  readonly key: string;
  readonly vendor: string;
  readonly platform: string;
  readonly requirements: readonly RequirementRecord[];
  readonly findings: readonly { code: string; severity: 'error' | 'warning'; requirement?: string }[];
  /** Present when the file could not be read at all. */
  readonly unreadable?: string;
}
