import type { Flow } from '../model/index.js';

/**
 * Messages the oauth/*_native calls say about a whole sign-in rather than one field's rules
 * (which the flow's validation messages cover). A flow may word them itself with a translation
 * of the same key (`native.invalidCredentials`); otherwise these texts are used, by the request's
 * locale, then its language, then en-US.
 */
const TEXTS = {
  invalidCredentials: {
    'en-US': 'Incorrect email address or password. Please try again.',
    'fr-FR': 'Adresse e-mail ou mot de passe incorrect. Veuillez réessayer.',
    'de-DE': 'E-Mail-Adresse oder Passwort ist falsch. Bitte versuchen Sie es erneut.',
  },
  currentPasswordIncorrect: {
    'en-US': 'Your current password is incorrect.',
    'fr-FR': 'Votre mot de passe actuel est incorrect.',
    'de-DE': 'Ihr aktuelles Passwort ist falsch.',
  },
  noSuchAccount: {
    'en-US': 'No account uses this email address.',
    'fr-FR': 'Aucun compte n’utilise cette adresse e-mail.',
    'de-DE': 'Kein Konto verwendet diese E-Mail-Adresse.',
  },
  alreadyVerified: {
    'en-US': 'This email address is already verified.',
    'fr-FR': 'Cette adresse e-mail est déjà vérifiée.',
    'de-DE': 'Diese E-Mail-Adresse ist bereits bestätigt.',
  },
} as const;

export type MessageName = keyof typeof TEXTS;

export function message(flow: Flow, name: MessageName): string {
  const key = `native.${name}`;
  const own = Object.hasOwn(flow.definition.translations, key) ? flow.definition.translations[key] : undefined;
  if (own?.[flow.locale]) return own[flow.locale];
  const texts: Record<string, string> = TEXTS[name];
  const language = flow.locale.split('-')[0].toLowerCase();
  const sameLanguage = Object.keys(texts).find((l) => l.split('-')[0].toLowerCase() === language);
  return texts[flow.locale] ?? (sameLanguage ? texts[sameLanguage] : undefined) ?? own?.[flow.definition.defaultLocale] ?? texts['en-US'];
}
