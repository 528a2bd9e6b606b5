'use strict'
// The Origin of cookie-sourced handshakes and requests (cross-site WebSocket hijacking, CSRF).
// The middleware's verdict on a handshake's Origin, from socketIoAuth's allowedOrigins or the
// server's cors.origin, and on an HTTP request's, from the app's CORS answer; the
// authenticator applies it only when the token comes from the cookie (README "Cookies and
// Origin").

const { optionsError } = require('./errors.js')

/** `scheme://host[:port]` lowercased without a default port or trailing slash, or null. */
function normalizeOrigin(origin) {
  if (typeof origin !== 'string') return null
  const m = /^(https?|wss?):\/\/([^/?#@\\\s]+)\/?$/i.exec(origin.trim())
  if (!m) return null
  const scheme = m[1].toLowerCase()
  let authority = m[2].toLowerCase()
  const defaultPort = scheme === 'http' || scheme === 'ws' ? ':80' : ':443'
  if (authority.endsWith(defaultPort) && authority.length > defaultPort.length) authority = authority.slice(0, -defaultPort.length)
  return `${scheme}://${authority}`
}

/** Whether `origin` matches one entry (an origin string, a RegExp, a function) of an allow list. */
function originMatches(entry, origin) {
  if (typeof entry === 'string') {
    const a = normalizeOrigin(entry)
    return a !== null && a === normalizeOrigin(origin)
  }
  if (entry instanceof RegExp) return entry.test(origin)
  if (typeof entry === 'function') return entry(origin) === true
  return false
}

/**
 * `allowedOrigins` of socketIoAuth's settings as a predicate: '*', an origin string, a
 * RegExp, a function (origin) => boolean, or a list of strings, RegExps and functions.
 */
function originPredicate(allowedOrigins) {
  if (allowedOrigins === '*') return () => true
  const list = Array.isArray(allowedOrigins) ? allowedOrigins : [allowedOrigins]
  for (const entry of list) {
    const ok = (typeof entry === 'string' && normalizeOrigin(entry) !== null) || entry instanceof RegExp || typeof entry === 'function'
    if (!ok) {
      throw optionsError('allowedOrigins: expected origin strings (scheme://host[:port]), RegExps or a function')
    }
  }
  return (origin) => list.some((entry) => originMatches(entry, origin))
}

/**
 * What Socket.IO's `cors.origin` allows for `origin`: a string, a RegExp, a list of them,
 * or a function (origin, callback) as the cors package calls it (a Promise then). `true`
 * and '*' (every page) are not taken as an allow list for cookies: null then, and the
 * authenticator's own rule (same origin by default) applies.
 */
function corsVerdict(corsOrigin, origin) {
  if (corsOrigin === undefined || corsOrigin === null || corsOrigin === true || corsOrigin === false || corsOrigin === '*') return null
  const allows = (value) => {
    if (value === true) return true
    if (Array.isArray(value)) return value.some((v) => v !== '*' && allows(v))
    if (typeof value === 'string') return value !== '*' && originMatches(value, origin)
    if (value instanceof RegExp) return value.test(origin)
    return false
  }
  if (typeof corsOrigin === 'function') {
    return new Promise((resolve) => {
      try {
        corsOrigin(origin, (err, value) => resolve(!err && allows(value)))
      } catch {
        resolve(false)
      }
    })
  }
  return allows(corsOrigin)
}

/**
 * The middleware's verdict on the handshake's Origin, given to the authenticator (which
 * applies it only when the token comes from the cookie): from `settings.allowedOrigins`;
 * else, when the authenticator has no allowedOrigins of its own, from the server's
 * `cors.origin`; else undefined (the authenticator's rule). May be a Promise.
 */
function originVerdict(ctx, socket) {
  const headers = (socket.handshake && socket.handshake.headers) || {}
  if (typeof headers.origin !== 'string' || !headers.cookie) return undefined
  try {
    if (ctx.allowOrigin) return ctx.allowOrigin(headers.origin) === true
    if (ctx.authenticator.originRule !== 'same-origin') return undefined
    const server = socket.nsp && socket.nsp.server
    const cors = server && server.opts && server.opts.cors
    const verdict = cors && typeof cors === 'object' ? corsVerdict(cors.origin, headers.origin) : null
    return verdict === null ? undefined : verdict
  } catch {
    return false
  }
}

/**
 * HandshakeOptions.trustProxy as a predicate on the peer's address, or null (no proxy is
 * trusted: only a TLS connection makes a request https). `true` trusts any peer (the
 * server is reachable only through the proxy); a function decides per peer address.
 */
function trustProxyPredicate(value) {
  if (value === undefined || value === null || value === false) return null
  if (value === true) return () => true
  if (typeof value === 'function') return (address) => value(address) === true
  throw optionsError('trustProxy must be a boolean or a function (address) => boolean')
}

/**
 * Whether a request came over https, for the same-origin rule: a TLS connection (`secure`:
 * Socket.IO's handshake.secure, req.socket.encrypted); else, when `trust` (see
 * trustProxyPredicate) trusts the peer at `address`, the first value of its
 * X-Forwarded-Proto (as Express reads it with trust proxy). Anything else is http.
 */
function requestSecure(trust, secure, address, headers) {
  if (secure === true) return true
  if (trust === null || headers === undefined || headers === null) return false
  const proto = headers['x-forwarded-proto']
  if (typeof proto !== 'string' || proto === '') return false
  let trusted = false
  try {
    trusted = trust(typeof address === 'string' ? address : '')
  } catch {
    trusted = false
  }
  if (!trusted) return false
  const comma = proto.indexOf(',')
  const first = (comma === -1 ? proto : proto.slice(0, comma)).trim().toLowerCase()
  return first === 'https' || first === 'wss'
}

/**
 * For authbridge/passport: whether the request came over https. Express (and Fastify) give
 * `req.protocol`, which follows the app's own `trust proxy` setting: it is used unless the
 * authenticator has a trustProxy of its own; a plain node:http request is read as above.
 */
function reqSecure(trust, req) {
  if (!req) return false
  const socket = req.socket || req.connection
  if (trust === null && typeof req.protocol === 'string') return req.protocol.toLowerCase() === 'https'
  return requestSecure(trust, !!(socket && socket.encrypted), socket ? socket.remoteAddress : undefined, req.headers)
}

/**
 * The Origin rule for cookie-authenticated requests (README "Cookies and Origin"): when the
 * app's CORS middleware has already allowed this request's Origin with credentials (its
 * Access-Control-Allow-Origin and -Credentials headers on the response), that answer
 * stands; otherwise (undefined) the authenticator's rule decides (same origin by default).
 */
function corsAllowsOrigin(req) {
  const origin = req && req.headers && req.headers.origin
  const res = responseOf(req)
  if (typeof origin !== 'string' || !res) return undefined
  const allowed = res.getHeader('access-control-allow-origin') === origin && String(res.getHeader('access-control-allow-credentials')) === 'true'
  return allowed ? true : undefined
}

/**
 * The Node response of `req`, where the CORS answer is: Express's `req.res`; for a Fastify
 * request (`req.raw`, Nest's FastifyAdapter copies the CORS headers of `enableCors` to the
 * Node response before guards run) the response on its HTTP/1 connection, only when it
 * belongs to this very request (`res.req === req.raw`); else null (the authenticator's rule).
 */
function responseOf(req) {
  if (!req) return null
  if (req.res && typeof req.res.getHeader === 'function') return req.res
  const raw = req.raw
  const res = raw && raw.socket && raw.socket._httpMessage
  return res && res.req === raw && typeof res.getHeader === 'function' ? res : null
}

/** For HTTP requests (authbridge/passport, graphql-ws's HTTP side): the caller's verdict on the request's Origin for the authenticator's rule (see corsAllowsOrigin). */
function httpOriginVerdict(authenticator, req) {
  return authenticator.originRule === 'same-origin' ? corsAllowsOrigin(req) : undefined
}

module.exports = { normalizeOrigin, originPredicate, originVerdict, httpOriginVerdict, corsAllowsOrigin, trustProxyPredicate, requestSecure, reqSecure }
