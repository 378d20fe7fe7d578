import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.kaic/**', 'out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      'no-regex-spaces': 'off',
    },
  },
  {
    // The CLI stays thin: it may not reach into cluster internals or the Kubernetes client.
    files: ['src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@kubernetes/*', '../../cluster/*', '../cluster/*'] }],
    },
  },
  // Layers (docs/decisions/0007-check-api.md): results is a leaf; checks see only the check API,
  // never the Kubernetes client or the engine; cluster knows nothing of checks, runs or reports;
  // renderers never reach into the engine. No folder imports one that imports it back.
  {
    files: ['src/results/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['../*', '!../results/*'], message: 'results is a leaf module' }] }] },
  },
  {
    files: ['src/checks/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [
        { group: ['@kubernetes/*'], allowTypeImports: true, message: 'checks get no client: use the scope' },
        { group: ['**/cluster/*', '**/run/*', '**/report/*', '**/cli/*', '**/submission/*', '**/analyze/*'], message: 'checks depend only on the check API, results, profiles and support' },
      ] }],
      // Checks never catch: every error that is not the expected behaviour's own timeout goes to the engine's classifier.
      'no-restricted-syntax': ['error', { selector: 'TryStatement', message: 'checks do not catch errors; the engine classifies them (interrupt, RBAC, API, image) so they never become FAIL' }, { selector: "CallExpression[callee.property.name='catch']", message: 'checks do not catch errors; the engine classifies them' }],
    },
  },
  {
    files: ['src/cluster/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/checks/*', '**/run/*', '**/report/*', '**/cli/*', '**/submission/*', '**/analyze/*'], message: 'cluster is the client layer: it knows nothing of checks, runs or reports' }] }] },
  },
  {
    files: ['src/report/**/*.ts', 'src/standard/**/*.ts', 'src/source/**/*.ts', 'src/artifacts/**/*.ts', 'src/submission/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: ['**/run/*', '**/cluster/*', '**/checks/*', '**/cli/*'], message: 'this layer is below the engine and the checks' }] }] },
  },
  {
    // Renderers and analyzers are pure: no clock, environment or I/O.
    files: ['src/report/**/*.ts', 'src/analyze/matrix.ts', 'src/analyze/render-*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['node:fs', 'node:fs/promises', 'node:child_process', 'node:process'] }],
      'no-restricted-globals': ['error', 'process'],
      // Timestamps arrive as data; a renderer may format one but never reads the clock.
      'no-restricted-properties': ['error', { object: 'Date', property: 'now' }],
      'no-restricted-syntax': ['error', { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'renderers are pure: pass the time in' }],
    },
  },
);
