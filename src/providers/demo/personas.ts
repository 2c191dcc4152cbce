/**
 * The people one can be at the demo provider. Fictional; their addresses use the reserved
 * `.example` domain. One has an unverified email, to show how sites see that case.
 */
export interface Persona {
  id: string;
  name: string;
  givenName: string;
  familyName: string;
  username: string;
  email: string;
  emailVerified: boolean;
  locale: string;
  zoneinfo: string;
  birthdate: string;
  gender: 'female' | 'male';
  /** Background of the avatar. */
  colour: string;
  blurb: string;
}

export const PERSONAS: readonly Persona[] = [
  { id: 'ada', name: 'Ada Quill', givenName: 'Ada', familyName: 'Quill', username: 'adaq', email: 'ada.quill@demo.example', emailVerified: true, locale: 'en-GB', zoneinfo: 'Europe/London', birthdate: '1990-12-10', gender: 'female', colour: '#7b3fa0', blurb: 'Verified email, long-time customer' },
  { id: 'bruno', name: 'Bruno Tavares', givenName: 'Bruno', familyName: 'Tavares', username: 'btavares', email: 'bruno.tavares@demo.example', emailVerified: true, locale: 'pt-BR', zoneinfo: 'America/Sao_Paulo', birthdate: '1985-03-22', gender: 'male', colour: '#1f7a5a', blurb: 'Verified email, Portuguese locale' },
  { id: 'mei', name: 'Mei Chen', givenName: 'Mei', familyName: 'Chen', username: 'meichen', email: 'mei.chen@demo.example', emailVerified: false, locale: 'zh-CN', zoneinfo: 'Asia/Shanghai', birthdate: '1998-07-01', gender: 'female', colour: '#b5462f', blurb: 'Email not verified by the provider' },
  { id: 'noor', name: 'Noor Haddad', givenName: 'Noor', familyName: 'Haddad', username: 'noorh', email: 'noor.haddad@demo.example', emailVerified: true, locale: 'ar-JO', zoneinfo: 'Asia/Amman', birthdate: '1979-11-30', gender: 'female', colour: '#2b5ea8', blurb: 'Verified email, right-to-left name locale' },
];

export const findPersona = (id: string) => PERSONAS.find((p) => p.id === id);

/** OpenID Connect claims of a persona (`picture` points at the provider's own avatar route). */
export function personaClaims(p: Persona, issuer: string): Record<string, unknown> {
  return {
    sub: p.id,
    name: p.name,
    given_name: p.givenName,
    family_name: p.familyName,
    preferred_username: p.username,
    email: p.email,
    email_verified: p.emailVerified,
    locale: p.locale,
    zoneinfo: p.zoneinfo,
    birthdate: p.birthdate,
    gender: p.gender,
    picture: `${issuer}/avatar/${p.id}.svg`,
  };
}

const escapeXml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A round avatar with the persona's initials. */
export function avatarSvg(p: Persona): string {
  const initials = escapeXml(`${p.givenName[0]}${p.familyName[0]}`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96"><circle cx="48" cy="48" r="48" fill="${escapeXml(p.colour)}"/><text x="48" y="60" font-family="sans-serif" font-size="36" fill="#fff" text-anchor="middle">${initials}</text></svg>`;
}
