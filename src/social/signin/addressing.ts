import type { FastifyRequest } from 'fastify';
import { findAppByAppId, findAppByHost, findAppByRealm, realmFromHost, realmUrl, type AppRow } from '../../partner/apps.js';
import type { Runtime } from '../../runtime.js';

/** The application a browser's sign-in request is for, and where its callbacks must return. */
export interface AddressedApp {
  app: AppRow;
  /** Origin of the sign-in pages for this request: the realm host, a custom domain or the public URL. */
  base: string;
  /** The app was named by an `appId` parameter: links between sign-in pages must carry it on. */
  byAppId: boolean;
}

export type Addressing = { ok: true; addressed: AddressedApp } | { ok: false; status: number; title: string; message: string };

/**
 * Browsers reach an application's sign-in pages on its realm host (`<realm>.<public host>`), on
 * a custom domain, or on the public host with an `appId` parameter. The pending sign-in cookie
 * is bound to that host, so the provider's callback must come back to the same one.
 */
export async function addressedApp(runtime: Runtime, request: FastifyRequest, appIdParam: string | undefined): Promise<Addressing> {
  const { config, store } = runtime;
  const realm = realmFromHost(config, request.host);
  let app: AppRow | undefined;
  let base: string;
  if (realm) {
    app = await findAppByRealm(store.db, realm);
    base = realmUrl(config, realm);
  } else {
    app = await findAppByHost(store.db, config, request.host);
    base = `${request.protocol}://${request.host}`;
  }
  if (app) {
    if (appIdParam && appIdParam !== app.app_id) return { ok: false, status: 400, title: 'Wrong application', message: 'The appId does not name the application this address belongs to.' };
    return { ok: true, addressed: { app, base, byAppId: false } };
  }
  if (realm) return { ok: false, status: 404, title: 'Unknown application', message: 'No application is served at this address.' };
  if (!appIdParam) return { ok: false, status: 400, title: 'Which application?', message: "Open this page on the application's sign-in address, or name the application with an appId parameter." };
  app = appIdParam.length <= 64 ? await findAppByAppId(store.db, appIdParam) : undefined;
  if (!app) return { ok: false, status: 404, title: 'Unknown application', message: 'No application has this appId.' };
  return { ok: true, addressed: { app, base: config.publicUrl, byAppId: true } };
}
