import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ParameterError, RegistrationError } from '../../http/errors.js';
import { boolParam, jsonParam, listParam, type Params } from '../../http/params.js';
import { registrationRoute, type Call } from '../../http/wire.js';
import type { Runtime } from '../../runtime.js';
import { cachedRowsChanged } from '../../store/fresh-cache.js';
import { parseDateTime } from '../records/datetime.js';
import { requireClientOfApp } from '../clients/clients.js';
import { requireOwnerClient } from '../owner-auth.js';
import { accessSchemaFor, restrictSchema, setAccessSchema } from './access-schemas.js';
import { constraintNames, type AttrDef, type ConstraintName } from './attr-def.js';
import { parseAttrDef, parseAttrDefs, withReserved } from './definitions.js';
import { getEntityType, listEntityTypeNames, type EntityType, type EntityTypeProperty, type PropertyKind } from './entity-types.js';
import { parseAttributePath, slashPath } from './paths.js';
import {
  addAttribute,
  addProperty,
  createEntityType,
  deleteEntityType,
  removeAttribute,
  removeProperty,
  setAttributeConstraints,
  setAttributeDescription,
  TYPE_NAME,
  type NewProperty,
  type SchemaWriter,
} from './type-changes.js';
import { schemaAt } from './versions.js';

const typeName = z.string().min(1).max(64).regex(TYPE_NAME, 'must be an entity type name (letters, digits and _)');
const attributeName = z.string().min(1).max(1000);
const jsonValue = jsonParam(z.unknown());
const accessType = z.enum(['read', 'write']);
const uuidParam = z.string().min(1).max(64);

// Built once: zod compiles an object schema on its first parse, which costs far more than a parse.
const typeRead = z.object({ type_name: typeName, remove_reserved: boolParam.optional() });
const typeCreate = z.object({ type_name: typeName, attr_defs: jsonValue });
const typeDelete = z.object({ type_name: typeName, commit: boolParam.optional() });
const attributeAdd = z.object({ type_name: typeName, attr_def: jsonValue });
const attributeDescription = z.object({ type_name: typeName, attribute_name: attributeName, description: z.string().max(4000) });
const typeAttribute = z.object({ type_name: typeName, attribute_name: attributeName });
const propertyAdd = z.object({ type_name: typeName, description: z.string().max(1000).optional() });
const propertyRemove = z.object({ type_name: typeName, uuid: uuidParam });
const accessSchemaParams = z.object({ type_name: typeName, for_client_id: z.string().min(1).max(64), access_type: accessType });
const typeAt = z.object({ type_name: typeName, timestamp: z.string().min(1).max(100) });
const typeOnly = z.object({ type_name: typeName });
const propertyParam = z.object({ property: jsonValue });

function schemaAnswer(name: string, attrDefs: readonly AttrDef[], removeReserved = false) {
  return { schema: { name, attr_defs: removeReserved ? attrDefs : withReserved(attrDefs) } };
}

function propertyAnswer(p: Pick<EntityTypeProperty, 'uuid' | 'kind' | 'attributes' | 'definition' | 'description'>) {
  const out: Record<string, unknown> = {
    uuid: p.uuid,
    property: p.kind,
    attributes: p.attributes.map((a) => slashPath(a.split('.'))),
  };
  if (p.kind === 'rule') out.definition = p.definition;
  if (p.description !== null) out.description = p.description;
  return out;
}

/** A rule definition is JSON, but clients also send a bare rule name (`ignore-update`). */
function readDefinition(text: string | undefined): unknown {
  if (text === undefined || text.trim() === '') throw new ParameterError('missing', 'definition');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    if (/^[a-z][a-z-]*$/.test(text.trim())) return text.trim();
    throw new ParameterError('invalid', 'definition', 'is not valid JSON');
  }
}

/** A description arrives as a JSON string (Janrain's own tools quote it) or as plain text. */
function readDescription(text: string): string | null {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed === null) return null;
    if (typeof parsed === 'string') return parsed;
  } catch {
    /* plain text */
  }
  return text;
}

const pathList = listParam(z.string().min(1).max(1000), 2000);
const listSchemas = { constraints: z.object({ constraints: pathList }), attributes: z.object({ attributes: pathList }) };

function attributeList(params: Params, name: keyof typeof listSchemas): string[] {
  return (params.parse(listSchemas[name]) as Record<string, string[]>)[name];
}

export function registerSchemaRoutes(app: FastifyInstance, runtime: Runtime): void {
  const { store } = runtime;
  const owner = async ({ params, request }: Call) => (await requireOwnerClient(runtime, request, params)).app.id;
  // Reads keep entity types for a moment (entity-types.ts): a committed change drops them.
  const write = async <T>(fn: (w: SchemaWriter) => Promise<T>): Promise<T> => {
    try {
      return await store.write((tx) => fn({ tx, dialect: store.dialect }));
    } finally {
      cachedRowsChanged(store.db);
    }
  };
  const type = (appId: number, name: string): Promise<EntityType> => getEntityType(store.db, appId, name);

  registrationRoute(app, '/entityType', async (call) => {
    const appId = await owner(call);
    const p = call.params.parse(typeRead);
    const t = await type(appId, p.type_name);
    return schemaAnswer(t.name, t.attrDefs, p.remove_reserved);
  });

  registrationRoute(app, '/entityType.list', async (call) => {
    const appId = await owner(call);
    return { results: await listEntityTypeNames(store.db, appId) };
  });

  registrationRoute(app, '/entityType.create', async (call) => {
    const appId = await owner(call);
    const p = call.params.parse(typeCreate);
    const defs = parseAttrDefs(p.attr_defs, 'attr_defs');
    const t = await write((w) => createEntityType(w, appId, p.type_name, defs));
    return schemaAnswer(t.name, t.attrDefs);
  });

  registrationRoute(app, '/entityType.delete', async (call) => {
    const appId = await owner(call);
    const p = call.params.parse(typeDelete);
    if (p.commit !== true) throw new RegistrationError(200, 'deleting an entity type deletes all its records: repeat the call with commit=true', { argumentName: 'commit' });
    await write((w) => deleteEntityType(w, appId, p.type_name));
    return {};
  });

  registrationRoute(app, '/entityType.addAttribute', async (call) => {
    const appId = await owner(call);
    const p = call.params.parse(attributeAdd);
    // A dotted (or slashed) name adds the attribute inside an object or plural.
    let parent: string[] = [];
    let raw = p.attr_def;
    if (raw && typeof raw === 'object' && !Array.isArray(raw) && typeof (raw as { name?: unknown }).name === 'string' && /[./]/.test((raw as { name: string }).name)) {
      const segments = parseAttributePath((raw as { name: string }).name);
      if (!segments) throw new RegistrationError(200, 'attr_def.name must be an attribute name or a path to one', { argumentName: 'attr_def' });
      parent = segments.slice(0, -1);
      raw = { ...(raw as object), name: segments[segments.length - 1] };
    }
    const def = parseAttrDef(raw, 'attr_def');
    const t = await write((w) => addAttribute(w, appId, p.type_name, parent, def));
    return schemaAnswer(t.name, t.attrDefs);
  });

  registrationRoute(app, '/entityType.removeAttribute', async (call) => {
    const appId = await owner(call);
    const p = call.params.parse(typeAttribute);
    const t = await write((w) => removeAttribute(w, appId, p.type_name, p.attribute_name));
    return schemaAnswer(t.name, t.attrDefs);
  });

  registrationRoute(app, '/entityType.setAttributeConstraints', async (call) => {
    const appId = await owner(call);
    const p = call.params.parse(typeAttribute);
    const constraints = attributeList(call.params, 'constraints');
    const unknown = constraints.find((c) => !(constraintNames as readonly string[]).includes(c));
    if (unknown !== undefined) throw new RegistrationError(200, `unknown constraint ${JSON.stringify(unknown)} (known: ${constraintNames.join(', ')})`, { argumentName: 'constraints' });
    const t = await write((w) => setAttributeConstraints(w, appId, p.type_name, p.attribute_name, [...new Set(constraints)] as ConstraintName[]));
    return schemaAnswer(t.name, t.attrDefs);
  });

  registrationRoute(app, '/entityType.setAttributeDescription', async (call) => {
    const appId = await owner(call);
    const p = call.params.parse(attributeDescription);
    const description = readDescription(p.description);
    if (description !== null && description.length > 1000) throw new RegistrationError(200, 'a description has at most 1000 characters', { argumentName: 'description' });
    const t = await write((w) => setAttributeDescription(w, appId, p.type_name, p.attribute_name, description));
    return schemaAnswer(t.name, t.attrDefs);
  });

  const listProperties = (only?: PropertyKind) => async (call: Call) => {
    const appId = await owner(call);
    const p = call.params.parse(typeOnly);
    const t = await type(appId, p.type_name);
    return { results: t.properties.filter((x) => !only || x.kind === only).map(propertyAnswer) };
  };
  registrationRoute(app, '/entityType.properties', listProperties());
  registrationRoute(app, '/entityType.rules', listProperties('rule'));

  registrationRoute(app, '/entityType.addProperty', async (call) => {
    const appId = await owner(call);
    const p = call.params.parse(typeOnly);
    const property = readProperty(call.params);
    const stored = await write((w) => addProperty(w, appId, p.type_name, property));
    return { result: propertyAnswer(stored) };
  });

  registrationRoute(app, '/entityType.addRule', async (call) => {
    const appId = await owner(call);
    const p = call.params.parse(propertyAdd);
    const property: NewProperty = { kind: 'rule', attributes: attributeList(call.params, 'attributes'), definition: readDefinition(call.params.get('definition')), description: p.description || null };
    const stored = await write((w) => addProperty(w, appId, p.type_name, property));
    return { result: propertyAnswer(stored) };
  });

  const removing = (only?: PropertyKind) => async (call: Call) => {
    const appId = await owner(call);
    const p = call.params.parse(propertyRemove);
    await write((w) => removeProperty(w, appId, p.type_name, p.uuid, only));
    return {};
  };
  registrationRoute(app, '/entityType.removeProperty', removing());
  registrationRoute(app, '/entityType.removeRule', removing('rule'));

  registrationRoute(app, '/entityType.getAccessSchema', async (call) => {
    const appId = await owner(call);
    const p = call.params.parse(accessSchemaParams);
    const t = await type(appId, p.type_name);
    await requireClientOfApp(store.db, appId, p.for_client_id, 'for_client_id');
    const paths = await accessSchemaFor(store.db, appId, t.name, p.for_client_id, p.access_type);
    return { schema: { name: t.name, attr_defs: paths ? restrictSchema(t.attrDefs, paths) : withReserved(t.attrDefs) } };
  });

  registrationRoute(app, '/entityType.setAccessSchema', async (call) => {
    const appId = await owner(call);
    const p = call.params.parse(accessSchemaParams);
    const attributes = attributeList(call.params, 'attributes');
    const set = await write((w) => setAccessSchema(w, appId, p.type_name, p.for_client_id, p.access_type, attributes));
    const answer: Record<string, unknown> = { schema: { name: set.type.name, attr_defs: restrictSchema(set.type.attrDefs, set.paths) } };
    if (set.created) answer.notice = 'the reserved attributes id, uuid, created and lastUpdated are part of every access schema';
    return answer;
  });

  registrationRoute(app, '/versions/entityType', async (call) => {
    const appId = await owner(call);
    const p = call.params.parse(typeAt);
    const at = parseDateTime(p.timestamp);
    if (!at) throw new ParameterError('invalid', 'timestamp', 'use a date and time such as 2016-04-20 17:02:18 +0000');
    const t = await type(appId, p.type_name);
    const defs = await schemaAt(store.db, appId, t.id, at);
    if (!defs) throw new RegistrationError(310, `entity type ${t.name} did not exist at ${p.timestamp}`, { argumentName: 'timestamp' });
    return schemaAnswer(t.name, defs);
  });
}

const propertyShape = z.object({
  type: z.enum(['unique', 'rule']),
  attributes: z.union([z.array(z.string().min(1).max(1000)).max(2000), z.string().min(1)]),
  definition: z.unknown().optional(),
  description: z.string().max(1000).nullable().optional(),
});

/** addProperty takes `property` (a JSON object, as Janrain's tools send it) or the same fields as parameters. */
function readProperty(params: Params): NewProperty {
  let raw: unknown;
  const text = params.get('property');
  if (text !== undefined && text !== '') {
    raw = params.parse(propertyParam).property;
  } else {
    const type = params.get('type');
    if (!type) throw new ParameterError('missing', 'property');
    raw = { type, attributes: attributeList(params, 'attributes'), definition: params.get('definition') === undefined ? undefined : readDefinition(params.get('definition')), description: params.get('description') };
  }
  const parsed = propertyShape.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RegistrationError(200, `property${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}`, { argumentName: 'property' });
  }
  const { type, definition, description } = parsed.data;
  const attributes = typeof parsed.data.attributes === 'string' ? parsed.data.attributes.split(',').map((s) => s.trim()).filter(Boolean) : parsed.data.attributes;
  if (type === 'rule' && definition === undefined) throw new RegistrationError(100, 'a rule property needs a definition', { argumentName: 'property' });
  return { kind: type, attributes, definition: definition ?? null, description: description ?? null };
}
