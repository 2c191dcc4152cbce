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

/** Whether `ip` lies in one of the CIDRs; malformed entries match nothing. */
export function ipAllowed(ip: string, cidrs: string[]): boolean {
  const address = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const family = isIP(address);
  if (!family) return false;
  const list = new BlockList();
  for (const cidr of cidrs) {
    const subnet = parseCidr(cidr);
    if (subnet) list.addSubnet(subnet.net, subnet.prefix, subnet.family);
  }
  return list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}
