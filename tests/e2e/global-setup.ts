import type { TestProject } from 'vitest/node';
import { buildPwa } from '../helpers/pwa-build';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The production build of the PWA, made once for the whole e2e project. */
    pwaDir: string;
  }
}

/** Builds the PWA once; every e2e file serves it from its own relay (`STATIC_DIR`). */
export default async function setup(project: TestProject): Promise<() => void> {
  const build = await buildPwa();
  project.provide('pwaDir', build.dir);
  return () => build.remove();
}
