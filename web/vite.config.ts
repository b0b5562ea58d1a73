import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// The console is served by the API server itself (`tollgate start` serves dist/web at /), so in
// production there is no second origin; `vite` in dev proxies the API to a running server.
export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // The bundle budget test reads which chunks each entry loads from here.
    manifest: true,
    // Each area is its own chunk: a reviewer never downloads the console's charts.
    chunkSizeWarningLimit: 300,
  },
  server: {
    proxy: Object.fromEntries(['/v1', '/auth', '/healthz'].map((p) => [p, process.env['TOLLGATE_DEV_API'] ?? 'http://127.0.0.1:8080'])),
  },
});
