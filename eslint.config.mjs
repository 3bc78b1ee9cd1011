import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'build-*/', 'node_modules/', 'coverage/', 'npm/'] },
  ...tseslint.configs.recommendedTypeChecked.map((config) => ({
    ...config,
    files: ['**/*.ts'],
  })),
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  // The examples are JavaScript that users copy. Their parameters are untyped, so the rules about
  // `any` would flag every line; the rest apply, with the Promise rules that need types, which
  // tsconfig.examples.json gives them (herdcache's own from dist/, as an installed package's).
  ...tseslint.configs.recommended.map((config) => ({ ...config, files: ['examples/**/*.mjs'] })),
  {
    files: ['examples/**/*.mjs'],
    languageOptions: {
      parserOptions: { project: './tsconfig.examples.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
)
