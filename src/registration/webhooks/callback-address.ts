import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { RegistrationError } from '../../http/errors.js';

/**
 * Callback URLs are fetched by the server itself, so a subscription could otherwise make it
 * post into the network it runs in (SSRF). Unless the installation allows private callbacks,
 * every address a callback's host resolves to must be public: checked when the subscription is
 * saved, and again at every connection (the check and the connection use the same lookup), so
 * that a host re-pointed at a private address later (DNS rebinding) is refused too.
 */

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata services
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // old site-local
  ['ff00::', 8], // multicast
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** The 16 bytes of an IPv6 address, or undefined when the text is not one. */
function ipv6Bytes(address: string): number[] | undefined {
  let text = address.split('%')[0];
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const quad = text.slice(lastColon + 1).split('.').map(Number);
    if (quad.length !== 4 || quad.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) return undefined;
    tail.push(...quad);
    text = text.slice(0, lastColon + 1) + '0';
    // The dotted quad stood for two groups; '0' stands for one, the other is added below.
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  const wanted = tail.length ? 7 : 8;
  const missing = wanted - head.length - rest.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const all = [...head, ...Array(missing).fill(0), ...rest];
  if (tail.length) all.pop();
  if (all.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) return undefined;
  const bytes = all.flatMap((g) => [g >> 8, g & 0xff]);
  return [...bytes, ...tail];
}

/** An IPv4 address carried inside an IPv6 one (mapped, compatible, NAT64, 6to4), which reaches that IPv4 host. */
function embeddedIpv4(bytes: number[]): string | undefined {
  const zero = (from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
  const quad = (at: number) => bytes.slice(at, at + 4).join('.');
  if (zero(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return quad(12); // ::ffff:a.b.c.d
  if (zero(0, 12)) return quad(12); // ::a.b.c.d (deprecated compatible form)
  if (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zero(4, 12)) return quad(12); // 64:ff9b::/96
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return quad(2); // 2002::/16
  return undefined;
}

/** Whether an address is private, loopback, link-local, unique-local or otherwise not a public host. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address.split('%')[0]);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  const plain = address.split('%')[0];
  if (blocked.check(plain, 'ipv6')) return true;
  const bytes = ipv6Bytes(plain);
  if (!bytes) return true;
  const v4 = embeddedIpv4(bytes);
  return v4 !== undefined && blocked.check(v4, 'ipv4');
}

export class RefusedAddressError extends Error {
  readonly code = 'EOPENRAIN_PRIVATE_ADDRESS';
  constructor(host: string) {
    super(`${host} resolves to a private, loopback or link-local address`);
    this.name = 'RefusedAddressError';
  }
}

/** `[::1]` → `::1`: URL keeps the brackets of IPv6 literals. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

interface Resolved {
  address: string;
  family: number;
}

function resolveAll(host: string, family = 0): Promise<Resolved[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, family, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });
}

/**
 * The lookup deliveries connect through: the host's addresses, refused when any is private
 * (unless allowed), so that what was checked is what is connected to.
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return ((hostname: string, options: { family?: number | string; all?: boolean }, callback: (err: Error | null, address?: string | Resolved[], family?: number) => void) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : Number(options.family ?? 0) || 0;
    resolveAll(hostname, family).then(
      (addresses) => {
        if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }));
        if (!allowPrivate && addresses.some((a) => isPrivateAddress(a.address))) return callback(new RefusedAddressError(hostname));
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0].address, addresses[0].family);
      },
      (err: Error) => callback(err),
    );
  }) as unknown as LookupFunction;
}

const MAX_CALLBACK_LENGTH = 2000;

/**
 * A callback URL as webhooks/add and webhooks/update accept it: absolute http(s), and unless
 * private callbacks are allowed, a host whose every address is public. Answers the URL text.
 */
export async function checkCallback(text: string, allowPrivate: boolean): Promise<string> {
  const refuse = (why: string) => new RegistrationError(200, `callback ${why}`, { argumentName: 'callback' });
  const trimmed = text.trim();
  if (trimmed.length > MAX_CALLBACK_LENGTH) throw refuse(`is longer than ${MAX_CALLBACK_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw refuse('must be an absolute http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse('must be an http or https URL');
  if (url.hash) throw refuse('must not have a #fragment');
  const host = hostOf(url);
  if (!host) throw refuse('must name a host');
  if (allowPrivate) return url.toString();
  if (isIP(host)) {
    if (isPrivateAddress(host)) throw refuse('names a private, loopback or link-local address (set OPENRAIN_ALLOW_PRIVATE_CALLBACKS=1 to allow)');
    return url.toString();
  }
  let addresses: Resolved[];
  try {
    addresses = await resolveAll(host);
  } catch {
    throw refuse(`host ${host} does not resolve`);
  }
  if (addresses.length === 0) throw refuse(`host ${host} does not resolve`);
  if (addresses.some((a) => isPrivateAddress(a.address))) throw refuse(`host ${host} resolves to a private, loopback or link-local address (set OPENRAIN_ALLOW_PRIVATE_CALLBACKS=1 to allow)`);
  return url.toString();
}
