'use strict'
// The package main: everything the native binding (../index.js) exports, plus RemoteJwks,
// with JwtVerifier and HandshakeAuthenticator extended to accept `jwks: RemoteJwks` (or
// `jwksUri` / an `issuer` to discover it from) and to wait for a key refresh in their
// async variants. The hot methods (verify, authenticate, verifyToken) take the claims from
// the addon as JSON text and parse them here: `JSON.parse` called from JS is a direct builtin
// call, cheaper than the addon calling back into JS, and reading the handshake's few members
// here (inline-cached loads) is cheaper than the addon walking the object through napi.

const native = require('../index.js')
const { RemoteJwks, missed } = require('./jwks/index.js')
const { trustProxyPredicate, requestSecure } = require('./core/origin.js')
const { expiresAtOf } = require('./core/connection-lifetime.js')

const metrics = require('./core/channels.js')

const { kRemote, kLists, kClock, kField, kRule, kHandle, kDirect, kTrust, kLookup } = require('./core/symbols.js')
const { KINDS, SOURCES, kindOf, cookieHeader, objectOrNone, authenticateText } = require('./core/handshake-text.js')

/** The lists of HandshakeOptions per kind, as the addon applies them (the kind's own first). */
function revocationListsOf(o) {
  const list = (v) => (v instanceof native.RevocationList ? v : null)
  const shared = list(o.revocation)
  const of = (kind) => (o[kind] && typeof o[kind] === 'object' ? list(o[kind].revocation) || shared : null)
  return Object.freeze({ jwt: of('jwt'), authjs: of('authjs'), 'better-auth': of('betterAuth') })
}

/** Whether HandshakeOptions set a clock (`now`, `jwt.now`, `authjs.now`, `betterAuth.now`): else the system clock. */
function hasClock(o) {
  return typeof o.now === 'function' || ['jwt', 'authjs', 'betterAuth'].some((k) => o[k] && typeof o[k] === 'object' && typeof o[k].now === 'function')
}

function hasKeyMaterial(o) {
  return (o.key !== undefined && o.key !== null) || (o.jwk !== undefined && o.jwk !== null) || (o.jwks !== undefined && o.jwks !== null)
}

/**
 * Verifier options with a remote set resolved: `jwks: RemoteJwks` as given, or one built
 * from `jwksUri`, or from `issuer` (discovery) when no key is given. `jwksOptions` holds
 * the RemoteJwks options for the built one.
 */
function withRemote(o) {
  if (!o || typeof o !== 'object') return { options: o, remote: null }
  if (o.jwks instanceof RemoteJwks) return { options: o, remote: o.jwks }
  if (hasKeyMaterial(o)) return { options: o, remote: null }
  const extra = o.jwksOptions && typeof o.jwksOptions === 'object' ? o.jwksOptions : {}
  let remote = null
  if (o.jwksUri !== undefined) remote = new RemoteJwks({ ...extra, jwksUri: o.jwksUri })
  else if (typeof o.issuer === 'string' && /^https?:\/\//i.test(o.issuer)) remote = new RemoteJwks({ ...extra, issuer: o.issuer })
  if (!remote) return { options: o, remote: null }
  return { options: { ...o, jwks: remote }, remote }
}

/** Runs `fn`; on a retryable key-set error waits for the shared refresh and runs it once more. */
async function retryOnce(remote, fn) {
  try {
    return fn()
  } catch (err) {
    const wait = missed(remote, err)
    if (!wait) throw err
    await wait
    return fn()
  }
}

/** Wraps a sync method so that an unknown kid starts the shared refresh. */
function notifying(remote, method, self) {
  return function (...args) {
    try {
      return method.apply(self, args)
    } catch (err) {
      missed(remote, err)
      throw err
    }
  }
}

/** Marks `self` as reading `remote` and wraps its sync `methods` (of `proto`) with `notifying`. */
function attachRemote(self, remote, proto, methods) {
  Object.defineProperty(self, kRemote, { value: remote })
  for (const name of methods) self[name] = notifying(remote, proto[name], self)
}

const nativeAuthenticate = native.HandshakeAuthenticator.prototype.authenticate
const { BetterAuthSession, lookupState, authenticateByLookup, verifyByLookup, betterAuthRedisLookup, rememberToken, renewSession } = require('./better-auth/index.js')
const { _jwtVerifyText: jwtVerifyText, _handshakeVerifyToken: handshakeVerifyToken, _authjsDecodeText: authjsDecodeText, _handshakeAuthToken: handshakeAuthToken } = native
/** verifyToken's result of a one-token text result. */
const tokenResult = (t) => ({ claims: JSON.parse(t), kind: kindOf(t) })

/** `p` (a JwtVerifier async call's promise, its attempts not counted) with its outcome counted once, natively. */
function countedJwt(p) {
  return p.then(
    (r) => {
      native._countVerifier('jwt', null)
      return r
    },
    (err) => {
      if (!err || err.code !== 'ERR_INVALID_OPTIONS') native._countVerifier('jwt', metrics.codeOf(err))
      throw err
    },
  )
}

class JwtVerifier extends native.JwtVerifier {
  constructor(options) {
    const { options: o, remote } = withRemote(options)
    super(o)
    // The native handles the hot path is called with (a plain function is entered faster than
    // a method): kDirect counts the outcome natively (a direct call), kHandle does not.
    Object.defineProperty(this, kHandle, { value: this._handle() })
    Object.defineProperty(this, kDirect, { value: this._directHandle() })
    if (remote) attachRemote(this, remote, JwtVerifier.prototype, ['verify', 'verifyComplete', '_verify', '_verifyCompleteQuiet'])
  }

  /** Verifies signature and claims; returns the claims. */
  verify(token) {
    return JSON.parse(jwtVerifyText(this[kDirect], token))
  }

  /** As verify, not counted: for the integrations (JwtService), which report their own outcomes. */
  _verify(token) {
    return JSON.parse(jwtVerifyText(this[kHandle], token))
  }

  /** The RemoteJwks this verifier reads, or null. */
  get remoteJwks() {
    return this[kRemote] || null
  }

  /** As verify; with a remote set, an unknown kid waits for the refresh and retries once. */
  verifyAsync(token) {
    return countedJwt(retryOnce(this[kRemote], () => JwtVerifier.prototype._verify.call(this, token)))
  }

  /** As verifyComplete, asynchronously (see verifyAsync). */
  verifyCompleteAsync(token) {
    return countedJwt(retryOnce(this[kRemote], () => native.JwtVerifier.prototype._verifyCompleteQuiet.call(this, token)))
  }
}

/**
 * HandshakeAuthenticator#authenticate of `self` with `handle` (kDirect: counted as a direct
 * call; kHandle: not counted).
 */
function authenticateWith(self, handle, handshake, originAllowed) {
  if (typeof handshake !== 'object' || handshake === null || (originAllowed != null && typeof originAllowed !== 'boolean')) {
    // The addon's own errors for a wrong argument.
    return nativeAuthenticate.call(self, handshake, originAllowed)
  }
  const auth = objectOrNone(handshake.auth)
  const headers = objectOrNone(handshake.headers)
  const query = objectOrNone(handshake.query)
  const name = self[kField]
  const a = auth === undefined ? undefined : auth[name]
  if (typeof a === 'string') {
    // 'auth' first (the default) and a token there: it is the one (null: the full call decides).
    const t = handshakeAuthToken(handle, a)
    if (t !== null) return { claims: JSON.parse(t), kind: kindOf(t), source: 'auth' }
  }
  const q = query === undefined ? undefined : query[name]
  const secure = (h) => requestSecure(self[kTrust], handshake.secure, handshake.address, h)
  const t = authenticateText(handle, a, q, headers, originAllowed, secure)
  const result = { claims: JSON.parse(t), kind: KINDS[t.charCodeAt(0)], source: SOURCES[t.charCodeAt(1)] }
  // A Better Auth cookie cache, with lookupSession: its token, for the renewal at the cache's expiry.
  if (t.charCodeAt(0) === 10 && t.charCodeAt(1) === 10 && self[kLookup] !== null) {
    rememberToken(result.claims, native._handshakeBetterAuthToken(self[kHandle], cookieHeader(headers.cookie)))
  }
  return result
}

/** Runs a direct call `fn` and publishes its outcome as a 'direct' check (for a channel subscriber). */
function publishedDirect(fn) {
  let r
  try {
    r = fn()
  } catch (err) {
    if (!err || err.code !== 'ERR_INVALID_OPTIONS') metrics.publishDirect(err, null)
    throw err
  }
  metrics.publishDirect(null, r)
  return r
}

/** `p` (a direct async call's promise) with its outcome counted natively and published as a 'direct' check. */
function reportedDirect(p) {
  return p.then(
    (r) => {
      native._countDirectHandshake(r.kind || null, r.source || null, null)
      metrics.publishDirect(null, r)
      return r
    },
    (err) => {
      if (!err || err.code !== 'ERR_INVALID_OPTIONS') {
        native._countDirectHandshake((err && err.kind) || null, (err && err.source) || null, metrics.codeOf(err))
        metrics.publishDirect(err, null)
      }
      throw err
    },
  )
}

/** HandshakeOptions with the jwt side's remote set resolved (see withRemote): { options, remote }. */
function withJwtRemote(options) {
  if (!(options && typeof options === 'object' && options.jwt && typeof options.jwt === 'object')) return { options, remote: null }
  const r = withRemote(options.jwt)
  return r.remote ? { options: { ...options, jwt: r.options }, remote: r.remote } : { options, remote: null }
}

/**
 * A HandshakeAuthenticator's state, fixed at construction: read once here rather than through
 * the addon on each request (`originRule`: the addon's, which the constructor reads).
 */
function defineHandshakeState(self, options, originRule) {
  // Whose X-Forwarded-Proto says a request came over https (js/core/origin.js), or null.
  Object.defineProperty(self, kTrust, { value: trustProxyPredicate(options.trustProxy) })
  Object.defineProperty(self, kField, { value: self._authField() })
  Object.defineProperty(self, kRule, { value: originRule })
  Object.defineProperty(self, kHandle, { value: self._handle() })
  Object.defineProperty(self, kDirect, { value: self._directHandle() })
  Object.defineProperty(self, kLists, { value: revocationListsOf(options) })
  Object.defineProperty(self, kClock, { value: hasClock(options) })
  Object.defineProperty(self, kLookup, { value: lookupState(options && typeof options === 'object' ? options.betterAuth : null) })
}

/**
 * HandshakeAuthenticator#_authenticateAsync: an unknown kid waits for the key refresh and retries
 * once, and a Better Auth session token without a usable cookie cache is looked up
 * (`betterAuth.lookupSession`).
 */
function authenticateLater(self, handshake, originAllowed) {
  const p = retryOnce(self[kRemote], () => HandshakeAuthenticator.prototype._authenticate.call(self, handshake, originAllowed))
  const state = self[kLookup]
  if (state === null) return p
  return p.catch((err) => {
    if (!err || err.code !== 'ERR_SESSION_LOOKUP_REQUIRED') throw err
    return authenticateByLookup(self, state, self[kHandle], handshake, err)
  })
}

/** HandshakeAuthenticator#_verifyTokenAsync: as authenticateLater, for one token. */
function verifyTokenLater(self, token) {
  const p = retryOnce(self[kRemote], () => HandshakeAuthenticator.prototype._verifyToken.call(self, token))
  const state = self[kLookup]
  if (state === null) return p
  return p.catch((err) => {
    if (!err || err.code !== 'ERR_SESSION_LOOKUP_REQUIRED' || typeof token !== 'string') throw err
    return verifyByLookup(self, state, self[kHandle], token, err)
  })
}

/**
 * What the integrations (the transports, the connection watch) read of a HandshakeAuthenticator:
 * its state fixed at construction (defineHandshakeState), under HandshakeAuthenticator's checks.
 */
class HandshakeState extends native.HandshakeAuthenticator {
  /** Whether the async paths can do better than `err`: a key set refreshing (`retryable`), a Better Auth session to look up. */
  _worthAsync(err) {
    return !!err && (err.retryable === true || (err.code === 'ERR_SESSION_LOOKUP_REQUIRED' && this[kLookup] !== null))
  }

  /** For the connection watch (js/core/connection-lifetime.js): each kind's RevocationList (its own, else the shared one; or null). */
  _revocationLists() {
    return this[kLists]
  }

  /** For the connection watch: whether a `now` option was given (else the system clock). */
  _hasClock() {
    return this[kClock]
  }

  /**
   * For the connection watch: a Better Auth connection at its exp, renewed through lookupSession
   * (a Promise of fresh claims, or of the reason to close), or null (no lookupSession or token).
   */
  _renewSession(claims) {
    return this[kLookup] === null ? null : renewSession(this, this[kLookup], this[kHandle], claims)
  }
}

class HandshakeAuthenticator extends HandshakeState {
  constructor(options) {
    const { options: o, remote } = withJwtRemote(options)
    super(o)
    defineHandshakeState(this, options, super.originRule)
    if (remote) attachRemote(this, remote, HandshakeAuthenticator.prototype, ['authenticate', 'verifyToken', '_authenticate', '_verifyToken'])
  }

  /**
   * Authenticates `socket.handshake` (or any `{ auth, headers, query }`): its members are
   * read here, in the addon's order, and handed over as strings in one call. A direct call:
   * its outcome is counted as a 'direct' check (authbridge/metrics).
   */
  authenticate(handshake, originAllowed) {
    if (!metrics.CHECK.hasSubscribers) return authenticateWith(this, this[kDirect], handshake, originAllowed)
    return publishedDirect(() => authenticateWith(this, this[kDirect], handshake, originAllowed))
  }

  /** As authenticate, for the integrations (which report their own outcomes). */
  _authenticate(handshake, originAllowed) {
    return authenticateWith(this, this[kHandle], handshake, originAllowed)
  }

  /** Checks one token of either kind (a 'Bearer ' prefix is tolerated): { claims, kind }. A direct call (see authenticate). */
  verifyToken(token) {
    if (!metrics.CHECK.hasSubscribers) return tokenResult(handshakeVerifyToken(this[kDirect], token))
    return publishedDirect(() => tokenResult(handshakeVerifyToken(this[kDirect], token)))
  }

  /** As verifyToken, for the integrations (which report their own outcomes). */
  _verifyToken(token) {
    return tokenResult(handshakeVerifyToken(this[kHandle], token))
  }

  /** How allowedOrigins was set: 'same-origin' (the default), 'any' ('*') or 'list'. */
  get originRule() {
    return this[kRule]
  }

  /** The RemoteJwks the jwt side reads, or null. */
  get remoteJwks() {
    return this[kRemote] || null
  }

  /** As authenticate; an unknown kid waits for the key refresh, a Better Auth session token is looked up (see authenticateLater). */
  authenticateAsync(handshake, originAllowed) {
    return reportedDirect(this._authenticateAsync(handshake, originAllowed))
  }

  /** As authenticateAsync, for the integrations (which report their own outcomes). */
  _authenticateAsync(handshake, originAllowed) {
    return authenticateLater(this, handshake, originAllowed)
  }

  /** As verifyToken, asynchronously (see authenticateAsync; a Better Auth session token is looked up). */
  verifyTokenAsync(token) {
    return reportedDirect(this._verifyTokenAsync(token))
  }

  /** As verifyTokenAsync, for the integrations (which report their own outcomes). */
  _verifyTokenAsync(token) {
    return verifyTokenLater(this, token)
  }
}

class AuthJsSession extends native.AuthJsSession {
  constructor(options) {
    super(options)
    Object.defineProperty(this, kHandle, { value: this._handle() })
  }

  /** Decrypts and checks a session token; returns its claims. */
  decode(token) {
    return JSON.parse(authjsDecodeText(this[kHandle], token))
  }
}

/** As the native verifyJws; with `jwks: RemoteJwks`, an unknown kid starts the refresh. */
function verifyJws(token, options) {
  try {
    return native.verifyJws(token, options)
  } catch (err) {
    if (options && options.jwks instanceof RemoteJwks) missed(options.jwks, err)
    throw err
  }
}

/** As verifyJws; with `jwks: RemoteJwks`, an unknown kid waits for the refresh and retries once. */
function verifyJwsAsync(token, options) {
  const remote = options && options.jwks instanceof RemoteJwks ? options.jwks : null
  return retryOnce(remote, () => native.verifyJws(token, options))
}

// Spread from require() so that ESM `import { X } from 'authbridge'` sees every name
// (Node's CommonJS export detection follows a spread require as a re-export).
module.exports = {
  ...require('../index.js'),
  JwtVerifier,
  HandshakeAuthenticator,
  AuthJsSession,
  BetterAuthSession,
  verifyJws,
  verifyJwsAsync,
  RemoteJwks,
  expiresAtOf,
  betterAuthRedisLookup,
}
