import { RegistrationError } from '../../../http/errors.js';

/** A filter that cannot be read or does not fit the schema: code 200 naming the problem (NOTES.md §5). */
export function filterError(message: string): RegistrationError {
  return new RegistrationError(200, message, { argumentName: 'filter' });
}

/** `contains` was removed from the language; Janrain answers 485 for it. */
export function containsRemoved(position: number): RegistrationError {
  return new RegistrationError(485, `the contains operator (position ${position}) has been removed; compare whole values with = instead`, { argumentName: 'filter' });
}

/** A path that names no attribute of the entity type. */
export function unknownAttribute(path: string, position: number): RegistrationError {
  return new RegistrationError(223, `unknown attribute '${path}' at position ${position}`, { argumentName: 'filter' });
}

/** A sort_on entry that cannot be sorted on. */
export function sortError(message: string): RegistrationError {
  return new RegistrationError(200, message, { argumentName: 'sort_on' });
}
