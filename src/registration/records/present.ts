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

const fullSelections = new WeakMap<readonly AttrDef[], Selection>();

export function fullSelection(defs: readonly AttrDef[]): Selection {
  let selection = fullSelections.get(defs);
  if (!selection) {
    selection = { reserved: ALL_RESERVED, defs: defs.filter((d) => !isReserved(d.name)) };
    fullSelections.set(defs, selection);
  }
  return selection;
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

let lastMicros = Number.NaN;
let lastText = '';

export function timestamp(micros: number): string {
  // Records written together (bulk imports) share timestamps: the last one is kept.
  if (micros !== lastMicros) {
    lastText = formatTimestampOutput(fromEpochMicros(micros));
    lastMicros = micros;
  }
  return lastText;
}

/**
 * An object with `keys` in that order, all null: reads clone it (`{...blank}`) and then set the
 * values, because an object given more than a dozen new properties by computed-name stores turns
 * into a slow dictionary, which also makes JSON.stringify of the answer several times slower.
 * None for a `__proto__` name: setting it on a fresh object changes the prototype and shows no
 * key, which a blank object with it as its own key would not do.
 */
function blankOf(keys: readonly string[]): JsonObject | undefined {
  if (keys.includes('__proto__')) return undefined;
  return JSON.parse(`{${keys.map((key) => `${JSON.stringify(key)}:null`).join(',')}}`) as JsonObject;
}

function fresh(blank: JsonObject | undefined): JsonObject {
  return blank ? { ...blank } : {};
}

const recordBlanks = new WeakMap<Selection, JsonObject | undefined>();

function recordBlank(selection: Selection): JsonObject | undefined {
  let blank = recordBlanks.get(selection);
  if (blank === undefined && !recordBlanks.has(selection)) {
    blank = blankOf([...selection.reserved, ...planOf(selection.defs).map((step) => step.name)]);
    recordBlanks.set(selection, blank);
  }
  return blank;
}

export function presentRecord(row: RecordRow, selection: Selection): JsonObject {
  const blank = recordBlank(selection);
  const out = fresh(blank);
  for (const name of selection.reserved) {
    if (name === 'id') out.id = row.id;
    else if (name === 'uuid') out.uuid = row.uuid;
    else if (name === 'created') out.created = timestamp(row.created);
    else out.lastUpdated = timestamp(row.last_updated);
  }
  return present(planOf(selection.defs), row.data, out, blank !== undefined);
}

const enum Shape {
  Value,
  DateTime,
  Object,
  Plural,
}

interface Step {
  name: string;
  shape: Shape;
  def: AttrDef;
  children?: Step[];
  /** What an object's value, or each plural element, starts from (blankOf). */
  blank?: JsonObject;
}

const plans = new WeakMap<readonly AttrDef[], Step[]>();

/** What reading a schema level does per attribute, worked out once per (immutable) schema. */
function planOf(defs: readonly AttrDef[]): Step[] {
  let plan = plans.get(defs);
  if (!plan) {
    plan = defs
      .filter((def) => !isPasswordDef(def))
      .map((def) => {
        const shape = def.type === 'object' ? Shape.Object : def.type === 'plural' ? Shape.Plural : def.type === 'dateTime' ? Shape.DateTime : Shape.Value;
        const children = def.attr_defs && planOf(def.attr_defs);
        const names = children?.map((child) => child.name) ?? [];
        const blank = shape === Shape.Object ? blankOf(names) : shape === Shape.Plural ? blankOf(['id', ...names]) : undefined;
        return { name: def.name, shape, def, children, blank };
      });
    plans.set(defs, plan);
  }
  return plan;
}

export function presentFields(defs: readonly AttrDef[], data: JsonObject | undefined, out: JsonObject = {}): JsonObject {
  return present(planOf(defs), data, out);
}

/** `out` starts from a blank when `filled`: the attributes without a value are null there already. */
function present(plan: Step[], data: JsonObject | undefined, out: JsonObject, filled = false): JsonObject {
  for (const step of plan) {
    const value = data === undefined ? undefined : data[step.name];
    switch (step.shape) {
      case Shape.Value:
        if (value !== undefined) out[step.name] = value;
        else if (!filled) out[step.name] = null;
        break;
      case Shape.DateTime:
        if (value !== undefined) out[step.name] = typeof value === 'string' && value.endsWith('.000000 +0000') ? `${value.slice(0, 19)} +0000` : value;
        else if (!filled) out[step.name] = null;
        break;
      case Shape.Object:
        out[step.name] = present(step.children!, isObject(value) ? value : undefined, fresh(step.blank), step.blank !== undefined);
        break;
      case Shape.Plural: {
        const list: Json[] = [];
        if (Array.isArray(value)) {
          for (const element of value) {
            if (!isObject(element)) continue;
            const shown = fresh(step.blank);
            shown.id = element.id ?? null;
            list.push(present(step.children!, element, shown, step.blank !== undefined));
          }
        }
        out[step.name] = list;
        break;
      }
    }
  }
  return out;
}

export function presentValue(def: AttrDef, value: Json | undefined): Json {
  return presentFields([def], { [def.name]: value ?? null })[def.name] ?? null;
}

/** One plural element as reads show it. */
export function presentElement(def: AttrDef, element: JsonObject): JsonObject {
  return presentFields(def.attr_defs ?? [], element, { id: element.id ?? null });
}
