import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { ROOT } from './relay';

/**
 * Builds the PWA exactly as `npm run build` does (the project's vite.config.ts), into a temp folder,
 * so tests and benchmarks serve a real production build without touching `dist/`.
 */
export async function buildPwa(): Promise<{ dir: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'wardline-pwa-'));
  await build({ root: ROOT, logLevel: 'warn', build: { outDir: dir, emptyOutDir: true } });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
