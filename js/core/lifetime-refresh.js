'use strict'
// Fresh claims for a watched connection (js/core/connection-lifetime.js): auth_refresh (a new
// token of the same kind and identity) and the renewal of a Better Auth session at its exp.

const { tokenFingerprint } = require('../../index.js')
const { callHook, codeOf, refusalInfo } = require('./errors.js')
const { identityOf } = require('./lifetime-index.js')
const metrics = require('./channels.js')

/** A refused auth_refresh: reported on the lifetime channel; { ok: false, code }. */
function refreshRefused(watch, conn, code) {
  metrics.lifetime('refresh_refused', watch.transport, conn.kind, code)
  return { ok: false, code }
}

/**
 * auth_refresh: checks `token` for `conn` (a token of the same kind and identity, refused
 * by no list that applies). Returns { ok: true, claims, kind } (the caller stores the
 * claims, then calls watch.update(conn)), or { ok: false, code }. `info` goes to onFailure.
 */
function refreshOf(watch, conn, token, info) {
  let fresh
  try {
    fresh = watch.authenticator._verifyToken(token)
  } catch (err) {
    const { code, fingerprint } = refusalInfo(err)
    callHook(watch.onFailure, { code, source: 'refresh', fingerprint, ...info })
    return refreshRefused(watch, conn, code)
  }
  if (fresh.kind !== conn.kind) return refreshRefused(watch, conn, 'ERR_TOKEN_WRONG_KIND')
  // The same identity on both sides, and an identity at all: two tokens without `sub`
  // are not the same user (undefined === undefined).
  const before = identityOf(watch.identity, conn.claims)
  const after = identityOf(watch.identity, fresh.claims)
  if (before === null || after === null || before !== after) return refreshRefused(watch, conn, 'ERR_JWT_CLAIM_INVALID')
  const code = watch.refusal(fresh.claims, fresh.kind, true)
  if (code) {
    callHook(watch.onFailure, { code, source: 'refresh', fingerprint: tokenFingerprint(String(token)), ...info })
    return refreshRefused(watch, conn, code)
  }
  metrics.lifetime('refreshed', watch.transport, fresh.kind, null)
  return { ok: true, claims: fresh.claims, kind: fresh.kind }
}

/**
 * `conn` reached its exp: closed (`watch.end`), unless it is a Better Auth session the
 * authenticator can renew through `betterAuth.lookupSession` (`_renewSession`) and the
 * connection can take fresh claims (`conn.renew(claims)`): then it lives on with them, or
 * closes when the session is gone (revoked) or past its own expiresAt (expired).
 */
function renewOrEnd(watch, conn) {
  const renewal =
    conn.kind === 'better-auth' && typeof conn.renew === 'function' && typeof watch.authenticator._renewSession === 'function'
      ? watch.authenticator._renewSession(conn.claims)
      : null
  if (!renewal) return watch.end(conn, 'expired', 'ERR_JWT_EXPIRED')
  const before = conn.claims
  renewal.then(
    (claims) => {
      // Closed, or its claims changed meanwhile (auth_refresh): nothing to do here.
      if (!watch.entries.has(conn) || conn.open === false || conn.claims !== before) return
      conn.renew(claims)
      watch.update(conn)
    },
    (err) => {
      if (!watch.entries.has(conn) || conn.claims !== before) return
      const code = codeOf(err)
      watch.end(conn, code === 'ERR_JWT_EXPIRED' ? 'expired' : 'revoked', code)
    },
  )
}

module.exports = { refreshOf, renewOrEnd }
