import { digest, randomHex } from '../crypto/secrets.js';
import type { Runtime } from '../runtime.js';
import type { Db, Tx } from '../store/store.js';
import { ensureAdmin } from './admins.js';

/** How long an invitation link works (ours: Janrain documents none). */
export const INVITE_LIFETIME_MS = 14 * 24 * 3600 * 1000;

/** The link an invited person opens; served by invite-page.ts on the public URL. */
export function inviteUrl(publicUrl: string, code: string): string {
  return `${publicUrl}/invite?code=${encodeURIComponent(code)}`;
}

/** Creates an invitation and answers its link; only the code's digest and the sealed link are stored. */
export async function createInvite(tx: Tx, runtime: Pick<Runtime, 'config' | 'sealer'>, appRowId: number, email: string): Promise<string> {
  const code = randomHex(24);
  const url = inviteUrl(runtime.config.publicUrl, code);
  const now = Date.now();
  await tx
    .insertInto('app_invites')
    .values({ app_id: appRowId, email, code_digest: digest(code), url_sealed: runtime.sealer.seal(url), created_at: now, expires_at: now + INVITE_LIFETIME_MS, used_at: null })
    .execute();
  return url;
}

/** Invitations neither used nor expired, oldest first. */
export async function pendingInvites(db: Db, runtime: Pick<Runtime, 'sealer'>, appRowId: number): Promise<{ email: string; url: string }[]> {
  const rows = await db
    .selectFrom('app_invites')
    .select(['email', 'url_sealed'])
    .where('app_id', '=', appRowId)
    .where('used_at', 'is', null)
    .where('expires_at', '>', Date.now())
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ email: r.email, url: runtime.sealer.open(r.url_sealed) }));
}

export type InviteState = 'pending' | 'used' | 'expired';

export interface InviteView {
  state: InviteState;
  email: string;
  appName: string;
  appDomain: string;
  realm: string;
}

/** What an invitation code stands for, or undefined when it is unknown. */
export async function lookupInvite(db: Db, code: string): Promise<InviteView | undefined> {
  if (!/^[0-9a-f]{1,128}$/i.test(code)) return undefined;
  const row = await db
    .selectFrom('app_invites')
    .innerJoin('apps', 'apps.id', 'app_invites.app_id')
    .select(['app_invites.email', 'app_invites.used_at', 'app_invites.expires_at', 'apps.name', 'apps.domain', 'apps.realm'])
    .where('app_invites.code_digest', '=', digest(code.toLowerCase()))
    .executeTakeFirst();
  if (!row) return undefined;
  const state: InviteState = row.used_at !== null ? 'used' : row.expires_at <= Date.now() ? 'expired' : 'pending';
  return { state, email: row.email, appName: row.name, appDomain: row.domain, realm: row.realm };
}

/**
 * Accepts an invitation: marks it used and makes the email an admin, in one transaction. The
 * conditional update consumes the code atomically, so two concurrent accepts give one success.
 */
export async function acceptInvite(runtime: Runtime, code: string): Promise<'accepted' | 'unknown' | InviteState> {
  const view = await lookupInvite(runtime.store.db, code);
  if (!view) return 'unknown';
  if (view.state !== 'pending') return view.state;
  const now = Date.now();
  return runtime.store.write(async (tx) => {
    const invite = await tx
      .updateTable('app_invites')
      .set({ used_at: now })
      .where('code_digest', '=', digest(code.toLowerCase()))
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning(['app_id', 'email'])
      .executeTakeFirst();
    if (!invite) return 'used';
    await ensureAdmin(tx, invite.app_id, invite.email);
    return 'accepted';
  });
}
