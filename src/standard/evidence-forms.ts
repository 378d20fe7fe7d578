import { compareVersions } from './catalog.js';

/**
 * Which evidence forms the reviewers' validator accepts for a version, in one sentence for
 * checklists and templates: a `#TestName` fragment on a test report is parsed only from v1.37;
 * before that, a report is cited as a file and the test is named in the notes.
 */
export function evidenceAdvice(version: string): string {
  const parsed = compareVersions(version, 'v1.37') >= 0;
  return parsed
    ? 'URLs or committed files: test artifacts (`file://junit.xml#TestName`, `results.json`, `e2e.log`: the reviewers\' validator reads the named test), test procedures and logs, documentation'
    : 'URLs or committed files: test logs and reports (`file://e2e.log`; a `#TestName` fragment is read only from v1.37, so name the test in the notes), test procedures, documentation';
}
