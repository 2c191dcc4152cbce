import { RegistrationError } from '../../http/errors.js';
import type { AttrDef } from './attr-def.js';
import type { EntityType } from './entity-types.js';
import { locateAttribute, parseAttributePath } from './paths.js';

/**
 * Data rules (entityType.addRule / addProperty type "rule"), Janrain's language:
 * a rule is a name (`"required"`, `"ignore-update"`, `"to-lower"`, `"to-upper"`) or an object
 * `{name: argument}` (several keys: all of them, in order):
 *
 *   match / match-all   string  regex found in / matching the whole string value
 *   min-length / max-length  integer  string length in characters
 *   less-than / greater-than number   numeric value
 *   min-age            integer  a date at least that many years ago
 *   required           —        a value is present
 *   default            value    set when the value is missing      (transforms)
 *   ignore-update      —        a value once set stays             (transforms)
 *   truncate           integer  cut strings to that many characters (transforms)
 *   to-lower / to-upper —       change case                         (transforms)
 *   and / or           [rules]  all / any of them
 *   not                rule     the opposite
 *
 * Transforming rules run before validating ones; a value that fails validation is refused with
 * 360 constraint_violation. Validations other than `required` pass a missing value.
 */

type Transform = 'default' | 'ignore-update' | 'truncate' | 'to-lower' | 'to-upper';
type Check = 'required' | 'match' | 'match-all' | 'min-length' | 'max-length' | 'less-than' | 'greater-than' | 'min-age';

export type RuleNode =
  | { kind: Transform; arg?: unknown }
  | { kind: Exclude<Check, 'match' | 'match-all'>; arg?: number }
  | { kind: 'match' | 'match-all'; arg: string; regex: RegExp }
  | { kind: 'and' | 'or'; children: RuleNode[] }
  | { kind: 'not'; child: RuleNode };

const TRANSFORMS = new Set<string>(['default', 'ignore-update', 'truncate', 'to-lower', 'to-upper']);
const NO_ARGUMENT = new Set(['required', 'ignore-update', 'to-lower', 'to-upper']);
const STRING_ONLY = new Set(['match', 'match-all', 'min-length', 'max-length', 'truncate', 'to-lower', 'to-upper']);
const NUMBER_ONLY = new Set(['less-than', 'greater-than']);
const DATE_ONLY = new Set(['min-age']);
const MAX_REGEX = 1000;
const MAX_DEPTH = 10;

/** Reads a rule definition; a definition that cannot work is 200 naming `argumentName`. */
export function compileRule(definition: unknown, argumentName = 'definition', depth = 0): RuleNode {
  const fail = (message: string) => new RegistrationError(200, `rule definition: ${message}`, { argumentName });
  if (depth > MAX_DEPTH) throw fail(`nested deeper than ${MAX_DEPTH} levels`);
  if (typeof definition === 'string') {
    if (!NO_ARGUMENT.has(definition)) throw fail(`unknown rule ${JSON.stringify(definition)} (rules without an argument: ${[...NO_ARGUMENT].join(', ')})`);
    return { kind: definition as Transform | 'required' };
  }
  if (definition === null || typeof definition !== 'object') throw fail('a rule is a name or an object {"rule": argument}');
  if (Array.isArray(definition)) return { kind: 'and', children: definition.map((d) => compileRule(d, argumentName, depth + 1)) };
  const entries = Object.entries(definition as Record<string, unknown>);
  if (entries.length === 0) throw fail('an empty object names no rule');
  if (entries.length > 1) return { kind: 'and', children: entries.map(([k, v]) => compileRule({ [k]: v }, argumentName, depth + 1)) };
  const [name, arg] = entries[0];
  switch (name) {
    case 'and':
    case 'or':
      if (!Array.isArray(arg) || arg.length === 0) throw fail(`${name} takes a non-empty list of rules`);
      return { kind: name, children: arg.map((d) => compileRule(d, argumentName, depth + 1)) };
    case 'not':
      return { kind: 'not', child: compileRule(arg, argumentName, depth + 1) };
    case 'match':
    case 'match-all': {
      if (typeof arg !== 'string' || arg.length > MAX_REGEX) throw fail(`${name} takes a regular expression of at most ${MAX_REGEX} characters`);
      const source = name === 'match-all' ? `^(?:${arg})$` : arg;
      return { kind: name, arg, regex: compileRegex(source, () => fail(`${name}: ${JSON.stringify(arg)} is not a valid regular expression`)) };
    }
    case 'min-length':
    case 'max-length':
    case 'truncate':
    case 'min-age':
      if (!Number.isInteger(arg) || (arg as number) < 0) throw fail(`${name} takes a non-negative integer`);
      return { kind: name, arg: arg as number };
    case 'less-than':
    case 'greater-than':
      if (typeof arg !== 'number' || !Number.isFinite(arg)) throw fail(`${name} takes a number`);
      return { kind: name, arg };
    case 'default':
      if (arg === null || typeof arg === 'object') throw fail('default takes a string, number or boolean');
      return { kind: 'default', arg };
    default:
      if (NO_ARGUMENT.has(name)) return { kind: name as Transform | 'required' };
      throw fail(`unknown rule ${JSON.stringify(name)}`);
  }
}

function compileRegex(source: string, fail: () => Error): RegExp {
  // Unicode mode understands \p{L}; some older patterns are only valid without it.
  for (const flags of ['u', '']) {
    try {
      return new RegExp(source, flags);
    } catch {
      /* try the next mode */
    }
  }
  throw fail();
}

/** Refuses (200) a rule on an attribute whose type it cannot apply to. */
export function checkRuleFits(node: RuleNode, def: AttrDef, path: string, argumentName = 'definition'): void {
  const kinds: string[] = [];
  const collect = (n: RuleNode): void => {
    kinds.push(n.kind);
    if ('children' in n) n.children.forEach(collect);
    if ('child' in n) collect(n.child);
  };
  collect(node);
  const type = def.type;
  if (type === 'object' || type === 'plural') throw new RegistrationError(200, `rules apply to values, and ${path} is ${type === 'object' ? 'an object' : 'a plural'}`, { argumentName });
  for (const kind of kinds) {
    const fits = STRING_ONLY.has(kind) ? type === 'string' : NUMBER_ONLY.has(kind) ? type === 'integer' || type === 'decimal' : DATE_ONLY.has(kind) ? type === 'date' || type === 'dateTime' : true;
    if (!fits) throw new RegistrationError(200, `rule ${kind} does not apply to ${path} (type ${type})`, { argumentName });
  }
}

interface Outcome {
  value: unknown;
  ok: boolean;
}

interface Context {
  /** The value before this write, when the record (or plural element) already existed. */
  previous: unknown;
  existed: boolean;
  today: Date;
}

const isMissing = (v: unknown) => v === null || v === undefined;

function isTransformOnly(node: RuleNode): boolean {
  return TRANSFORMS.has(node.kind);
}

export function evaluateRule(node: RuleNode, value: unknown, context: Context): Outcome {
  switch (node.kind) {
    case 'default':
      return { value: isMissing(value) ? node.arg : value, ok: true };
    case 'ignore-update':
      return { value: context.existed && !isMissing(context.previous) ? context.previous : value, ok: true };
    case 'truncate':
      return { value: typeof value === 'string' && [...value].length > (node.arg as number) ? [...value].slice(0, node.arg as number).join('') : value, ok: true };
    case 'to-lower':
      return { value: typeof value === 'string' ? value.toLowerCase() : value, ok: true };
    case 'to-upper':
      return { value: typeof value === 'string' ? value.toUpperCase() : value, ok: true };
    case 'required':
      return { value, ok: !isMissing(value) && value !== '' };
    case 'match':
    case 'match-all':
      return { value, ok: isMissing(value) || (typeof value === 'string' && node.regex.test(value)) };
    case 'min-length':
      return { value, ok: isMissing(value) || (typeof value === 'string' && [...value].length >= (node.arg as number)) };
    case 'max-length':
      return { value, ok: isMissing(value) || (typeof value === 'string' && [...value].length <= (node.arg as number)) };
    case 'less-than':
      return { value, ok: isMissing(value) || Number(value) < (node.arg as number) };
    case 'greater-than':
      return { value, ok: isMissing(value) || Number(value) > (node.arg as number) };
    case 'min-age':
      return { value, ok: isMissing(value) || ageInYears(value, context.today) >= (node.arg as number) };
    case 'and': {
      let current = value;
      const ordered = [...node.children.filter(isTransformOnly), ...node.children.filter((c) => !isTransformOnly(c))];
      for (const child of ordered) {
        const outcome = evaluateRule(child, current, context);
        if (!outcome.ok) return { value: current, ok: false };
        current = outcome.value;
      }
      return { value: current, ok: true };
    }
    case 'or': {
      for (const child of node.children) {
        const outcome = evaluateRule(child, value, context);
        if (outcome.ok) return outcome;
      }
      return { value, ok: false };
    }
    case 'not':
      return { value, ok: !evaluateRule(node.child, value, context).ok };
  }
}

/** Whole years from a `YYYY-MM-DD…` value to today (UTC); NaN (failing min-age) when it is no date. */
function ageInYears(value: unknown, today: Date): number {
  const m = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})/.exec(value) : null;
  if (!m) return Number.NaN;
  const [y, mo, d] = [+m[1], +m[2], +m[3]];
  let age = today.getUTCFullYear() - y;
  if (today.getUTCMonth() + 1 < mo || (today.getUTCMonth() + 1 === mo && today.getUTCDate() < d)) age -= 1;
  return age;
}

interface CompiledRule {
  uuid: string;
  description: string | null;
  definition: unknown;
  node: RuleNode;
  targets: string[][];
}

const compiled = new WeakMap<EntityType, CompiledRule[]>();

function rulesOf(type: EntityType): CompiledRule[] {
  let rules = compiled.get(type);
  if (!rules) {
    rules = type.properties
      .filter((p) => p.kind === 'rule')
      .map((p) => ({
        uuid: p.uuid,
        description: p.description,
        definition: p.definition,
        node: compileRule(p.definition),
        targets: p.attributes.map((a) => parseAttributePath(a)).filter((s): s is string[] => s !== undefined && locateAttribute(type.attrDefs, s) !== undefined),
      }));
    compiled.set(type, rules);
  }
  return rules;
}

type Json = Record<string, unknown>;

/**
 * Applies the entity type's rules to a record about to be written: `next` is the whole record
 * data as it will be stored (after merging an update), `previous` the stored data before this
 * write (undefined for a new record). Returns the data to store (transformed: defaults,
 * truncation, case, values kept by ignore-update); throws 360 when a value fails a rule.
 * Plural element attributes apply to every element, matching earlier elements by their `id`.
 * The records module calls this on every create, update and replace, after reading values
 * into their stored form and before checking constraints (length, required, unique).
 */
export function applyRules(type: EntityType, next: Json, previous?: Json, today: Date = new Date()): Json {
  const rules = rulesOf(type);
  if (rules.length === 0) return next;
  const data = structuredClone(next);
  for (const rule of rules) {
    for (const segments of rule.targets) {
      visit(type.attrDefs, data, previous, previous !== undefined, segments, 0, (container, key, before, existed) => {
        const outcome = evaluateRule(rule.node, container[key], { previous: before, existed, today });
        if (!outcome.ok) {
          const what = rule.description ? `: ${rule.description}` : ` ${JSON.stringify(rule.definition)}`;
          throw new RegistrationError(360, `${segments.join('.')} violates the rule${what}`);
        }
        if (outcome.value === undefined) delete container[key];
        else container[key] = outcome.value;
      });
    }
  }
  return data;
}

function visit(
  defs: readonly AttrDef[],
  container: Json,
  before: Json | undefined,
  existed: boolean,
  segments: string[],
  at: number,
  apply: (container: Json, key: string, before: unknown, existed: boolean) => void,
): void {
  const name = segments[at];
  if (at === segments.length - 1) {
    apply(container, name, before?.[name], existed);
    return;
  }
  const def = defs.find((d) => d.name === name);
  const children = def?.attr_defs ?? [];
  const value = container[name];
  if (def?.type === 'plural') {
    if (!Array.isArray(value)) return;
    const earlier = Array.isArray(before?.[name]) ? (before[name] as unknown[]) : [];
    for (const element of value) {
      if (!isObject(element)) continue;
      const match = element.id === undefined ? undefined : earlier.find((e) => isObject(e) && e.id === element.id);
      visit(children, element, isObject(match) ? match : undefined, isObject(match), segments, at + 1, apply);
    }
    return;
  }
  const inner = isObject(value) ? value : undefined;
  const innerBefore = isObject(before?.[name]) ? (before[name] as Json) : undefined;
  if (!inner) {
    // Rules may set a default inside an object the record does not have yet.
    const probe: Json = {};
    visit(children, probe, innerBefore, existed, segments, at + 1, apply);
    if (Object.keys(probe).length > 0) container[name] = probe;
    return;
  }
  visit(children, inner, innerBefore, existed, segments, at + 1, apply);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
