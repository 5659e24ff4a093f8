import { startEmbeddedPostgres } from './embedded.js';
import pg from 'pg';
const dir = process.argv[2]!;
const t = Date.now();
const s = await startEmbeddedPostgres(dir, { log: (m) => console.log('LOG', m), port: process.argv[3] ? Number(process.argv[3]) : undefined });
console.log('started in', Date.now() - t, s.url.replace(/:[^:@]*@/, ':***@'));
const c = new pg.Client(s.url); await c.connect();
console.log((await c.query("select current_database(), current_setting('server_encoding') enc, (select datcollate from pg_database where datname='console') coll, current_setting('data_directory') dd")).rows);
await c.end();
if (process.argv[4] !== 'nostop') { const t2 = Date.now(); await s.stop(); console.log('stopped in', Date.now() - t2); }
