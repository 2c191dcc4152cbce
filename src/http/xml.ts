import { XMLBuilder } from 'fast-xml-parser';

// Compact output: Janrain's own Java helper crashes on whitespace between elements.
const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: false, suppressEmptyNode: false, suppressBooleanAttributes: false });

const SINGULAR: Record<string, string> = {
  entries: 'entry',
  entry: 'entry',
  signin: 'provider',
  social: 'provider',
  share: 'provider',
  email: 'provider',
  backplane_servers: 'backplane_server',
  permissions: 'permission',
  addresses: 'address',
  results: 'result',
  friends: 'friend',
  following: 'identifier',
  followers: 'identifier',
  friendships: 'identifier',
};

const singular = (key: string) => SINGULAR[key] ?? (key.endsWith('ies') ? `${key.slice(0, -3)}y` : key.endsWith('s') ? key.slice(0, -1) : 'item');
const XML_NAME = /^[A-Za-z_][\w.-]*$/;

/** Arrays repeat a singular child (`<identifiers><identifier>…</identifier></identifiers>`). */
function shape(value: unknown, key: string): unknown {
  if (Array.isArray(value)) return { [singular(key)]: value.map((v) => shape(v, singular(key))) };
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    const keyed: unknown[] = [];
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (k.startsWith('@_')) out[k] = v;
      else if (XML_NAME.test(k)) out[k] = shape(v, k);
      // Keys that are not XML names (numeric primary keys, URLs) become <singular key="…">.
      else keyed.push(withKey(shape(v, k), k));
    }
    if (keyed.length) out[singular(key)] = keyed;
    return out;
  }
  return typeof value === 'boolean' ? String(value) : value;
}

function withKey(node: unknown, key: string): unknown {
  return node !== null && typeof node === 'object' ? { '@_key': key, ...(node as object) } : { '@_key': key, '#text': node };
}

export function toXml(attributes: Record<string, string>, body: Record<string, unknown>): string {
  const rsp: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(attributes)) rsp[`@_${k}`] = v;
  Object.assign(rsp, shape(body, 'rsp'));
  return `<?xml version="1.0" encoding="UTF-8"?>${builder.build({ rsp })}`;
}
