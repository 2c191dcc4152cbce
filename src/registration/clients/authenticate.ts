import { BlockList, isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { digest, safeEqual } from '../../crypto/secrets.js';
import { RegistrationError } from '../../http/errors.js';
import type { Params } from '../../http/params.js';
import type { AppRow } from '../../partner/apps.js';
import type { Runtime } from '../../runtime.js';
import { toApiClient, type ApiClient } from './clients.js';

export interface AuthenticatedClient {
  app: AppRow;
  client: ApiClient;
}

/** A digest compared against when the client id is unknown, so both failures cost the same. */
const NO_SUCH_CLIENT = digest('no such client');

/**
 * Authenticates a Registration call by client credentials: `client_id` + `client_secret`
 * parameters, else HTTP Basic. No credentials at all → 100; anything wrong or incomplete → 402
 * with one message, so that a caller cannot probe which client ids exist.
 */
export async function authenticateClient(runtime: Runtime, request: FastifyRequest, params: Params): Promise<AuthenticatedClient> {
  const credentials = readCredentials(request, params);
  if (!credentials) throw new RegistrationError(100, 'missing client credentials: client_id and client_secret, or HTTP Basic', { argumentName: 'client_id' });
  const { clientId, secret } = credentials;
  const row =
    clientId && clientId.length <= 64
      ? await runtime.store.db.selectFrom('api_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst()
      : undefined;
  const matches = safeEqual(digest(secret ?? ''), row?.secret_digest ?? NO_SUCH_CLIENT);
  if (!row || !secret || !matches) throw new RegistrationError(402, 'invalid client credentials');
  const client = toApiClient(row);
  if (!ipAllowed(request.ip, client.whitelist)) throw new RegistrationError(403, 'this client may not call from this address');
  const app = await runtime.store.db.selectFrom('apps').selectAll().where('id', '=', row.app_id).executeTakeFirst();
  if (!app) throw new RegistrationError(402, 'invalid client credentials');
  return { app, client };
}

function readCredentials(request: FastifyRequest, params: Params): { clientId?: string; secret?: string } | undefined {
  const clientId = params.get('client_id') || undefined;
  const secret = params.get('client_secret') || undefined;
  if (clientId || secret) return { clientId, secret };
  const header = request.headers.authorization;
  const basic = typeof header === 'string' ? /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header) : null;
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { clientId: decoded || undefined };
  return { clientId: decoded.slice(0, colon) || undefined, secret: decoded.slice(colon + 1) || undefined };
}

/** Whether `ip` lies in one of the CIDRs; malformed entries match nothing. */
export function ipAllowed(ip: string, cidrs: string[]): boolean {
  const address = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const family = isIP(address);
  if (!family) return false;
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [net, bits] = cidr.split('/');
    const netFamily = isIP(net);
    if (!netFamily) continue;
    const prefix = bits === undefined ? (netFamily === 4 ? 32 : 128) : Number(bits);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > (netFamily === 4 ? 32 : 128)) continue;
    list.addSubnet(net, prefix, netFamily === 4 ? 'ipv4' : 'ipv6');
  }
  return list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}
