import { RegistrationError } from '../../http/errors.js';
import type { AttrDef } from '../schema/attr-def.js';
import { isObject, type Json, type JsonObject } from './json.js';
import { defNamed, type PathStep } from './paths.js';
import { checkFormats, checkLength, fail } from './values.js';

/**
 * Second pass: read values (values.ts) are merged into a record's stored data. Records are
 * stored sparse: null, empty objects and empty plurals are simply absent (reads show them from
 * the schema). `update` adds and changes; `replace` sets what it does not name to null and
 * keeps only the plural elements it lists (NOTES.md §5).
 */

export interface MergeContext {
  argumentName: string;
  /** Elements `replace` dropped, with the schema path of their plural: they become orphans (entity.adopt). */
  dropped: Array<{ plural: string; element: JsonObject }>;
}

export function newMergeContext(argumentName: string): MergeContext {
  return { argumentName, dropped: [] };
}

export type MergeMode = 'update' | 'replace';

/** The id of an element this write created, until newElements() finds it and the store gives it a real one. */
export const NEW_ELEMENT = 0;

const isRequired = (def: AttrDef) => def.constraints?.includes('required') ?? false;
const isEmpty = (value: Json | undefined) => value === undefined || value === null || (isObject(value) && Object.keys(value).length === 0) || (Array.isArray(value) && value.length === 0);

/** The fields of a record, object or element after merging `patch` into `current`. */
export function mergeFields(defs: readonly AttrDef[], current: JsonObject | undefined, patch: JsonObject, mode: MergeMode, path: string, ctx: MergeContext): JsonObject {
  const out: JsonObject = mode === 'update' && current ? { ...current } : {};
  if (mode === 'replace' && current) dropUnnamed(defs, current, patch, path, ctx);
  for (const key of Object.keys(patch)) {
    if (key === 'id') continue;
    const def = defNamed(defs, key)!;
    const where = path ? `${path}.${key}` : key;
    const merged = mergeAttribute(def, current?.[key], patch[key], mode, where, ctx);
    if (isEmpty(merged) && def.type !== 'json') delete out[key];
    else if (merged === undefined || merged === null) delete out[key];
    else out[key] = merged;
  }
  return out;
}

export function mergeAttribute(def: AttrDef, current: Json | undefined, value: Json, mode: MergeMode, path: string, ctx: MergeContext): Json | undefined {
  if (def.type === 'object') {
    if (value === null) {
      if (mode === 'replace' && isObject(current)) dropUnnamed(def.attr_defs ?? [], current, {}, path, ctx);
      return undefined;
    }
    return mergeFields(def.attr_defs ?? [], isObject(current) ? current : undefined, value as JsonObject, mode, path, ctx);
  }
  if (def.type === 'plural') {
    const existing = Array.isArray(current) ? (current.filter(isObject) as JsonObject[]) : [];
    // update with null empties the plural; only replace turns the elements it drops into orphans.
    if (mode === 'update') return value === null ? undefined : updatePlural(def, existing, value as JsonObject[], path, ctx);
    return replacePlural(def, existing, value === null ? [] : (value as JsonObject[]), path, ctx);
  }
  return value === null ? undefined : value;
}

/** update: elements naming an existing id are merged into it, the others are appended. */
function updatePlural(def: AttrDef, existing: JsonObject[], given: JsonObject[], path: string, ctx: MergeContext): JsonObject[] {
  const defs = def.attr_defs ?? [];
  const out = existing.slice();
  for (const element of given) {
    if (typeof element.id === 'number') {
      const at = out.findIndex((e) => e.id === element.id);
      if (at < 0) throw new RegistrationError(310, `${path}#${element.id} does not exist`, { argumentName: ctx.argumentName });
      out[at] = mergeFields(defs, out[at], element, 'update', `${path}#${element.id}`, ctx);
      out[at].id = element.id;
    } else {
      out.push(freshElement(defs, element, path, ctx));
    }
  }
  return out;
}

/** replace: the given elements are the plural; those naming an existing id keep it, the rest are new. */
function replacePlural(def: AttrDef, existing: JsonObject[], given: JsonObject[], path: string, ctx: MergeContext): JsonObject[] {
  const defs = def.attr_defs ?? [];
  const kept = new Set<number>();
  const out: JsonObject[] = [];
  for (const element of given) {
    const id = element.id;
    const previous = typeof id === 'number' && !kept.has(id) ? existing.find((e) => e.id === id) : undefined;
    if (previous && typeof id === 'number') {
      kept.add(id);
      out.push({ id, ...mergeFields(defs, previous, element, 'replace', `${path}#${id}`, ctx) });
    } else {
      out.push(freshElement(defs, element, path, ctx));
    }
  }
  for (const element of existing) if (typeof element.id === 'number' && !kept.has(element.id)) ctx.dropped.push({ plural: schemaPathOf(path), element });
  return out;
}

function freshElement(defs: readonly AttrDef[], element: JsonObject, path: string, ctx: MergeContext): JsonObject {
  // `id` first so that reads show it first.
  return { id: NEW_ELEMENT, ...mergeFields(defs, undefined, element, 'replace', path, ctx) };
}

/** Under replace, plurals inside `current` that `patch` does not name lose all their elements. */
function dropUnnamed(defs: readonly AttrDef[], current: JsonObject, patch: JsonObject, path: string, ctx: MergeContext): void {
  for (const def of defs) {
    if (def.name in patch) continue;
    const value = current[def.name];
    const where = path ? `${path}.${def.name}` : def.name;
    if (def.type === 'plural' && Array.isArray(value)) {
      for (const element of value) if (isObject(element) && typeof element.id === 'number') ctx.dropped.push({ plural: schemaPathOf(where), element });
    } else if (def.type === 'object' && isObject(value)) {
      dropUnnamed(def.attr_defs ?? [], value, {}, where, ctx);
    }
  }
}

/**
 * The elements a write created, still carrying NEW_ELEMENT as their id: found by walking the
 * data (the type's rules may have copied it since the merge), to be given ids from
 * allocateElementIds.
 */
export function newElements(defs: readonly AttrDef[], data: JsonObject | undefined, out: JsonObject[] = []): JsonObject[] {
  if (!data) return out;
  for (const def of defs) {
    const value = data[def.name];
    if (def.type === 'object' && isObject(value)) newElements(def.attr_defs ?? [], value, out);
    else if (def.type === 'plural' && Array.isArray(value)) {
      for (const element of value) {
        if (!isObject(element)) continue;
        if (element.id === NEW_ELEMENT) out.push(element);
        newElements(def.attr_defs ?? [], element, out);
      }
    }
  }
  return out;
}

/** `profiles#12.followers` → `profiles.followers`. */
export function schemaPathOf(path: string): string {
  return path.replace(/#\d+/g, '').replace(/\[\d+\]/g, '');
}

/** Where a write lands: read or replace the value at the end of an attribute path. */
export interface Slot {
  get(): Json | undefined;
  set(value: Json | undefined): void;
  /** The element id when the path ends at a plural element. */
  element?: number;
}

/**
 * Walks `steps` inside `data` (mutating it: callers own the parsed record). Missing objects on
 * the way are created (and removed again by prune() if they stay empty); a missing plural
 * element is 310.
 */
export function locate(data: JsonObject, steps: PathStep[], argumentName: string): Slot {
  let container: JsonObject = data;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const last = i === steps.length - 1;
    const holder = container;
    if (step.element === undefined) {
      if (last) {
        return {
          get: () => holder[step.name],
          set: (value) => {
            if (value === undefined) delete holder[step.name];
            else holder[step.name] = value;
          },
        };
      }
      let child = holder[step.name];
      if (!isObject(child)) {
        child = {};
        holder[step.name] = child;
      }
      container = child;
      continue;
    }
    const list = holder[step.name];
    const elements = Array.isArray(list) ? list : [];
    const at = elements.findIndex((e) => isObject(e) && e.id === step.element);
    if (at < 0) throw new RegistrationError(310, `${steps.slice(0, i + 1).map((s) => (s.element === undefined ? s.name : `${s.name}#${s.element}`)).join('/')} does not exist`, { argumentName });
    if (last) {
      return {
        element: step.element,
        get: () => elements[at],
        set: (value) => {
          if (value === undefined) elements.splice(at, 1);
          else elements[at] = value;
          if (elements.length === 0) delete holder[step.name];
        },
      };
    }
    container = elements[at] as JsonObject;
  }
  throw new RegistrationError(200, 'an attribute path needs at least one step', { argumentName });
}

/** Removes objects left empty by a write along `steps` (sparse storage). */
export function prune(data: JsonObject, steps: PathStep[]): void {
  const chain: Array<{ holder: JsonObject; key: string }> = [];
  let container: Json | undefined = data;
  for (const step of steps) {
    if (!isObject(container)) break;
    if (step.element !== undefined) {
      const list: Json | undefined = container[step.name];
      container = Array.isArray(list) ? list.find((e) => isObject(e) && e.id === step.element) : undefined;
      chain.length = 0;
      continue;
    }
    chain.push({ holder: container, key: step.name });
    container = container[step.name];
  }
  for (let i = chain.length - 1; i >= 0; i--) {
    const { holder, key } = chain[i];
    const value = holder[key];
    if (isObject(value) && Object.keys(value).length === 0) delete holder[key];
    else if (value !== undefined) break;
  }
}

/**
 * `required` (362), `length` (363) and the format constraints (360) over what a write touched:
 * everything when `patch` is undefined (create, replace), else only the attributes `patch`
 * names, plus whole elements the write created. Runs after the type's rules.
 */
export function checkConstraints(defs: readonly AttrDef[], data: JsonObject | undefined, patch: JsonObject | undefined, path: string, ctx: MergeContext): void {
  for (const def of defs) {
    if (patch && !(def.name in patch)) continue;
    const value = data?.[def.name];
    const where = path ? `${path}.${def.name}` : def.name;
    if (isRequired(def) && (value === undefined || value === null)) throw fail(362, `${where} is required`, ctx);
    if (def.type === 'string' && typeof value === 'string') {
      checkLength(def, value, where, ctx);
      checkFormats(def, value, where, ctx);
    } else if (def.type === 'object') {
      const sub = patch?.[def.name];
      checkConstraints(def.attr_defs ?? [], isObject(value) ? value : undefined, patch && isObject(sub) ? sub : undefined, where, ctx);
    } else if (def.type === 'plural' && Array.isArray(value)) {
      const given = patch?.[def.name];
      for (const element of value) {
        if (!isObject(element)) continue;
        const at = `${where}#${element.id}`;
        if (!patch || element.id === NEW_ELEMENT) checkConstraints(def.attr_defs ?? [], element, undefined, at, ctx);
        else {
          const named = Array.isArray(given) ? given.find((g) => isObject(g) && g.id === element.id) : undefined;
          if (isObject(named)) checkConstraints(def.attr_defs ?? [], element, named, at, ctx);
        }
      }
    }
  }
}

/** `locally-unique` (361): no two elements of one plural of one record share a value. */
export function checkLocallyUnique(defs: readonly AttrDef[], data: JsonObject | undefined, path: string, ctx: { argumentName: string }): void {
  if (!data) return;
  for (const def of defs) {
    const value = data[def.name];
    const where = path ? `${path}.${def.name}` : def.name;
    if (def.type === 'object' && isObject(value)) checkLocallyUnique(def.attr_defs ?? [], value, where, ctx);
    if (def.type !== 'plural' || !Array.isArray(value)) continue;
    const children = def.attr_defs ?? [];
    for (const child of children) {
      if (!child.constraints?.includes('locally-unique')) continue;
      const seen = new Set<string>();
      for (const element of value) {
        const v = isObject(element) ? element[child.name] : undefined;
        if (v === undefined || v === null) continue;
        const key = comparable(child, v);
        if (seen.has(key)) throw fail(361, `${where}.${child.name} must be unique within the record: ${JSON.stringify(v).slice(0, 80)} appears twice`, ctx);
        seen.add(key);
      }
    }
    for (const element of value) if (isObject(element)) checkLocallyUnique(children, element, `${where}#${element.id}`, ctx);
  }
}

/** How a value compares for uniqueness: strings ignore case unless the attribute is case-sensitive. */
export function comparable(def: AttrDef, value: Json): string {
  if (typeof value === 'string') return def['case-sensitive'] ? value : value.toLowerCase();
  return JSON.stringify(value);
}
