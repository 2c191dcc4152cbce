/**
 * webhook_delivery's baseline: what delivery costs with no database at all. `streams`
 * concurrent loops each sign an event token like the server's (RS256, same claims) and POST it
 * to the receiver over keep-alive, waiting for each answer before the next, as an ordered
 * subscription must. Prints tokens delivered per second.
 *
 *   node --import tsx bench/webhook-raw-post.ts <receiver URL> <seconds> <streams>
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { generateKeyPair, SignJWT } from 'jose';

const [base, secondsText, streamsText] = process.argv.slice(2);
const seconds = Number(secondsText);
const streams = Number(streamsText);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function post(url: URL, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/secevent+jwt', 'content-length': Buffer.byteLength(token) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(token);
  });
}

async function main(): Promise<number> {
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
  let delivered = 0;
  const started = performance.now();
  const stream = async (n: number) => {
    const url = new URL(`${base}/raw${n}`);
    while (performance.now() - started < seconds * 1000) {
      const uuid = randomUUID();
      const claims = {
        iss: 'http://localhost:8080/webhooks/benchapp',
        aud: url.toString(),
        iat: Math.floor(Date.now() / 1000),
        jti: randomUUID(),
        toe: Math.floor(Date.now() / 1000),
        events: { entityCreated: { captureApplicationId: 'benchapp', captureClientId: 'benchclient', entityType: 'gadget', globalSub: `capture-v1://localhost:8080/benchapp/gadget/${uuid}`, sub: uuid, id: randomUUID() } },
      };
      const token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k', typ: 'secevent+jwt' }).sign(privateKey);
      if ((await post(url, token)) !== 200) throw new Error('the receiver refused a token');
      delivered++;
    }
  };
  await Promise.all(Array.from({ length: streams }, (_, n) => stream(n)));
  agent.destroy();
  return delivered / ((performance.now() - started) / 1000);
}

main().then(
  (figure) => console.log(figure.toFixed(1)),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
