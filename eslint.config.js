import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'data', 'coverage', 'test-results'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    // The two classic hook rules only. Version 7's 'recommended' preset also brings the React Compiler's
    // rules (refs, purity, set-state-in-effect, ...), which judge code written for a compiler this PWA
    // does not use; adopt them deliberately, not as a side effect of a lint upgrade.
    files: ['src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  {
    // The domain is shared by relay and PWA: it must stay free of I/O and platform imports.
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'node:*',
                'react',
                'react-*',
                'dexie',
                '@microsoft/*',
                '../../server/*',
                'better-sqlite3',
              ],
              message: 'src/domain is pure: no I/O or platform imports.',
            },
          ],
        },
      ],
    },
  },
  {
    // The protocol library knows nothing about tasks.
    files: ['server/src/signalr/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/domain/**', '../hub/*'],
              message: 'signalr/ is a protocol library with no domain imports.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['scripts/**', 'bench/**', 'tests/**'],
    rules: { 'no-console': 'off' },
  },
);
