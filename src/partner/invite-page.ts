import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Runtime } from '../runtime.js';
import { escapeHtml, sendPage } from '../web/page.js';
import { acceptInvite, lookupInvite, type InviteView } from './invites.js';

// The shared hosted-page shell: CSP (same-origin form post only), no framing, no referrer (the
// code is in the URL), never cached.
function send(reply: FastifyReply, status: number, title: string, bodyHtml: string): FastifyReply {
  return sendPage(reply, status, { title, body: bodyHtml });
}

function describe(view: InviteView): string {
  return `<strong>${escapeHtml(view.appName)}</strong> <span class="muted">(${escapeHtml(view.appDomain)}, realm ${escapeHtml(view.realm)})</span>`;
}

const UNKNOWN = ['Invitation not found', '<h1>Invitation not found</h1><p>This invitation link is not valid. Check that you copied the whole link, or ask for a new invitation.</p>'] as const;

function notPending(reply: FastifyReply, state: 'used' | 'expired', view?: InviteView): FastifyReply {
  const what = view ? ` to administer ${describe(view)}` : '';
  return state === 'used'
    ? send(reply, 410, 'Invitation already used', `<h1>Invitation already used</h1><p>This invitation${what} has already been accepted. Ask for a new one if you still need access.</p>`)
    : send(reply, 410, 'Invitation expired', `<h1>Invitation expired</h1><p>This invitation${what} has expired. Ask for a new one.</p>`);
}

/**
 * The page an invitation link opens (`/invite?code=…`): it shows which application invites
 * which email and accepts with a POST, so that link previews and prefetching never accept.
 * The code itself is the proof; it is not logged (the request logger scrubs `code`).
 */
export async function registerInvitePage(app: FastifyInstance, runtime: Runtime): Promise<void> {
  app.get('/invite', async (request, reply) => {
    const code = String((request.query as Record<string, unknown>).code ?? '');
    const view = code ? await lookupInvite(runtime.store.db, code) : undefined;
    if (!view) return send(reply, 404, UNKNOWN[0], UNKNOWN[1]);
    if (view.state !== 'pending') return notPending(reply, view.state, view);
    return send(
      reply,
      200,
      `Invitation to administer ${view.appName}`,
      `<h1>Invitation</h1><p>${describe(view)} invites <strong>${escapeHtml(view.email)}</strong> to become an administrator.</p>` +
        `<form method="post" action="/invite"><input type="hidden" name="code" value="${escapeHtml(code)}"><button type="submit">Accept the invitation</button></form>`,
    );
  });

  app.post('/invite', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const code = typeof body.code === 'string' ? body.code : '';
    const view = code ? await lookupInvite(runtime.store.db, code) : undefined;
    if (!view) return send(reply, 404, UNKNOWN[0], UNKNOWN[1]);
    const outcome = await acceptInvite(runtime, code);
    if (outcome === 'unknown') return send(reply, 404, UNKNOWN[0], UNKNOWN[1]);
    if (outcome !== 'accepted') return notPending(reply, outcome === 'pending' ? 'used' : outcome, view);
    return send(reply, 200, 'Invitation accepted', `<h1>Welcome</h1><p><strong>${escapeHtml(view.email)}</strong> is now an administrator of ${describe(view)}.</p>`);
  });
}
