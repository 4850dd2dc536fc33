import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Plugin } from 'vite';
import { ROOT } from './relay';

/**
 * Builds the PWA exactly as `npm run build` does (the project's vite.config.ts), into a temp folder,
 * so tests and benchmarks serve a real production build without touching `dist/`. `sources` swaps the
 * text of some source files (absolute path → text) in this build only: a benchmark builds the previous
 * version of a file next to the current one without touching the working tree.
 */
export async function buildPwa(
  sources: Record<string, string> = {},
): Promise<{ dir: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'wardline-pwa-'));
  const swap: Plugin = {
    name: 'wardline-swap-sources',
    enforce: 'pre',
    load: (id) => sources[id.split('?')[0]!] ?? null,
  };
  // Vitest sets NODE_ENV=test, and Vite then makes a development build (React's development runtime,
  // `import.meta.env.PROD` false: no service worker, workbox's debug logging). `npm run build` runs
  // with NODE_ENV unset, which Vite treats as production: do the same here.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      root: ROOT,
      logLevel: 'warn',
      build: { outDir: dir, emptyOutDir: true },
      plugins: Object.keys(sources).length > 0 ? [swap] : [],
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
