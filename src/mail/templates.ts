import { z } from 'zod';

/**
 * The mails Openrain sends, per locale, as text and HTML. Every variable is escaped where it
 * lands in HTML; links must be http(s) URLs (they come from the client settings
 * `verify_email_url` / `password_recover_url` with a code appended).
 */

const httpUrl = z
  .string()
  .max(4096)
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http or https URL');
const shortText = z.string().max(200);

export const templateVariables = {
  /** Email verification: `url` is verify_email_url with the verification code. */
  verify_email: z.object({ url: httpUrl, displayName: shortText.optional(), appName: shortText.optional() }),
  /** Password recovery: `url` is password_recover_url with the code; `lifetimeMinutes` how long it works. */
  password_recover: z.object({ url: httpUrl, displayName: shortText.optional(), appName: shortText.optional(), lifetimeMinutes: z.number().int().positive().max(1_000_000).optional() }),
  /** Notice after a password change; `url` (optional) is where to recover the account if it was not the owner. */
  password_changed: z.object({ url: httpUrl.optional(), displayName: shortText.optional(), appName: shortText.optional() }),
} as const;

export type MailTemplate = keyof typeof templateVariables;
export type TemplateVariables<T extends MailTemplate> = z.infer<(typeof templateVariables)[T]>;

export const MAIL_TEMPLATES = Object.keys(templateVariables) as MailTemplate[];

export function isMailTemplate(name: string): name is MailTemplate {
  return Object.hasOwn(templateVariables, name);
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** Text already escaped for HTML. */
class Html {
  constructor(readonly value: string) {}
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A tagged template for HTML: interpolated strings are escaped, Html values are kept. */
function html(strings: TemplateStringsArray, ...values: Array<string | Html>): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += (v instanceof Html ? v.value : escapeHtml(v)) + strings[i + 1]!;
  });
  return new Html(out);
}

function link(url: string, label: string): Html {
  return html`<a href="${url}">${label}</a>`;
}

function page(lang: string, title: string, body: Html): string {
  return html`<!DOCTYPE html>
<html lang="${lang}"><head><meta charset="utf-8"><title>${title}</title></head>
<body style="font-family: sans-serif; line-height: 1.5">
${body}
</body></html>
`.value;
}

interface Phrases {
  lang: string;
  hello(name?: string): string;
  signature(app?: string): string;
  verify: { subject(app?: string): string; intro: string; action: string; ignore: string };
  recover: { subject(app?: string): string; intro: string; action: string; lifetime(minutes: number): string; ignore: string };
  changed: { subject(app?: string): string; intro: string; notYou: string; notYouAction: string };
}

const en: Phrases = {
  lang: 'en',
  hello: (name) => (name ? `Hello ${name},` : 'Hello,'),
  signature: (app) => (app ? `— ${app}` : ''),
  verify: {
    subject: (app) => (app ? `Verify your email address for ${app}` : 'Verify your email address'),
    intro: 'Please confirm that this is your email address by opening this link:',
    action: 'Verify my email address',
    ignore: 'If you did not create an account, you can ignore this message.',
  },
  recover: {
    subject: (app) => (app ? `Reset your password for ${app}` : 'Reset your password'),
    intro: 'Someone asked to reset the password of your account. To choose a new password, open this link:',
    action: 'Choose a new password',
    lifetime: (m) => `The link works for ${m} minutes, once.`,
    ignore: 'If you did not ask for this, you can ignore this message: your password stays as it is.',
  },
  changed: {
    subject: (app) => (app ? `Your password for ${app} was changed` : 'Your password was changed'),
    intro: 'The password of your account was just changed.',
    notYou: 'If you did not change it, reset your password now:',
    notYouAction: 'Reset my password',
  },
};

const fr: Phrases = {
  lang: 'fr',
  hello: (name) => (name ? `Bonjour ${name},` : 'Bonjour,'),
  signature: (app) => (app ? `— ${app}` : ''),
  verify: {
    subject: (app) => (app ? `Vérifiez votre adresse e-mail pour ${app}` : 'Vérifiez votre adresse e-mail'),
    intro: 'Veuillez confirmer que cette adresse e-mail est la vôtre en ouvrant ce lien :',
    action: 'Vérifier mon adresse e-mail',
    ignore: 'Si vous n’avez pas créé de compte, vous pouvez ignorer ce message.',
  },
  recover: {
    subject: (app) => (app ? `Réinitialisez votre mot de passe pour ${app}` : 'Réinitialisez votre mot de passe'),
    intro: 'Quelqu’un a demandé la réinitialisation du mot de passe de votre compte. Pour choisir un nouveau mot de passe, ouvrez ce lien :',
    action: 'Choisir un nouveau mot de passe',
    lifetime: (m) => `Le lien est valable ${m} minutes, une seule fois.`,
    ignore: 'Si vous n’êtes pas à l’origine de cette demande, ignorez ce message : votre mot de passe reste inchangé.',
  },
  changed: {
    subject: (app) => (app ? `Votre mot de passe pour ${app} a été modifié` : 'Votre mot de passe a été modifié'),
    intro: 'Le mot de passe de votre compte vient d’être modifié.',
    notYou: 'Si ce n’était pas vous, réinitialisez votre mot de passe dès maintenant :',
    notYouAction: 'Réinitialiser mon mot de passe',
  },
};

const de: Phrases = {
  lang: 'de',
  hello: (name) => (name ? `Hallo ${name},` : 'Hallo,'),
  signature: (app) => (app ? `— ${app}` : ''),
  verify: {
    subject: (app) => (app ? `Bestätigen Sie Ihre E-Mail-Adresse für ${app}` : 'Bestätigen Sie Ihre E-Mail-Adresse'),
    intro: 'Bitte bestätigen Sie, dass dies Ihre E-Mail-Adresse ist, indem Sie diesen Link öffnen:',
    action: 'E-Mail-Adresse bestätigen',
    ignore: 'Wenn Sie kein Konto angelegt haben, können Sie diese Nachricht ignorieren.',
  },
  recover: {
    subject: (app) => (app ? `Setzen Sie Ihr Passwort für ${app} zurück` : 'Setzen Sie Ihr Passwort zurück'),
    intro: 'Jemand hat verlangt, das Passwort Ihres Kontos zurückzusetzen. Um ein neues Passwort zu wählen, öffnen Sie diesen Link:',
    action: 'Neues Passwort wählen',
    lifetime: (m) => `Der Link ist ${m} Minuten lang einmal gültig.`,
    ignore: 'Wenn Sie das nicht verlangt haben, ignorieren Sie diese Nachricht: Ihr Passwort bleibt unverändert.',
  },
  changed: {
    subject: (app) => (app ? `Ihr Passwort für ${app} wurde geändert` : 'Ihr Passwort wurde geändert'),
    intro: 'Das Passwort Ihres Kontos wurde soeben geändert.',
    notYou: 'Wenn Sie das nicht waren, setzen Sie Ihr Passwort jetzt zurück:',
    notYouAction: 'Passwort zurücksetzen',
  },
};

/** The locales with their own wording; any other falls back by language, then to en-US. */
export const MAIL_LOCALES: Record<string, Phrases> = { 'en-US': en, 'fr-FR': fr, 'de-DE': de };

/** The locale a mail is written in: the requested one, else one of its language, else en-US. */
export function mailLocale(requested: string | undefined): string {
  if (!requested) return 'en-US';
  const wanted = requested.trim().replace(/_/g, '-').toLowerCase();
  const known = Object.keys(MAIL_LOCALES);
  const exact = known.find((l) => l.toLowerCase() === wanted);
  if (exact) return exact;
  const language = wanted.split('-')[0];
  return known.find((l) => l.toLowerCase().split('-')[0] === language) ?? 'en-US';
}

function lines(...parts: Array<string | false | undefined>): string {
  return `${parts.filter((p): p is string => typeof p === 'string' && p !== '').join('\n\n')}\n`;
}

/** Renders a template in a locale (falling back as mailLocale says). Variables must already be valid. */
export function renderMail<T extends MailTemplate>(template: T, locale: string | undefined, variables: TemplateVariables<T>): RenderedMail {
  const p = MAIL_LOCALES[mailLocale(locale)]!;
  const v = variables as { url?: string; displayName?: string; appName?: string; lifetimeMinutes?: number };
  const hello = p.hello(v.displayName);
  const signature = p.signature(v.appName);
  switch (template) {
    case 'verify_email': {
      const subject = p.verify.subject(v.appName);
      return {
        subject,
        text: lines(hello, p.verify.intro, v.url, p.verify.ignore, signature),
        html: page(p.lang, subject, html`<p>${hello}</p>
<p>${p.verify.intro}</p>
<p>${link(v.url!, p.verify.action)}</p>
<p style="font-size: small">${v.url!}</p>
<p>${p.verify.ignore}</p>
<p>${signature}</p>`),
      };
    }
    case 'password_recover': {
      const subject = p.recover.subject(v.appName);
      const lifetime = v.lifetimeMinutes ? p.recover.lifetime(v.lifetimeMinutes) : '';
      return {
        subject,
        text: lines(hello, p.recover.intro, v.url, lifetime, p.recover.ignore, signature),
        html: page(p.lang, subject, html`<p>${hello}</p>
<p>${p.recover.intro}</p>
<p>${link(v.url!, p.recover.action)}</p>
<p style="font-size: small">${v.url!}</p>
<p>${lifetime}</p>
<p>${p.recover.ignore}</p>
<p>${signature}</p>`),
      };
    }
    case 'password_changed': {
      const subject = p.changed.subject(v.appName);
      return {
        subject,
        text: lines(hello, p.changed.intro, v.url && `${p.changed.notYou}\n${v.url}`, signature),
        html: page(p.lang, subject, html`<p>${hello}</p>
<p>${p.changed.intro}</p>
${v.url ? html`<p>${p.changed.notYou} ${link(v.url, p.changed.notYouAction)}</p>` : new Html('')}
<p>${signature}</p>`),
      };
    }
    default:
      throw new Error(`unknown mail template ${String(template)}`);
  }
}
