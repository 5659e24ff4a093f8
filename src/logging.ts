import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';

/** Query parameters that carry secrets (the OAuth code, tokens) are masked before a URL is logged. */
const SECRET_QUERY_KEYS = new Set(['code', 'state', 'access_token', 'refresh_token', 'token', 'password', 'client_secret', 'code_verifier', '_csrf']);

/** Invitation and password-reset links carry their token in the path. */
const SECRET_PATH = /^\/(join|reset-password)\/[^/?#]+/;

export function redactUrl(rawUrl: string, depth = 0): string {
  const url = rawUrl.replace(SECRET_PATH, '/$1/[redacted]');
  const q = url.indexOf('?');
  if (q === -1) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const [key, value] of [...params]) {
    if (SECRET_QUERY_KEYS.has(key.toLowerCase())) params.set(key, '[redacted]');
    // A URL carried in a parameter (such as `next`) is masked the same way.
    else if (depth < 2 && value.includes('?')) params.set(key, redactUrl(value, depth + 1));
  }
  return `${url.slice(0, q)}?${params.toString()}`;
}

/** Paths pino masks wherever they appear in our own log lines as well as in request logs. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-idempotency-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.passwordHash',
  '*.accessToken',
  '*.refreshToken',
  '*.access_token',
  '*.refresh_token',
  '*.clientSecret',
  '*.client_secret',
  '*.sessionSecret',
  '*.tokenEncryptionKey',
  'password',
  'accessToken',
  'refreshToken',
  'clientSecret',
];

export function loggerOptions(level: string, stream?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req(request) {
        return {
          method: request.method,
          url: redactUrl(request.url),
          remoteAddress: request.ip,
        };
      },
    },
    ...(stream ? { stream } : {}),
  };
}

/** The levels at which an access line is written (a route may lower its own, as /metrics does). */
const INFO_ENABLED = new Set(['trace', 'debug', 'info']);

/**
 * One access-log line per request, when it is answered (with the request in it), instead of Fastify's two.
 *
 * A request that went well is logged without the redaction pass: that line holds only the serializers' fields
 * (method, the URL with its secrets masked by `redactUrl`, address, status, time), and walking the redaction
 * paths for it was most of a log line's cost on every page. Errors keep the redaction.
 */
export class AccessLog extends LogController {
  private readonly plain = new WeakMap<FastifyBaseLogger, FastifyBaseLogger>();

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else if (INFO_ENABLED.has(reply.log.level)) this.plainFor(request.server.log).info({ reqId: request.id, req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }

  private plainFor(root: FastifyBaseLogger): FastifyBaseLogger {
    let plain = this.plain.get(root);
    if (!plain) {
      plain = root.child({}, { redact: [] });
      this.plain.set(root, plain);
    }
    return plain;
  }
}
