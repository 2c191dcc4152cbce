import autocannon from 'autocannon';
import { createSealer, loadSealingKey } from '../../src/crypto/sealer.js';
import { findAppByApiKey } from '../../src/partner/apps.js';
import { issueTokens, type SignInAnswer, type TokenGrant } from '../../src/social/tokens.js';
import { openStore } from '../../src/store/store.js';
import { onBothDatabases } from '../benchmark.js';
import { DEFAULT_CONNECTIONS } from '../load.js';

const TOKEN_URL = 'https://www.bench.example/rpx/token';

/** A Google sign-in's answer, the size sites typically receive. */
const ANSWER: SignInAnswer = {
  profile: {
    identifier: 'https://www.google.com/profiles/123456789123456789123',
    providerName: 'Google',
    displayName: 'Sam Knot',
    preferredUsername: 'sam',
    name: { givenName: 'Sam', familyName: 'Knot', formatted: 'Sam Knot' },
    email: 'sam@example.com',
    verifiedEmail: 'sam@example.com',
    photo: 'https://lh3.googleusercontent.com/a/ACg8ocJ-sample=s96-c',
    url: 'https://www.google.com/profiles/123456789123456789123',
    googleUserId: '123456789123456789123',
  },
  accessCredentials: { type: 'OAuth2', accessToken: `ya29.${'a'.repeat(160)}`, expires: 1900000000, scopes: 'openid profile email' },
  merged_poco: { emails: [{ type: 'other', value: 'sam@example.com' }], name: { givenName: 'Sam', familyName: 'Knot', formatted: 'Sam Knot' } },
};

/** Tokens made before the first round; later rounds top up from the rate the last one reached. */
const FIRST_BATCH = 60_000;

/**
 * The one-time token exchange: every request consumes a different pre-made token, as sites do
 * after each sign-in. Tokens are made directly in the server's database (signing in through a
 * provider a hundred thousand times is not what is measured); setup takes a few seconds.
 */
export default onBothDatabases({
  name: 'auth_info',
  async setup(server) {
    const created = await server.createApp();
    const store = openStore(server.databaseUrl, { poolSize: 2 });
    const sealer = createSealer(loadSealingKey(undefined, server.dataDir));
    const app = await findAppByApiKey(store.db, created.apikey);
    if (!app) throw new Error('the benchmark application is not in the database');
    const grant: TokenGrant = { identifier: String(ANSWER.profile.identifier), answer: ANSWER, tokenUrl: TOKEN_URL, oneTime: true };

    const pool: string[] = [];
    const topUp = async (wanted: number) => {
      if (pool.length < wanted) pool.push(...(await issueTokens(store, sealer, app.id, Array.from({ length: wanted - pool.length }, () => grant))));
    };
    await topUp(FIRST_BATCH + 1);
    const form = (token: string) => new URLSearchParams({ apiKey: created.apikey, token }).toString();
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    let lastRate = 0;

    return {
      // Checked once against the server, then given to the bare fastify baseline.
      requests: [{ path: '/api/v2/auth_info', form: { apiKey: created.apikey, token: pool.pop()! } }],
      check: (status, body) => (status === 200 && body.includes('"identifier"') ? undefined : `HTTP ${status}: ${body.slice(0, 300)}`),
      async measure(ctx) {
        await topUp(Math.max(FIRST_BATCH, Math.ceil(lastRate * ctx.durationSeconds * 1.5)));
        let unsupplied = 0;
        const result = await autocannon({
          url: server.url,
          connections: DEFAULT_CONNECTIONS,
          duration: ctx.durationSeconds,
          requests: [
            {
              method: 'POST',
              path: '/api/v2/auth_info',
              headers,
              setupRequest: (req) => {
                const token = pool.pop();
                if (token === undefined) unsupplied++;
                return { ...req, body: form(token ?? '0'.repeat(40)) };
              },
            },
          ],
        });
        const failed = result.errors + result.timeouts + result.non2xx;
        if (unsupplied > 0) throw new Error(`auth_info: ran out of pre-made tokens (${unsupplied} requests without one)`);
        if (failed > 0) throw new Error(`auth_info: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx answers`);
        lastRate = result.requests.total / result.duration;
        return lastRate;
      },
    };
  },
});
