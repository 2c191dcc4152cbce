import { availableParallelism } from 'node:os';
import { hash, verify, type Options } from '@node-rs/argon2';

/** DESIGN.md: argon2id, m=19456 KiB, t=2, p=1 (OWASP). `algorithm: 2` is Argon2id (a const enum the build cannot import). */
export const ARGON2ID: Options & { memoryCost: number; timeCost: number; parallelism: number } = { algorithm: 2 as Options['algorithm'], memoryCost: 19456, timeCost: 2, parallelism: 1 };

/**
 * At most one argon2id computation per core at a time; the rest wait their turn. Each one
 * walks 19 MiB of memory: running more at once than there are cores adds no throughput, only
 * memory and cache thrash (on one core, four at once verify ~80/s, one at a time ~117/s), and
 * it slows everything else the process does. Also bounds the memory a burst of sign-ins takes.
 */
export const ARGON2_SLOTS = Math.max(1, availableParallelism());

let running = 0;
const waiting: Array<() => void> = [];

async function inSlot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= ARGON2_SLOTS) await new Promise<void>((go) => waiting.push(go));
  else running++;
  try {
    return await work();
  } finally {
    // The slot passes straight to the next waiter, so `running` only drops when nobody waits.
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

export function argon2idHash(plaintext: string): Promise<string> {
  return inSlot(() => hash(plaintext, ARGON2ID));
}

/** Whether `plaintext` matches an encoded argon2 hash; rejects on a malformed hash. */
export function argon2idVerify(encoded: string, plaintext: string): Promise<boolean> {
  return inSlot(() => verify(encoded, plaintext, ARGON2ID));
}
