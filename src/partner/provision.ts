import type { Sealer } from '../crypto/sealer.js';
import { createClient } from '../registration/clients/clients.js';
import { provisionStandardUserType } from '../registration/schema/standard-user.js';
import { provisionStandardFlow } from '../registration/flows/model/provision.js';
import type { Tx } from '../store/store.js';

export interface RegistrationCredentials {
  owner: { client_id: string; client_secret: string };
  login: { client_id: string; client_secret: string };
}

/**
 * Provisions a new application's Registration side inside `app/create`'s transaction: the
 * owner API client, the login client, and (added by the Registration store) the standard
 * `user` entity type. Anything added here must use only `tx` so that a failure undoes the
 * whole application.
 */
export async function provisionRegistration(tx: Tx, appRowId: number, sealer?: Sealer): Promise<RegistrationCredentials> {
  const owner = await createClient(tx, appRowId, { description: 'Owner (created with the application)', features: ['owner'] }, sealer);
  const login = await createClient(tx, appRowId, { description: 'Login client (created with the application)', features: ['login_client'] }, sealer);
  await provisionStandardUserType(tx, appRowId);
  await provisionStandardFlow(tx, appRowId);
  return { owner, login };
}
