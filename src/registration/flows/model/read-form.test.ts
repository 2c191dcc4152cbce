import { describe, expect, it } from 'vitest';
import { RegistrationError } from '../../../http/errors.js';
import { makeEntityType } from '../../schema/entity-types.js';
import { STANDARD_USER_ATTR_DEFS } from '../../schema/standard-user.js';
import { checkDefinition, FlowDefinitionError, parseFlowDefinition, type FlowDefinition } from './definition.js';
import { makeFlow, type Flow } from './flow.js';
import { formFieldsFromProfile } from './prefill.js';
import { standardFlowDefinition } from './provision.js';
import { attributesOf, readForm, type ReadFormOptions } from './read-form.js';
import { checkAgainstSchema } from './schema-fit.js';

const userType = makeEntityType({ id: 1, appId: 1, name: 'user', attrDefs: STANDARD_USER_ATTR_DEFS, properties: [], createdAt: 0, updatedAt: 0 });
/** The standard user type with one more boolean, for a second checkbox. */
const testType = makeEntityType({ id: 2, appId: 1, name: 'user', attrDefs: [...STANDARD_USER_ATTR_DEFS, { name: 'newsletter', type: 'boolean' }], properties: [], createdAt: 0, updatedAt: 0 });
const params = (values: Record<string, string>) => ({ get: (name: string) => (Object.hasOwn(values, name) ? values[name] : undefined) });
const free: ReadFormOptions = { unique: async () => true, now: new Date(Date.UTC(2024, 5, 15)) };

/** The 390 answer's invalid_fields, or a failure when the form was accepted. */
async function invalidFields(flow: Flow, form: string, values: Record<string, string>, locale?: string, options: ReadFormOptions = free): Promise<Record<string, string[]>> {
  try {
    await readForm(flow, form, params(values), locale, options);
  } catch (err) {
    expect(err).toBeInstanceOf(RegistrationError);
    const e = err as RegistrationError;
    expect(e.code).toBe(390);
    expect(e.error).toBe('invalid_form_fields');
    return e.options.extra!.invalid_fields as Record<string, string[]>;
  }
  throw new Error('the form was accepted');
}

const t = (key: string, en: string, fr: string) => [key, { 'en-US': en, 'fr-FR': fr }] as const;
const msg = (key: string) => ({ key });

/** A flow with every field kind and every rule, in two locales. */
function testDefinition(): FlowDefinition {
  const translations = Object.fromEntries([
    t('invalid', 'Not valid.', 'Pas valide.'),
    t('required', 'Required.', 'Obligatoire.'),
    t('email', 'Not an email address.', "Pas une adresse e-mail."),
    t('short', 'Too short.', 'Trop court.'),
    t('long', 'Too long.', 'Trop long.'),
    t('regex', 'Starts with a capital.', 'Commence par une majuscule.'),
    t('taken', 'Already taken.', 'Déjà pris.'),
    t('match', 'Does not match.', 'Ne correspond pas.'),
    t('complex', 'Needs an uppercase letter and a digit.', 'Il faut une majuscule et un chiffre.'),
    t('young', 'Too young.', 'Trop jeune.'),
    t('option', 'Pick an option.', 'Choisissez une option.'),
    t('badDate', 'Not a date.', 'Pas une date.'),
    t('zip', 'Five digits.', 'Cinq chiffres.'),
    t('terms', 'Accept the terms.', 'Acceptez les conditions.'),
    t('label', 'Label', 'Libellé'),
    t('a', 'A', 'A'),
    t('b', 'B', 'B'),
  ]);
  const def = {
    entityType: 'user',
    defaultLocale: 'en-US',
    locales: ['en-US', 'fr-FR'],
    userData: [],
    messages: { invalid: msg('invalid') },
    fields: {
      email: { type: 'email', schemaAttribute: 'email', label: msg('label'), validation: [{ rule: 'required', value: true, message: msg('required') }, { rule: 'format', value: 'email', message: msg('email') }, { rule: 'unique', value: true, message: msg('taken') }] },
      nick: { type: 'text', schemaAttribute: 'displayName', validation: [{ rule: 'minLength', value: 3, message: msg('short') }, { rule: 'maxLength', value: 6, message: msg('long') }, { rule: 'regex', value: '^\\p{Lu}', message: msg('regex') }] },
      about: { type: 'textarea', schemaAttribute: 'aboutMe', validation: [{ rule: 'maxLength', value: 10, message: msg('long') }] },
      password: { type: 'password', schemaAttribute: 'password', validation: [{ rule: 'required', value: true, message: msg('required') }, { rule: 'complexity', value: { uppercase: 1, digits: 1 }, message: msg('complex') }] },
      confirm: { type: 'password', schemaAttribute: 'password', validation: [{ rule: 'match', value: 'password', message: msg('match') }] },
      born: { type: 'dateselect', schemaAttribute: 'birthday', invalidMessage: msg('badDate'), validation: [{ rule: 'minYears', value: 18, message: msg('young') }] },
      gender: { type: 'select', schemaAttribute: 'gender', options: [{ value: '', label: msg('a'), selected: true }, { value: 'f', label: msg('a') }, { value: 'x', label: msg('b'), disabled: true }], validation: [{ rule: 'matchOptions', value: true, message: msg('option') }] },
      tone: { type: 'radio', schemaAttribute: 'currentLocation', options: [{ value: 'a', label: msg('a') }, { value: 'b', label: msg('b') }], validation: [{ rule: 'required', value: true, message: msg('required') }] },
      terms: { type: 'checkbox', schemaAttribute: 'consents.marketing.granted', validation: [{ rule: 'required', value: true, message: msg('terms') }] },
      news: { type: 'checkbox', schemaAttribute: 'newsletter', validation: [] },
      address: { type: 'text', schemaAttribute: { city: 'primaryAddress.city', zip: 'primaryAddress.zip' }, validation: [{ rule: 'format', value: 'alphaNumericExtended', message: msg('zip') }] },
      home: { type: 'text', schemaAttribute: { city: 'primaryAddress.city', zip: 'primaryAddress.zip' }, validation: [{ rule: 'required', value: true, message: msg('required') }] },
      phone: { type: 'text', schemaAttribute: 'mobileNumber', validation: [{ rule: 'format', value: 'phone', message: msg('invalid') }] },
    },
    forms: {
      everything: { fields: ['email', 'nick', 'about', 'password', 'confirm', 'born', 'gender', 'tone', 'terms', 'address'] },
      small: { fields: ['nick', 'news', 'gender', 'address', 'born'] },
      homeForm: { fields: ['home'] },
      phoneForm: { fields: ['phone'] },
    },
    translations,
  };
  return parseFlowDefinition(def).definition;
}

describe('flow definitions', () => {
  it('the standard flow holds together, fits the standard user type and has the forms NOTES §8 names', () => {
    const def = standardFlowDefinition();
    checkDefinition(def);
    checkAgainstSchema(def, userType);
    expect(Object.keys(def.forms)).toEqual(expect.arrayContaining(['signInForm', 'registrationForm', 'socialRegistrationForm', 'editProfileForm', 'changePasswordForm', 'changePasswordFormNoAuth', 'forgotPasswordForm', 'resendVerificationForm']));
    expect(def.forms.signInForm.fields).toEqual(['signInEmailAddress', 'currentPassword']);
    expect(def.forms.changePasswordForm.fields).toEqual(['currentPassword', 'newPassword', 'newPasswordConfirm']);
    expect(def.locales).toEqual(['en-US', 'fr-FR']);
    // Every translation has both locales.
    for (const [key, values] of Object.entries(def.translations)) expect(Object.keys(values).sort(), key).toEqual(['en-US', 'fr-FR']);
  });

  it('the test flow holds together and fits the user type', () => {
    checkAgainstSchema(testDefinition(), testType);
  });

  it('names every structural problem', () => {
    const def = standardFlowDefinition();
    def.forms.signInForm.fields.push('nope');
    def.fields.firstName.validation.push({ rule: 'minYears', value: 3, message: { key: 'missing.key' } });
    def.fields.gender.options = [];
    def.translations['x'] = { 'de-DE': 'nein' };
    def.fields.newPasswordConfirm.validation[1] = { rule: 'match', value: 'noSuchField', message: { key: 'newPasswordConfirm.match' } };
    let problems: string[] = [];
    try {
      checkDefinition(def);
    } catch (err) {
      problems = (err as FlowDefinitionError).problems;
    }
    expect(problems).toEqual(
      expect.arrayContaining([
        'forms.signInForm.fields[2]: no field is named "nope"',
        'fields.firstName.validation[2]: minYears does not apply to text fields',
        'fields.firstName.validation[2].message: no translation has the key "missing.key"',
        'fields.gender.options: select fields need options',
        'translations.x.de-DE: not one of the flow\'s locales',
        'fields.newPasswordConfirm.validation[1].value: the name of another field of the flow',
      ]),
    );
  });

  it('refuses rule values that do not fit, unknown keys and bad regular expressions', () => {
    const base = standardFlowDefinition();
    const bad = (edit: (d: any) => void) => {
      const d: any = structuredClone(base);
      edit(d);
      expect(() => parseFlowDefinition(d)).toThrow(FlowDefinitionError);
    };
    bad((d) => (d.fields.firstName.validation[1].value = -1));
    bad((d) => (d.fields.emailAddress.validation[1].value = 'nonsense'));
    bad((d) => (d.fields.newPassword.validation[3].value = { capitals: 1 }));
    bad((d) => d.fields.firstName.validation.push({ rule: 'regex', value: '(', message: { key: 'validation.invalid' } }));
    bad((d) => (d.fields.firstName.schemaAtribute = 'givenName'));
    bad((d) => delete d.fields.firstName.schemaAttribute);
    bad((d) => (d.fields.address.type = 'email'));
    bad((d) => (d.defaultLocale = 'de-DE'));
    bad((d) => (d.fields.signInForm = d.fields.firstName));
  });

  it('checks schema attributes against the entity type', () => {
    const def = standardFlowDefinition();
    def.fields.firstName.schemaAttribute = 'nickname';
    def.fields.lastName.schemaAttribute = 'uuid';
    def.fields.displayName.schemaAttribute = 'profiles.domain';
    def.fields.optIn.schemaAttribute = 'givenName';
    let problems: string[] = [];
    try {
      checkAgainstSchema(def, userType);
    } catch (err) {
      problems = (err as FlowDefinitionError).problems;
    }
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/user has no attribute nickname/);
    expect(problems.join('\n')).toMatch(/uuid is a reserved attribute/);
    expect(problems.join('\n')).toMatch(/inside the plural profiles/);
    expect(problems.join('\n')).toMatch(/a checkbox field cannot write givenName, a string attribute/);
  });

  it('accepts schemaId for schemaAttribute', () => {
    const doc: any = structuredClone(standardFlowDefinition());
    doc.fields.firstName = { ...doc.fields.firstName, schemaId: 'givenName' };
    delete doc.fields.firstName.schemaAttribute;
    expect(parseFlowDefinition(doc).definition.fields.firstName.schemaAttribute).toBe('givenName');
  });
});

describe('readForm', () => {
  const flow = makeFlow(1, 'test', 'v1', testDefinition(), 'en-US');
  const good = {
    email: 'ann@example.com',
    nick: 'Annie',
    about: 'hello',
    password: 'Secret12',
    confirm: 'Secret12',
    'born[dateselect_year]': '1990',
    'born[dateselect_month]': '7',
    'born[dateselect_day]': '04',
    gender: 'f',
    tone: 'b',
    terms: 'on',
    'address[city]': 'Paris',
    'address[zip]': '75001',
  };

  it('reads every field kind into attribute values and field values', async () => {
    const { values, fields } = await readForm(flow, 'everything', params(good), undefined, free);
    expect(values).toEqual({
      email: 'ann@example.com',
      displayName: 'Annie',
      aboutMe: 'hello',
      password: 'Secret12',
      birthday: '1990-07-04',
      gender: 'f',
      currentLocation: 'b',
      'consents.marketing.granted': true,
      'primaryAddress.city': 'Paris',
      'primaryAddress.zip': '75001',
    });
    expect(fields).toMatchObject({ born: '1990-07-04', terms: true, address: { city: 'Paris', zip: '75001' }, confirm: 'Secret12' });
    expect(attributesOf(values)).toEqual({
      email: 'ann@example.com',
      displayName: 'Annie',
      aboutMe: 'hello',
      password: 'Secret12',
      birthday: '1990-07-04',
      gender: 'f',
      currentLocation: 'b',
      consents: { marketing: { granted: true } },
      primaryAddress: { city: 'Paris', zip: '75001' },
    });
  });

  it('answers 390 with every failing rule per field, in the request locale', async () => {
    const bad = {
      email: 'not-an-email',
      nick: 'ab',
      about: 'far too long text',
      password: 'secret',
      confirm: 'other',
      'born[dateselect_year]': '2010',
      'born[dateselect_month]': '1',
      'born[dateselect_day]': '1',
      gender: 'zz',
      'address[city]': 'Par!s',
    };
    expect(await invalidFields(flow, 'everything', bad, 'en-US')).toEqual({
      email: ['Not an email address.'],
      nick: ['Too short.', 'Starts with a capital.'],
      about: ['Too long.'],
      password: ['Needs an uppercase letter and a digit.'],
      confirm: ['Does not match.'],
      born: ['Too young.'],
      gender: ['Pick an option.'],
      tone: ['Required.'],
      terms: ['Accept the terms.'],
      address: ['Five digits.'],
    });
    expect(await invalidFields(flow, 'everything', bad, 'fr-FR')).toMatchObject({ email: ['Pas une adresse e-mail.'], nick: ['Trop court.', 'Commence par une majuscule.'], tone: ['Obligatoire.'], terms: ['Acceptez les conditions.'] });
  });

  it('uses the flow request locale when none is given, and falls back to the default locale', async () => {
    const fr = makeFlow(1, 'test', 'v1', testDefinition(), 'fr-fr');
    expect(fr.locale).toBe('fr-FR');
    expect(await invalidFields(fr, 'homeForm', {})).toEqual({ home: ['Obligatoire.'] });
    const def = testDefinition();
    delete def.translations.required['fr-FR'];
    expect(await invalidFields(makeFlow(1, 'test', 'v1', def, 'fr-FR'), 'homeForm', {})).toEqual({ home: ['Required.'] });
  });

  it('maxLength and regex count code points and anchors', async () => {
    expect(await invalidFields(flow, 'small', { nick: 'Ëmilie' + '😀' })).toEqual({ nick: ['Too long.'] });
    await expect(readForm(flow, 'small', params({ nick: 'Émile' }), undefined, free)).resolves.toMatchObject({ values: { displayName: 'Émile' } });
  });

  it('required: absent, empty, whitespace-only and unchecked all fail', async () => {
    for (const email of [undefined, '', '   ']) {
      const values: Record<string, string> = { ...good };
      if (email === undefined) delete values.email;
      else values.email = email;
      expect((await invalidFields(flow, 'everything', values)).email).toEqual(['Required.']);
    }
    expect((await invalidFields(flow, 'everything', { ...good, terms: 'false' })).terms).toEqual(['Accept the terms.']);
    expect((await invalidFields(flow, 'everything', { ...good, password: '' })).password).toEqual(['Required.']);
  });

  it('checkboxes: true/false spellings, anything else is invalid', async () => {
    for (const [text, value] of [['true', true], ['1', true], ['on', true], ['yes', true], ['false', false], ['0', false], ['off', false]] as const) {
      const { values } = await readForm(flow, 'small', params({ news: text }), undefined, free);
      expect(values.newsletter).toBe(value);
    }
    expect(await invalidFields(flow, 'small', { news: 'maybe' })).toEqual({ news: ['Not valid.'] });
  });

  it('dateselect: three parts, one date text or a JSON object; impossible or partial dates are invalid', async () => {
    const born = async (p: Record<string, string>) => (await readForm(flow, 'small', params(p), undefined, free)).values.birthday;
    expect(await born({ 'born[dateselect_year]': '2000', 'born[dateselect_month]': '02', 'born[dateselect_day]': '29' })).toBe('2000-02-29');
    expect(await born({ born: '1999-12-31' })).toBe('1999-12-31');
    expect(await born({ born: '{"dateselect_year":"1980","dateselect_month":"1","dateselect_day":"2"}' })).toBe('1980-01-02');
    expect(await born({ 'born[dateselect_year]': '', 'born[dateselect_month]': '', 'born[dateselect_day]': '' })).toBeNull();
    const impossible: Array<Record<string, string>> = [
      { 'born[dateselect_year]': '2001', 'born[dateselect_month]': '02', 'born[dateselect_day]': '29' },
      { 'born[dateselect_year]': '2001', 'born[dateselect_month]': '13', 'born[dateselect_day]': '1' },
      { 'born[dateselect_year]': '2001', 'born[dateselect_month]': '1' },
      { 'born[dateselect_year]': '20x1', 'born[dateselect_month]': '1', 'born[dateselect_day]': '1' },
      { born: '31/12/1999' },
    ];
    for (const p of impossible) {
      expect(await invalidFields(flow, 'small', p)).toEqual({ born: ['Not a date.'] });
    }
  });

  it('minYears counts whole years at the given moment', async () => {
    const at = (y: string, m: string, d: string) => params({ 'born[dateselect_year]': y, 'born[dateselect_month]': m, 'born[dateselect_day]': d });
    const minYears = testDefinition();
    minYears.forms.small.fields = ['born'];
    minYears.fields.born.validation[0].value = 18;
    const f = makeFlow(1, 'test', 'v1', minYears);
    await expect(readForm(f, 'small', at('2006', '6', '15'), undefined, free)).resolves.toBeDefined();
    await expect(readForm(f, 'small', at('2006', '6', '16'), undefined, free)).rejects.toMatchObject({ code: 390 });
  });

  it('select and radio: only enabled option values; the empty option empties the attribute', async () => {
    expect((await readForm(flow, 'small', params({ gender: '' }), undefined, free)).values).toEqual({ gender: null });
    expect(await invalidFields(flow, 'small', { gender: 'x' })).toEqual({ gender: ['Pick an option.'] });
    expect((await invalidFields(flow, 'everything', { ...good, tone: 'c' })).tone).toEqual(['Not valid.']);
  });

  it('composite fields: name[subkey] or a JSON object, each part checked; required needs every part', async () => {
    expect((await readForm(flow, 'small', params({ address: '{"city":"Lyon","zip":null}' }), undefined, free)).values).toEqual({ 'primaryAddress.city': 'Lyon', 'primaryAddress.zip': null });
    expect((await readForm(flow, 'small', params({ 'address[zip]': '69001' }), undefined, free)).values).toEqual({ 'primaryAddress.zip': '69001' });
    expect(await invalidFields(flow, 'homeForm', { 'home[city]': 'Lyon' })).toEqual({ home: ['Required.'] });
    expect((await readForm(flow, 'homeForm', params({ 'home[city]': 'Lyon', 'home[zip]': '1' }), undefined, free)).fields).toEqual({ home: { city: 'Lyon', zip: '1' } });
  });

  it('absent optional fields are left out; emptied ones write null (passwords excepted)', async () => {
    expect(await readForm(flow, 'small', params({}), undefined, free)).toEqual({ values: {}, fields: {} });
    expect((await readForm(flow, 'small', params({ nick: '' }), undefined, free)).values).toEqual({ displayName: null });
  });

  it('formats: phone', async () => {
    await expect(readForm(flow, 'phoneForm', params({ phone: '+1 (555) 010-0200' }), undefined, free)).resolves.toBeDefined();
    expect(await invalidFields(flow, 'phoneForm', { phone: '12-34' })).toEqual({ phone: ['Not valid.'] });
    expect(await invalidFields(flow, 'phoneForm', { phone: 'call me' })).toEqual({ phone: ['Not valid.'] });
  });

  it('unique asks the caller only for values that passed every other check', async () => {
    const asked: unknown[] = [];
    const taken: ReadFormOptions = { unique: async (c) => (asked.push(c), false), now: free.now };
    expect((await invalidFields(flow, 'everything', good, 'fr-FR', taken)).email).toEqual(['Déjà pris.']);
    expect(asked).toEqual([{ field: 'email', attribute: 'email', value: 'ann@example.com' }]);
    asked.length = 0;
    await invalidFields(flow, 'everything', { ...good, email: 'bad' }, 'en-US', taken);
    expect(asked).toEqual([]);
  });

  it('a missing or unknown form is an argument error', async () => {
    await expect(readForm(flow, undefined, params({}), undefined, free)).rejects.toMatchObject({ code: 100, options: { argumentName: 'form' } });
    await expect(readForm(flow, 'nope', params({}), undefined, free)).rejects.toMatchObject({ code: 200, options: { argumentName: 'form' } });
  });

  it('the standard flow: registration, password policy and confirmation, in both locales', async () => {
    const standard = makeFlow(1, 'standard', 'v', standardFlowDefinition(), 'en-US');
    const registration = {
      firstName: 'John',
      lastName: 'Doe',
      displayName: 'JohnDoe',
      emailAddress: 'johndoe@example.com',
      newPassword: 'password123',
      newPasswordConfirm: 'password123',
      'birthdate[dateselect_year]': '1930',
      'birthdate[dateselect_month]': '11',
      'birthdate[dateselect_day]': '3',
    };
    const { values } = await readForm(standard, 'registrationForm', params(registration), 'en-US', free);
    expect(values).toEqual({ givenName: 'John', familyName: 'Doe', displayName: 'JohnDoe', email: 'johndoe@example.com', password: 'password123', birthday: '1930-11-03' });
    expect(await invalidFields(standard, 'registrationForm', { ...registration, newPassword: 'short', newPasswordConfirm: 'shorter' }, 'en-US')).toEqual({
      newPassword: ['Passwords have at least 8 characters.', 'Passwords contain at least one letter and one digit.'],
      newPasswordConfirm: ['Passwords do not match.'],
    });
    expect(await invalidFields(standard, 'changePasswordFormNoAuth', { newPassword: 'onlyletters', newPasswordConfirm: 'onlyletters' }, 'fr-FR')).toEqual({
      newPassword: ['Le mot de passe contient au moins une lettre et un chiffre.'],
    });
    expect(await invalidFields(standard, 'editProfileForm', { 'birthdate[dateselect_year]': '1990', 'birthdate[dateselect_month]': '2', 'birthdate[dateselect_day]': '31' }, 'en-US')).toMatchObject({
      birthdate: ['Birthdate is not a valid date.'],
    });
    const change = await readForm(standard, 'changePasswordForm', params({ currentPassword: 'old', newPassword: 'newpass12', newPasswordConfirm: 'newpass12' }), undefined, free);
    expect(change.values).toEqual({ password: 'newpass12' });
    expect(change.fields.currentPassword).toBe('old');
  });
});

describe('formFieldsFromProfile', () => {
  const standard = makeFlow(1, 'standard', 'v', standardFlowDefinition(), 'en-US');

  it("fills the form's fields from the social profile, defaults for the rest, never passwords", () => {
    const authInfo = {
      profile: {
        displayName: 'JohnDoe',
        name: { givenName: 'John', familyName: 'Doe' },
        email: 'johndoe@example.com',
        gender: 'Male',
        birthday: '1980-05-02',
        address: { locality: 'Paris', country: 'France' },
      },
    };
    expect(formFieldsFromProfile(standard, 'socialRegistrationForm', authInfo)).toEqual({ firstName: 'John', lastName: 'Doe', displayName: 'JohnDoe', emailAddress: 'johndoe@example.com' });
    expect(formFieldsFromProfile(standard, 'registrationForm', authInfo)).toEqual({
      firstName: 'John',
      lastName: 'Doe',
      displayName: 'JohnDoe',
      emailAddress: 'johndoe@example.com',
      birthdate: '1980-05-02',
      gender: 'male',
      address: { address1: null, address2: null, city: 'Paris', zip: null, stateAbbreviation: null, country: 'France' },
      optIn: false,
    });
    expect(formFieldsFromProfile(standard, 'editProfileForm', { profile: { gender: 'unknown', birthday: '--05-02' } })).toMatchObject({ firstName: null, gender: '', birthdate: null, optIn: false });
  });

  it('an unknown registration_form is an argument error', () => {
    expect(() => formFieldsFromProfile(standard, 'nope', {})).toThrow(expect.objectContaining({ code: 200, options: { argumentName: 'registration_form' } }));
  });
});
