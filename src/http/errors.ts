/**
 * Every error the wire can answer with. Social Login and Partner calls answer
 * `{stat:"fail", err:{code,msg}}` with an HTTP 4xx/5xx status; Registration calls answer
 * `{stat:"error", code, error, error_description, request_id}` with HTTP 200.
 * Parameter problems are raised surface-neutrally (ParameterError) and each envelope
 * turns them into its own code (0/1 for Social Login, 100/200/201 for Registration).
 */

export class SocialError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'SocialError';
  }
}

const se = (code: number, status: number) => (msg: string) => new SocialError(code, msg, status);

/** Seed 001's error table, one factory per row. */
export const socialErrors = {
  unavailable: () => se(-1, 503)('Service Temporarily Unavailable'),
  missingParameter: (name: string) => se(0, 400)(`Missing parameter: ${name}`),
  invalidParameter: (name: string, detail?: string) => se(1, 400)(`Invalid parameter: ${name}${detail ? ` (${detail})` : ''}`),
  cnameUnknown: () => se(1, 400)('Could not determine CNAME for custom domain'),
  domainNotInPartnerWhitelist: () => se(1, 400)('Supplied domain not found in partner domain whitelist'),
  invalidRealm: (detail: string) => se(1, 400)(`Invalid realm: ${detail}`),
  invalidProvider: (provider: string) => se(1, 400)(`Invalid provider: ${provider}`),
  providerNotConfigured: (provider: string) => se(1, 400)(`${provider} not configured`),
  permissionsNotSupported: () => se(1, 400)('Setting permissions not supported for this provider'),
  permissionDoesNotExist: (p: string) => se(1, 400)(`Permission does not exist: ${p}`),
  permissionNotSupported: (p: string) => se(1, 400)(`Permission not supported for this provider: ${p}`),
  permissionCannotBeSet: (p: string) => se(1, 400)(`Permission can not be set: ${p}`),
  dataNotFound: (detail?: string) => se(2, 404)(detail ? `Data not found: ${detail}` : 'Data not found'),
  authentication: (detail?: string) => se(3, 401)(detail ? `Authentication error: ${detail}` : 'Authentication error'),
  invalidPartnerKey: () => se(3, 401)('Invalid partnerKey'),
  invalidApiKey: () => se(3, 401)('Invalid apiKey'),
  facebook: (detail: string) => se(4, 502)(`Facebook error: ${detail}`),
  mappingExists: () => se(5, 409)('Mapping exists'),
  providerFailure: (detail: string) => se(6, 502)(`Error interacting with a previously-operational provider: ${detail}`),
  upgradeNeeded: () => se(7, 403)('Engage account upgrade needed to access this API'),
  missingThirdPartyCredentials: () => se(8, 400)('Missing third-party credentials for this identifier'),
  credentialsRevoked: () => se(9, 400)('Third-party credentials have been revoked'),
  notConfigured: (detail?: string) => se(10, 400)(detail ? `Your application is not properly configured: ${detail}` : 'Your application is not properly configured'),
  unsupported: (detail?: string) => se(11, 400)(detail ?? 'The provider or identifier does not support this feature'),
  providerDiscontinued: (provider: string) => se(11, 400)(`Provider discontinued: ${provider}`),
  google: (detail: string) => se(12, 502)(`Google error: ${detail}`),
  twitter: (detail: string) => se(13, 502)(`Twitter error: ${detail}`),
  linkedin: (detail: string) => se(14, 502)(`LinkedIn error: ${detail}`),
  liveId: (detail: string) => se(15, 502)(`LiveId error: ${detail}`),
  myspace: (detail: string) => se(16, 502)(`MySpace error: ${detail}`),
  yahoo: (detail: string) => se(17, 502)(`Yahoo error: ${detail}`),
  domainExists: () => se(18, 409)('Domain already exists'),
  appIdNotFound: () => se(19, 404)('App ID not found'),
};

/** NOTES.md §2: Registration code → `error` name. */
export const registrationErrorNames = {
  100: 'missing_argument',
  200: 'invalid_argument',
  201: 'duplicate_argument',
  205: 'invalid_auth_method',
  210: 'invalid_credentials',
  211: 'no_password',
  212: 'no_such_account',
  213: 'password_incorrect',
  221: 'unknown_application',
  222: 'unknown_entity_type',
  223: 'unknown_attribute',
  224: 'application_not_found',
  226: 'flow_error',
  232: 'entity_type_exists',
  233: 'attribute_exists',
  234: 'reserved_attribute',
  300: 'error_creating_record',
  310: 'record_not_found',
  320: 'id_in_new_record',
  330: 'timestamp_mismatch',
  340: 'invalid_data_format',
  341: 'invalid_json_type',
  342: 'invalid_date_time',
  350: 'password_value_mismatch',
  360: 'constraint_violation',
  361: 'unique_violation',
  362: 'missing_required_attribute',
  363: 'length_violation',
  380: 'email_address_in_use',
  390: 'invalid_form_fields',
  402: 'invalid_client_credentials',
  403: 'client_permission_error',
  413: 'no_access_grant',
  414: 'access_token_expired',
  415: 'authorization_code_expired',
  416: 'verification_code_expired',
  417: 'creation_token_expired',
  420: 'redirect_uri_mismatch',
  480: 'api_feature_disabled',
  485: 'removed_filter_operator',
  500: 'unexpected_error',
  504: 'timeout',
  510: 'api_limit_error',
  540: 'triggered_error',
} as const;

export type RegistrationCode = keyof typeof registrationErrorNames;

export class RegistrationError extends Error {
  readonly error: string;
  constructor(
    readonly code: RegistrationCode,
    readonly description: string,
    readonly options: { argumentName?: string; extra?: Record<string, unknown>; error?: string } = {},
  ) {
    super(description);
    this.name = 'RegistrationError';
    this.error = options.error ?? registrationErrorNames[code];
  }
}

/** A parameter that is absent, malformed, or given twice; each envelope maps it to its own code. */
export class ParameterError extends Error {
  constructor(
    readonly kind: 'missing' | 'invalid' | 'duplicate',
    readonly parameter: string,
    readonly detail?: string,
  ) {
    super(kind === 'missing' ? `missing parameter: ${parameter}` : `${kind} parameter: ${parameter}${detail ? ` (${detail})` : ''}`);
    this.name = 'ParameterError';
  }
}

/** The request itself cannot be read (body too large, wrong content type, broken encoding). */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}
