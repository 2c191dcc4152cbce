// `npm run bench [-- <name>...] [--rounds=N] [--duration=S] [--list]`
// Prints `BENCH <name> <figure> <unit> baseline=<figure> ratio=<figure/baseline>` lines on stdout;
// everything else goes to stderr. See bench/README.md.
import { readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createTestDatabase, postgresAvailable } from '../test/databases.js';
import type { Benchmark, RoundContext, ServerUnderTest, Workload } from './benchmark.js';
import { applyLoad, sendOnce } from './load.js';
import { BARE_FASTIFY, canPin, OPENRAIN_SERVE, pinSelfToLoadCore, ROOT, runOnServerCore, startPinnedServer, type PinnedServer } from './processes.js';
import { describeApi } from './target.js';

const pinnedExit = pinSelfToLoadCore();
if (pinnedExit !== undefined) process.exit(pinnedExit);

const PARTNER_KEY = 'bench0partner0key00000000000000000000000';
/** Pseudo-benchmarks measured by the harness itself. */
const COLD_START = 'cold_start';

const say = (line: string) => process.stderr.write(`${line}\n`);

function option(name: string, fallback: number): number {
  const arg = process.argv.slice(2).find((a) => a.startsWith(`--${name}=`));
  const value = arg ? Number(arg.split('=')[1]) : fallback;
  if (!(value > 0)) throw new Error(`--${name} must be a positive number`);
  return value;
}

const ROUNDS = option('rounds', 5);
const SECONDS = option('duration', 3);
/** Server log level while measuring: request logging is part of the real cost. */
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'info';

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function benchLine(name: string, figure: number, unit: string, baseline: number): void {
  const digits = unit === 'MiB' ? 1 : figure >= 100 ? 0 : 2;
  const fmt = (v: number) => v.toFixed(digits);
  process.stdout.write(`BENCH ${name} ${fmt(figure)} ${unit} baseline=${fmt(baseline)} ratio=${(figure / baseline).toFixed(3)}\n`);
}

async function loadBenchmarks(): Promise<Benchmark[]> {
  const dir = join(ROOT, 'bench', 'benchmarks');
  const all: Benchmark[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()) {
    const exported = (await import(pathToFileURL(join(dir, file)).href)).default as Benchmark | Benchmark[];
    all.push(...(Array.isArray(exported) ? exported : [exported]));
  }
  const names = new Set<string>();
  for (const b of all) {
    if (names.has(b.name) || b.name === COLD_START) throw new Error(`two benchmarks are named ${b.name}`);
    names.add(b.name);
  }
  return all;
}

const roundContext: RoundContext = { durationSeconds: SECONDS, runOnServerCore };

/** One measurement of a side (target or baseline) of a benchmark. */
type Side = () => Promise<number>;

/**
 * Warm-up, then ROUNDS rounds alternating which side goes first; medians of each side.
 * `aboutTarget` adds to each round's progress line what it knows of the target's last round.
 */
async function interleave(target: Side, baseline: Side, aboutTarget: () => string = () => ''): Promise<{ figure: number; baseline: number }> {
  await target();
  await baseline();
  const t: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      t.push(await target());
      b.push(await baseline());
    } else {
      b.push(await baseline());
      t.push(await target());
    }
    say(`  round ${round + 1}/${ROUNDS}: target ${t.at(-1)!.toFixed(1)}${aboutTarget()}, baseline ${b.at(-1)!.toFixed(1)}`);
  }
  return { figure: median(t), baseline: median(b) };
}

function checkAnswers(workload: Workload, answers: Array<{ status: number; body: string }>, where: string): void {
  const check = workload.check ?? ((status: number, body: string) => (status === 200 && /"stat"\s*:\s*"ok"/.test(body) ? undefined : `HTTP ${status}: ${body.slice(0, 300)}`));
  answers.forEach((a, i) => {
    const complaint = check(a.status, a.body);
    if (complaint) throw new Error(`${where}: request ${i} answered wrongly: ${complaint}`);
  });
}

async function runBenchmark(benchmark: Benchmark): Promise<void> {
  const kind = benchmark.database ?? 'sqlite';
  if (kind === 'postgres' && !(await postgresAvailable())) {
    say(`!!! ${benchmark.name}: PostgreSQL does not answer; skipped`);
    return;
  }
  say(`${benchmark.name}: starting the server on ${kind}`);
  const database = await createTestDatabase(kind);
  const servers: PinnedServer[] = [];
  try {
    const target = await startPinnedServer(OPENRAIN_SERVE, {
      DATABASE_URL: database.url,
      OPENRAIN_DATA_DIR: database.dataDir,
      OPENRAIN_PARTNER_KEY: PARTNER_KEY,
      LOG_LEVEL,
      ...benchmark.env,
    });
    servers.push(target);
    const bare = await startPinnedServer(BARE_FASTIFY, {});
    servers.push(bare);

    const sut: ServerUnderTest = { url: target.url, database: kind, partnerKey: PARTNER_KEY, databaseUrl: database.url, dataDir: database.dataDir, ...describeApi(target.url, PARTNER_KEY) };
    const workload = await benchmark.setup(sut);
    const requests = workload.requests;
    if (!workload.measure && !requests?.length) throw new Error(`${benchmark.name}: the workload has neither requests nor measure()`);
    if (!workload.baseline && !requests?.length) throw new Error(`${benchmark.name}: the bare fastify baseline needs the workload's requests`);
    if (requests?.length) checkAnswers(workload, await sendOnce(target.url, requests), benchmark.name);

    const perRequest = workload.perRequest ?? 1;
    const load: Side = workload.measure ? () => workload.measure!(roundContext) : async () => perRequest * (await applyLoad(target.url, requests!, SECONDS, workload.connections));
    // The server's CPU time per unit of the figure: steadier than the rate where a round was
    // short of load, and what an optimisation changes first.
    const unit = benchmark.unit ?? 'req/s';
    let cpuEach = Number.NaN;
    const targetSide: Side = async () => {
      const before = target.cpuSeconds();
      const figure = await load();
      cpuEach = (target.cpuSeconds() - before) / (figure * SECONDS);
      return figure;
    };
    const aboutTarget = () => (Number.isFinite(cpuEach) ? ` (server CPU ${(cpuEach * 1e6).toFixed(0)} µs per ${unit === 'req/s' ? 'request' : unit.replace(/s?\/s$/, '')})` : '');
    const baselineSide: Side = workload.baseline
      ? () => workload.baseline!.measure(roundContext)
      : async () => perRequest * (await applyLoad(bare.url, requests!, SECONDS, workload.connections));
    say(`  baseline: ${workload.baseline?.describe ?? 'bare fastify form route, same requests'}; ${ROUNDS} rounds of ${SECONDS} s`);
    const { figure, baseline } = await interleave(targetSide, baselineSide, aboutTarget);
    benchLine(benchmark.name, figure, unit, baseline);
    benchLine(`rss_after_${benchmark.name}`, target.rssMiB(), 'MiB', bare.rssMiB());
  } finally {
    for (const s of servers) await s.stop();
    await database.drop();
  }
}

/** Spawn to first /healthz 200: the first start on an empty database, and restarts on it. */
async function coldStart(): Promise<void> {
  say(`${COLD_START}: spawning the server on an empty and then an existing SQLite database`);
  const database = await createTestDatabase('sqlite');
  const env = { DATABASE_URL: database.url, OPENRAIN_DATA_DIR: database.dataDir, OPENRAIN_PARTNER_KEY: PARTNER_KEY, LOG_LEVEL };
  try {
    const bareStarts: number[] = [];
    const bareStart = async () => {
      const s = await startPinnedServer(BARE_FASTIFY, {});
      await s.stop();
      bareStarts.push(s.startMs);
      return s.startMs;
    };
    const spawnTarget = async () => {
      const s = await startPinnedServer(OPENRAIN_SERVE, env);
      await s.stop();
      return s.startMs;
    };
    const first = await spawnTarget();
    await bareStart();
    const restarts: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      restarts.push(await spawnTarget());
      await bareStart();
    }
    const bare = median(bareStarts);
    say(`  restarts: ${restarts.map((v) => v.toFixed(0)).join(', ')} ms; bare fastify: ${bareStarts.map((v) => v.toFixed(0)).join(', ')} ms`);
    benchLine(COLD_START, median(restarts), 'ms', bare);
    benchLine(`${COLD_START}_first`, first, 'ms', bare);
  } finally {
    await database.drop();
  }
}

async function main(): Promise<number> {
  const benchmarks = await loadBenchmarks();
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (process.argv.includes('--list')) {
    for (const name of [COLD_START, ...benchmarks.map((b) => b.name)]) process.stdout.write(`${name}\n`);
    return 0;
  }
  const known = new Set([COLD_START, ...benchmarks.map((b) => b.name)]);
  const unknown = args.filter((a) => !known.has(a));
  if (unknown.length) {
    say(`unknown benchmark ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
    return 2;
  }
  const wanted = (name: string) => args.length === 0 || args.includes(name);
  if (!canPin) say('!!! taskset or a second core is missing: server and load generator share the CPU; figures are not comparable');
  // Other work on the machine lands on both cores whatever the pinning: say so beside the figures.
  const busy = loadavg()[0];
  if (busy > 1) say(`!!! load average ${busy.toFixed(1)} before the run: other processes compete for the cores; expect noisy figures`);
  let failures = 0;
  if (wanted(COLD_START)) {
    try {
      await coldStart();
    } catch (err) {
      failures++;
      say(`${COLD_START} failed: ${err instanceof Error ? err.stack : String(err)}`);
    }
  }
  for (const benchmark of benchmarks.filter((b) => wanted(b.name))) {
    try {
      await runBenchmark(benchmark);
    } catch (err) {
      failures++;
      say(`${benchmark.name} failed: ${err instanceof Error ? err.stack : String(err)}`);
    }
  }
  return failures ? 1 : 0;
}

process.exit(await main());
