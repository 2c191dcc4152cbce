import { digest, randomHex, randomLowerAlpha } from '../crypto/secrets.js';
import { socialErrors } from '../http/errors.js';
import type { Runtime } from '../runtime.js';
import { provisionSocialApp } from '../social/provision.js';
import type { Tx } from '../store/store.js';
import { addAdmin } from './admins.js';
import type { AppRow } from './apps.js';
import { createInvite } from './invites.js';
import { provisionRegistration, type RegistrationCredentials } from './provision.js';
import { deriveRealmLabel, explicitRealmLabel, realmProblem, realmWithSuffix } from './realm.js';
import { isUniqueViolation } from './unique-violation.js';

export interface NewApp {
  /** The first admin. */
  email: string;
  /** The site's domain (`www.example.com`); also the first entry of its whitelist. */
  domain: string;
  name?: string;
  /** A realm label to keep (migrations); taken or malformed → code 1. */
  realm?: string;
  /** An apiKey to keep (migrations): 40 hex characters, not in use. */
  apiKey?: string;
}

export interface CreatedApp {
  app: AppRow;
  /** The apiKey in clear; it is stored only as a digest and sealed. */
  apiKey: string;
  /** The first admin's invitation link. */
  inviteUrl: string;
  registration: RegistrationCredentials;
}

const API_KEY = /^[0-9a-f]{40}$/i;

/**
 * Creates an application and everything it starts with (admin, invitation, Social Login
 * settings, Registration clients) in ONE transaction: a failure anywhere leaves nothing behind.
 */
export async function createApp(runtime: Runtime, input: NewApp): Promise<CreatedApp> {
  const apiKey = (input.apiKey ?? randomHex(20)).toLowerCase();
  if (!API_KEY.test(apiKey)) throw socialErrors.invalidParameter('apiKey', 'must be 40 hexadecimal characters');
  let explicitRealm: string | undefined;
  if (input.realm !== undefined) {
    explicitRealm = explicitRealmLabel(runtime.config, input.realm);
    const problem = realmProblem(explicitRealm);
    if (problem) throw socialErrors.invalidRealm(`${explicitRealm} is ${problem}`);
  }
  try {
    return await runtime.store.write(async (tx) => {
      const apiKeyDigest = digest(apiKey);
      if (await tx.selectFrom('apps').select('id').where('api_key_digest', '=', apiKeyDigest).executeTakeFirst())
        throw socialErrors.invalidParameter('apiKey', 'already in use by another application');
      const realm = explicitRealm ?? (await freeRealm(tx, deriveRealmLabel(input.name ?? input.domain)));
      if (explicitRealm && (await realmTaken(tx, explicitRealm))) throw socialErrors.invalidRealm(`${explicitRealm} is already taken`);
      const app = await tx
        .insertInto('apps')
        .values({
          app_id: randomLowerAlpha(20),
          realm,
          name: input.name ?? input.domain,
          domain: input.domain,
          api_key_digest: apiKeyDigest,
          api_key_sealed: runtime.sealer.seal(apiKey),
          created_at: Date.now(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await addAdmin(tx, app.id, input.email, true);
      const inviteUrl = await createInvite(tx, runtime, app.id, input.email);
      await provisionSocialApp(tx, app.id, { domain: input.domain });
      const registration = await provisionRegistration(tx, app.id, runtime.sealer);
      return { app, apiKey, inviteUrl, registration };
    });
  } catch (err) {
    // Two creations racing for the same realm or key: the loser hears what a sequential caller would.
    if (isUniqueViolation(err)) {
      if (explicitRealm) throw socialErrors.invalidRealm(`${explicitRealm} is already taken`);
      throw socialErrors.invalidParameter('apiKey', 'already in use by another application');
    }
    throw err;
  }
}

async function realmTaken(tx: Tx, realm: string): Promise<boolean> {
  return (await tx.selectFrom('apps').select('id').where('realm', '=', realm).executeTakeFirst()) !== undefined;
}

async function freeRealm(tx: Tx, base: string): Promise<string> {
  if (!(await realmTaken(tx, base))) return base;
  for (let i = 0; i < 20; i++) {
    const candidate = realmWithSuffix(base);
    if (!(await realmTaken(tx, candidate))) return candidate;
  }
  throw new Error('no free realm found');
}
