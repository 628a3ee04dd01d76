import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'native/target/**', 'e2e/artifacts/**', 'test-results/**', 'playwright-report/**'] },
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
    },
  },
  {
    // The panels reach main through the preload API only; its types, and pure modules, are all they import of main.
    files: ['renderer/**/*.ts', 'renderer/**/*.vue'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/main/**'], message: 'the renderer imports the preload API (and the pure modules it re-exports), not main.' }] }],
    },
  },
  {
    // main/core is the shared core of every shell (design §7): it must never depend on Electron.
    files: ['main/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'main/core runs in the web host and the CLI too; put Electron glue in main/electron.' }], patterns: ['electron/*'] }],
    },
  },
  {
    // The pure core (policy, manifest rules, wire names, what panels and main both read): no I/O, no
    // clock, no platform of its own. What it needs of the machine is given to it.
    files: ['main/core/policy/**/*.ts', 'main/core/manifest/validate.ts', 'main/core/manifest/permissions.ts', 'main/core/wire.ts', 'main/core/display-text.ts', 'main/core/workflows/config-schema.ts', 'main/core/workflows/step-types.ts', 'main/core/frontends/placements.ts', 'main/core/frontends/frame-document.ts', 'main/core/audit/records.ts',
      // The types panels share with main (tsconfig.renderer.json checks them without Node's types).
      'main/core/audit/entry.ts', 'main/core/log/record.ts', 'main/core/prompts/prompt-types.ts', 'main/core/dialogs/dialog-types.ts', 'main/core/workflows/workflow-types.ts',
      'main/core/grants/grant-types.ts', 'main/core/grants/terms.ts', 'main/core/plugins/summary-types.ts', 'main/core/plugins/install-types.ts', 'main/core/plugins/approvals.ts',
      'main/core/plugins/authority.ts', 'main/core/plugins/settings-schema.ts', 'main/core/sandbox/proof.ts', 'main/core/sandbox/grant-view.ts', 'main/core/files/user-grant-types.ts', 'main/core/ipc/channels.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      // After the main/core block: this rule replaces that one for these files, so it names electron too.
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'main/core never depends on Electron.' }], patterns: [{ group: ['node:*', 'fs', 'path', 'net', 'os', 'crypto', 'child_process', 'electron/*'], message: 'pure core modules import no Node built-ins: take what they need of the machine as an argument.' }] }],
      'no-restricted-globals': ['error', { name: 'process', message: 'pure core modules read no process state: take it as an argument.' }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'pure core modules read no clock: take the time as an argument.' }],
    },
  },
);
