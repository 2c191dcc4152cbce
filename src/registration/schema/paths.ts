import type { AttributeInfo, AttributeType } from '../records/filter/attribute.js';
import { ATTRIBUTE_NAME, RESERVED_ATTRIBUTES, type AttrDef } from './attr-def.js';

/** Deepest attribute path we accept; schemas are validated to stay within it. */
export const MAX_PATH_DEPTH = 12;

/**
 * Splits an attribute path as clients write it: `primaryAddress.city`, `/primaryAddress/city`,
 * even `/primaryAddress.city` (Janrain's own documentation mixes them). Undefined when a
 * segment is not a valid attribute name.
 */
export function parseAttributePath(text: string): string[] | undefined {
  const trimmed = text.trim().replace(/^\//, '');
  if (trimmed === '') return undefined;
  const segments = trimmed.split(/[./]/);
  if (segments.length > MAX_PATH_DEPTH || !segments.every((s) => ATTRIBUTE_NAME.test(s))) return undefined;
  return segments;
}

/** `/a/b`: the form Janrain answers attribute lists of rules and properties in. */
export function slashPath(segments: readonly string[]): string {
  return `/${segments.join('/')}`;
}

/** Reserved attributes as the schema shows them (id, uuid, created, lastUpdated). */
export const RESERVED_ATTR_DEFS: AttrDef[] = [
  { name: 'id', type: 'id', description: 'simple identifier for this entity' },
  { name: 'uuid', type: 'uuid', description: 'globally unique identifier for this entity' },
  { name: 'created', type: 'dateTime', description: 'when this entity was created' },
  { name: 'lastUpdated', type: 'dateTime', description: 'when this entity was last updated' },
];

/** The `id` every plural element carries. */
export const ELEMENT_ID_DEF: AttrDef = { name: 'id', type: 'id', description: 'simple identifier for this element' };

const RESERVED_COLUMNS: Record<string, AttributeInfo['column']> = { id: 'id', uuid: 'uuid', created: 'created', lastUpdated: 'last_updated' };

export function isReservedName(name: string): boolean {
  return (RESERVED_ATTRIBUTES as readonly string[]).includes(name);
}

/** Where a path lands in a schema. */
export interface AttributeLocation {
  segments: string[];
  def: AttrDef;
  /** A reserved attribute (top level, or a plural element's `id`): not stored in attr_defs. */
  reserved: boolean;
  /** Indexes into `segments` of the plural attributes strictly above this one. */
  pluralAncestors: number[];
}

/** Finds the attribute a path names, including reserved ones; undefined when there is none. */
export function locateAttribute(attrDefs: readonly AttrDef[], segments: readonly string[]): AttributeLocation | undefined {
  if (segments.length === 1 && isReservedName(segments[0])) {
    const def = RESERVED_ATTR_DEFS.find((d) => d.name === segments[0]);
    return def && { segments: [...segments], def, reserved: true, pluralAncestors: [] };
  }
  let level: readonly AttrDef[] = attrDefs;
  let container: AttrDef | undefined;
  const pluralAncestors: number[] = [];
  for (let i = 0; i < segments.length; i++) {
    const name = segments[i];
    const last = i === segments.length - 1;
    if (last && name === 'id' && container?.type === 'plural') return { segments: [...segments], def: ELEMENT_ID_DEF, reserved: true, pluralAncestors: [...pluralAncestors] };
    const def = level.find((d) => d.name === name);
    if (!def) return undefined;
    if (last) return { segments: [...segments], def, reserved: false, pluralAncestors };
    if (!def.attr_defs) return undefined;
    if (def.type === 'plural') pluralAncestors.push(i);
    container = def;
    level = def.attr_defs;
  }
  return undefined;
}

/** The filter module's type of an attribute: concrete password schemes are all `password`. */
export function attributeType(def: AttrDef): AttributeType {
  return def.type.startsWith('password') ? 'password' : (def.type as AttributeType);
}

/** Text attributes compare case-insensitively unless their definition says `case-sensitive: true`. */
export function isCaseSensitive(def: AttrDef): boolean {
  return def['case-sensitive'] === true;
}

/**
 * The records contract's AttributeInfo for a location. Attributes below two or more plurals
 * (a plural inside a plural's elements) have no single-plural form and resolve to undefined.
 */
export function attributeInfo(location: AttributeLocation): AttributeInfo | undefined {
  const { segments, def } = location;
  const name = segments.join('.');
  const type = attributeType(def);
  if (location.reserved && location.pluralAncestors.length === 0 && segments.length === 1) {
    return { name, column: RESERVED_COLUMNS[segments[0]], path: [...segments], type, caseSensitive: true };
  }
  if (location.pluralAncestors.length > 1) return undefined;
  const caseSensitive = isCaseSensitive(def);
  if (location.pluralAncestors.length === 0) return { name, path: [...segments], type, caseSensitive };
  const at = location.pluralAncestors[0];
  return { name, plural: segments.slice(0, at + 1), path: segments.slice(at + 1), type, caseSensitive };
}

/** A resolver for the filter and sort compilers over one schema. */
export function resolverFor(attrDefs: readonly AttrDef[]): (dottedPath: string) => AttributeInfo | undefined {
  const memo = new Map<string, AttributeInfo | undefined>();
  return (dottedPath) => {
    if (memo.has(dottedPath)) return memo.get(dottedPath);
    const segments = parseAttributePath(dottedPath);
    const location = segments && locateAttribute(attrDefs, segments);
    const info = location && attributeInfo(location);
    if (memo.size < 10_000) memo.set(dottedPath, info);
    return info;
  };
}

/** Visits every attribute definition below `attrDefs` with its path (depth first, parents first). */
export function walkAttrDefs(attrDefs: readonly AttrDef[], visit: (def: AttrDef, segments: string[], pluralAncestors: number[]) => void, prefix: string[] = [], plurals: number[] = []): void {
  for (const def of attrDefs) {
    const segments = [...prefix, def.name];
    visit(def, segments, plurals);
    if (def.attr_defs) walkAttrDefs(def.attr_defs, visit, segments, def.type === 'plural' ? [...plurals, segments.length - 1] : plurals);
  }
}
