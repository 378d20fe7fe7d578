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
