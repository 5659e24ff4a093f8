import path from 'node:path';
import { startEmbeddedPostgres } from './embedded.js';

/**
 * Runs a command-line task on DATABASE_URL or, when it is unset, on the embedded Postgres kept in
 * DATA_DIR (default ./.data): started for the command, or reused and left running when the console
 * already runs on it.
 */
export async function withDatabase<T>(fn: (url: string) => Promise<T>, log: (msg: string) => void): Promise<T> {
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) return fn(fromEnv);
  const dataDir = path.resolve(process.env.DATA_DIR ?? '.data');
  log(`DATABASE_URL is not set; using the embedded Postgres in ${dataDir}`);
  const server = await startEmbeddedPostgres(dataDir, { log });
  try {
    return await fn(server.url);
  } finally {
    await server.stop();
  }
}
