import { RegistrationError } from '../../http/errors.js';
import type { AttrDef } from '../schema/attr-def.js';
import { ATTRIBUTE_NAME, RESERVED_ATTRIBUTES } from '../schema/attr-def.js';

/** One step of an attribute path: an attribute, and for a plural optionally one element (`profiles#12`). */
export interface PathStep {
  name: string;
  def: AttrDef;
  element?: number;
}

/** Where a value goes: the fields of the record or of one plural element, or one attribute. */
export type Target = { kind: 'fields'; defs: readonly AttrDef[] } | { kind: 'attribute'; def: AttrDef };

export type ReservedName = (typeof RESERVED_ATTRIBUTES)[number];

export function isReserved(name: string): name is ReservedName {
  return (RESERVED_ATTRIBUTES as readonly string[]).includes(name);
}

const SEGMENT = /^([A-Za-z_][A-Za-z0-9_]*)(?:#(\d{1,15}))?$/;

/**
 * Reads an `attribute_name` (NOTES.md §5): `/primaryAddress`, `primaryAddress/city`,
 * `primaryAddress.city`, `profiles`, `/profiles#123`, `/profiles#123/domain`. Slashes and dots
 * both separate steps; `#id` picks one plural element. A reserved name (`id`, `uuid`,
 * `created`, `lastUpdated`) is answered as `{ reserved }`.
 */
export function parseAttributePath(defs: readonly AttrDef[], text: string, argumentName = 'attribute_name'): PathStep[] | { reserved: ReservedName } {
  const trimmed = text.trim().replace(/^\/+/, '');
  const segments = trimmed === '' ? [] : trimmed.split(/[/.]/);
  if (segments.length === 0 || segments.length > 16) throw new RegistrationError(200, `${argumentName} must name an attribute, like /primaryAddress/city or /profiles#123`, { argumentName });
  if (segments.length === 1 && isReserved(segments[0])) return { reserved: segments[0] };
  const steps: PathStep[] = [];
  let current: readonly AttrDef[] | undefined = defs;
  for (const segment of segments) {
    const m = SEGMENT.exec(segment);
    if (!m) throw new RegistrationError(200, `${argumentName}: malformed step ${JSON.stringify(segment)}`, { argumentName });
    const name = m[1];
    if (!current) throw new RegistrationError(223, `${argumentName}: ${steps.map((s) => s.name).join('.')} has no attribute ${name}`, { argumentName });
    const def: AttrDef | undefined = current.find((d) => d.name === name);
    if (!def) throw new RegistrationError(223, `unknown attribute ${[...steps.map((s) => s.name), name].join('.')}`, { argumentName });
    const step: PathStep = { name, def };
    if (m[2] !== undefined) {
      if (def.type !== 'plural') throw new RegistrationError(200, `${argumentName}: ${name} is not a plural, so #${m[2]} names nothing`, { argumentName });
      step.element = Number(m[2]);
    }
    steps.push(step);
    current = def.type === 'object' || (def.type === 'plural' && step.element !== undefined) ? def.attr_defs : undefined;
  }
  return steps;
}

/** What a value written at the end of `steps` must be. */
export function targetOf(steps: PathStep[]): Target {
  const last = steps[steps.length - 1];
  return last.element !== undefined ? { kind: 'fields', defs: last.def.attr_defs ?? [] } : { kind: 'attribute', def: last.def };
}

/** The dotted schema path of `steps` (`profiles.domain`), without element ids. */
export function schemaPath(steps: PathStep[]): string {
  return steps.map((s) => s.name).join('.');
}

const byName = new WeakMap<readonly AttrDef[], Map<string, AttrDef>>();

/** The definition named `name` among `defs` (schemas are immutable, so the lookup table is kept). */
export function defNamed(defs: readonly AttrDef[], name: string): AttrDef | undefined {
  let table = byName.get(defs);
  if (!table) {
    table = new Map(defs.map((d) => [d.name, d]));
    byName.set(defs, table);
  }
  return table.get(name);
}

/** Whether an attribute name is one records can hold at all (the schema validates its own). */
export function isAttributeName(name: string): boolean {
  return ATTRIBUTE_NAME.test(name);
}
