// @ts-check
// Lint (`npm run lint`, part of `npm test`): typescript-eslint's type-checked rules, exhaustive switches, and
// Prettier for layout (eslint-config-prettier turns off the rules that would fight it).
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.rapport/**', '.kafka/**', 'coverage/**', '*.cjs', '*.js', '*.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A new event type, command or rejection must be handled everywhere a switch names its cases.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // Adapters implement Promise-returning ports without always awaiting inside (the in-memory store, say).
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Prettier wraps code at 140; this catches what it leaves alone in the product (comments, strings, templates).
    // Benchmarks' table rows and the e2e suites' titles may run longer.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    rules: { 'max-len': ['error', { code: 140, ignoreUrls: true, ignoreRegExpLiterals: true }] },
  },
  {
    // Tests and benchmarks read HTTP bodies (supertest) and rows as `any` and assert on them; jest's matchers take methods.
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts', 'bench/**/*.ts', 'libs/event-store/src/testing/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
