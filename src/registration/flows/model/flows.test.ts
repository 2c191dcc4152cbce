import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/fixtures.js';
import { call, describeEachDatabase, type TestServer } from '../../../../test/server.js';
import { findAppByAppId } from '../../../partner/apps.js';
import { addClient, basic, login, owner, type Credentials } from '../../access/test-helpers.js';
import { standardFlowDefinition } from './provision.js';
import { provisionStandardFlowForExistingApps } from './provision.js';
import { resolveFlow } from './resolve.js';

const CLI = resolve(import.meta.dirname, '../../../../bin/openrain.js');

interface Answer {
  status: number;
  headers: Headers;
  json: any;
}

/** A config API call with JSON in and out, authenticated with Basic client credentials as Janrain's is. */
async function config(server: TestServer, credentials: Credentials | undefined, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(credentials ? basic(credentials) : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

describeEachDatabase('flows: management API, widget_data, resolveFlow, import', (server) => {
  let app: TestApp;
  let other: TestApp;
  let base: string;
  let standardVersion: string;
  const as = (method: string, path: string, body?: unknown) => config(server(), owner(app), method, `${base}${path}`, body);
  const appRow = async (a: TestApp) => (await findAppByAppId(server().running.runtime.store.db, a.appId))!;
  const params = (values: Record<string, string>) => ({ get: (name: string) => values[name] });

  beforeAll(async () => {
    app = await createTestApp(server());
    other = await createTestApp(server());
    base = `/config/${app.appId}`;
  });

  it('every new application has the standard flow', async () => {
    const r = await as('GET', '/flows');
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.json).toEqual([{ _self: `${base}/flows/standard`, name: 'standard', version: expect.stringMatching(/^[0-9a-f-]{36}$/) }]);
    standardVersion = r.json[0].version;
    const flow = await as('GET', '/flows/standard');
    expect(flow.json).toEqual({ _self: `${base}/flows/standard`, name: 'standard', version: standardVersion, userData: ['email', 'displayName', 'givenName', 'familyName'], schemas: ['user'], defaultLocale: 'en-US', locales: ['en-US', 'fr-FR'] });
    const forms = await as('GET', '/flows/standard/forms');
    expect(forms.json.map((f: { name: string }) => f.name)).toEqual(['signInForm', 'registrationForm', 'socialRegistrationForm', 'editProfileForm', 'changePasswordForm', 'changePasswordFormNoAuth', 'forgotPasswordForm', 'resendVerificationForm']);
  });

  it('needs an owner client of the application in the path', async () => {
    expect((await config(server(), undefined, 'GET', `${base}/flows`)).status).toBe(401);
    expect((await config(server(), { ...owner(app), client_secret: 'wrong' }, 'GET', `${base}/flows`)).status).toBe(401);
    const denied = await config(server(), login(app), 'GET', `${base}/flows`);
    expect(denied.status).toBe(403);
    expect(denied.json).toEqual({ errors: expect.stringContaining('features'), request_id: expect.any(String) });
    const direct = await addClient(server(), app, ['direct_access']);
    expect((await config(server(), direct, 'PUT', `${base}/flows/standard`, { userData: [] })).status).toBe(403);
    // Another application's owner reads nothing here, as if the application did not exist.
    const foreign = await config(server(), owner(other), 'GET', `${base}/flows`);
    expect(foreign.status).toBe(404);
    expect(foreign.json.errors).toBe('Application not found.');
  });

  it('fields: list, read (translated per locale, with the forms using them), add, change, remove; every change is a new version', async () => {
    const list = await as('GET', '/flows/standard/fields');
    expect(list.json).toContainEqual({ _self: `${base}/flows/standard/fields/signInEmailAddress`, name: 'signInEmailAddress' });

    const field = await as('GET', '/flows/standard/fields/emailAddress');
    expect(field.json).toMatchObject({
      _self: `${base}/flows/standard/fields/emailAddress`,
      name: 'emailAddress',
      type: 'email',
      schemaAttribute: 'email',
      label: { key: 'emailAddress.label' },
      _relationships: { forms: expect.arrayContaining([{ _self: `${base}/flows/standard/forms/registrationForm`, name: 'registrationForm' }]) },
    });
    expect((await as('GET', '/flows/standard/fields/emailAddress?locale=fr-FR')).json).toMatchObject({ label: 'Adresse e-mail', validation: expect.arrayContaining([{ rule: 'unique', value: true, message: 'Cette adresse e-mail est déjà utilisée.' }]) });
    expect((await as('GET', '/flows/standard/locales/fr-FR/fields/firstName')).json).toMatchObject({ _self: `${base}/flows/standard/locales/fr-FR/fields/firstName`, label: 'Prénom' });
    expect((await as('GET', '/flows/standard/locales/de-DE/fields/firstName')).status).toBe(404);
    expect((await as('GET', '/flows/standard/fields/nope')).status).toBe(404);

    const added = await as('POST', '/flows/standard/fields', { name: 'aboutMe', type: 'textarea', schemaAttribute: 'aboutMe', label: { key: 'firstName.label' }, validation: [{ rule: 'maxLength', value: 500, message: { key: 'validation.maxLength100' } }] });
    expect(added.status).toBe(201);
    const v1 = added.headers.get('x-flow-version');
    expect(v1).not.toBe(standardVersion);
    expect((await as('GET', '/flows/standard')).json.version).toBe(v1);
    expect((await as('POST', '/flows/standard/fields', { name: 'aboutMe', type: 'text', schemaAttribute: 'aboutMe' })).status).toBe(400);

    const wrong = await as('POST', '/flows/standard/fields', { name: 'nickname', type: 'text', schemaAttribute: 'nickname' });
    expect(wrong.status).toBe(400);
    expect(wrong.json.errors).toEqual(['fields.nickname.schemaAttribute: user has no attribute nickname']);
    const typo = await as('POST', '/flows/standard/fields', { name: 'x', type: 'text', schemaAtribute: 'aboutMe' });
    expect(typo.status).toBe(400);

    // Janrain's per-locale bodies: plain texts become translation keys of that locale.
    const localized = await as('PUT', '/flows/standard/locales/fr-FR/fields/aboutMe', { type: 'textarea', schemaAttribute: 'aboutMe', label: 'À propos de moi', validation: [{ rule: 'maxLength', value: 200, message: 'Trop long' }] });
    expect(localized.status).toBe(200);
    expect(localized.json).toMatchObject({ label: 'À propos de moi', validation: [{ rule: 'maxLength', value: 200, message: 'Trop long' }] });
    const raw = await as('GET', '/flows/standard/fields/aboutMe');
    expect(raw.json.label).toEqual({ key: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    // A locale without the text shows the default locale's text, else the key.
    expect((await as('GET', '/flows/standard/fields/aboutMe?locale=en-US')).json.label).toBe(raw.json.label.key);

    const changed = await as('PUT', '/flows/standard/fields/aboutMe', { type: 'text', schemaAttribute: 'aboutMe', validation: [] });
    expect(changed.json).toMatchObject({ name: 'aboutMe', type: 'text', validation: [] });

    // The older versions are still there, unchanged.
    expect((await as('GET', `/flows/standard/versions/${v1}`)).json.fields.aboutMe).toMatchObject({ type: 'textarea' });
    expect((await as('GET', `/flows/standard/versions/${standardVersion}`)).json.fields.aboutMe).toBeUndefined();
    const versions = await as('GET', '/flows/standard/versions');
    expect(versions.json.length).toBe(4);
    expect(versions.json[versions.json.length - 1]).toMatchObject({ version: standardVersion, change: 'provisioned with the application' });
    expect(versions.json[0]).toMatchObject({ change: 'field aboutMe changed' });

    // Removing a field takes it out of the forms; a field another one matches against stays.
    await as('PUT', '/flows/standard/forms/editProfileForm', { fields: [...standardFlowDefinition().forms.editProfileForm.fields, 'aboutMe'] });
    expect((await as('DELETE', '/flows/standard/fields/aboutMe')).status).toBe(204);
    expect((await as('GET', '/flows/standard/forms/editProfileForm')).json.fields.map((f: { name: string }) => f.name)).not.toContain('aboutMe');
    const held = await as('DELETE', '/flows/standard/fields/newPassword');
    expect(held.status).toBe(400);
    expect(held.json.errors).toContain('fields.newPasswordConfirm.validation[1].value: the name of another field of the flow');
  });

  it('concurrent changes of one flow all land, one version each', async () => {
    const before = (await as('GET', '/flows/standard/versions')).json.length;
    const names = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
    const answers = await Promise.all(names.map((name) => as('POST', '/flows/standard/fields', { name, type: 'text', schemaAttribute: 'aboutMe' })));
    expect(answers.map((a) => a.status)).toEqual(names.map(() => 201));
    expect(new Set(answers.map((a) => a.headers.get('x-flow-version'))).size).toBe(names.length);
    const fields = (await as('GET', '/flows/standard/fields')).json.map((f: { name: string }) => f.name);
    expect(fields).toEqual(expect.arrayContaining(names));
    expect((await as('GET', '/flows/standard/versions')).json.length).toBe(before + names.length);
    await Promise.all(names.map((name) => as('DELETE', `/flows/standard/fields/${name}`)));
    expect((await as('GET', '/flows/standard/fields')).json.map((f: { name: string }) => f.name)).not.toContain('c1');
  });

  it('forms: read with required flags, add, change, remove; unknown fields refused', async () => {
    const form = await as('GET', '/flows/standard/forms/signInForm');
    expect(form.json).toEqual({
      _self: `${base}/flows/standard/forms/signInForm`,
      name: 'signInForm',
      fields: [
        { _self: `${base}/flows/standard/fields/signInEmailAddress`, name: 'signInEmailAddress', required: true },
        { _self: `${base}/flows/standard/fields/currentPassword`, name: 'currentPassword', required: true },
      ],
    });
    expect((await as('POST', '/flows/standard/forms', { name: 'shortForm', fields: ['firstName', { name: 'gender' }] })).status).toBe(201);
    expect((await as('PUT', '/flows/standard/forms/shortForm', { fields: ['firstName', 'nope'] })).json.errors).toEqual(['forms.shortForm.fields[1]: no field is named "nope"']);
    expect((await as('PUT', '/flows/standard/forms/shortForm', { fields: ['lastName'] })).json.fields).toEqual([{ _self: `${base}/flows/standard/fields/lastName`, name: 'lastName', required: true }]);
    expect((await as('DELETE', '/flows/standard/forms/shortForm')).status).toBe(204);
    expect((await as('GET', '/flows/standard/forms/shortForm')).status).toBe(404);
  });

  it('translations and locales: add keys, change texts, add and remove a locale', async () => {
    const added = await as('POST', '/flows/standard/translations', [{ values: { 'en-US': 'Hello!', 'fr-FR': 'Bonjour !' } }, { key: 'greeting.bye', values: { 'en-US': 'Goodbye!' } }]);
    expect(added.status).toBe(201);
    expect(added.json).toEqual([
      { _self: expect.stringContaining(`${base}/flows/standard/translations/`), key: expect.stringMatching(/^[0-9a-f-]{36}$/), values: { 'en-US': 'Hello!', 'fr-FR': 'Bonjour !' } },
      { _self: `${base}/flows/standard/translations/greeting.bye`, key: 'greeting.bye', values: { 'en-US': 'Goodbye!' } },
    ]);
    expect((await as('POST', '/flows/standard/translations', [{ values: { 'de-DE': 'Hallo' } }])).json.errors).toEqual([expect.stringMatching(/de-DE: not one of the flow's locales/)]);
    expect((await as('PUT', '/flows/standard/translations/greeting.bye', { values: { 'en-US': 'Bye!', 'fr-FR': 'Au revoir !' } })).json.values).toEqual({ 'en-US': 'Bye!', 'fr-FR': 'Au revoir !' });
    expect((await as('GET', '/flows/standard/translations/greeting.bye')).json.values['fr-FR']).toBe('Au revoir !');
    // A key in use cannot go.
    expect((await as('DELETE', '/flows/standard/translations/firstName.label')).json.errors).toContain('fields.firstName.label: no translation has the key "firstName.label"');
    expect((await as('DELETE', '/flows/standard/translations/greeting.bye')).status).toBe(204);

    expect((await as('GET', '/flows/standard/locales')).json).toEqual([
      { _self: `${base}/flows/standard/locales/en-US`, name: 'en-US' },
      { _self: `${base}/flows/standard/locales/fr-FR`, name: 'fr-FR' },
    ]);
    expect((await as('GET', '/flows/standard/locales/fr-FR')).json['firstName.label']).toBe('Prénom');
    expect((await as('PUT', '/flows/standard/locales/de-DE', { 'firstName.label': 'Vorname' })).json.locales).toEqual(['en-US', 'fr-FR', 'de-DE']);
    expect((await as('GET', '/flows/standard/locales/de-DE')).json).toEqual({ 'firstName.label': 'Vorname' });
    expect((await as('DELETE', '/flows/standard/locales/en-US')).status).toBe(400);
    expect((await as('DELETE', '/flows/standard/locales/de-DE')).status).toBe(204);
    expect((await as('GET', '/flows/standard/locales/de-DE')).status).toBe(404);
  });

  it('flows: import (a new flow, then a new version), copy, properties, delete', async () => {
    const document = { ...standardFlowDefinition(), name: 'mobile' };
    const created = await as('POST', '/flows', document);
    expect(created.status).toBe(201);
    expect(created.json).toEqual({ _self: `${base}/flows/mobile`, name: 'mobile', version: expect.any(String), created: true });
    document.forms.signInForm.fields = ['signInEmailAddress', 'currentPassword'];
    const again = await as('POST', '/flows?name=mobile', document);
    expect(again.status).toBe(200);
    expect(again.json.version).not.toBe(created.json.version);

    const broken = await as('POST', '/flows?name=broken', { ...document, defaultLocale: 'it-IT' });
    expect(broken.status).toBe(400);
    expect(broken.json.errors).toEqual(['defaultLocale: it-IT is not one of the locales']);
    expect((await as('GET', '/flows/broken')).status).toBe(404);

    const copy = await as('POST', '/flows/mobile/copy', { name: 'mobile2' });
    expect(copy.status).toBe(201);
    expect((await as('POST', '/flows/mobile/copy', { name: 'mobile2' })).status).toBe(409);
    expect((await as('PUT', '/flows/mobile2', { userData: ['email'], schemas: ['user'] })).json).toMatchObject({ name: 'mobile2', userData: ['email'] });
    expect((await as('PUT', '/flows/mobile2', { schemas: ['nosuchtype'] })).json.errors).toEqual(['entityType: the application has no entity type nosuchtype']);

    // resolveFlow keeps the versions it read for a moment; a deleted flow's stop resolving at once.
    const { db } = server().running.runtime.store;
    const pinned = (await as('GET', '/flows/mobile2')).json.version;
    expect(await resolveFlow(db, await appRow(app), { clientId: app.loginClientId }, params({ flow: 'mobile2', flow_version: pinned }))).toMatchObject({ name: 'mobile2', version: pinned });
    expect((await as('DELETE', '/flows/mobile2')).status).toBe(204);
    await expect(resolveFlow(db, await appRow(app), { clientId: app.loginClientId }, params({ flow: 'mobile2', flow_version: pinned }))).rejects.toMatchObject({ code: 500 });
    expect((await as('GET', '/flows/mobile2')).status).toBe(404);
    expect((await as('DELETE', '/flows/mobile2')).status).toBe(404);
    expect((await as('GET', '/flows')).json.map((f: { name: string }) => f.name)).toEqual(['mobile', 'standard']);
    // The other application's flows are its own.
    expect((await config(server(), owner(other), 'GET', `/config/${other.appId}/flows`)).json.map((f: { name: string }) => f.name)).toEqual(['standard']);
  });

  it('widget_data: the flow in one locale, public, cacheable, HEAD or a version', async () => {
    const head = await fetch(`${server().url}/widget_data/flows/${other.appId}/standard/HEAD/en-US.json`);
    expect(head.status).toBe(200);
    expect(head.headers.get('cache-control')).toBe('public, max-age=60');
    expect(head.headers.get('access-control-allow-origin')).toBe('*');
    const doc = await head.json();
    const version = (await config(server(), owner(other), 'GET', `/config/${other.appId}/flows/standard`)).json.version;
    expect(doc).toMatchObject({ name: 'standard', version, locale: 'en-US', locales: ['en-US', 'fr-FR'], entityType: 'user' });
    expect(doc.fields.firstName).toEqual({
      type: 'text',
      schemaId: 'givenName',
      label: 'First name',
      placeholder: 'First name',
      validation: [
        { rule: 'required', value: true, message: 'Enter your first name.' },
        { rule: 'maxLength', value: 100, message: 'At most 100 characters.' },
      ],
    });
    expect(doc.fields.signInForm).toEqual({ fields: ['signInEmailAddress', 'currentPassword'] });
    expect(doc.forms.registrationForm.fields).toContain('newPasswordConfirm');
    expect(doc.schema_info.paths).toMatchObject({ firstName: 'givenName', address: { city: 'primaryAddress.city' } });
    expect(doc.fields.gender.options[0]).toEqual({ value: '', label: 'Select', selected: true });

    const fr = await fetch(`${server().url}/widget_data/flows/${other.appId}/standard/${version}/fr-FR.json`);
    expect(fr.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const etag = fr.headers.get('etag')!;
    const frDoc = await fr.json();
    expect(frDoc.fields.birthdate).toMatchObject({ type: 'dateselect', schemaId: 'birthday', label: 'Date de naissance', invalidMessage: "La date de naissance n'est pas une date valide." });
    expect((await fetch(`${server().url}/widget_data/flows/${other.appId}/standard/${version}/fr-FR.json`, { headers: { 'if-none-match': etag } })).status).toBe(304);

    for (const [path, locale] of [
      [`${other.appId}/standard/${version}/de-DE.json`, 'de-DE'],
      [`${other.appId}/nope/HEAD/en-US.json`, 'en-US'],
      [`${other.appId}/standard/00000000-0000-0000-0000-000000000000/en-US.json`, 'en-US'],
      [`nosuchapp/standard/HEAD/en-US.json`, 'en-US'],
    ]) {
      const r = await fetch(`${server().url}/widget_data/flows/${path}`);
      expect(r.status, path).toBe(404);
      expect((await r.json()).error_description).toMatch(new RegExp(`^could not find a flow named '.*' with version '.*' and locale '${locale}'$`));
    }
    // Another application's version is not found under this one.
    expect((await fetch(`${server().url}/widget_data/flows/${app.appId}/standard/${version}/en-US.json`)).status).toBe(404);
  });

  it('resolveFlow: flow, flow_version and locale checked, with seed 002 errors', async () => {
    const { db } = server().running.runtime.store;
    const row = await appRow(other);
    const client = { clientId: other.loginClientId };
    const version = (await config(server(), owner(other), 'GET', `/config/${other.appId}/flows/standard`)).json.version;

    const flow = await resolveFlow(db, row, client, params({ flow: 'standard', flow_version: version, locale: 'fr-fr' }));
    expect(flow).toMatchObject({ name: 'standard', version, locale: 'fr-FR', entityType: 'user' });
    expect(flow.text({ key: 'firstName.label' })).toBe('Prénom');
    expect((await resolveFlow(db, row, client, params({ flow_name: 'standard', flow_version: version }))).locale).toBe('en-US');

    const notFound = (name: string, v: string, locale: string) => ({ code: 500, error: 'unexpected_error', description: `could not find a flow named '${name}' with version '${v}' and locale '${locale}'` });
    await expect(resolveFlow(db, row, client, params({ flow: 'nope', flow_version: version, locale: 'en-US' }))).rejects.toMatchObject(notFound('nope', version, 'en-US'));
    await expect(resolveFlow(db, row, client, params({ flow: 'standard', flow_version: '12345abc-1234-abcd-1234-12345abcde12', locale: 'en-US' }))).rejects.toMatchObject(notFound('standard', '12345abc-1234-abcd-1234-12345abcde12', 'en-US'));
    await expect(resolveFlow(db, row, client, params({ flow: 'standard', flow_version: version, locale: 'de-DE' }))).rejects.toMatchObject(notFound('standard', version, 'de-DE'));
    await expect(resolveFlow(db, row, client, params({ flow: 'standard', flow_version: 'HEAD', locale: 'en-US' }))).rejects.toMatchObject(notFound('standard', 'HEAD', 'en-US'));
    // A version of the same flow in another application is not this application's.
    const mine = (await as('GET', '/flows/standard')).json.version;
    await expect(resolveFlow(db, row, client, params({ flow: 'standard', flow_version: mine, locale: 'en-US' }))).rejects.toMatchObject({ code: 500 });

    await expect(resolveFlow(db, row, client, params({ flow_version: version }))).rejects.toMatchObject({ code: 100, error: 'missing_argument', description: 'missing arguments: flow' });
    await expect(resolveFlow(db, row, client, params({ flow: 'standard' }))).rejects.toMatchObject({ code: 100, description: 'missing arguments: flow_version' });
    await expect(resolveFlow(db, row, client, params({ flow: 'standard', flow_name: 'other', flow_version: version }))).rejects.toMatchObject({ code: 201 });
  });

  it('resolveFlow: defaults from the client settings, then the application defaults', async () => {
    const { db } = server().running.runtime.store;
    const row = await appRow(other);
    const client = { clientId: other.loginClientId };
    const set = (path: string, extra: Record<string, string>) => call(server().url, path, { ...owner(other), ...extra });
    const standard = (await config(server(), owner(other), 'GET', `/config/${other.appId}/flows/standard`)).json.version;
    const imported = await config(server(), owner(other), 'POST', `/config/${other.appId}/flows?name=app_flow`, standardFlowDefinition());
    const appFlow = imported.json.version;

    await set('/settings/set_default', { key: 'default_flow_name', value: 'standard' });
    await set('/settings/set_default', { key: 'default_flow_version', value: standard });
    expect(await resolveFlow(db, row, client, params({ locale: 'en-US' }))).toMatchObject({ name: 'standard', version: standard });

    // The client's own settings win over the application's.
    await set('/settings/set', { for_client_id: other.loginClientId, key: 'default_flow_name', value: 'app_flow' });
    await set('/settings/set', { for_client_id: other.loginClientId, key: 'default_flow_version', value: appFlow });
    expect(await resolveFlow(db, row, client, params({}))).toMatchObject({ name: 'app_flow', version: appFlow, locale: 'en-US' });
    // Given parameters win over settings; the default version belongs to the default flow only.
    expect(await resolveFlow(db, row, client, params({ flow: 'standard', flow_version: standard }))).toMatchObject({ name: 'standard' });
    expect(await resolveFlow(db, row, client, params({ flow: 'app_flow' }))).toMatchObject({ version: appFlow });
    await expect(resolveFlow(db, row, client, params({ flow: 'standard' }))).rejects.toMatchObject({ code: 100, description: 'missing arguments: flow_version' });
    // Another client of the application sees the application defaults.
    expect(await resolveFlow(db, row, { clientId: other.ownerClientId }, params({}))).toMatchObject({ name: 'standard', version: standard });
    // A setting that names a version the flow does not have is the seed 002 error.
    await set('/settings/set', { for_client_id: other.loginClientId, key: 'default_flow_version', value: 'gone' });
    await expect(resolveFlow(db, row, client, params({ locale: 'fr-FR' }))).rejects.toMatchObject({ code: 500, description: "could not find a flow named 'app_flow' with version 'gone' and locale 'fr-FR'" });
  });

  it('the migration gives an application without a standard flow its standard flow', async () => {
    const fresh = await createTestApp(server());
    expect((await config(server(), owner(fresh), 'DELETE', `/config/${fresh.appId}/flows/standard`)).status).toBe(204);
    await provisionStandardFlowForExistingApps(server().running.runtime.store.db);
    const flows = await config(server(), owner(fresh), 'GET', `/config/${fresh.appId}/flows`);
    expect(flows.json.map((f: { name: string }) => f.name)).toEqual(['standard']);
    expect((await config(server(), owner(fresh), 'GET', `/config/${fresh.appId}/flows/standard/versions`)).json[0].change).toBe('provisioned by migration 0461');
    // Applications that have one keep it as it is.
    expect((await config(server(), owner(app), 'GET', `${base}/flows/standard/versions`)).json[0].change).not.toMatch(/migration/);
  });

  describeCli(server);
});

function describeCli(server: () => TestServer): void {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'openrain-flows-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], {
      env: { ...process.env, DATABASE_URL: server().database.url, OPENRAIN_DATA_DIR: server().database.dataDir, OPENRAIN_PUBLIC_URL: 'http://localhost:8080', LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('openrain flows import <file> --app <appId> imports a flow from a JSON file', async () => {
    const target = await createTestApp(server());
    const file = join(dir, 'flow.json');
    const document = { ...standardFlowDefinition(), name: 'from_file' };
    document.translations['firstName.label']['en-US'] = 'Given name';
    writeFileSync(file, JSON.stringify(document));

    const first = run(['flows', 'import', file, '--app', target.appId]);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^created flow from_file, version [0-9a-f-]{36}\n$/);
    const renamed = run(['flows', 'import', file, '--app', target.appId, '--name', 'standard']);
    expect(renamed.status).toBe(0);
    expect(renamed.stdout).toMatch(/^updated flow standard, version /);

    const r = await fetch(`${server().url}/widget_data/flows/${target.appId}/from_file/HEAD/en-US.json`);
    expect((await r.json()).fields.firstName.label).toBe('Given name');
    const standard = await fetch(`${server().url}/widget_data/flows/${target.appId}/standard/HEAD/en-US.json`);
    expect((await standard.json()).version).toBe(renamed.stdout.trim().split(' ').pop());

    writeFileSync(join(dir, 'broken.json'), JSON.stringify({ ...document, forms: { f: { fields: ['missing'] } } }));
    const broken = run(['flows', 'import', join(dir, 'broken.json'), '--app', target.appId]);
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain('forms.f.fields[0]: no field is named "missing"');
    expect(run(['flows', 'import', file, '--app', 'nosuchapp']).status).toBe(1);
    expect(run(['flows', 'import', file]).status).toBe(2);
  }, 180_000);
}
