import { BlockList, isIP } from 'node:net';

/** A client may call from anywhere until its whitelist is narrowed. */
export const DEFAULT_CLIENT_WHITELIST = ['0.0.0.0/0', '::/0'];

interface Subnet {
  net: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** `10.0.0.0/8`, `2001:db8::/32`, or a bare address (a /32 or /128); undefined when malformed. */
export function parseCidr(cidr: string): Subnet | undefined {
  const [net, bits, extra] = cidr.trim().split('/');
  if (extra !== undefined) return undefined;
  const netFamily = isIP(net);
  if (!netFamily) return undefined;
  const max = netFamily === 4 ? 32 : 128;
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return undefined;
  const prefix = bits === undefined ? max : Number(bits);
  if (prefix > max) return undefined;
  return { net, prefix, family: netFamily === 4 ? 'ipv4' : 'ipv6' };
}

// Whitelists change rarely and are few: each is compiled once (building a BlockList costs more than a check).
const compiled = new Map<string, BlockList>();
const COMPILED_LIMIT = 1000;

function blockListOf(cidrs: readonly string[]): BlockList {
  const key = cidrs.join(',');
  let list = compiled.get(key);
  if (list) return list;
  list = new BlockList();
  for (const cidr of cidrs) {
    const subnet = parseCidr(cidr);
    if (subnet) list.addSubnet(subnet.net, subnet.prefix, subnet.family);
  }
  if (compiled.size >= COMPILED_LIMIT) compiled.delete(compiled.keys().next().value as string);
  compiled.set(key, list);
  return list;
}

function allowsAll(cidrs: readonly string[]): boolean {
  return cidrs.includes('0.0.0.0/0') && cidrs.includes('::/0');
}

/** Whether `ip` lies in one of the CIDRs; malformed entries match nothing. */
export function ipAllowed(ip: string, cidrs: readonly string[]): boolean {
  return compileWhitelist(cidrs)(ip);
}

/** ipAllowed for one whitelist, parsed once: for callers that check the same whitelist often. */
export function compileWhitelist(cidrs: readonly string[]): (ip: string) => boolean {
  const all = allowsAll(cidrs);
  const list = all ? undefined : blockListOf(cidrs);
  return (ip) => {
    const address = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
    const family = isIP(address);
    if (!family) return false;
    return all || list!.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
}
