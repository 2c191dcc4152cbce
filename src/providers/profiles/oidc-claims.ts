import { address, birthday, email, gender, httpUrl, obj, offsetOfZone, personName, str, truthy, type JanrainProfileFields } from '../poco.js';
import type { Doc, FetchContext } from '../spec.js';

/** A provider document lacks the member that identifies the user. */
export class MissingIdentity extends Error {
  constructor(member: string) {
    super(`the provider's answer has no ${member}`);
    this.name = 'MissingIdentity';
  }
}

/** The member that names the user, as a string (numbers are common: GitHub, Facebook, VK). */
export function requireId(value: unknown, member: string): string {
  const id = str(value);
  if (!id) throw new MissingIdentity(member);
  return id;
}

/** ID token claims overlaid with the UserInfo response (OpenID Connect Core §5.1 claims). */
export async function idTokenAndUserInfo(ctx: FetchContext): Promise<Doc> {
  return { ...(ctx.idClaims ?? {}), ...(await ctx.userInfo()) };
}

/** Janrain profile members from standard OpenID Connect claims (identifier excluded). */
export function standardClaims(doc: Doc): Omit<JanrainProfileFields, 'identifier'> {
  const mail = email(doc.email);
  const a = obj(doc.address);
  const name = personName({ formatted: doc.name, givenName: doc.given_name, familyName: doc.family_name, middleName: doc.middle_name });
  return {
    displayName: str(doc.name) ?? name?.formatted ?? str(doc.preferred_username) ?? str(doc.nickname),
    preferredUsername: str(doc.preferred_username) ?? str(doc.nickname) ?? str(doc.given_name),
    name,
    email: mail,
    verifiedEmail: mail && truthy(doc.email_verified) ? mail : undefined,
    url: httpUrl(doc.profile) ?? httpUrl(doc.website),
    photo: httpUrl(doc.picture),
    gender: gender(doc.gender),
    birthday: birthday(doc.birthdate),
    address: address({ formatted: str(a.formatted), streetAddress: str(a.street_address), locality: str(a.locality), region: str(a.region), postalCode: str(a.postal_code), country: str(a.country) }),
    utcOffset: offsetOfZone(doc.zoneinfo),
    phoneNumber: str(doc.phone_number),
  };
}
