/**
 * Builds the desktop app with electron-vite into out/: the main process and the engine utility process
 * (electron/), the preload bridge, and the React renderer (renderer/index.html → out/renderer), which
 * `lakebench serve` also serves in web mode. Dependencies stay external in main/preload: DuckDB and
 * better-sqlite3 are native addons and load from node_modules (asar-unpacked when packaged).
 */
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: {
          index: resolve(root, 'electron/main.ts'),
          'engine-process': resolve(root, 'electron/engine-process.ts'),
          // A worker thread's entry (verify --deep); core/ops/verify/deep-check-worker-spec.ts finds it beside these.
          'deep-check-worker': resolve(root, 'core/ops/verify/deep-check-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      rollupOptions: {
        input: { preload: resolve(root, 'electron/preload.ts') },
        // Sandboxed preloads cannot be ES modules: out/preload/preload.js, CommonJS.
        output: { format: 'cjs', entryFileNames: '[name].js' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    plugins: [react()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      rollupOptions: { input: resolve(root, 'renderer/index.html') },
      // Monaco alone is several MB; the app loads from disk or loopback, so the warning is noise.
      chunkSizeWarningLimit: 8_000,
    },
    worker: { format: 'es' },
  },
});
