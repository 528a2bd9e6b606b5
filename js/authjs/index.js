'use strict'
// authbridge/authjs: the Next.js side of revocation for Auth.js v5 sessions (issue 22 R06).
//
// The front end's own /api/auth/session (what `useSession` refetches) decodes the session
// cookie, runs the `jwt` callback and re-encodes the result with a fresh iat, exp and jti:
// a revoked session would come back with a new iat. Every other claim survives the
// re-encode, so the sign-in time is stamped once, as the OIDC `auth_time`, and a revoked
// subject is ordered by it (authbridge's AuthJsSession and HandshakeAuthenticator do; a
// session of a revoked subject without auth_time is refused while the entry lives).
// This module pulls in only the native addon: no Nest, no Socket.IO.

const { RevocationList } = require('../../index.js')

function optionsError(message) {
  const err = new Error(`authbridge/authjs: ${message}`)
  err.code = 'ERR_INVALID_OPTIONS'
  return err
}

/**
 * A `jwt` callback for Auth.js (`callbacks: { jwt: revocationJwtCallback(list, jwt?) }`):
 * - at sign-in (`user` given) stamps `auth_time` (seconds since the epoch, millisecond
 *   precision) if the token has none;
 * - runs your own `jwt` callback, if given, on the stamped token;
 * - returns null (Auth.js then deletes the session cookie and `auth()` / `useSession` see no
 *   session) when `list` refuses the token as a session: its subject was revoked after its
 *   `auth_time` (or it has none), its jti is revoked, or the list is stale with
 *   onStale 'refuse'.
 * Keep `list` in sync on the Next.js server with `redisRevocation({ client, list })` from
 * authbridge/redis.
 */
function revocationJwtCallback(list, jwt) {
  if (!(list instanceof RevocationList)) throw optionsError('the first argument must be a RevocationList')
  if (jwt !== undefined && typeof jwt !== 'function') throw optionsError('the second argument, when given, must be your jwt callback')
  return async function authbridgeJwt(params) {
    const token = params && params.token
    if (params && params.user && token && typeof token === 'object' && typeof token.auth_time !== 'number') {
      token.auth_time = Math.floor(Date.now()) / 1000
    }
    const out = jwt ? await jwt(params) : token
    if (out === null || out === undefined || typeof out !== 'object') return out
    return list.refusal(out, { kind: 'authjs' }) === null ? out : null
  }
}

module.exports = { revocationJwtCallback }
