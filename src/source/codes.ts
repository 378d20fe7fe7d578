/**
 * Every diagnostic kaic can emit, with its default severity and a one-paragraph explanation.
 * docs/diagnostics.md is generated from this table (`npm run docs`), and a test keeps it in sync.
 * `cncf: true` marks rules the CNCF reviewers' validator also enforces (its rejection is certain).
 */
export const DIAGNOSTIC_CODES = {
  // input
  INPUT_UNREADABLE: { severity: 'error', cncf: true, doc: 'The file could not be read: it does not exist, is a directory without a PRODUCT.yaml, is binary, or exceeds the size limit.' },
  YAML_SYNTAX: { severity: 'error', cncf: true, doc: 'The file is not valid YAML (tabs used for indentation, duplicate keys, bad indentation, unterminated strings...). Nothing else is checked until it parses.' },
  VERSION_UNKNOWN: { severity: 'error', cncf: true, doc: 'The Kubernetes version could not be determined (no `vX.Y/` path segment and no `metadata.kubernetesVersion`), or no checklist exists for it.' },
  VERSION_MISMATCH: { severity: 'warning', cncf: false, doc: 'The version in the path (`vX.Y/`) and `metadata.kubernetesVersion` disagree. The path wins, as in the CNCF validator.' },
  CHECKLIST_DRIFT: { severity: 'warning', cncf: false, doc: 'The official checklist used disagrees with kaic\'s built-in catalog (an id or level differs). The checklist is authoritative; kaic may need an update.' },
  // metadata
  METADATA_MISSING: { severity: 'error', cncf: true, doc: 'The top-level `metadata` mapping is missing.' },
  METADATA_FIELD_MISSING: { severity: 'error', cncf: true, doc: 'A required metadata field is missing. Both camelCase (`platformName`) and snake_case (`platform_name`) keys are accepted.' },
  METADATA_FIELD_TYPE: { severity: 'error', cncf: true, doc: 'A metadata field is not a string (for example a list or a number).' },
  METADATA_FIELD_EMPTY: { severity: 'error', cncf: true, doc: 'A required metadata field is an empty string.' },
  METADATA_PLACEHOLDER: { severity: 'error', cncf: true, doc: 'A metadata field still holds a template placeholder such as `[Platform Name]`.' },
  K8S_CONFORMANCE_URL_FORMAT: { severity: 'error', cncf: true, doc: '`k8sConformanceUrl` must be `https://github.com/cncf/k8s-conformance/tree/(master|main)/vX.Y/<name>`.' },
  LOGO_FORMAT: { severity: 'error', cncf: true, doc: '`productLogoUrl` must link to an `.svg`, `.eps` or `.ai` file.' },
  URL_UNREACHABLE: { severity: 'error', cncf: true, doc: 'An http(s) URL in metadata or evidence answered 4xx/5xx (429 is tolerated) or could not be fetched. Checked with HEAD, then GET. Skipped with `--offline`.' },
  METADATA_URL_SCHEME: { severity: 'warning', cncf: false, doc: 'A metadata field whose name ends in `Url` does not start with http(s), so nobody (not even the CNCF validator) checks that it resolves.' },
  CONTACT_EMAIL_FORMAT: { severity: 'warning', cncf: false, doc: '`contactEmailAddress` does not look like an e-mail address.' },
  // spec structure
  SPEC_MISSING: { severity: 'error', cncf: true, doc: 'The top-level `spec` mapping is missing.' },
  SPEC_TYPE: { severity: 'error', cncf: true, doc: 'A part of `spec` has the wrong type: a category must be a list of requirements, each a mapping with string `id`, `description`, `level`, `status`, `notes` and a list of strings as `evidence`.' },
  CATEGORY_MISSING: { severity: 'error', cncf: true, doc: 'A category of the checklist is missing from `spec`.' },
  REQUIREMENT_MISSING: { severity: 'error', cncf: true, doc: 'A requirement id of the checklist is missing from its category.' },
  REQUIREMENT_DUPLICATE: { severity: 'error', cncf: false, doc: 'The same requirement id appears twice in a category; the CNCF validator silently keeps the last one.' },
  REQUIREMENT_UNKNOWN: { severity: 'warning', cncf: false, doc: 'A requirement id (or category) that the checklist for this version does not have. Reviewers ignore it.' },
  LEVEL_CHANGED: { severity: 'error', cncf: false, doc: 'The `level` of a requirement differs from the official checklist. The reviewers judge by the checklist\'s level; a changed level misleads every reader of the file.' },
  DESCRIPTION_CHANGED: { severity: 'warning', cncf: false, doc: 'The `description` differs from the official checklist text (whitespace ignored). Usually a copy from an older template; `kaic upgrade` fixes it.' },
  // status
  STATUS_INVALID: { severity: 'error', cncf: true, doc: 'The status is not one of `Implemented`, `Not Implemented`, `Partially Implemented`, `N/A`. A SHOULD with empty status and no evidence is skipped, as in the CNCF validator.' },
  MUST_NOT_IMPLEMENTED: { severity: 'error', cncf: true, doc: 'A MUST requirement is not `Implemented`. The CNCF validator rejects `N/A` for a MUST too: where a MUST is conditional ("if the platform provides ..."), vendors answer `Implemented` and say in the notes that the condition does not apply and why.' },
  MUST_STATUS_EMPTY: { severity: 'error', cncf: true, doc: 'A MUST requirement has no status at all; it must be `Implemented`.' },
  NA_WITHOUT_NOTES: { severity: 'error', cncf: true, doc: 'A requirement marked `N/A` has no notes explaining why.' },
  // evidence
  EVIDENCE_FILE_MISSING: { severity: 'error', cncf: true, doc: 'A `file://` or relative evidence path does not exist relative to the PRODUCT.yaml\'s folder (a `file://vX.Y/<dir>/` prefix is resolved against the submission root).' },
  EVIDENCE_PATH_ESCAPE: { severity: 'error', cncf: false, doc: 'A local evidence path leaves the submission folder (`../`, an absolute path): it will not be part of the pull request.' },
  ARTIFACT_UNPARSEABLE: { severity: 'error', cncf: false, doc: 'An evidence file named `junit.xml`, `results.json` or `e2e.log` is not in a format kaic recognises (JUnit XML; `go test -json` events; `go test -v` or Ginkgo text).' },
  ARTIFACT_TEST_FAILED: { severity: 'error', cncf: false, doc: 'A test artifact cited as evidence reports a failing (or skipped) test for this requirement.' },
  ARTIFACT_TEST_MISSING: { severity: 'error', cncf: false, doc: 'A test artifact cited as evidence has no test for this requirement (the `#TestName` fragment, or the requirement\'s known test names).' },
  // anti-patterns (warnings)
  EVIDENCE_EMPTY_STRING: { severity: 'warning', cncf: false, doc: 'An evidence entry is an empty string. The CNCF validator skips it silently, so it proves nothing.' },
  EVIDENCE_NONE: { severity: 'warning', cncf: false, doc: 'A requirement is `Implemented` or `Partially Implemented` without any evidence.' },
  EVIDENCE_PLACEHOLDER: { severity: 'warning', cncf: false, doc: 'An evidence entry looks like a placeholder (`[...]`, `TODO`, `TBD`, `example.com`).' },
  NOTES_CONTRADICT_STATUS: { severity: 'warning', cncf: false, doc: 'The status says `Implemented` but the notes say otherwise ("not supported", "disabled by default", "not available", "planned", ...).' },
  DEVICE_PLUGIN_AS_DRA: { severity: 'warning', cncf: false, doc: '`dra_support` is backed by a device plugin (extended resources such as `nvidia.com/gpu`), which is not Dynamic Resource Allocation.' },
  MUST_DOCS_ONLY: { severity: 'warning', cncf: false, doc: 'A MUST is backed only by product documentation: no test procedure, log, committed file or test artifact shows the behaviour working.' },
  DRA_V133_IMPLEMENTED: { severity: 'warning', cncf: false, doc: '`dra_support` is `Implemented` on v1.33, where only the beta DRA API (`resource.k8s.io/v1beta1`) existed and was off by default.' },
  VENDOR_NOT_CNCF_MEMBER: { severity: 'error', cncf: true, doc: '`vendorName` does not exactly match a CNCF member in the CNCF landscape. Checked only online.' },
  NETWORK_CHECK_FAILED: { severity: 'warning', cncf: false, doc: 'An online check could not be completed (for example the CNCF landscape could not be fetched); the rule was not applied.' },
} as const satisfies Record<string, { severity: 'error' | 'warning'; cncf: boolean; doc: string }>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;
