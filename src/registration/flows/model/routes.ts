import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ParameterError, RegistrationError, RequestError } from '../../../http/errors.js';
import { checkValues, flattenSource, Params, type RawParams } from '../../../http/params.js';
import { findAppByAppId, type AppRow } from '../../../partner/apps.js';
import type { Runtime } from '../../../runtime.js';
import { authorize } from '../../authorize.js';
import { FLOW_NAME, FlowDefinitionError, toDocument, type FlowDefinition } from './definition.js';
import {
  addField,
  addForm,
  addTranslations,
  localizedFieldBody,
  removeField,
  removeForm,
  removeLocale,
  removeTranslation,
  replaceField,
  replaceForm,
  replaceTranslation,
  setFlowProperties,
  setLocaleTexts,
  translateField,
} from './edits.js';
import { changeFlow, deleteFlow, FlowExists, FlowNotFound, findFlowVersion, isHead, listFlows, listFlowVersions, loadDefinition, type CreateMode } from './flow-store.js';
import { importFlow } from './import.js';
import { widgetJson } from './widget-data.js';

/**
 * The flow management API, named after Janrain's Configuration API (`/config/{app}/flows…`;
 * docs/flows.md): JSON resources, HTTP status codes, `{"errors": …}` on failure. Callers
 * authenticate as on every Registration call (Basic `client_id:client_secret` is Janrain's
 * form) with an owner client of the application in the path. And the public, cacheable
 * `/widget_data/flows/{appId}/{flow}/{version}/{locale}.json`.
 */

const ENDPOINT = 'config/flows';

interface ConfigCall {
  app: AppRow;
  request: FastifyRequest;
  reply: FastifyReply;
  path: Record<string, string>;
  query: Params;
  base: string;
}

type Answer = { status?: number; body?: unknown; version?: string };

function segment(s: string): string {
  return encodeURIComponent(s);
}

function statusOf(err: RegistrationError): number {
  if ([100, 205, 210, 402, 414].includes(err.code)) return 401;
  if (err.code === 403) return 403;
  if (err.code === 500) return 500;
  return 400;
}

function sendProblem(request: FastifyRequest, reply: FastifyReply, status: number, errors: unknown): void {
  void reply.code(status).header('cache-control', 'no-store').header('content-type', 'application/json; charset=utf-8').send(JSON.stringify({ errors, request_id: request.id }));
}

function fail(request: FastifyRequest, reply: FastifyReply, err: unknown): void {
  if (err instanceof FlowNotFound) return sendProblem(request, reply, 404, `${err.what[0].toUpperCase()}${err.what.slice(1)} not found.`);
  if (err instanceof FlowExists) return sendProblem(request, reply, 409, err.message);
  if (err instanceof FlowDefinitionError) return sendProblem(request, reply, 400, err.problems);
  if (err instanceof ParameterError) return sendProblem(request, reply, 400, err.message);
  if (err instanceof RequestError) return sendProblem(request, reply, err.status, err.message);
  if (err instanceof RegistrationError) return sendProblem(request, reply, statusOf(err), err.description);
  request.log.error({ err }, 'unexpected error while serving the request');
  sendProblem(request, reply, 500, 'unexpected error; quote the request_id when reporting it');
}

function queryParams(request: FastifyRequest): Params {
  const raw: RawParams = {};
  flattenSource(request.query, raw);
  checkValues(raw);
  return new Params(raw);
}

export function registerFlowRoutes(app: FastifyInstance, runtime: Runtime): void {
  const { store } = runtime;

  function route(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, handler: (call: ConfigCall) => Promise<Answer>): void {
    app.route({
      method,
      url: `/config/:appId${url}`,
      handler: async (request, reply) => {
        try {
          const query = queryParams(request);
          const auth = await authorize(runtime, { request, params: query }, ENDPOINT);
          const path = request.params as Record<string, string>;
          // A client reaches its own application only; any other app_id reads as unknown.
          if (auth.app.app_id !== path.appId) throw new FlowNotFound('application');
          const base = `/config/${segment(auth.app.app_id)}/flows`;
          const answer = await handler({ app: auth.app, request, reply, path, query, base });
          if (answer.version) void reply.header('x-flow-version', answer.version);
          void reply.header('cache-control', 'no-store');
          if (answer.body === undefined) return reply.code(answer.status ?? 204).send();
          return reply
            .code(answer.status ?? 200)
            .header('content-type', 'application/json; charset=utf-8')
            .send(JSON.stringify(answer.body));
        } catch (err) {
          fail(request, reply, err);
        }
      },
    });
  }

  /** A version of a flow (`?version=`, default HEAD) with its definition. */
  async function read(call: ConfigCall): Promise<{ name: string; version: string; head: string; definition: FlowDefinition }> {
    const wanted = call.path.version ?? call.query.get('version') ?? 'HEAD';
    const row = await findFlowVersion(store.db, call.app.id, call.path.flow, wanted);
    if (!row) throw new FlowNotFound(isHead(wanted) ? `flow ${call.path.flow}` : `version ${wanted} of flow ${call.path.flow}`);
    return { name: row.name, version: row.version, head: row.head, definition: await loadDefinition(store.db, call.app.id, row) };
  }

  async function change(call: ConfigCall, note: string, edit: (def: FlowDefinition) => FlowDefinition, mode: CreateMode = 'existing') {
    return changeFlow(store, call.app.id, call.path.flow, mode, note, (current) => {
      if (!current) throw new FlowNotFound(`flow ${call.path.flow}`);
      return edit(current);
    });
  }

  const flowSelf = (call: ConfigCall, name = call.path.flow) => `${call.base}/${segment(name)}`;
  const flowSummary = (call: ConfigCall, name: string, version: string, def: FlowDefinition) => ({
    _self: flowSelf(call, name),
    name,
    version,
    userData: def.userData,
    schemas: [def.entityType],
    defaultLocale: def.defaultLocale,
    locales: def.locales,
  });
  const fieldSelf = (call: ConfigCall, field: string, locale?: string) => `${flowSelf(call)}${locale ? `/locales/${segment(locale)}` : ''}/fields/${segment(field)}`;
  const formSelf = (call: ConfigCall, form: string) => `${flowSelf(call)}/forms/${segment(form)}`;
  const translationSelf = (call: ConfigCall, key: string) => `${flowSelf(call)}/translations/${segment(key)}`;

  function fieldBody(call: ConfigCall, def: FlowDefinition, name: string, locale?: string) {
    const field = def.fields[name];
    if (!field) throw new FlowNotFound(`field ${name}`);
    const spelled = locale === undefined ? undefined : def.locales.find((l) => l.toLowerCase() === locale.toLowerCase());
    if (locale !== undefined && !spelled) throw new FlowNotFound(`locale ${locale}`);
    const forms = Object.entries(def.forms)
      .filter(([, f]) => f.fields.includes(name))
      .map(([formName]) => ({ _self: formSelf(call, formName), name: formName }));
    return { _self: fieldSelf(call, name, call.path.locale), _relationships: { forms }, name, ...(spelled ? translateField(def, field, spelled) : field) };
  }

  function formBody(call: ConfigCall, def: FlowDefinition, name: string) {
    const form = def.forms[name];
    if (!form) throw new FlowNotFound(`form ${name}`);
    return {
      _self: formSelf(call, name),
      name,
      fields: form.fields.map((f) => ({ _self: fieldSelf(call, f), name: f, required: def.fields[f]?.validation.some((r) => r.rule === 'required' && r.value === true) ?? false })),
    };
  }

  const translationBody = (call: ConfigCall, def: FlowDefinition, key: string) => ({ _self: translationSelf(call, key), key, values: def.translations[key] });

  function jsonBody(call: ConfigCall): unknown {
    const body = call.request.body;
    if (body === undefined || body === null || body === '') throw new ParameterError('missing', 'body', 'send the resource as application/json');
    return body;
  }

  // Flows.
  route('GET', '/flows', async (call) => ({ body: (await listFlows(store.db, call.app.id)).map((f) => ({ _self: flowSelf(call, f.name), name: f.name, version: f.version })) }));

  route('POST', '/flows', async (call) => {
    const imported = await importFlow(store, call.app.id, jsonBody(call), call.query.get('name') || undefined);
    return { status: imported.created ? 201 : 200, version: imported.version, body: { _self: flowSelf(call, imported.name), name: imported.name, version: imported.version, created: imported.created } };
  });

  route('GET', '/flows/:flow', async (call) => {
    const flow = await read(call);
    return { version: flow.version, body: flowSummary(call, flow.name, flow.version, flow.definition) };
  });

  route('PUT', '/flows/:flow', async (call) => {
    const saved = await change(call, 'flow properties changed', (def) => setFlowProperties(def, jsonBody(call)));
    return { version: saved.version, body: flowSummary(call, saved.name, saved.version, saved.definition) };
  });

  route('DELETE', '/flows/:flow', async (call) => {
    if (!(await deleteFlow(store, call.app.id, call.path.flow))) throw new FlowNotFound(`flow ${call.path.flow}`);
    return {};
  });

  route('POST', '/flows/:flow/copy', async (call) => {
    const body = jsonBody(call) as { name?: unknown };
    if (typeof body !== 'object' || typeof body.name !== 'string' || !FLOW_NAME.test(body.name)) throw new FlowDefinitionError(['the body is {"name": "<new flow name>"} (1-100 letters, digits, _ and -)']);
    const source = await read(call);
    const saved = await changeFlow(store, call.app.id, body.name, 'new', `copied from ${source.name} ${source.version}`, () => structuredClone(source.definition) as FlowDefinition);
    return { status: 201, version: saved.version, body: { _self: flowSelf(call, saved.name), name: saved.name, version: saved.version } };
  });

  route('GET', '/flows/:flow/versions', async (call) => {
    const versions = await listFlowVersions(store.db, call.app.id, call.path.flow);
    if (!versions) throw new FlowNotFound(`flow ${call.path.flow}`);
    return { body: versions.map((v) => ({ _self: `${flowSelf(call)}/versions/${segment(v.version)}`, version: v.version, change: v.note, created: new Date(v.createdAt).toISOString() })) };
  });

  route('GET', '/flows/:flow/versions/:version', async (call) => {
    const flow = await read(call);
    return { version: flow.version, body: { ...toDocument(flow.definition, flow.name), version: flow.version } };
  });

  // Fields.
  const listFields = async (call: ConfigCall) => {
    const { definition, version } = await read(call);
    if (call.path.locale && !definition.locales.some((l) => l.toLowerCase() === call.path.locale.toLowerCase())) throw new FlowNotFound(`locale ${call.path.locale}`);
    return { version, body: Object.keys(definition.fields).map((name) => ({ _self: fieldSelf(call, name, call.path.locale), name })) };
  };
  route('GET', '/flows/:flow/fields', listFields);
  route('GET', '/flows/:flow/locales/:locale/fields', listFields);

  const getField = async (call: ConfigCall) => {
    const { definition, version } = await read(call);
    return { version, body: fieldBody(call, definition, call.path.field, call.path.locale ?? (call.query.get('locale') || undefined)) };
  };
  route('GET', '/flows/:flow/fields/:field', getField);
  route('GET', '/flows/:flow/locales/:locale/fields/:field', getField);

  route('POST', '/flows/:flow/fields', async (call) => {
    const body = jsonBody(call) as { name?: unknown };
    if (typeof body !== 'object' || typeof body.name !== 'string') throw new FlowDefinitionError(['name: the new field needs a name']);
    const name = body.name;
    const saved = await change(call, `field ${name} added`, (def) => addField(def, name, body));
    return { status: 201, version: saved.version, body: fieldBody(call, saved.definition, name) };
  });

  route('POST', '/flows/:flow/locales/:locale/fields', async (call) => {
    const body = jsonBody(call) as { name?: unknown };
    if (typeof body !== 'object' || typeof body.name !== 'string') throw new FlowDefinitionError(['name: the new field needs a name']);
    const name = body.name;
    const saved = await change(call, `field ${name} added (${call.path.locale})`, (def) => addField(def, name, localizedFieldBody(def, call.path.locale, body)));
    return { status: 201, version: saved.version, body: fieldBody(call, saved.definition, name, call.path.locale) };
  });

  route('PUT', '/flows/:flow/fields/:field', async (call) => {
    const saved = await change(call, `field ${call.path.field} changed`, (def) => replaceField(def, call.path.field, jsonBody(call)));
    return { version: saved.version, body: fieldBody(call, saved.definition, call.path.field) };
  });

  route('PUT', '/flows/:flow/locales/:locale/fields/:field', async (call) => {
    const saved = await change(call, `field ${call.path.field} changed (${call.path.locale})`, (def) => replaceField(def, call.path.field, localizedFieldBody(def, call.path.locale, jsonBody(call))));
    return { version: saved.version, body: fieldBody(call, saved.definition, call.path.field, call.path.locale) };
  });

  route('DELETE', '/flows/:flow/fields/:field', async (call) => {
    const saved = await change(call, `field ${call.path.field} removed`, (def) => removeField(def, call.path.field));
    return { version: saved.version };
  });

  // Forms.
  route('GET', '/flows/:flow/forms', async (call) => {
    const { definition, version } = await read(call);
    return { version, body: Object.keys(definition.forms).map((name) => ({ _self: formSelf(call, name), name })) };
  });

  route('GET', '/flows/:flow/forms/:form', async (call) => {
    const { definition, version } = await read(call);
    return { version, body: formBody(call, definition, call.path.form) };
  });

  route('POST', '/flows/:flow/forms', async (call) => {
    const body = jsonBody(call) as { name?: unknown };
    if (typeof body !== 'object' || typeof body.name !== 'string') throw new FlowDefinitionError(['name: the new form needs a name']);
    const name = body.name;
    const saved = await change(call, `form ${name} added`, (def) => addForm(def, name, body));
    return { status: 201, version: saved.version, body: formBody(call, saved.definition, name) };
  });

  route('PUT', '/flows/:flow/forms/:form', async (call) => {
    const saved = await change(call, `form ${call.path.form} changed`, (def) => replaceForm(def, call.path.form, jsonBody(call)));
    return { version: saved.version, body: formBody(call, saved.definition, call.path.form) };
  });

  route('DELETE', '/flows/:flow/forms/:form', async (call) => {
    const saved = await change(call, `form ${call.path.form} removed`, (def) => removeForm(def, call.path.form));
    return { version: saved.version };
  });

  // Locales.
  route('GET', '/flows/:flow/locales', async (call) => {
    const { definition, version } = await read(call);
    return { version, body: definition.locales.map((name) => ({ _self: `${flowSelf(call)}/locales/${segment(name)}`, name })) };
  });

  route('GET', '/flows/:flow/locales/:locale', async (call) => {
    const { definition, version } = await read(call);
    const locale = definition.locales.find((l) => l.toLowerCase() === call.path.locale.toLowerCase());
    if (!locale) throw new FlowNotFound(`locale ${call.path.locale}`);
    const texts: Record<string, string> = {};
    for (const [key, values] of Object.entries(definition.translations)) if (values[locale] !== undefined) texts[key] = values[locale];
    return { version, body: texts };
  });

  route('PUT', '/flows/:flow/locales/:locale', async (call) => {
    const saved = await change(call, `locale ${call.path.locale} texts set`, (def) => setLocaleTexts(def, call.path.locale, jsonBody(call)));
    return { version: saved.version, body: flowSummary(call, saved.name, saved.version, saved.definition) };
  });

  route('DELETE', '/flows/:flow/locales/:locale', async (call) => {
    const saved = await change(call, `locale ${call.path.locale} removed`, (def) => removeLocale(def, call.path.locale));
    return { version: saved.version };
  });

  // Translations.
  route('GET', '/flows/:flow/translations', async (call) => {
    const { definition, version } = await read(call);
    return { version, body: Object.keys(definition.translations).map((key) => translationBody(call, definition, key)) };
  });

  route('POST', '/flows/:flow/translations', async (call) => {
    let keys: string[] = [];
    const saved = await change(call, 'translations added', (def) => {
      const added = addTranslations(def, jsonBody(call));
      keys = added.keys;
      return added.def;
    });
    return { status: 201, version: saved.version, body: keys.map((key) => translationBody(call, saved.definition, key)) };
  });

  route('GET', '/flows/:flow/translations/:key', async (call) => {
    const { definition, version } = await read(call);
    if (!Object.hasOwn(definition.translations, call.path.key)) throw new FlowNotFound(`translation ${call.path.key}`);
    return { version, body: translationBody(call, definition, call.path.key) };
  });

  route('PUT', '/flows/:flow/translations/:key', async (call) => {
    const saved = await change(call, `translation ${call.path.key} changed`, (def) => replaceTranslation(def, call.path.key, jsonBody(call)));
    return { version: saved.version, body: translationBody(call, saved.definition, call.path.key) };
  });

  route('DELETE', '/flows/:flow/translations/:key', async (call) => {
    const saved = await change(call, `translation ${call.path.key} removed`, (def) => removeTranslation(def, call.path.key));
    return { version: saved.version };
  });

  registerWidgetData(app, runtime);
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
const HEAD_MAX_AGE = 'public, max-age=60';

/** The public flow document for widgets; a concrete version never changes, so it is cached for a year. */
function registerWidgetData(app: FastifyInstance, runtime: Runtime): void {
  app.route({
    method: 'GET',
    url: '/widget_data/flows/:appId/:flow/:version/:file',
    handler: async (request, reply) => {
      const { appId, flow, version, file } = request.params as Record<string, string>;
      const notFound = (locale: string) => {
        const body = { stat: 'error', code: 500, error: 'unexpected_error', error_description: `could not find a flow named '${flow}' with version '${version}' and locale '${locale}'`, request_id: request.id };
        return reply.code(404).header('cache-control', 'no-store').header('access-control-allow-origin', '*').header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
      };
      try {
        const match = /^(.+)\.json$/.exec(file);
        if (!match) return notFound(file);
        const locale = match[1];
        const application = await findAppByAppId(runtime.store.db, appId);
        const row = application && (await findFlowVersion(runtime.store.db, application.id, flow, version));
        if (!application || !row) return notFound(locale);
        const definition = await loadDefinition(runtime.store.db, application.id, row);
        const spelled = definition.locales.find((l) => l.toLowerCase() === locale.toLowerCase());
        if (!spelled) return notFound(locale);
        const etag = `"${row.version}.${spelled}"`;
        void reply
          .header('cache-control', isHead(version) ? HEAD_MAX_AGE : IMMUTABLE)
          .header('etag', etag)
          .header('access-control-allow-origin', '*')
          .header('content-type', 'application/json; charset=utf-8');
        if (request.headers['if-none-match'] === etag) return reply.code(304).send();
        return reply.code(200).send(widgetJson(row.name, row.version, definition, spelled));
      } catch (err) {
        request.log.error({ err }, 'unexpected error while serving the request');
        return reply.code(500).header('cache-control', 'no-store').send(JSON.stringify({ stat: 'error', code: 500, error: 'unexpected_error', error_description: 'unexpected error; quote the request_id when reporting it', request_id: request.id }));
      }
    },
  });
}
