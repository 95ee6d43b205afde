import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'net', 'http', 'stream'];
const httpLayer = { group: ['**/api/**', 'fastify', 'socket.io'], message: 'the domain never imports the API layer' };

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', '**/release/**', 'test-results/**', 'playwright-report/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    // The renderer runs in a sandboxed page: browser APIs and the preload's typed API only.
    files: ['apps/desktop/src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...nodeBuiltins, 'electron'],
              message: 'the renderer never imports Node or Electron: go through the DesktopApi',
            },
            {
              group: ['**/main/**', '**/preload/**', '@vox/backend', '@vox/backend/**'],
              message: 'the renderer depends only on the DesktopApi and @vox/shared',
            },
          ],
        },
      ],
    },
  },
  {
    // The preload runs sandboxed: only Electron's renderer modules and the shared channel names.
    files: ['apps/desktop/src/preload/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...nodeBuiltins, '**/main/**', '**/renderer/**'],
              message: 'the preload imports only electron and @vox/shared',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/desktop/src/main/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/renderer/**'], message: 'the main process never imports renderer code' }] },
      ],
    },
  },
  {
    // Shared protocol code runs in the backend, the desktop's every runtime and the browser.
    files: ['packages/shared/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: [...nodeBuiltins, 'electron', '@vox/*'], message: 'packages/shared stays runtime-neutral' },
          ],
        },
      ],
    },
  },
  {
    // The domain publishes events; only the API layer knows HTTP and sockets.
    files: ['apps/backend/src/**/*.ts'],
    ignores: ['apps/backend/src/api/**', 'apps/backend/src/server.ts', 'apps/backend/src/main.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [httpLayer] }] },
  },
  // The backend's layers import downwards only: api -> telephony -> recording -> platform ->
  // packages/shared. Tests and test-support may drive the system from any side.
  backendLayer('telephony', []),
  backendLayer('recording', ['telephony']),
  backendLayer('platform', ['telephony', 'recording']),
);

/** A layer of the backend that must not import the layers named in `above` (nor the API). */
function backendLayer(layer, above) {
  return {
    files: [`apps/backend/src/${layer}/**/*.ts`],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            httpLayer,
            ...above.map((upper) => ({
              group: [`**/${upper}/**`],
              message: `${layer}/ sits below ${upper}/: layers import downwards only (api -> telephony -> recording -> platform)`,
            })),
          ],
        },
      ],
    },
  };
}
