import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The relay serves the built PWA from dist/; in development, Vite proxies the relay's routes. */
const RELAY = process.env.WARDLINE_RELAY_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    sourcemap: false,
    target: 'es2022',
    // The entry chunk (React, the router, Dexie, SignalR, zod, the shell) is ~590 KB minified; the
    // budget that matters is gzip on the wire, 250 KB, measured by `npm run bench:pwa`.
    chunkSizeWarningLimit: 700,
    rollupOptions: {
      // Two pages: the app, and MSAL's redirect bridge (the authority's redirect URI), which must not
      // load the app.
      input: { app: 'index.html', redirect: 'redirect.html' },
    },
  },
  server: {
    proxy: {
      '/hubs': { target: RELAY, ws: true },
      '/api': RELAY,
      '/dev': RELAY,
      '/healthz': RELAY,
      '/readyz': RELAY,
    },
  },
});
