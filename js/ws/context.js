'use strict'
// The state one server (or one adapter) shares between its upgrade check and its watch: the
// authenticator, the settings (as socketIoAuth's), the transport's close codes, the query
// parameter read (only when the authenticator's `sources` has 'query'), the ConnectionWatch.

const { HandshakeAuthenticator, RevocationList } = require('../index.js')
const { optionsError } = require('../core/errors.js')
const { originPredicate } = require('../core/origin.js')
const { ConnectionWatch, clockOf } = require('../core/connection-lifetime.js')

// Close codes (application range 4000-4999), documented in README "Plain WebSockets".
const CLOSE_EXPIRED = 4401
const CLOSE_REVOKED = 4403

function toAuthenticator(optionsOrAuthenticator) {
  if (optionsOrAuthenticator instanceof HandshakeAuthenticator) return optionsOrAuthenticator
  if (!optionsOrAuthenticator || typeof optionsOrAuthenticator !== 'object') {
    throw optionsError('authbridge/ws needs HandshakeOptions ({ jwt, authjs, ... }) or a HandshakeAuthenticator')
  }
  return new HandshakeAuthenticator(optionsOrAuthenticator)
}

/**
 * The state shared by the upgrade check and the watch of one server (or one adapter):
 * settings as socketIoAuth's ({ onFailure, onSuccess, expiry, allowedOrigins, revocation,
 * identity, now }) plus the close codes of the transport.
 */
function createWsContext(optionsOrAuthenticator, settings, defaults = {}) {
  if (settings !== undefined && settings !== null && (typeof settings !== 'object' || Array.isArray(settings))) {
    throw optionsError('authbridge/ws settings must be an object ({ onFailure, onSuccess, expiry, allowedOrigins, revocation, identity, now })')
  }
  const s = settings || {}
  const authenticator = toAuthenticator(optionsOrAuthenticator)
  if (s.identity !== undefined && typeof s.identity !== 'function') throw optionsError('identity must be a function (claims) => string')
  const revocation = s.revocation === undefined || s.revocation === null ? null : s.revocation
  if (revocation !== null && !(revocation instanceof RevocationList)) throw optionsError('revocation must be a RevocationList')
  const closeCodes = { expired: CLOSE_EXPIRED, revoked: CLOSE_REVOKED, ...defaults.closeCodes, ...s.closeCodes }
  for (const k of ['expired', 'revoked']) {
    const c = closeCodes[k]
    if (!Number.isInteger(c) || c < 4000 || c > 4999) throw optionsError(`closeCodes.${k} must be an integer in 4000..4999`)
  }
  const expiry = s.expiry === undefined ? true : !!s.expiry
  // The handshake `auth` member the authenticator reads (graphql-ws's connectionParams go there): read once.
  const authField = typeof authenticator._authField === 'function' ? authenticator._authField() : 'token'
  const ctx = {
    authenticator,
    onFailure: s.onFailure,
    onSuccess: s.onSuccess,
    expiry,
    identity: typeof s.identity === 'function' ? s.identity : null,
    allowOrigin: s.allowedOrigins === undefined ? null : originPredicate(s.allowedOrigins),
    closeCodes,
    transport: defaults.transport || 'ws',
    authField,
    // The query parameter of an upgrade URL the authenticator reads (js/ws/request.js), or null: no query read.
    queryField: authenticator.sources.includes('query') ? authField : null,
    watch: null,
  }
  ctx.watch = new ConnectionWatch({
    authenticator,
    revocation,
    identity: ctx.identity,
    expiry,
    clock: clockOf(authenticator, s),
    onFailure: s.onFailure,
    transport: ctx.transport,
  })
  return ctx
}

module.exports = { createWsContext, CLOSE_EXPIRED, CLOSE_REVOKED }
