/**
 * `npx tsx scripts/render-icons.ts`: draws Wardline's app icons as SVG and renders the PNGs the web app
 * manifest and iOS need, with Debian's Chromium (the same browser the e2e tests use; no image library).
 * The PNGs are committed: run this again only after changing the drawing below.
 *
 * - `icon-192.png`, `icon-512.png` (purpose `any`): the rounded tile, transparent corners.
 * - `maskable-192.png`, `maskable-512.png` (purpose `maskable`): full-bleed background, the glyph inside
 *   the central safe circle (radius 40 % of the size), so any platform mask keeps all of it.
 * - `apple-touch-icon.png` (180 px): opaque and full-bleed; iOS rounds the corners itself.
 * - `badge-96.png`: the white glyph alone on transparent, for Android's status bar next to a notification.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser } from '../tests/helpers/browser';
import { ROOT } from '../tests/helpers/relay';

/** `--brand-dark` and the live-state green of src/app/app.css. */
const TILE = '#0a3560';
const LINE = '#86efac';

/** The "W" of public/favicon.svg, in a 64-unit box: its bounding box is x 14–50, y 18–50. */
const GLYPH = 'M14 18h8l6 24 4-16h4l4 16 6-24h8l-10 32h-6l-4-14-4 14h-6z';

function svg(body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">${body}</svg>`;
}

/** The glyph with the "line" under it, scaled about the tile's centre. */
function mark(scale: number, colour = '#fff', line = LINE): string {
  return (
    `<g transform="translate(32 32) scale(${scale}) translate(-32 -35)">` +
    `<path d="${GLYPH}" fill="${colour}"/>` +
    `<rect x="14" y="53" width="36" height="3" rx="1.5" fill="${line}"/>` +
    `</g>`
  );
}

const DRAWINGS = {
  any: svg(`<rect width="64" height="64" rx="12" fill="${TILE}"/>${mark(0.92)}`),
  fullBleed: svg(`<rect width="64" height="64" fill="${TILE}"/>${mark(0.78)}`),
  badge: svg(mark(1, '#fff', '#fff')),
};

const OUTPUTS: Array<{ file: string; size: number; drawing: keyof typeof DRAWINGS }> = [
  { file: 'icon-192.png', size: 192, drawing: 'any' },
  { file: 'icon-512.png', size: 512, drawing: 'any' },
  { file: 'maskable-192.png', size: 192, drawing: 'fullBleed' },
  { file: 'maskable-512.png', size: 512, drawing: 'fullBleed' },
  { file: 'apple-touch-icon.png', size: 180, drawing: 'fullBleed' },
  { file: 'badge-96.png', size: 96, drawing: 'badge' },
];

const dir = join(ROOT, 'public', 'icons');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'wardline.svg'), `${DRAWINGS.any}\n`);

const browser = await launchBrowser();
try {
  const page = await browser.newPage({ deviceScaleFactor: 1 });
  for (const { file, size, drawing } of OUTPUTS) {
    await page.setViewportSize({ width: size, height: size });
    const src = `data:image/svg+xml;base64,${Buffer.from(DRAWINGS[drawing]).toString('base64')}`;
    await page.setContent(
      `<!doctype html><html><body style="margin:0;background:transparent">` +
        `<img src="${src}" width="${size}" height="${size}" style="display:block"></body></html>`,
    );
    await page.locator('img').evaluate((img: HTMLImageElement) => img.decode());
    await page.screenshot({ path: join(dir, file), omitBackground: true });
    console.log(`wrote public/icons/${file} (${size}×${size})`);
  }
} finally {
  await browser.close();
}
