import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { socialErrors } from '../http/errors.js';
import { boolParam } from '../http/params.js';
import { socialRoute } from '../http/wire.js';
import type { Runtime } from '../runtime.js';
import { appOfApiKey } from './api-key.js';
import { forgetIdentityTokens } from './identities.js';
import { allMappings, identifiersOf, mapIdentifier, unmapIdentifiers } from './mappings.js';

/** Identifiers are provider URLs; primary keys are the site's own user ids, as text. */
const identifierParam = z.string().trim().min(1).max(2048);
const primaryKeyParam = z.string().trim().min(1).max(255);

const mapParams = z.object({ identifier: identifierParam, primaryKey: primaryKeyParam, overwrite: boolParam.optional() });
const unmapParams = z.object({
  primaryKey: primaryKeyParam,
  identifier: identifierParam.optional(),
  // Janrain's own unmap example spells it this way; sites copied it.
  identifer: identifierParam.optional(),
  all_identifiers: boolParam.optional(),
  unlink: boolParam.optional(),
});
const mappingsParams = z.object({ primaryKey: primaryKeyParam });

/** `map`, `unmap`, `mappings`, `all_mappings`: every one scoped to the apiKey's application. */
export function registerMappingRoutes(app: FastifyInstance, runtime: Runtime): void {
  const { store } = runtime;

  socialRoute(app, '/api/v2/map', async ({ params }) => {
    const target = await appOfApiKey(runtime, params);
    const p = params.parse(mapParams);
    await mapIdentifier(store, target.id, p.identifier, p.primaryKey, { overwrite: p.overwrite ?? true });
  });

  // `unlink` also forgets the provider credentials of the unmapped identifiers, so that the
  // application no longer acts for the user at the provider (get_user_data, get_contacts).
  socialRoute(app, '/api/v2/unmap', async ({ params }) => {
    const target = await appOfApiKey(runtime, params);
    const p = params.parse(unmapParams);
    const identifier = p.identifier ?? p.identifer;
    let removed: string[];
    if (p.all_identifiers) removed = await unmapIdentifiers(store, target.id, p.primaryKey, { all: true });
    else if (identifier === undefined) throw socialErrors.missingParameter('identifier');
    else removed = await unmapIdentifiers(store, target.id, p.primaryKey, { identifier });
    if (p.unlink) await forgetIdentityTokens(store, target.id, removed);
  });

  socialRoute(app, '/api/v2/mappings', async ({ params }) => {
    const target = await appOfApiKey(runtime, params);
    const { primaryKey } = params.parse(mappingsParams);
    return { identifiers: await identifiersOf(store.db, target.id, primaryKey) };
  });

  socialRoute(
    app,
    '/api/v2/all_mappings',
    async ({ params }) => {
      const target = await appOfApiKey(runtime, params);
      return { mappings: Object.fromEntries(await allMappings(store.db, target.id)) };
    },
    {
      // NOTES.md §2: <mappings><mapping><primaryKey>1</primaryKey><identifiers><identifier>…
      xml: (body) => ({
        mappings: Object.entries(body.mappings as Record<string, string[]>).map(([primaryKey, identifiers]) => ({ primaryKey, identifiers })),
      }),
    },
  );
}
