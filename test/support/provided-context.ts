// Values test/support/global-setup.ts hands to test files (`inject('databaseUrl')`).
export {};

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated `console_test_<random>` database, dropped after the run. */
    databaseUrl: string;
  }
}
