import { socialErrors } from '../http/errors.js';
import { findProvider, hasCapability, type Capability } from '../providers/catalog.js';

/** The share widget's own "send by email" button; not an identity provider. */
export const EMAIL_SHARE = 'email';

const PURPOSE: Record<Capability, string> = {
  signin: 'sign-in',
  share: 'sharing',
  emailShare: 'email sharing',
  contacts: 'contacts',
};

/**
 * The canonical specifiers for a list of provider names chosen for one purpose, in the order
 * given and without repeats. Unknown → code 1 "Invalid provider"; discontinued, or unable to
 * serve the purpose → code 11.
 */
export function chooseProviders(names: readonly string[], capability: Capability, options: { allowEmail?: boolean; own?: readonly string[] } = {}): string[] {
  const chosen: string[] = [];
  for (const name of names) {
    let specifier: string;
    if (options.allowEmail && name.toLowerCase() === EMAIL_SHARE) specifier = EMAIL_SHARE;
    // The application's own sign-in providers (generic OIDC / OAuth 2.0, demo): see providers/custom.ts.
    else if (options.own?.includes(name.trim().toLowerCase())) specifier = name.trim().toLowerCase();
    else {
      const entry = findProvider(name);
      if (!entry) throw socialErrors.invalidProvider(name);
      if (entry.status === 'discontinued') throw socialErrors.providerDiscontinued(name);
      if (!hasCapability(entry, capability)) throw socialErrors.unsupported(`${name} does not support ${PURPOSE[capability]}`);
      specifier = entry.specifier;
    }
    if (!chosen.includes(specifier)) chosen.push(specifier);
  }
  return chosen;
}

/** Janrain's `social` list: the providers users can publish to, i.e. the share list without email. */
export const socialPublishing = (share: readonly string[]): string[] => share.filter((p) => p !== EMAIL_SHARE);
