/**
 * Prisma's schema engine, compiled to WebAssembly, loaded once per process and driven through
 * `@prisma/adapter-pg`: the engine half of src/db/migrate.ts (which owns the migrations directory and
 * the public operations). See docs/decisions/001-migrations-on-wasm-schema-engine.md.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

import { PrismaPg } from '@prisma/adapter-pg';
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQueryable,
} from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';
import pg from 'pg';

// ---------------------------------------------------------------------------------------------
// Loading the wasm engine (once per process)

type EngineBindings = typeof import('@prisma/schema-engine-wasm/schema_engine_bg');

interface PanicRegistry {
  set_message(message: string): void;
}

declare global {
  var PRISMA_WASM_PANIC_REGISTRY: PanicRegistry | undefined;
}

let bindingsPromise: Promise<EngineBindings> | undefined;
/** Called with the message when the engine panics (see `withEngine`). */
const panicListeners = new Set<(message: string) => void>();
const hookedRegistries = new WeakSet<PanicRegistry>();
let lastPanic: string | undefined;
/** Set once the engine panicked: a wasm instance that trapped must not be used again. */
let crashed: Error | undefined;

/**
 * wasm-bindgen code reports Rust panics through the global `PRISMA_WASM_PANIC_REGISTRY`, which
 * Prisma's client runtime also owns (it replaces the object when it loads and swaps `set_message`
 * around its own calls). We chain onto whichever object is current, before every engine call.
 */
function hookPanicRegistry(): void {
  const registry = (globalThis.PRISMA_WASM_PANIC_REGISTRY ??= { set_message() {} });
  if (hookedRegistries.has(registry)) return;
  const original = registry.set_message;
  registry.set_message = function (message: string) {
    lastPanic = message;
    for (const listener of panicListeners) listener(message);
    return original.call(this, message);
  };
  hookedRegistries.add(registry);
}

function loadBindings(): Promise<EngineBindings> {
  bindingsPromise ??= (async () => {
    const require = createRequire(import.meta.url);
    const entry = require.resolve('@prisma/schema-engine-wasm');
    const wasmPath = path.join(path.dirname(entry), 'schema_engine_bg.wasm');
    const [bindings, bytes] = await Promise.all([
      import('@prisma/schema-engine-wasm/schema_engine_bg'),
      readFile(wasmPath),
    ]);
    const imports: WebAssembly.ModuleImports = { ...(bindings as unknown as WebAssembly.ModuleImports) };
    // The engine arms timers (e.g. a 10 s advisory-lock timeout) and never clears them, which kept
    // a finished `db:migrate` alive for 10 more seconds. Unref them: while the engine awaits
    // anything, its database connection keeps the process alive anyway.
    for (const key of Object.keys(imports)) {
      if (key.startsWith('__wbg_setTimeout_')) {
        imports[key] = (fn: () => void, ms: number) => setTimeout(fn, ms >>> 0).unref();
      }
    }
    const module = await WebAssembly.compile(bytes);
    const instance = await WebAssembly.instantiate(module, { './schema_engine_bg.js': imports });
    bindings.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start: () => void }).__wbindgen_start();
    return bindings;
  })();
  bindingsPromise.catch(() => {
    bindingsPromise = undefined;
  });
  return bindingsPromise;
}

/** The version (prisma-engines commit) of the loaded schema engine. */
export async function engineVersion(): Promise<string> {
  return (await loadBindings()).version();
}

// ---------------------------------------------------------------------------------------------
// Driver adapter

function withDatabase(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Postgres catalog types the schema engine reads while describing a database, which
 * `@prisma/adapter-pg` (7.10) refuses to map ("Column type 'char' could not be deserialized"):
 * - `"char"` (pg_class.relkind, pg_constraint.contype, ...): the engine reads these columns as
 *   characters, so they must reach it as `ColumnTypeEnum.Character`;
 * - reg* types and pg_node_tree: node-postgres returns their text form, so `text` is exact.
 * We rewrite the OIDs node-postgres reports before the adapter maps them, and pass the indexes of
 * `"char"` columns along on the rows array (which the adapter returns as is) to fix their type up
 * afterwards.
 */
const CHAR_OID = 18;
const CATALOG_TEXT_OIDS = new Set([24, 28, 194, 2205, 2206, 4089, 4096]);
const TEXT_OID = 25;
const CHAR_COLUMNS = Symbol('charColumns');

interface Queryable {
  query: (...args: never[]) => unknown;
}

function rewriteCatalogTypes<T extends Queryable>(target: T): T {
  const original = target.query;
  const patched = function (this: unknown, ...args: never[]) {
    const result = original.apply(this, args);
    if (!(result instanceof Promise)) return result;
    return result.then((res: pg.QueryResult | undefined) => {
      const charColumns: number[] = [];
      (res?.fields ?? []).forEach((field, i) => {
        if (field.dataTypeID === CHAR_OID) charColumns.push(i);
        if (field.dataTypeID === CHAR_OID || CATALOG_TEXT_OIDS.has(field.dataTypeID)) {
          field.dataTypeID = TEXT_OID;
        }
      });
      if (charColumns.length && res) Object.defineProperty(res.rows, CHAR_COLUMNS, { value: charColumns });
      return res;
    });
  };
  target.query = patched as T['query'];
  return target;
}

function withCharColumns<Q extends SqlQueryable>(queryable: Q): Q {
  const queryRaw = queryable.queryRaw.bind(queryable);
  queryable.queryRaw = async (query) => {
    const resultSet = await queryRaw(query);
    const charColumns = (resultSet.rows as { [CHAR_COLUMNS]?: number[] })[CHAR_COLUMNS] ?? [];
    for (const i of charColumns) resultSet.columnTypes[i] = ColumnTypeEnum.Character;
    return resultSet;
  };
  return queryable;
}

/**
 * `PrismaPgAdapter.executeScript` (7.10) splits scripts on every `;` and runs the pieces one by one:
 * that breaks on `;` inside strings, `DO $$ ... $$` blocks and function bodies, and a failing
 * migration leaves its first half applied. We send the script as one simple-protocol query
 * instead, which is what Prisma's native engine does: Postgres runs a multi-statement query in a
 * single implicit transaction, so a failing migration leaves no trace but its failed
 * `_prisma_migrations` row.
 */
function adaptForEngine(adapter: SqlDriverAdapter, pool: pg.Pool): SqlDriverAdapter {
  withCharColumns(adapter);
  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (isolationLevel) => withCharColumns(await startTransaction(isolationLevel));

  const onError = (adapter as unknown as { onError(e: unknown): never }).onError.bind(adapter);
  adapter.executeScript = async (script: string) => {
    try {
      await pool.query(script);
    } catch (err) {
      onError(err);
    }
  };
  return adapter;
}

function enginePool(connectionString: string, max: number, log: (msg: string) => void): pg.Pool {
  // idleTimeoutMillis 0: never close idle connections while the engine runs (the engine's own
  // advisory lock lives on one of them).
  const pool = new pg.Pool({ connectionString, max, idleTimeoutMillis: 0, connectionTimeoutMillis: 10_000 });
  pool.on('error', (err) => log(`migration pool error: ${err.message}`));
  pool.on('connect', (client) => rewriteCatalogTypes(client));
  return rewriteCatalogTypes(pool);
}

/**
 * A migration-aware adapter factory over our own pool. We implement `connectToShadowDb` ourselves:
 * `PrismaPg`'s version (7.10) builds the shadow pool as `{ ...config, database }`, and when the
 * config is a `connectionString`, node-postgres lets the connection string win over `database`,
 * so the "shadow" database would be the main one. It also leaks the pool it created the shadow
 * database with.
 */
function adapterFactory(
  databaseUrl: string,
  log: (msg: string) => void,
): { factory: SqlMigrationAwareDriverAdapterFactory; close: () => Promise<void> } {
  const pool = enginePool(databaseUrl, 4, log);
  const base = new PrismaPg(pool);
  const shadows = new Set<string>();

  async function dropShadow(name: string): Promise<void> {
    if (!shadows.delete(name)) return;
    await pool.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  }

  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: base.provider,
    adapterName: base.adapterName,
    connect: async () => adaptForEngine(await base.connect(), pool),
    async connectToShadowDb(): Promise<SqlDriverAdapter> {
      const name = `prisma_shadow_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
      await pool.query(`CREATE DATABASE ${quoteIdent(name)}`);
      shadows.add(name);
      const shadowPool = enginePool(withDatabase(databaseUrl, name), 2, log);
      const adapter = adaptForEngine(
        await new PrismaPg(shadowPool, { disposeExternalPool: true }).connect(),
        shadowPool,
      );
      const dispose = adapter.dispose.bind(adapter);
      adapter.dispose = async () => {
        await dispose();
        await dropShadow(name);
      };
      return adapter;
    },
  };

  return {
    factory,
    async close() {
      // The engine normally disposes the shadow adapter; make sure nothing is left behind if it
      // failed half-way.
      for (const name of [...shadows]) {
        await dropShadow(name).catch((err: Error) =>
          log(`could not drop shadow database ${name}: ${err.message}`),
        );
      }
      await pool.end();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Running the engine

function engineError(err: unknown, operation: string, panic: string | undefined): Error {
  if (panic !== undefined || err instanceof WebAssembly.RuntimeError) {
    panic ??= lastPanic;
    crashed = new Error(
      `Prisma schema engine (wasm) crashed during ${operation}${panic ? `: ${panic}` : ''}. ` +
        'Restart the process before migrating again.',
      { cause: err },
    );
    return crashed;
  }
  if (err instanceof Error) return err;
  // The engine rejects with plain objects ({ message, error_code, meta, ... }) for user errors.
  if (err && typeof err === 'object') {
    const { message, error_code: code } = err as { message?: unknown; error_code?: unknown };
    if (typeof message === 'string') {
      return Object.assign(new Error(code ? `${String(code)}: ${message}` : message), { cause: err });
    }
  }
  return new Error(`Prisma schema engine failed during ${operation}: ${JSON.stringify(err)}`);
}

function engineLogger(log: (msg: string) => void) {
  return (line: unknown) => {
    try {
      const entry = JSON.parse(String(line)) as { level?: string; fields?: { message?: string } };
      if (entry.level === 'WARN' || entry.level === 'ERROR') {
        log(`schema engine ${entry.level.toLowerCase()}: ${entry.fields?.message ?? String(line)}`);
      }
    } catch {
      log(`schema engine: ${String(line)}`);
    }
  };
}

export async function withEngine<T>(
  databaseUrl: string,
  operation: string,
  log: (msg: string) => void,
  fn: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  if (crashed) throw crashed;
  const bindings = await loadBindings();
  const { factory, close } = adapterFactory(databaseUrl, log);
  // A Rust panic traps the wasm instance inside some callback: the RuntimeError surfaces as an
  // uncaught exception elsewhere and the pending engine promise never settles. The panic hook
  // tells us first, so fail the operation instead of hanging.
  hookPanicRegistry();
  let onPanic: ((message: string) => void) | undefined;
  let panic: string | undefined;
  const panicked = new Promise<never>((_, reject) => {
    onPanic = (message) => {
      panic = message;
      log(`schema engine panicked: ${message}`);
      reject(new WebAssembly.RuntimeError(message));
    };
    panicListeners.add(onPanic);
  });
  let engine: SchemaEngine | undefined;
  try {
    engine = await bindings.SchemaEngine.new(
      { datamodels: undefined },
      engineLogger(log),
      bindMigrationAwareSqlAdapterFactory(factory),
    );
    return await Promise.race([fn(engine), panicked]);
  } catch (err) {
    throw engineError(err, operation, panic);
  } finally {
    if (onPanic) panicListeners.delete(onPanic);
    try {
      if (!crashed) engine?.free();
    } catch (err) {
      log(`could not free the schema engine: ${err instanceof Error ? err.message : String(err)}`);
    }
    await close();
  }
}
