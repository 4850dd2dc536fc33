import type { TestProject } from 'vitest/node';
import { startTestPostgres } from '../helpers/postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL server for the whole integration project; each file creates its own database. */
    postgresUrl: string;
  }
}

/** One throwaway PostgreSQL for every integration file (tests/helpers/postgres.ts). */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startTestPostgres();
  project.provide('postgresUrl', server.url);
  return () => server.stop();
}
