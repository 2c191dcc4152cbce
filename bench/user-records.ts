import type { CreatedApp, ServerUnderTest } from './benchmark.js';

/**
 * Generated `user` records for the records benchmarks (entity_find_email, entity_page_export,
 * bulk_create): the standard schema's usual attributes, about 400 bytes of JSON each, every
 * email distinct.
 */

/** How many users the 1,000,000-record benchmarks create in their setup (BENCH_RECORDS overrides it for quick runs). */
export const MILLION = Number(process.env.BENCH_RECORDS ?? 1_000_000);

const GIVEN = ['Ann', 'Bo', 'Carla', 'Dev', 'Emil', 'Fatima', 'Gus', 'Hana', 'Ivo', 'Jun'];
const FAMILY = ['Smith', 'Olsen', 'García', 'Nakamura', 'Okafor', 'Rossi', 'Kowalski', 'Dubois'];
const CITIES = ['Oslo', 'Lyon', 'Osaka', 'Lagos', 'Turin', 'Kraków', 'Austin', 'Porto'];

export function userEmail(prefix: string, i: number): string {
  return `${prefix}${i}@example.com`;
}

export function userRecord(prefix: string, i: number): Record<string, unknown> {
  const given = GIVEN[i % GIVEN.length];
  const family = FAMILY[(i >> 3) % FAMILY.length];
  return {
    email: userEmail(prefix, i),
    emailVerified: '2016-04-20 17:02:18 +0000',
    givenName: given,
    familyName: family,
    displayName: `${given} ${family} ${i}`,
    birthday: `19${50 + (i % 50)}-0${1 + (i % 9)}-1${i % 10}`,
    gender: i % 2 === 0 ? 'female' : 'male',
    mobileNumber: `+47 ${String(10_000_000 + i)}`,
    primaryAddress: { address1: `${i % 300} Main Street`, city: CITIES[i % CITIES.length], zip: String(10_000 + (i % 90_000)), country: 'NO' },
    lastLogin: '2020-01-02 03:04:05 +0000',
    lastLoginMethod: 'password',
  };
}

export function ownerParams(app: CreatedApp): Record<string, string> {
  return { client_id: app.capture_owner_client_id, client_secret: app.capture_owner_client_secret, type_name: 'user' };
}

/** One entity.bulkCreate form body of `count` records from `start`. */
export function bulkForm(app: CreatedApp, prefix: string, start: number, count: number): Record<string, string> {
  const records = Array.from({ length: count }, (_, k) => userRecord(prefix, start + k));
  return { ...ownerParams(app), all_attributes: JSON.stringify(records) };
}

/**
 * Creates `total` users through entity.bulkCreate in batches, two requests in flight so that
 * the server never waits for the next body. 1,000,000 take 1.5 to 4 minutes on the pinned
 * server core, depending on how busy the machine is (each 1,000,000-record benchmark pays it).
 */
export async function loadUsers(server: ServerUnderTest, app: CreatedApp, total: number, prefix = 'user', batch = 5000): Promise<void> {
  let next = 0;
  const started = Date.now();
  const worker = async () => {
    while (next < total) {
      const start = next;
      const count = Math.min(batch, total - start);
      next += count;
      const answer = await server.call('/entity.bulkCreate', bulkForm(app, prefix, start, count));
      const failed = (answer.results as unknown[]).find((r) => typeof r !== 'number');
      if (failed) throw new Error(`bulkCreate refused a generated record: ${JSON.stringify(failed)}`);
      if (start % 100_000 === 0) process.stderr.write(`  loaded ${start + count} users in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    }
  };
  await Promise.all([worker(), worker()]);
  process.stderr.write(`  loaded ${total} users in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
