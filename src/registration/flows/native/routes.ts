import type { FastifyInstance } from 'fastify';
import type { Call } from '../../../http/wire.js';
import { registrationRoute } from '../../../http/wire.js';
import type { Runtime } from '../../../runtime.js';
import type { Endpoint } from '../../permissions.js';
import type { Body } from './answer.js';
import { openNativeCall, type NativeCall } from './context.js';
import { linkAccountNative, unlinkAccountNative } from './link.js';
import { forgotPasswordNative, verifyEmailNative } from './mail-links.js';
import { updateProfileNative } from './profile.js';
import { registerNative, registerNativeTraditional } from './register.js';
import { authNative, authNativeTraditional } from './sign-in.js';
import { acceptTokenAsAccessToken } from './signed-in.js';

/** The oauth/*_native calls of Janrain's API-based integration (seeds 002 and 004, NOTES.md §8). */

const CALLS: Array<[Endpoint, (nc: NativeCall) => Promise<Body>]> = [
  ['oauth/auth_native', authNative],
  ['oauth/auth_native_traditional', authNativeTraditional],
  ['oauth/register_native', registerNative],
  ['oauth/register_native_traditional', registerNativeTraditional],
  ['oauth/link_account_native', linkAccountNative],
  ['oauth/unlink_account_native', unlinkAccountNative],
  ['oauth/verify_email_native', verifyEmailNative],
  ['oauth/forgot_password_native', forgotPasswordNative],
  ['oauth/update_profile_native', updateProfileNative],
];

export function registerNativeRoutes(app: FastifyInstance, runtime: Runtime): void {
  for (const [endpoint, handler] of CALLS) {
    registrationRoute(app, `/${endpoint}`, async (call: Call) => {
      if (endpoint === 'oauth/update_profile_native') acceptTokenAsAccessToken(call);
      return handler(await openNativeCall(runtime, call, endpoint));
    });
  }
}
