/**
 * What a benchmark module under bench/benchmarks/ exports (default export: one Benchmark or a
 * list of them). See bench/README.md.
 */

export type BenchDatabase = 'sqlite' | 'postgres';

/** One HTTP request of a load; autocannon cycles through a workload's requests in order. */
export interface LoadRequest {
  method?: 'GET' | 'POST';
  path: string;
  /** Form parameters, sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  headers?: Record<string, string>;
}

/** Given to custom measurements, once per round. */
export interface RoundContext {
  /** How long one round's measurement should last. */
  durationSeconds: number;
  /**
   * Runs `node --import tsx <script> ...args` pinned to the server's core and returns the number
   * the script prints on its last line of stdout (e.g. raw argon2id verifies per second).
   */
  runOnServerCore(script: string, args?: string[]): Promise<number>;
}

/** A baseline other than the bare fastify route, measured in the same rounds as the target. */
export interface CustomBaseline {
  /** A few words on what it is, printed on stderr. */
  describe: string;
  measure(ctx: RoundContext): Promise<number>;
}

export interface Workload {
  /** The HTTP load, applied for each round by autocannon from the load generator's core. */
  requests?: LoadRequest[];
  /** Concurrent connections of that load (default 32). */
  connections?: number;
  /** The figure is answered requests/s × perRequest (default 1: req/s). */
  perRequest?: number;
  /**
   * Judges one answer before measuring, so a benchmark never measures an error path. Returns
   * a complaint, or undefined when the answer is right. Default: HTTP 200 with `"stat":"ok"`.
   */
  check?: (status: number, body: string) => string | undefined;
  /** Measures the figure itself instead of applying `requests` (called once per round). */
  measure?: (ctx: RoundContext) => Promise<number>;
  /** Default: the bare fastify route answering the same `requests`. */
  baseline?: CustomBaseline;
}

/** The started server, as a benchmark's setup sees it. */
export interface ServerUnderTest {
  /** `http://127.0.0.1:PORT` */
  url: string;
  database: BenchDatabase;
  /** The installation's partner key (OPENRAIN_PARTNER_KEY). */
  partnerKey: string;
  /**
   * The server's DATABASE_URL and OPENRAIN_DATA_DIR (its sealing key lives there), for setups
   * that must prepare data no public API makes in bulk (pre-made one-time sign-in tokens).
   */
  databaseUrl: string;
  dataDir: string;
  /** Posts form parameters and returns the parsed JSON answer; throws unless it succeeded. */
  call(path: string, params?: Record<string, string>): Promise<any>;
  /** Creates an application through /partner/v2/app/create and returns its answer. */
  createApp(name?: string): Promise<CreatedApp>;
}

export interface CreatedApp {
  apikey: string;
  appid: string;
  realm: string;
  capture_owner_client_id: string;
  capture_owner_client_secret: string;
  capture_login_client_id: string;
  capture_login_client_secret: string;
}

export interface Benchmark {
  /** The name on the BENCH line and on the command line (`npm run bench -- <name>`). */
  name: string;
  /** Unit of the figure (default `req/s`). */
  unit?: string;
  /** Database the server under test runs on (default sqlite). */
  database?: BenchDatabase;
  /** Extra environment for the server under test. */
  env?: Record<string, string>;
  /** Prepares data through the public API of the started server and says what to load. */
  setup(server: ServerUnderTest): Promise<Workload>;
}

/** The same benchmark on SQLite (`name`) and on PostgreSQL (`name_pg`). */
export function onBothDatabases(benchmark: Omit<Benchmark, 'database'>): Benchmark[] {
  return [
    { ...benchmark, database: 'sqlite' },
    { ...benchmark, name: `${benchmark.name}_pg`, database: 'postgres' },
  ];
}
