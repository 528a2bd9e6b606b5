'use strict'
// Better Auth sessions that only the database knows (issue 24 item 3): the async paths of
// HandshakeAuthenticator (authenticateAsync: the socket middleware, ws, graphql-ws, the
// passport Strategy) call `betterAuth.lookupSession(token)` when a request carries a valid
// signed session token but no usable cookie cache (ERR_SESSION_LOOKUP_REQUIRED), in its
// session_token cookie or, with Better Auth's bearer plugin, as `Authorization: Bearer` /
// `auth.token` (verifyTokenAsync: as a token). What it
// answers is checked and shaped by the addon (`_handshakeBetterAuthLookup`: the members
// better-auth requires, the session's expiresAt, the token, the revocation list), exactly as a
// cookie cache is. A found session is kept `lookupMaxAge` seconds (the cookie cache's maxAge,
// default 300), and checked again by the addon at each use. Its claims' exp is capped at the
// end of that keep, so an open connection meets its expiry then: the connection watch asks
// `renewSession` (lookupSession again) instead of closing it, and closes it only when the
// session is gone (ERR_TOKEN_REVOKED) or past its own expiresAt. A connection admitted by its
// cookie cache is renewed the same way when the cache lapses.
// `betterAuthRedisLookup({ client })` is a ready lookupSession over Better Auth's secondary
// storage in Redis.

const native = require('../../index.js')
const { codedError, optionsError } = require('../core/errors.js')

const { _betterAuthDecodeText: decodeText, _betterAuthCookieHeaderText: cookieHeaderText } = native
const kHandle = Symbol('authbridge.betterAuthHandle')

/**
 * The package's BetterAuthSession: the addon's class, with decode and decodeCookieHeader
 * through plain N-API functions that read their string argument without a copy and answer
 * JSON text, parsed here by the engine's own JSON.parse (one parse, no property-by-property
 * object building, no call back into JS from the addon).
 */
class BetterAuthSession extends native.BetterAuthSession {
  constructor(options) {
    super(options)
    Object.defineProperty(this, kHandle, { value: this._handle() })
  }

  /** Checks a cookie-cache value (the session_data cookie, chunks joined); returns the session data. */
  decode(cookieValue) {
    return JSON.parse(decodeText(this[kHandle], cookieValue))
  }

  /** The session in a Cookie header (session token and its cookie cache); null when neither cookie is there. */
  decodeCookieHeader(cookieHeader) {
    const t = cookieHeaderText(this[kHandle], cookieHeader)
    return t === null ? null : JSON.parse(t)
  }
}

const DEFAULT_MAX_AGE = 300
// Found sessions kept at most (the oldest goes first).
const MAX_ENTRIES = 10000

/**
 * The lookup state of a `betterAuth` options object, or null without `lookupSession`:
 * { lookup, maxAgeMs, cache: Map<token, { json, until }>, pending: Map<token, Promise> }.
 */
function lookupState(options) {
  if (!options || typeof options !== 'object') return null
  const lookup = options.lookupSession
  const maxAge = options.lookupMaxAge === undefined ? DEFAULT_MAX_AGE : options.lookupMaxAge
  if (lookup === undefined || lookup === null) {
    if (options.lookupMaxAge !== undefined) throw optionsError('betterAuth.lookupMaxAge needs betterAuth.lookupSession')
    return null
  }
  if (typeof lookup !== 'function') throw optionsError('betterAuth.lookupSession must be a function (token) => Promise<{ session, user } | null>')
  if (typeof maxAge !== 'number' || !Number.isFinite(maxAge) || maxAge < 0) {
    throw optionsError('betterAuth.lookupMaxAge must be a finite number of seconds >= 0')
  }
  return { lookup, maxAgeMs: maxAge * 1000, cache: new Map(), pending: new Map() }
}

/** The found session as JSON text (Dates become ISO strings, as in better-auth's storage). */
function asJson(found) {
  if (found === null || found === undefined) return null
  if (typeof found === 'string') return found
  if (typeof found !== 'object') throw codedError('ERR_TOKEN_MALFORMED', 'lookupSession must answer { session, user } or null')
  return JSON.stringify({ session: found.session, user: found.user })
}

// The session token of admitted claims (Better Auth sessions of an authenticator with
// lookupSession), for renewSession: claims object -> token. Never enumerable, never logged.
const TOKENS = new WeakMap()

/** Remembers the session token `claims` were admitted with. */
function rememberToken(claims, token) {
  if (claims && typeof claims === 'object' && typeof token === 'string') TOKENS.set(claims, token)
}

/**
 * The session `token` names: { json, until } (until: ms, when it is to be asked again; null
 * when nothing is kept), kept or asked of lookupSession (one call per token at a time).
 */
function find(state, token, nowMs) {
  const kept = state.cache.get(token)
  if (kept !== undefined) {
    if (kept.until > nowMs) return Promise.resolve(kept)
    state.cache.delete(token)
  }
  let p = state.pending.get(token)
  if (p) return p
  p = Promise.resolve()
    .then(() => state.lookup(token))
    .then(asJson)
    .then(
      (json) => {
        state.pending.delete(token)
        if (json === null) return null
        const found = { json, until: state.maxAgeMs > 0 ? nowMs + state.maxAgeMs : null }
        if (found.until !== null) {
          if (state.cache.size >= MAX_ENTRIES) state.cache.delete(state.cache.keys().next().value)
          state.cache.set(token, found)
        }
        return found
      },
      (err) => {
        state.pending.delete(token)
        throw err
      },
    )
  state.pending.set(token, p)
  return p
}

/**
 * The signed session token a handshake sent where `err` (ERR_SESSION_LOOKUP_REQUIRED) says:
 * the session_token cookie (`err.source` 'cookie'), or the token itself with Better Auth's
 * bearer plugin (`Authorization: Bearer <token>.<signature>`, or auth / query `<authField>`);
 * its signature checked by the addon. Null when there is none.
 */
function sessionTokenOf(authenticator, handle, handshake, err) {
  const h = handshake && typeof handshake === 'object' ? handshake : {}
  const headers = h.headers && typeof h.headers === 'object' ? h.headers : {}
  const source = err.source
  if (source === 'header' || source === 'auth' || source === 'query') {
    const holder = source === 'header' ? headers : h[source]
    const value = holder && typeof holder === 'object' ? holder[source === 'header' ? 'authorization' : authenticator._authField()] : undefined
    return typeof value === 'string' ? native._handshakeBetterAuthSignedToken(handle, value) : null
  }
  let cookie = headers.cookie
  if (Array.isArray(cookie) && cookie.every((c) => typeof c === 'string')) cookie = cookie.join('; ')
  return typeof cookie === 'string' ? native._handshakeBetterAuthToken(handle, cookie) : null
}

/**
 * After `err` (ERR_SESSION_LOOKUP_REQUIRED) for `handshake`: the session lookupSession knows,
 * as authenticate's result ({ claims, kind: 'better-auth', source }). A session it does not
 * know (null: signed out, revoked, expired) is ERR_TOKEN_REVOKED.
 */
async function authenticateByLookup(authenticator, state, handle, handshake, err) {
  const source = err.source === undefined ? 'cookie' : err.source
  const tag = (e) => {
    if (e && typeof e === 'object') {
      e.source = source
      if (err.fingerprint !== undefined) e.fingerprint = err.fingerprint
    }
    return e
  }
  let token
  try {
    token = sessionTokenOf(authenticator, handle, handshake, err)
  } catch (e) {
    throw tag(e)
  }
  if (token === null) throw err
  try {
    return { claims: await claimsByLookup(authenticator, state, handle, token), kind: 'better-auth', source }
  } catch (e) {
    throw tag(e)
  }
}

/**
 * verifyTokenAsync's lookup: `signed` is a Better Auth session token sent as a token (the
 * bearer plugin's), which the sync check found valid but only the database knows:
 * { claims, kind: 'better-auth' }.
 */
async function verifyByLookup(authenticator, state, handle, signed, err) {
  const token = native._handshakeBetterAuthSignedToken(handle, signed)
  try {
    return { claims: await claimsByLookup(authenticator, state, handle, token), kind: 'better-auth' }
  } catch (e) {
    if (e && typeof e === 'object' && err.fingerprint !== undefined) e.fingerprint = err.fingerprint
    throw e
  }
}

/** The claims of the session `token` names, through lookupSession (or what it answered lately). */
async function claimsByLookup(authenticator, state, handle, token) {
  const found = await find(state, token, authenticator.now('better-auth') * 1000)
  if (found === null) throw codedError('ERR_TOKEN_REVOKED', 'lookupSession knows no session for this session token (signed out, revoked or expired)')
  let text
  try {
    text = native._handshakeBetterAuthLookup(handle, found.json, token, found.until === null ? null : found.until / 1000)
  } catch (e) {
    state.cache.delete(token)
    throw e
  }
  const claims = JSON.parse(text)
  rememberToken(claims, token)
  return claims
}

/**
 * For the connection watch, when a Better Auth connection reaches its exp: the session's
 * claims anew through lookupSession, or null when there is nothing to ask (no token
 * remembered for these claims). Rejects with the reason to close (ERR_TOKEN_REVOKED: the
 * session is gone; ERR_JWT_EXPIRED: past its own expiresAt).
 */
function renewSession(authenticator, state, handle, claims) {
  const token = claims && typeof claims === 'object' ? TOKENS.get(claims) : undefined
  if (token === undefined) return null
  return claimsByLookup(authenticator, state, handle, token)
}

/**
 * A lookupSession over Better Auth's secondary storage in Redis (`secondaryStorage` on a Redis
 * client, keys as better-auth 1.7 writes them): the session under `<prefix><token>` as
 * JSON `{ session, user }`, refused when the user's sessions were revoked after it was
 * created (`<prefix>revoked-sessions-before-<userId>`, ms, written by revokeSessions /
 * a password change). `client`: node-redis (v4/v5) or ioredis (anything with `get(key)`
 * answering a Promise of a string or null). `prefix`: what the app's secondaryStorage adds
 * to better-auth's keys (default none).
 */
function betterAuthRedisLookup(options) {
  const o = options || {}
  const client = o.client
  if (!client || typeof client.get !== 'function') throw optionsError('betterAuthRedisLookup needs { client }: a node-redis or ioredis client')
  const prefix = o.prefix === undefined ? '' : o.prefix
  if (typeof prefix !== 'string') throw optionsError('betterAuthRedisLookup prefix must be a string')
  return async function betterAuthRedisLookupSession(token) {
    const raw = await client.get(prefix + token)
    if (raw === null || raw === undefined) return null
    let s
    try {
      s = JSON.parse(String(raw))
    } catch {
      return null
    }
    // better-auth reads the user from the database when the entry has none: not here.
    if (!s || typeof s !== 'object' || !s.session || typeof s.session !== 'object' || !s.user || typeof s.user !== 'object') return null
    const before = Number(await client.get(`${prefix}revoked-sessions-before-${s.session.userId}`))
    if (before && new Date(s.session.createdAt).getTime() < before) return null
    return String(raw)
  }
}

/**
 * Whether `authenticator.authenticateAsync` can do better than the error its sync
 * authenticate threw (a key refresh, a Better Auth lookup); duck-typed authenticators: only
 * `retryable`.
 */
function worthAsync(authenticator, err) {
  if (!err || typeof authenticator.authenticateAsync !== 'function') return false
  return typeof authenticator._worthAsync === 'function' ? authenticator._worthAsync(err) : err.retryable === true
}

module.exports = { BetterAuthSession, worthAsync, rememberToken, renewSession, lookupState, authenticateByLookup, verifyByLookup, betterAuthRedisLookup }
