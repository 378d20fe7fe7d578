/**
 * Every diagnostic kaic can emit, with its default severity and a one-paragraph explanation.
 * docs/diagnostics.md is generated from this table (`npm run docs`), and a test keeps it in sync.
 * `cncf: true` marks rules the CNCF reviewers' validator also enforces (its rejection is certain).
 */
export const DIAGNOSTIC_CODES = {
  // input
  INPUT_UNREADABLE: { severity: 'error', cncf: true, doc: 'The file could not be read: it does not exist, is a directory without a PRODUCT.yaml, is not a regular file (a FIFO, a device such as `/dev/zero`, a socket: refused without reading), is binary or not UTF-8, or is larger than 2 MiB (the limit for YAML files; test reports cited as evidence may be up to 64 MiB).' },
  YAML_SYNTAX: { severity: 'error', cncf: true, doc: 'The file is not valid YAML (tabs used for indentation, duplicate keys, bad indentation, unterminated strings...). Only the first error is reported (the rest usually follow from it); nothing else is checked until it parses. Aliases are allowed in any number, but a document whose aliases expand to more than 200,000 nodes, that nests deeper than 200 levels, or whose anchor contains an alias to itself is refused.' },
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
  LOGO_FORMAT: { severity: 'warning', cncf: false, doc: '`productLogoUrl` does not end in `.svg`, `.eps` or `.ai`. The submission instructions ask for a vector logo but call the logo optional, and the reviewers\' validator does not check its format (certified submissions link PNGs), so this is advice, not a rejection.' },
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
  ARTIFACT_UNPARSEABLE: { severity: 'error', cncf: false, doc: 'A cited test report cannot be read. Reports are recognised by content, whatever the file is called (`junit_01.xml`, `results.txt`): JUnit XML, `go test -json` events, `go test -v` text, Ginkgo logs. A file named `junit.xml`, `results.json` or `e2e.log` must be one of them. Malformed XML, XML nested deeper than 64 levels and reports over 64 MiB are refused.' },
  ARTIFACT_TEST_FAILED: { severity: 'error', cncf: false, doc: 'A test report cited as evidence reports a failing or skipped test for this requirement, or a test that "passed" only because every one of its subtests skipped. A report without Go test names (a Ginkgo log, the e2e framework\'s `junit_01.xml`) fails this rule when it reports any failure.' },
  ARTIFACT_NOTHING_RAN: { severity: 'error', cncf: false, doc: 'A test report cited as evidence shows no test that ran: it is empty, or every test in it skipped (`Ran 0 of 7144 Specs`).' },
  ARTIFACT_TEST_FLAKY: { severity: 'warning', cncf: false, strict: true, doc: 'A cited test failed and later passed under the same name (a retry, `-count=N`, `gotestsum --rerun-fails`): the final pass hides a failure a reviewer should see.' },
  EVIDENCE_SIMULATED: { severity: 'error', cncf: false, doc: 'A cited test artifact says it was produced on simulated nodes or devices (`kaic run` against kwok nodes or the local cluster\'s simulated accelerators marks its JUnit `kaic.simulated` property and the first lines of `e2e.log` and `results.json`). It shows kaic\'s checks working, not the platform: run kaic against the real platform for submission evidence.' },
  ARTIFACT_TEST_MISSING: { severity: 'error', cncf: false, doc: 'A test artifact cited as evidence has no test for this requirement (the `#TestName` fragment, or the requirement\'s known test names).' },
  // anti-patterns (warnings)
  EVIDENCE_EMPTY_STRING: { severity: 'warning', cncf: false, strict: true, doc: 'An evidence entry is an empty string. The CNCF validator skips it silently, so it proves nothing.' },
  EVIDENCE_NONE: { severity: 'warning', cncf: false, strict: true, doc: 'A SHOULD is `Implemented` or `Partially Implemented` without any evidence (for a MUST this is `EVIDENCE_PROVES_NOTHING`).' },
  EVIDENCE_PROVES_NOTHING: { severity: 'error', cncf: false, doc: 'A MUST answered `Implemented` has no evidence that points at anything: `evidence: []`, only empty or whitespace strings, `.` or `./` (the submission folder), the PRODUCT.yaml itself, an empty folder or file, a missing file, a link leading out of the submission, or test reports in which the test did not run or pass. Both validators used to accept these.' },
  EVIDENCE_POINTS_NOWHERE: { severity: 'warning', cncf: false, strict: true, doc: 'One evidence entry points at nothing a reviewer can read: the submission folder itself (`.`), the PRODUCT.yaml, an empty folder or file, or something that is not a regular file.' },
  EVIDENCE_PLACEHOLDER: { severity: 'warning', cncf: false, strict: true, doc: 'An evidence entry looks like a placeholder (`[...]`, `TODO`, `TBD`, `example.com`).' },
  NOTES_CONTRADICT_STATUS: { severity: 'warning', cncf: false, strict: true, doc: 'The status says `Implemented` but the notes say otherwise ("not supported", "disabled by default", "not available", "planned", ...).' },
  DEVICE_PLUGIN_AS_DRA: { severity: 'warning', cncf: false, strict: true, doc: '`dra_support` is backed by a device plugin (extended resources such as `nvidia.com/gpu`), which is not Dynamic Resource Allocation.' },
  MUST_DOCS_ONLY: { severity: 'warning', cncf: false, strict: true, doc: 'A MUST is backed only by product documentation: no test procedure, log, committed file or test artifact shows the behaviour working.' },
  DRA_V133_IMPLEMENTED: { severity: 'warning', cncf: false, strict: true, doc: '`dra_support` is `Implemented` on v1.33, where only the beta DRA API (`resource.k8s.io/v1beta1`) existed and was off by default.' },
  VENDOR_NOT_CNCF_MEMBER: { severity: 'error', cncf: true, doc: '`vendorName` does not exactly match a CNCF member in the CNCF landscape. Checked only online.' },
  INTERNAL_ERROR: { severity: 'error', cncf: false, doc: 'kaic itself failed on this file (a bug in kaic, not in the submission). The other files are still checked; the run exits with code 70. Run again with `--debug` for the stack trace and report it.' },
  NETWORK_CHECK_FAILED: { severity: 'warning', cncf: false, doc: 'An online check could not be completed (for example the CNCF landscape could not be fetched); the rule was not applied.' },
} as const satisfies Record<string, { severity: 'error' | 'warning'; cncf: boolean; strict?: true; doc: string }>;

/** The anti-pattern warnings that `--strict` turns into errors. */
export const STRICT_CODES: ReadonlySet<DiagnosticCode> = new Set(
  (Object.entries(DIAGNOSTIC_CODES) as [DiagnosticCode, { strict?: true }][]).filter(([, d]) => d.strict).map(([c]) => c),
);

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;
