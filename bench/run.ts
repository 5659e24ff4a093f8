/**
 * `npm run bench`: every benchmark, one after the other, printing figures (no pass/fail).
 * Each also runs alone: `npx tsx bench/<name>.ts`. BENCH_ONLY=items,load picks some.
 */
const benches: Array<[string, () => Promise<unknown>]> = [
  ['items', async () => (await import('./items.js')).benchItems()],
  ['load', async () => (await import('./load.js')).benchLoad()],
  ['upload', async () => (await import('./upload.js')).benchUpload()],
  ['search', async () => (await import('./search.js')).benchSearch()],
  ['phone-photos', async () => (await import('./phone-photos.js')).benchPhonePhotos()],
];

const only = process.env.BENCH_ONLY?.split(',');
// Every process of a bench runs on this Node (the console's own Docker image ships the current LTS).
console.log(`Node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
for (const [name, run] of benches) {
  if (only && !only.includes(name)) continue;
  console.log(`\n# ${name}`);
  const started = Date.now();
  await run();
  console.log(`(${name} took ${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
