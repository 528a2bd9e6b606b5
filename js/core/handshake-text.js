'use strict'
// The addon's text results of a handshake check and the one native call that reads a headers
// object: for HandshakeAuthenticator (js/index.js) and authbridge/passport's fast paths
// (js/passport/handshake.js). The claims come back as JSON text, with the kind (and the source)
// coded in leading white-space characters.

const { _handshakeAuthenticate: handshakeAuthenticate } = require('../../index.js')

// _handshakeAuthenticate codes the kind and the source in two leading white-space characters.
const KINDS = { 32: 'jwt', 9: 'authjs', 10: 'better-auth' }
const SOURCES = { 32: 'auth', 9: 'header', 10: 'cookie', 13: 'query' }
/** The kind of a one-token text result (_handshakeVerifyToken, _handshakeAuthToken, _handshakeVerifyBearer): a leading tab is an Auth.js session, a line feed a Better Auth one. */
const kindOf = (t) => {
  const c = t.charCodeAt(0)
  return c === 9 ? 'authjs' : c === 10 ? 'better-auth' : 'jwt'
}
// A frozen { kind, source } per pair of _handshakeAuthenticate's codes (shared: nothing per call).
const WHERE = {}
for (const k of Object.keys(KINDS)) {
  for (const c of Object.keys(SOURCES)) WHERE[(k << 8) | c] = Object.freeze({ kind: KINDS[k], source: SOURCES[c] })
}
/** The shared, frozen { kind, source } of a _handshakeAuthenticate text result. */
const whereOf = (t) => WHERE[(t.charCodeAt(0) << 8) | t.charCodeAt(1)]

/** A Cookie header as the addon reads it: a string, or a list of strings joined with '; '. */
function cookieHeader(c) {
  if (typeof c === 'string' || !Array.isArray(c)) return c
  for (let i = 0; i < c.length; i++) if (typeof c[i] !== 'string') return undefined
  return c.join('; ')
}

/** A member that is an object, or undefined. */
const objectOrNone = (v) => (typeof v === 'object' && v !== null ? v : undefined)

/**
 * The native authenticate of an auth / query member and a headers object (or undefined): its
 * text result. `secure(headers)`: whether the request came over https (the same-origin rule).
 */
function authenticateText(handle, a, q, headers, originAllowed, secure) {
  let authorization, origin, host, cookie
  let tls = false
  if (headers !== undefined) {
    authorization = headers.authorization
    origin = headers.origin
    // Host and the scheme are read only for the Origin rule, which a request without Origin does not reach.
    if (typeof origin === 'string') {
      host = headers.host
      tls = secure(headers)
    }
    cookie = cookieHeader(headers.cookie)
  }
  return handshakeAuthenticate(handle, a, q, authorization, cookie, origin, host, originAllowed, tls)
}

module.exports = { KINDS, SOURCES, kindOf, whereOf, cookieHeader, objectOrNone, authenticateText }
