import { ConfigError, loadConfig } from '../../src/config.js';

/** What loading this environment refuses, one line per bad variable (empty when it loads). */
export function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}
