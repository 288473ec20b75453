import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdktf.out*/', 'ci-cdktf.out/', '.bench-tmp/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // The provider barrel costs ~2 s and ~500 MB per process: deep imports only.
      'no-restricted-imports': ['error', { paths: [{ name: '@cdktf/provider-aws', message: "Import the class by deep path, e.g. '@cdktf/provider-aws/lib/vpc'." }] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['**/*.js', '**/*.cjs'], languageOptions: { globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', __filename: 'readonly', process: 'readonly' } }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
