import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const desktopDir = fileURLToPath(new URL('.', import.meta.url));
const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];
// Electron 41 runs Node 24; node22 keeps the output readable by any Electron still supported.
const target = 'node22';

/**
 * Builds the Electron main process and the preload, each into one file:
 * - dist/main/main.js: ESM, every dependency inlined except Electron and Node's built-ins, so
 *   the packaged app needs no node_modules of its own;
 * - dist/preload/preload.cjs: CommonJS with everything inlined except `electron`, because a
 *   sandboxed preload cannot load modules (it gets a `require` that knows only Electron's few).
 * The renderer is built by the root vite.config.ts.
 */
export default defineConfig({
  root: desktopDir,
  publicDir: false,
  logLevel: 'warn',
  builder: {
    async buildApp(builder) {
      await builder.build(builder.environments.main!);
      await builder.build(builder.environments.preload!);
    },
  },
  environments: {
    main: {
      consumer: 'server',
      resolve: { noExternal: true, external: ['electron'] },
      build: {
        outDir: 'dist/main',
        emptyOutDir: true,
        target,
        sourcemap: true,
        minify: false,
        rolldownOptions: {
          input: { main: 'src/main/main.ts' },
          external: ['electron', ...nodeBuiltins],
          output: { format: 'es', entryFileNames: '[name].js', codeSplitting: false },
        },
      },
    },
    preload: {
      consumer: 'server',
      resolve: { noExternal: true, external: ['electron'] },
      build: {
        outDir: 'dist/preload',
        emptyOutDir: true,
        target,
        sourcemap: true,
        minify: false,
        rolldownOptions: {
          input: { preload: 'src/preload/preload.ts' },
          // Lets the bundle drop what the preload does not use of @vox/shared (its zod schemas):
          // the preload needs the channel names only, and nothing it imports acts on load.
          treeshake: { moduleSideEffects: false },
          external: ['electron'],
          output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
        },
      },
    },
  },
});
