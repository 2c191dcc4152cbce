import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import pino, { type Bindings, type ChildLoggerOptions, type DestinationStream, type Level, type Logger } from 'pino';

/** Parameter names whose values are credentials: their values never reach a log line. */
const SECRET_PARAMETER = /key|secret|passw|token|^code$|^state$|assertion|signature|^sig$|ticket/i;

/** Object paths pino blanks out wherever they appear in a logged object. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.apiKey',
  '*.partnerKey',
  '*.client_secret',
  '*.token',
  '*.access_token',
  '*.refresh_token',
];

/** A URL with the values of credential-bearing query parameters replaced (`apiKey=[REDACTED]`). */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      let name = pair.slice(0, eq);
      try {
        name = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // A malformed escape is still judged by its raw text.
      }
      return SECRET_PARAMETER.test(name) ? `${pair.slice(0, eq)}=[REDACTED]` : pair;
    })
    .join('&');
  return `${url.slice(0, q)}?${query}`;
}

interface LoggedRequest {
  method?: string;
  url?: unknown;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/**
 * Replaces fastify's request serializer: the same fields, with secrets in the query string
 * blanked. Bodies and headers are never serialized, whatever object is logged as `req`.
 */
const requestSerializers = {
  req(req: LoggedRequest | undefined) {
    if (!req || typeof req !== 'object') return req;
    const url = typeof req.url === 'string' ? redactUrl(req.url) : undefined;
    return { method: req.method, url, host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort };
  },
  // fastify's own, kept here too: the access line goes through the logger fastify was given.
  res(reply: { statusCode?: number } | undefined) {
    if (!reply || typeof reply !== 'object') return reply;
    return { statusCode: reply.statusCode };
  },
};

/**
 * Loggers made here and their request loggers: pino's defaults for level, time and message
 * formats, no mixin, so their access line can be written directly (see writeAccessLine).
 */
const plainFormat = new WeakSet<Logger>();

/** The process logger: JSON lines on stdout with credentials redacted. */
export function createLogger(level: string, destination: DestinationStream = asyncStdout()): Logger {
  const log = pino({ level, redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' }, serializers: requestSerializers }, destination);
  plainFormat.add(log);
  return log;
}

/**
 * stdout written asynchronously: lines logged while a write is in flight go out together, so a
 * busy server makes one write per batch instead of one per request. Flushed on exit.
 */
function asyncStdout(): DestinationStream {
  const destination = pino.destination({ dest: 1, sync: false });
  process.once('exit', () => {
    try {
      destination.flushSync();
    } catch {
      // Nothing more can be done with log lines at exit.
    }
  });
  return destination;
}

/**
 * The logger fastify is given, derived from whichever logger the runtime has, so request log
 * lines carry scrubbed URLs even when the caller built a plain pino logger (tests, embedding).
 * Redaction stays with the process logger: applying it twice would cost every log line twice.
 */
export function requestLogger(log: Logger): Logger {
  const child = log.child({}, { serializers: requestSerializers });
  if (plainFormat.has(log)) plainFormat.add(child);
  return child;
}

type LogArgs = [unknown, ...unknown[]];

/**
 * The logger fastify gives each request, made into a pino child only when something logs
 * through it. Most requests log nothing but their access line (written by the controller
 * below), while making a child costs as much as writing a line: its bindings go through the
 * redaction rules.
 */
class LazyRequestLogger {
  #child: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private get real(): Logger {
    return (this.#child ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.#child?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.real.level = level;
  }

  isLevelEnabled(level: string): boolean {
    return this.#child || this.options.level !== undefined ? this.real.isLevelEnabled(level) : this.parent.isLevelEnabled(level);
  }

  private log(level: Level, args: LogArgs): void {
    if (this.isLevelEnabled(level)) (this.real[level] as (...a: LogArgs) => void)(...args);
  }

  fatal(...args: LogArgs): void {
    this.log('fatal', args);
  }
  error(...args: LogArgs): void {
    this.log('error', args);
  }
  warn(...args: LogArgs): void {
    this.log('warn', args);
  }
  info(...args: LogArgs): void {
    this.log('info', args);
  }
  debug(...args: LogArgs): void {
    this.log('debug', args);
  }
  trace(...args: LogArgs): void {
    this.log('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.real.child(bindings, options);
  }
}

/** fastify's childLoggerFactory: request loggers made on first use. */
export function lazyRequestLoggers(this: unknown, logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new LazyRequestLogger(logger as unknown as Logger, bindings, options) as unknown as FastifyBaseLogger;
}

/** Routes polled by orchestrators and scrapers every few seconds: their requests are not logged. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The logger the access line is written through: the server's logger without redaction. The
 * line holds only serialized fields (method, scrubbed URL, host, address, port, status, time),
 * none of which any redaction path can match, while running the redaction rules (wildcard paths
 * over every field) was the largest part of logging a request. Lines that can carry arbitrary
 * objects (errors) keep going through the request's redacting logger.
 */
const accessLoggers = new WeakMap<object, Logger>();

function accessLoggerOf(base: Logger): Logger {
  let access = accessLoggers.get(base);
  // Its own level lets everything through: whether to log follows the server logger's level now.
  if (!access) {
    accessLoggers.set(base, (access = base.child({}, { redact: { paths: [] }, level: 'trace' })));
    if (plainFormat.has(base)) plainFormat.add(access);
  }
  return access;
}

const { chindingsSym, lsCacheSym, streamSym, timeSym } = pino.symbols;

/**
 * The access line, written as the string pino would make of it (same keys, order and values),
 * straight to the logger's destination: pino's generic path (serializers, then a walk over the
 * object's keys) cost ~5 µs of every request. Only for loggers of plain format (above).
 */
function writeAccessLine(access: Logger, request: FastifyRequest, reply: FastifyReply): void {
  const target = access as unknown as Record<symbol, unknown>;
  const req = requestSerializers.req(request as unknown as LoggedRequest);
  const line =
    `${(target[lsCacheSym] as Record<number, string>)[30]}${(target[timeSym] as () => string)()}${target[chindingsSym] as string}` +
    `,"request_id":${JSON.stringify(request.id)},"req":${JSON.stringify(req)},"res":{"statusCode":${reply.statusCode}}` +
    `,"responseTime":${JSON.stringify(reply.elapsedTime)},"msg":"request completed"}\n`;
  (target[streamSym] as { write(line: string): void }).write(line);
}

/**
 * Request logging as an access log: one `info` line per answered request with method, scrubbed
 * URL, status and time (the `incoming request` line drops to `debug`: half the cost per request,
 * the same facts). Every line carries `request_id`; probe and scrape requests stay out.
 */
class AccessLogController extends LogController {
  constructor(
    options: ConstructorParameters<typeof LogController>[0],
    /** The logger fastify was given; plugins' instances log through children of it, which createLogger did not mark. */
    private readonly serverLog: Logger | undefined,
  ) {
    super(options);
  }

  override incomingRequest(request: FastifyRequest): void {
    if (this.isLogDisabled(request)) return;
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    if (error) {
      reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
      return;
    }
    if (!(request.server.log as Logger).isLevelEnabled('info')) return;
    const access = accessLoggerOf(this.serverLog ?? (request.server.log as Logger));
    if (plainFormat.has(access)) return writeAccessLine(access, request, reply);
    // request_id first: the same line, field for field, as the request logger's binding gives.
    access.info({ request_id: request.id, req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

export function requestLogController(serverLog?: Logger): LogController {
  return new AccessLogController({
    requestIdLogLabel: 'request_id',
    disableRequestLogging: (request) => QUIET_ROUTES.has(request.routeOptions.url ?? ''),
  }, serverLog);
}
