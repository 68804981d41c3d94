// Builds the dashboard into dist/web of the package, which the daemon serves at `/` (src/dashboard/).
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [preact()],
  build: { outDir: '../dist/web', emptyOutDir: true, target: 'es2022', reportCompressedSize: false, modulePreload: { polyfill: false } },
});
