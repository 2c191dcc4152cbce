import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');
/** Core of the server under test (and of the baselines); the load generator takes LOAD_CORE. */
export const SERVER_CORE = 0;
export const LOAD_CORE = 1;

/**
 * Pinning needs taskset and two cores; without them everything shares the machine, loudly.
 * (The re-executed runner sees one core, its own, so it inherits the answer.)
 */
export const canPin =
  process.env.OPENRAIN_BENCH_PINNED === '1' || (availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0);

/** `taskset -c <core> node …` (or plain node where pinning is impossible). */
function pinned(core: number, args: string[]): [string, string[]] {
  return canPin ? ['taskset', ['-c', String(core), process.execPath, ...args]] : [process.execPath, args];
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface PinnedServer {
  url: string;
  /** Milliseconds from spawn to the first 200 from /healthz. */
  startMs: number;
  pid: number;
  /** Resident set size now, in MiB. */
  rssMiB(): number;
  /** CPU time the server has used so far, all its threads, in seconds (NaN without /proc). */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/**
 * Spawns a server script pinned to the server core and waits for /healthz. Its stdout is
 * discarded (the load generator must not spend its core reading logs); stderr is kept for errors.
 */
export async function startPinnedServer(args: string[], env: Record<string, string>): Promise<PinnedServer> {
  const port = await freePort();
  const [command, argv] = pinned(SERVER_CORE, args);
  const started = performance.now();
  const child: ChildProcess = spawn(command, argv, {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server ${args.join(' ')} exited while starting:\n${stderr}`);
    try {
      const res = await fetch(`${url}/healthz`);
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (performance.now() - started > 60_000) {
      child.kill('SIGKILL');
      throw new Error(`server ${args.join(' ')} did not answer /healthz within 60 s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const startMs = performance.now() - started;
  const pid = child.pid!;
  return {
    url,
    startMs,
    pid,
    rssMiB: () => {
      // taskset execs node in place, so the child's pid is the server's own.
      const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return kb ? Number(kb[1]) / 1024 : Number.NaN;
    },
    cpuSeconds: () => {
      try {
        // utime and stime, in clock ticks of 1/100 s (Linux's USER_HZ); the name may hold spaces.
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
        return (Number(fields[11]) + Number(fields[12])) / 100;
      } catch {
        return Number.NaN;
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export const OPENRAIN_SERVE = ['bin/openrain.js', 'serve'];
export const BARE_FASTIFY = ['--import', 'tsx', 'bench/baseline-server.ts'];

/** Runs a script on the server core and returns the number on its last stdout line. */
export function runOnServerCore(script: string, args: string[] = []): Promise<number> {
  const [command, argv] = pinned(SERVER_CORE, ['--import', 'tsx', script, ...args]);
  return new Promise((done, fail) => {
    const child = spawn(command, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.once('error', fail);
    child.once('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      const figure = Number(last);
      if (code !== 0 || !Number.isFinite(figure)) fail(new Error(`${script} exited ${code} printing ${JSON.stringify(last)}`));
      else done(figure);
    });
  });
}

/**
 * Re-executes this process pinned to the load generator's core, unless it already is.
 * Returns the child's exit code, or undefined when the caller is the pinned process.
 */
export function pinSelfToLoadCore(): number | undefined {
  if (!canPin || process.env.OPENRAIN_BENCH_PINNED === '1') return undefined;
  const [command, argv] = pinned(LOAD_CORE, [...process.execArgv, ...process.argv.slice(1)]);
  const r = spawnSync(command, argv, { stdio: 'inherit', env: { ...process.env, OPENRAIN_BENCH_PINNED: '1' } });
  return r.status ?? 1;
}
