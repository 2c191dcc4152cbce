import autocannon from 'autocannon';
import { onBothDatabases, type ServerUnderTest } from '../benchmark.js';
import { DEFAULT_CONNECTIONS } from '../load.js';

const REDIRECT = 'https://bench.example.com/oauth';

/**
 * oauth/token with grant_type=refresh_token: every answer spends the refresh token it was given
 * and hands out a new pair, which the same connection presents next (refresh with rotation, as
 * a site keeping a session alive does). One chain (token family) per connection; each round
 * starts fresh chains, since a token whose answer a round cut off is spent and presenting it
 * again would revoke its family. Setup: a user and a few hundred grants, a
 * second or two.
 */
export default onBothDatabases({
  name: 'oauth_token_refresh',
  async setup(server) {
    const created = await server.createApp();
    const owner = { client_id: created.capture_owner_client_id, client_secret: created.capture_owner_client_secret };
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${created.capture_login_client_id}:${created.capture_login_client_secret}`).toString('base64')}`,
    };
    const user = await server.call('/entity.create', { ...owner, type_name: 'user', attributes: JSON.stringify({ email: 'bench.refresh@example.com', givenName: 'Bench' }) });
    const chain = () => newChain(server, owner, created.capture_login_client_id, created.capture_login_client_secret, user.uuid as string);
    const form = (token: string) => new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }).toString();

    return {
      // Checked once against the server, then given to the bare fastify baseline.
      requests: [{ path: '/oauth/token', headers, form: { grant_type: 'refresh_token', refresh_token: await chain() } }],
      check: (status, body) => (status === 200 && /"refresh_token":"[a-z0-9]{32}"/.test(body) ? undefined : `HTTP ${status}: ${body.slice(0, 300)}`),
      async measure(ctx) {
        const ready = await Promise.all(Array.from({ length: DEFAULT_CONNECTIONS }, chain));
        let unsupplied = 0;
        let unrotated = 0;
        const result = await autocannon({
          url: server.url,
          connections: DEFAULT_CONNECTIONS,
          duration: ctx.durationSeconds,
          requests: [
            {
              method: 'POST',
              path: '/oauth/token',
              headers,
              // Each connection has one request in flight: its answer's refresh token joins the
              // ready queue before that connection takes the next one, so the queue never runs dry.
              setupRequest: (req) => {
                const token = ready.shift();
                if (token === undefined) unsupplied++;
                return { ...req, body: form(token ?? 'none') };
              },
              onResponse: (status, body) => {
                const next = status === 200 ? /"refresh_token":"([a-z0-9]+)"/.exec(body)?.[1] : undefined;
                if (next) ready.push(next);
                else unrotated++;
              },
            },
          ],
        });
        const failed = result.errors + result.timeouts + result.non2xx;
        if (unsupplied > 0) throw new Error(`oauth_token_refresh: ${unsupplied} requests found no chain to continue`);
        if (failed > 0 || unrotated > 0) throw new Error(`oauth_token_refresh: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx answers, ${unrotated} answers without a new refresh token`);
        return result.requests.total / result.duration;
      },
    };
  },
});

/** A new grant for the login client: access/getAuthorizationCode by the owner, exchanged at oauth/token. */
async function newChain(server: ServerUnderTest, owner: Record<string, string>, clientId: string, clientSecret: string, uuid: string): Promise<string> {
  const code = await server.call('/access/getAuthorizationCode', { ...owner, type_name: 'user', uuid, redirect_uri: REDIRECT, for_client_id: clientId });
  const tokens = await server.call('/oauth/token', { client_id: clientId, client_secret: clientSecret, grant_type: 'authorization_code', code: code.authorizationCode, redirect_uri: REDIRECT });
  return tokens.refresh_token as string;
}
