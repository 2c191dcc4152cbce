import { hash, verify } from '@node-rs/argon2';
import { ARGON2ID } from '../src/registration/records/passwords.js';

/**
 * The baseline of password_login: raw argon2id verifications per second (the parameters the
 * server hashes with), `concurrency` at a time as the server's requests run them, for
 * `seconds`. Run pinned to the server's core by runOnServerCore; prints the rate last.
 * Usage: argon2-verify.ts <seconds> [concurrency]
 */
const seconds = Number(process.argv[2] ?? 3);
const concurrency = Number(process.argv[3] ?? 4);
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
