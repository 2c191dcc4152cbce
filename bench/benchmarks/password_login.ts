import autocannon from 'autocannon';
import { onBothDatabases, type CreatedApp, type ServerUnderTest } from '../benchmark.js';

const USERS = 64;
const CONNECTIONS = 16;
const PASSWORD = 'bench-Password1';
const REDIRECT = 'https://bench.example.com/signed-in';

/**
 * oauth/auth_native_traditional (signInForm, response_type=token) over HTTP: each sign-in checks
 * the throttle, finds the record by email, verifies its argon2id hash, writes lastLogin and
 * issues an access token. The users (64, registered through register_native_traditional in
 * setup, a few seconds of argon2id hashing) take turns, so no two concurrent sign-ins write one
 * record. Baseline: raw argon2id verifications per second on the server's core, at the
 * library's best rate (one per core at a time: bench/argon2-verify.ts).
 */
export default onBothDatabases({
  name: 'password_login',
  unit: 'logins/s',
  async setup(server) {
    const app = await server.createApp();
    const version = await flowVersion(server, app);
    const common = { client_id: app.capture_login_client_id, flow: 'standard', flow_version: version, locale: 'en-US', redirect_uri: REDIRECT };
    const tag = Date.now().toString(36);
    const emails = Array.from({ length: USERS }, (_, i) => `bench.login${i}.${tag}@example.com`);
    for (let i = 0; i < emails.length; i += 8) {
      await Promise.all(
        emails.slice(i, i + 8).map((email, j) =>
          server.call('/oauth/register_native_traditional', {
            ...common,
            form: 'registrationForm',
            firstName: 'Bench',
            lastName: `User${i + j}`,
            displayName: `bench${i + j}`,
            emailAddress: email,
            newPassword: PASSWORD,
            newPasswordConfirm: PASSWORD,
          }),
        ),
      );
    }
    const form = (email: string) => new URLSearchParams({ ...common, response_type: 'token', form: 'signInForm', signInEmailAddress: email, currentPassword: PASSWORD }).toString();
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    const signedIn = (status: number, body: string) => (status === 200 && /"stat":"ok"/.test(body) && /"access_token":"[a-z0-9]{32}"/.test(body) ? undefined : `HTTP ${status}: ${body.slice(0, 300)}`);
    return {
      requests: [{ path: '/oauth/auth_native_traditional', form: { ...common, response_type: 'token', form: 'signInForm', signInEmailAddress: emails[0], currentPassword: PASSWORD } }],
      check: signedIn,
      async measure(ctx) {
        let turn = 0;
        let refused = 0;
        let complaint: string | undefined;
        const result = await autocannon({
          url: server.url,
          connections: CONNECTIONS,
          duration: ctx.durationSeconds,
          requests: [
            {
              method: 'POST',
              path: '/oauth/auth_native_traditional',
              headers,
              setupRequest: (req) => ({ ...req, body: form(emails[turn++ % emails.length]) }),
              onResponse: (status, body) => {
                const problem = signedIn(status, body);
                if (problem) {
                  refused++;
                  complaint ??= problem;
                }
              },
            },
          ],
        });
        const failed = result.errors + result.timeouts + result.non2xx;
        if (failed > 0 || refused > 0) throw new Error(`password_login: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx, ${refused} refused sign-ins (${complaint ?? ''})`);
        return result.requests.total / result.duration;
      },
      baseline: {
        describe: 'raw argon2id verifications (m=19456, t=2, p=1), one per core at a time (its best rate), on the server core',
        measure: (ctx) => ctx.runOnServerCore('bench/argon2-verify.ts', [String(ctx.durationSeconds)]),
      },
    };
  },
});

/** The standard flow's version, from the Configuration API (Basic owner credentials). */
async function flowVersion(server: ServerUnderTest, app: CreatedApp): Promise<string> {
  const credentials = Buffer.from(`${app.capture_owner_client_id}:${app.capture_owner_client_secret}`).toString('base64');
  const res = await fetch(`${server.url}/config/${app.appid}/flows/standard`, { headers: { authorization: `Basic ${credentials}` } });
  const body = (await res.json()) as { version?: string };
  if (!body.version) throw new Error(`no standard flow: ${JSON.stringify(body).slice(0, 200)}`);
  return body.version;
}
