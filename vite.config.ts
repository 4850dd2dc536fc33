import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

/** The relay serves the built PWA from dist/; in development, Vite proxies the relay's routes. */
const RELAY = process.env.WARDLINE_RELAY_URL ?? 'http://127.0.0.1:8080';

/** `--brand-dark` and `--canvas` in src/app/app.css: the status bar meets the header's colour. */
const THEME_COLOUR = '#0a3560';
const BACKGROUND_COLOUR = '#f3f5f8';

export default defineConfig({
  plugins: [
    react(),
    VitePWA({
      // Our own worker (src/sw.ts): push and notification clicks need code of their own.
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      // Updates are offered, never forced (docs/SERVICE-WORKER.md W6): src/app/app-update.ts
      // registers the worker with workbox-window and asks before reloading.
      registerType: 'prompt',
      injectRegister: false,
      injectManifest: {
        // A classic script: every browser that runs Wardline can start it, module workers or not.
        rollupFormat: 'iife',
        // W1: the shell only. The relay's paths are never files in dist/, so they cannot be listed.
        // The manifest, its icons and `includeAssets` are added to the precache by the plugin itself.
        globPatterns: ['**/*.{html,js,css}'],
        // The worker itself and its source map are never precached by themselves.
        globIgnores: ['sw.js', '**/*.map'],
      },
      // Shell files the manifest does not name: the tab icon, iOS's home-screen icon, the notification badge.
      includeAssets: ['favicon.svg', 'icons/apple-touch-icon.png', 'icons/badge-96.png'],
      manifest: {
        id: '/',
        name: 'Wardline',
        short_name: 'Wardline',
        description: "The ward's task and exception worklist.",
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'any',
        lang: 'en-GB',
        theme_color: THEME_COLOUR,
        background_color: BACKGROUND_COLOUR,
        categories: ['medical', 'productivity'],
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/maskable-192.png', sizes: '192x192', type: 'image/png', purpose: 'maskable' },
          { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
          { src: '/icons/wardline.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
        ],
      },
    }),
  ],
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
