import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** A relative import's file: `./x` is `x.ts`, `x.tsx` or `x/index.ts`. */
function fileOf(from: string, specifier: string): string | null {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) {
    if (candidate.endsWith('.ts') || candidate.endsWith('.tsx')) if (existsSync(candidate)) return candidate;
  }
  return null;
}

/**
 * The app's files evaluated in the first screen's script: everything `main.tsx` reaches through static
 * value imports. `import type` is erased and `import()` is a chunk of its own, loaded later.
 */
function firstScriptFiles(): string[] {
  const seen = new Set<string>();
  const queue = [join(SRC, 'main.tsx')];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    // `import … from '…'` and `export … from '…'`, whole statements (they may span lines).
    for (const m of text.matchAll(/^(import|export)\s+(type\s+)?([^;]*?)\s+from\s+'(\.[^']+)'/gms)) {
      if (m[2]) continue;
      const target = fileOf(file, m[4]!);
      if (target) queue.push(target);
    }
    for (const m of text.matchAll(/^import\s+'(\.[^']+)'/gm)) {
      const target = fileOf(file, m[1]!);
      if (target) queue.push(target);
    }
  }
  return [...seen].map((f) => relative(SRC, f)).sort();
}

describe('the first screen’s script (docs/SYNC.md S16)', () => {
  it('[S16] runs no domain schema but the principal’s: the rest are built in a task of their own', () => {
    const files = firstScriptFiles();
    // The walk itself works: the entry reaches the auth store and, through it, the principal.
    expect(files).toContain('app/auth-store.ts');
    expect(files).toContain('domain/principal.ts');
    expect(files.filter((f) => f.startsWith('domain/') && f !== 'domain/principal.ts')).toEqual([]);
  });
});
