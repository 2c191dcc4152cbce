import { expect, it } from 'vitest';
import { createTestApp } from '../../test/fixtures.js';
import { call, describeEachDatabase, TEST_PARTNER_KEY } from '../../test/server.js';

describeEachDatabase('invite page', (server) => {
  const form = (code: string) => fetch(`${server().url}/invite`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ code }).toString() });
  const localUrl = (inviteUrl: string) => inviteUrl.replace('http://localhost:8080', server().url);

  it('shows who invites whom, escaped, with CSP and anti-framing headers, and accepts with a POST', async () => {
    const app = await createTestApp(server(), { name: '<script>alert(1)</script> & Co', email: 'boss@example.com' });
    const invite = await call(server().url, '/partner/v2/app/create_invite', { partnerKey: TEST_PARTNER_KEY, apiKey: app.apiKey, email: 'new.admin@example.com' });
    const url = invite.json.PartnerResponse.inviteUrl as string;
    const code = new URL(url).searchParams.get('code') as string;

    const page = await fetch(localUrl(url));
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(html).toContain('new.admin@example.com');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
    expect(html).not.toContain('<script>');
    expect(html).toContain('<form method="post" action="/invite">');

    // Opening the link changed nothing: still pending, not yet an admin.
    const before = await call(server().url, '/partner/v2/admin/get', { partnerKey: TEST_PARTNER_KEY, apiKey: app.apiKey });
    expect(before.json.admins.map((a: { email: string }) => a.email)).toEqual(['boss@example.com']);

    const accepted = await form(code);
    expect(accepted.status).toBe(200);
    expect(accepted.headers.get('x-frame-options')).toBe('DENY');
    expect(await accepted.text()).toContain('is now an administrator');
    const after = await call(server().url, '/partner/v2/admin/get', { partnerKey: TEST_PARTNER_KEY, apiKey: app.apiKey });
    expect(after.json.admins).toContainEqual({ email: 'new.admin@example.com', notify: true });
    const pending = await call(server().url, '/partner/v2/app/get_pending_invites', { partnerKey: TEST_PARTNER_KEY, apiKey: app.apiKey });
    expect(pending.json.invites.map((i: { email: string }) => i.email)).toEqual(['boss@example.com']);

    // A used code shows a clear page, on GET and on POST.
    const usedGet = await fetch(localUrl(url));
    expect(usedGet.status).toBe(410);
    expect(await usedGet.text()).toContain('already been accepted');
    const usedPost = await form(code);
    expect(usedPost.status).toBe(410);
  });

  it('two concurrent accepts of one code give exactly one success', async () => {
    const app = await createTestApp(server());
    const code = new URL(app.inviteUrl).searchParams.get('code') as string;
    const results = await Promise.all([form(code), form(code), form(code)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 410, 410]);
  });

  it('an unknown, malformed or missing code shows a not-found page', async () => {
    for (const path of ['/invite?code=0123456789abcdef0123456789abcdef0123456789abcdef', '/invite?code=%3Cscript%3E', '/invite']) {
      const res = await fetch(`${server().url}${path}`);
      expect(res.status).toBe(404);
      const html = await res.text();
      expect(html).toContain('Invitation not found');
      expect(html).not.toContain('<script>');
      expect(res.headers.get('content-security-policy')).toBeTruthy();
    }
    expect((await form('ffff')).status).toBe(404);
  });

  it('an expired invitation is refused', async () => {
    const app = await createTestApp(server());
    const code = new URL(app.inviteUrl).searchParams.get('code') as string;
    await server().running.runtime.store.write((tx) => tx.updateTable('app_invites').set({ expires_at: Date.now() - 1 }).execute());
    const res = await fetch(`${server().url}/invite?code=${code}`);
    expect(res.status).toBe(410);
    expect(await res.text()).toContain('expired');
    expect((await form(code)).status).toBe(410);
  });
});
