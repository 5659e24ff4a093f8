import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'src/generated/', '.data/', 'test/artifacts/', 'public/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // The sandboxes are oracles written from the providers' docs: sharing a type or a validator with
    // the console's clients would copy a wrong guess into the stand-in instead of failing a test.
    files: ['src/sandbox/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          regex: '^(\\.\\./)+(sonlet|plugboard|inventory|routes)(/|$)',
          message: 'The sandboxes share no code with the console: write the wire shape or rule again from the reference.',
        }],
      }],
    },
  },
  {
    // Production code never depends on the stand-ins; only the process entry mounts them.
    files: ['src/**/*.ts'],
    ignores: ['src/sandbox/**', 'src/server.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ regex: '(^|/)sandbox(/|$)', message: 'Production code does not import the sandboxes; receive what you need from src/server.ts.' }],
      }],
    },
  },
  {
    // The hostile double is written from the providers' docs; sharing code with the console would hide a wrong guess.
    files: ['test/support/hostile-*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/src/**', '../../src/*'], message: 'The hostile double shares no code with the console or the sandboxes.' }] }] },
  },
);
