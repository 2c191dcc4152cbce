import { RegistrationError } from '../../../http/errors.js';
import type { Db, Tx } from '../../../store/store.js';
import { clientSetting } from '../../settings/settings.js';
import { findNamedVersion, isHead, loadDefinition } from './flow-store.js';
import { makeFlow, type Flow } from './flow.js';

/** What resolveFlow reads parameters through (the call's Params). */
export interface FlowParams {
  get(name: string): string | undefined;
}

function given(params: FlowParams, name: string): string | undefined {
  const value = params.get(name)?.trim();
  return value ? value : undefined;
}

/** Seed 002's answer for a flow, version or locale the application does not have. */
export function flowNotFound(name: string, version: string, locale: string): RegistrationError {
  return new RegistrationError(500, `could not find a flow named '${name}' with version '${version}' and locale '${locale}'`);
}

/**
 * The flow an oauth/*_native call names: `flow` (or `flow_name`), `flow_version`, `locale`.
 * Flow and version fall back to the client's `default_flow_name` / `default_flow_version`
 * settings (the version default applies to the default flow only); the locale falls back to
 * the flow's default locale. As seed 002 says, these calls take a version number, never HEAD.
 * A flow, version or locale the application does not have → code 500 (seed 002's message).
 */
export async function resolveFlow(db: Db | Tx, app: { id: number }, client: { clientId: string }, params: FlowParams): Promise<Flow> {
  const flowParam = given(params, 'flow');
  const flowNameParam = given(params, 'flow_name');
  if (flowParam && flowNameParam && flowParam !== flowNameParam) throw new RegistrationError(201, 'flow and flow_name name different flows: give one', { argumentName: 'flow' });
  const requested = flowParam ?? flowNameParam;

  let name = requested;
  let version = given(params, 'flow_version');
  if (!name || !version) {
    const defaultName = await clientSetting(db, app.id, client.clientId, 'default_flow_name');
    name ??= defaultName ?? undefined;
    if (!name) throw new RegistrationError(100, 'missing arguments: flow', { argumentName: 'flow' });
    if (!version && name === defaultName) version = (await clientSetting(db, app.id, client.clientId, 'default_flow_version')) ?? undefined;
    if (!version) throw new RegistrationError(100, 'missing arguments: flow_version', { argumentName: 'flow_version' });
  }

  const locale = given(params, 'locale');
  const row = isHead(version) ? undefined : await findNamedVersion(db, app.id, name, version);
  if (!row) throw flowNotFound(name, version, locale ?? '');
  const definition = await loadDefinition(db, app.id, row);
  const flow = makeFlow(app.id, row.name, row.version, definition, locale);
  if (locale && !flow.localeOf(locale)) throw flowNotFound(name, version, locale);
  return flow;
}
