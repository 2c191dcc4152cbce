import { RegistrationError } from '../../http/errors.js';
import type { AttrDef } from '../schema/attr-def.js';
import { formatTimestampOutput, fromEpochMicros } from './datetime.js';
import { isObject, type Json, type JsonObject } from './json.js';
import { isReserved, type ReservedName } from './paths.js';
import { isPasswordDef } from './passwords.js';

/**
 * How records read back (NOTES.md §5): every attribute of the schema, null when absent,
 * objects as objects, plurals as arrays whose elements carry their `id`; `created` /
 * `lastUpdated` as `2016-04-20 17:02:18.649505 +0000`, dateTimes without a zero fraction.
 * Password attributes are never shown, wherever they sit.
 */

export interface RecordRow {
  id: number;
  uuid: string;
  created: number;
  last_updated: number;
  data: JsonObject;
}

/** A schema pruned to what a read asked for (`attributes`), with the reserved attributes it wants. */
export interface Selection {
  reserved: ReservedName[];
  defs: readonly AttrDef[];
}

const ALL_RESERVED: ReservedName[] = ['id', 'uuid', 'created', 'lastUpdated'];

export function fullSelection(defs: readonly AttrDef[]): Selection {
  return { reserved: ALL_RESERVED, defs: defs.filter((d) => !isReserved(d.name)) };
}

/**
 * The part of the schema named by `attributes` (dot paths: `email`, `primaryAddress.city`,
 * `profiles.domain`); an unknown path is 223.
 */
export function selectAttributes(defs: readonly AttrDef[], paths: string[], argumentName = 'attributes'): Selection {
  const reserved = new Set<ReservedName>();
  const root: AttrDef[] = [];
  for (const raw of paths) {
    const steps = raw.trim().replace(/^\/+/, '').split(/[./]/);
    if (steps.length === 1 && isReserved(steps[0])) {
      reserved.add(steps[0]);
      continue;
    }
    let available = defs;
    let into = root;
    for (let i = 0; i < steps.length; i++) {
      const name = steps[i];
      const def = available.find((d) => d.name === name && !isReserved(d.name));
      if (!def) throw new RegistrationError(223, `unknown attribute ${steps.slice(0, i + 1).join('.')}`, { argumentName });
      const last = i === steps.length - 1;
      let picked = into.find((d) => d.name === name);
      if (!picked) {
        picked = last || !def.attr_defs ? def : { ...def, attr_defs: [] };
        into.push(picked);
      } else if (last) {
        into[into.indexOf(picked)] = def;
        picked = def;
      }
      if (last) break;
      if (!def.attr_defs) throw new RegistrationError(223, `${steps.slice(0, i + 1).join('.')} has no attribute ${steps[i + 1]}`, { argumentName });
      if (picked === def) break; // the whole attribute is already selected
      available = def.attr_defs;
      into = picked.attr_defs!;
    }
  }
  return { reserved: ALL_RESERVED.filter((r) => reserved.has(r)), defs: root };
}

export function timestamp(micros: number): string {
  return formatTimestampOutput(fromEpochMicros(micros));
}

export function presentRecord(row: RecordRow, selection: Selection): JsonObject {
  const out: JsonObject = {};
  for (const name of selection.reserved) {
    if (name === 'id') out.id = row.id;
    else if (name === 'uuid') out.uuid = row.uuid;
    else if (name === 'created') out.created = timestamp(row.created);
    else out.lastUpdated = timestamp(row.last_updated);
  }
  presentFields(selection.defs, row.data, out);
  return out;
}

export function presentFields(defs: readonly AttrDef[], data: JsonObject | undefined, out: JsonObject = {}): JsonObject {
  for (const def of defs) {
    if (isPasswordDef(def)) continue;
    out[def.name] = presentValue(def, data?.[def.name]);
  }
  return out;
}

export function presentValue(def: AttrDef, value: Json | undefined): Json {
  switch (def.type) {
    case 'object':
      return presentFields(def.attr_defs ?? [], isObject(value) ? value : undefined);
    case 'plural':
      return Array.isArray(value) ? value.filter(isObject).map((element) => presentFields(def.attr_defs ?? [], element, { id: element.id ?? null })) : [];
    case 'dateTime':
      return typeof value === 'string' && value.endsWith('.000000 +0000') ? `${value.slice(0, 19)} +0000` : (value ?? null);
    default:
      return value === undefined ? null : value;
  }
}

/** One plural element as reads show it. */
export function presentElement(def: AttrDef, element: JsonObject): JsonObject {
  return presentFields(def.attr_defs ?? [], element, { id: element.id ?? null });
}
