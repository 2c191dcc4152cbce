import type { AttrDef } from '../schema/attr-def.js';
import { isObject, type Json, type JsonObject } from '../records/json.js';

/**
 * The attribute paths (`email`, `primaryAddress.city`, `profiles.domain`) whose values differ
 * between two stored states of a record: what an entityUpdated event lists and what UPDATE
 * subscriptions filter on. Objects and plurals are compared member by member (plural elements
 * by their id); anything else, json values included, as a whole.
 */
export function changedPaths(defs: readonly AttrDef[], before: JsonObject, after: JsonObject): string[] {
  const out = new Set<string>();
  diffFields(defs, before, after, '', out);
  return [...out];
}

function diffFields(defs: readonly AttrDef[], a: JsonObject | undefined, b: JsonObject | undefined, prefix: string, out: Set<string>): void {
  for (const def of defs) {
    const path = prefix ? `${prefix}.${def.name}` : def.name;
    const x = a?.[def.name];
    const y = b?.[def.name];
    if (def.type === 'object') diffFields(def.attr_defs ?? [], isObject(x) ? x : undefined, isObject(y) ? y : undefined, path, out);
    else if (def.type === 'plural') diffPlural(def.attr_defs ?? [], x, y, path, out);
    else if (!sameJson(x ?? null, y ?? null)) out.add(path);
  }
}

function elementsById(value: Json | undefined): Map<unknown, JsonObject> {
  const map = new Map<unknown, JsonObject>();
  if (Array.isArray(value)) value.forEach((e, i) => isObject(e) && map.set(e.id ?? `#${i}`, e));
  return map;
}

function diffPlural(defs: readonly AttrDef[], x: Json | undefined, y: Json | undefined, path: string, out: Set<string>): void {
  const before = elementsById(x);
  const after = elementsById(y);
  const size = out.size;
  let membership = false;
  for (const id of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(id);
    const b = after.get(id);
    if (!a || !b) membership = true;
    diffFields(defs, a, b, path, out);
  }
  // An element without values came or went: the plural itself changed.
  if (membership && out.size === size) out.add(path);
}

export function sameJson(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const keys = Object.keys(a).filter((k) => a[k] !== undefined);
    const other = Object.keys(b).filter((k) => b[k] !== undefined);
    return keys.length === other.length && keys.every((k) => k in b && sameJson(a[k], b[k]));
  }
  return false;
}

/**
 * Whether an UPDATE subscription's attribute filter (empty: any attribute) watches one of the
 * changed paths: the same path, one inside it (`primaryAddress` watches `primaryAddress.city`)
 * or one containing it.
 */
export function watches(filter: readonly string[], changed: readonly string[]): boolean {
  if (changed.length === 0) return false;
  if (filter.length === 0) return true;
  return changed.some((p) => {
    const path = p.toLowerCase();
    return filter.some((f) => path === f || path.startsWith(`${f}.`) || f.startsWith(`${path}.`));
  });
}
