import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

// The dashboard: built into dist/dashboard, which the query app serves at / (DashboardController). Everything is
// bundled: no CDN, so it works offline.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [preact()],
  build: { outDir: '../../dist/dashboard', emptyOutDir: true, sourcemap: true },
});
