import { availableParallelism } from 'node:os';
import { hash, verify } from '@node-rs/argon2';
import { ARGON2ID } from '../src/crypto/argon2id.js';

/**
 * The baseline of password_login: raw argon2id verifications per second (the parameters the
 * server hashes with), `concurrency` at a time, for `seconds`. Run pinned to the server's core
 * by runOnServerCore; prints the rate last. The default, one per core the process may run on,
 * is the library's best rate: more at once thrash the cache (on one core, 4 at once verify
 * about 80/s where 1 at a time verifies about 117/s).
 * Usage: argon2-verify.ts <seconds> [concurrency]
 */
const seconds = Number(process.argv[2] ?? 3);
const concurrency = Number(process.argv[3] ?? availableParallelism());
const password = 'bench-Password1';
const stored = await hash(password, ARGON2ID);
for (let i = 0; i < concurrency; i++) await verify(stored, password, ARGON2ID);

let verified = 0;
const started = performance.now();
const worker = async () => {
  while (performance.now() - started < seconds * 1000) {
    if (!(await verify(stored, password, ARGON2ID))) throw new Error('argon2id verification failed');
    verified++;
  }
};
await Promise.all(Array.from({ length: concurrency }, worker));
process.stdout.write(`${(verified / ((performance.now() - started) / 1000)).toFixed(2)}\n`);
