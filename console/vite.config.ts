import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** Static files for the gateway's /console/ (api-gateway/src/handler/console-routes.ts). */
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false },
  // `npm run dev -w console`: the page on Vite's port, the API and /ws of `make run` behind it.
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/ws': { target: 'ws://127.0.0.1:8080', ws: true },
    },
  },
});
