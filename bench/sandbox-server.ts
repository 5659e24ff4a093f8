/** The Sonlet sandbox as its own process for benchmarks, so the upstream does not share the console's CPU time. */
import { startSonletSandbox } from '../src/sandbox/sonlet/index.js';
import { CONSOLE_CLIENT, TOOLS_CLIENT } from '../test/support/sonlet-sandbox.js';

const { url, sandbox, close } = await startSonletSandbox({
  clients: [
    { clientId: 'bench-console', clientSecret: process.env.CLIENT_SECRET ?? 'bench', name: 'Console (bench)', redirectUris: [process.env.REDIRECT_URI ?? 'http://127.0.0.1/cb'] },
    CONSOLE_CLIENT,
    TOOLS_CLIENT,
  ],
  maxUploadBytes: process.env.SANDBOX_MAX_UPLOAD_BYTES ? Number(process.env.SANDBOX_MAX_UPLOAD_BYTES) : undefined,
});
sandbox.faults.latencyMs = Number(process.env.SANDBOX_LATENCY_MS ?? 0);
console.log(`sandbox listening at ${url}`);
process.on('SIGTERM', () => void close().then(() => process.exit(0)));
