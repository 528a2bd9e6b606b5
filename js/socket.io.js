'use strict'
// authbridge/socket.io: Socket.IO middleware on top of the native HandshakeAuthenticator.
// Thin by design: every token decision is made in Rust; this file moves results and
// errors between the authenticator and Socket.IO, and keeps connections inside their
// token's lifetime.
//
// Two rules hold for every socket that reaches a namespace guarded here:
// - it was authenticated by this handshake, never by an earlier connection: Socket.IO's
//   connection state recovery restores a socket (its rooms and socket.data) without
//   running middleware by default (`skipMiddlewares: true`), so the middleware turns that
//   off and a 'connect' hook authenticates any socket that still arrives without having
//   passed it (`reauthenticate`);
// - its expiry timer is armed when it connects, so a deadline that passed while later
//   middleware ran (an async lookup, a rate limiter) closes it at once.

const { HandshakeAuthenticator, RevocationList } = require('./index.js')

// setTimeout fires at once for delays above 2^31-1 ms (about 24.8 days), so long
// expiries are reached in steps.
const MAX_TIMER_MS = 2 ** 31 - 1

// The state of a middleware made by socketIoAuth, for useOnAllNamespaces.
const CONTEXT = Symbol('authbridge.socketIoAuth')

function toAuthenticator(optionsOrAuthenticator) {
  if (optionsOrAuthenticator instanceof HandshakeAuthenticator) return optionsOrAuthenticator
  return new HandshakeAuthenticator(optionsOrAuthenticator)
}

function codeOf(err) {
  return err && typeof err.code === 'string' && err.code.startsWith('ERR_') ? err.code : 'ERR_INTERNAL'
}

/** Milliseconds since the epoch at which the token stops being valid (exp), or null. */
function expiresAtOf(claims) {
  if (!claims || typeof claims !== 'object') return null
  return typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp * 1000 : null
}

function unauthorized(code) {
  const err = new Error('Unauthorized')
  err.data = { code }
  return err
}

function safeCall(fn, arg) {
  if (typeof fn !== 'function') return
  try {
    fn(arg)
  } catch {
    // A logging hook must never break authentication.
  }
}

// ---------------------------------------------------------------------------
// Origin of cookie-sourced handshakes (cross-site WebSocket hijacking)
// ---------------------------------------------------------------------------

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
      const err = new TypeError('allowedOrigins: expected origin strings (scheme://host[:port]), RegExps or a function')
      err.code = 'ERR_INVALID_OPTIONS'
      throw err
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
 * Closes `socket` when its token expires (exp plus the decoder's clock tolerance),
 * after emitting `auth_expired`; at once when that moment has already passed. Returns
 * a function that cancels the timer.
 */
function scheduleExpiry(socket, closeAtMs, expiredEvent) {
  let timer = null
  const arm = () => {
    const delay = closeAtMs - Date.now()
    if (delay <= 0) {
      timer = null
      if (socket.connected) {
        socket.emit(expiredEvent, { code: 'ERR_JWT_EXPIRED' })
        socket.disconnect(true)
      }
      return
    }
    timer = setTimeout(arm, Math.min(delay, MAX_TIMER_MS))
    if (typeof timer.unref === 'function') timer.unref()
  }
  arm()
  return () => {
    if (timer) clearTimeout(timer)
    timer = null
  }
}

/**
 * Socket.IO's connection state recovery connects a recovered socket without running any
 * middleware unless `skipMiddlewares` is false: make it false, so that every recovered
 * socket is authenticated again by its new handshake.
 */
function requireMiddlewaresOnRecovery(io) {
  const recovery = io && io.opts && io.opts.connectionStateRecovery
  if (recovery && typeof recovery === 'object' && recovery.skipMiddlewares !== false) recovery.skipMiddlewares = false
}

// Packets a recovered socket missed, held until it has been authenticated again. Keyed by
// the restored session's `data` object, which becomes the new socket's `socket.data`.
const heldPackets = new WeakMap()
const HOLDING = Symbol('authbridge.holdsMissedPackets')

/**
 * Socket.IO sends a recovered socket the packets it missed as soon as the socket object is
 * made, before any middleware runs: a client refused by the new handshake would still read
 * them. Hold them back on this namespace's adapter; `onConnect` delivers them once the
 * socket is authenticated.
 */
function holdMissedPackets(nsp) {
  const adapter = nsp && nsp.adapter
  if (!adapter || typeof adapter.restoreSession !== 'function' || adapter[HOLDING]) return
  const restoreSession = adapter.restoreSession
  Object.defineProperty(adapter, HOLDING, { value: true })
  adapter.restoreSession = async function restoreSessionHeld(...args) {
    const session = await restoreSession.apply(this, args)
    if (!session || !Array.isArray(session.missedPackets) || session.missedPackets.length === 0) return session
    const held = { ...session, missedPackets: [] }
    if (held.data && typeof held.data === 'object') heldPackets.set(held.data, session.missedPackets)
    return held
  }
}

/** Runs `ctx.onConnect` first on every socket that connects to `nsp` (once per namespace). */
function installConnectHook(ctx, nsp) {
  if (!nsp || typeof nsp.prependListener !== 'function') return
  holdMissedPackets(nsp)
  if (ctx.hooked.has(nsp)) return
  ctx.hooked.add(nsp)
  // A dynamic namespace's child copies its parent's listeners, this one included.
  if (!nsp.listeners('connect').includes(ctx.onConnect)) nsp.prependListener('connect', ctx.onConnect)
}

/** Sends an authenticated recovered socket the packets held back by holdMissedPackets. */
function deliverMissedPackets(socket) {
  const packets = socket.data && typeof socket.data === 'object' ? heldPackets.get(socket.data) : undefined
  if (!packets) return
  heldPackets.delete(socket.data)
  // What Socket.IO's Socket constructor does with a restored session's missed packets.
  if (typeof socket.packet === 'function') for (const data of packets) socket.packet({ type: 2, data })
}

/**
 * Closes the sockets a revocation change refuses: each change of `revocation` (local, or
 * applied from Redis by authbridge/redis) re-checks every socket this middleware
 * admitted; a refused one gets `event` with { code } (ERR_TOKEN_REVOKED, or
 * ERR_REVOCATION_STALE while a lost sync refuses every token), then is disconnected.
 */
function revocationWatch(revocation, event) {
  const namespaces = new Set()
  const tracked = new WeakSet()
  const check = (socket) => {
    if (!socket.connected || !tracked.has(socket) || !socket.data.user) return
    let code = null
    try {
      code = revocation.refusal(socket.data.user)
    } catch {
      code = null
    }
    if (code) {
      tracked.delete(socket)
      socket.emit(event, { code })
      socket.disconnect(true)
    }
  }
  revocation.on('change', () => {
    for (const nsp of namespaces) for (const socket of nsp.sockets.values()) check(socket)
  })
  return {
    /** From admission on; checked once now, for a change since its handshake. */
    track(socket) {
      tracked.add(socket)
      if (socket.nsp) namespaces.add(socket.nsp)
      check(socket)
    },
  }
}

function createContext(optionsOrAuthenticator, settings) {
  const authenticator = toAuthenticator(optionsOrAuthenticator)
  const { onFailure, onSuccess } = settings
  const expiry = settings.expiry === undefined ? true : settings.expiry
  if (settings.identity !== undefined && typeof settings.identity !== 'function') {
    throw Object.assign(new TypeError('identity must be a function (claims) => string'), { code: 'ERR_INVALID_OPTIONS' })
  }
  const ctx = {
    authenticator,
    onFailure,
    onSuccess,
    expiry,
    expiredEvent: (expiry && expiry.event) || 'auth_expired',
    refreshEvent: (expiry && expiry.refreshEvent) || 'auth_refresh',
    // Sockets this middleware authenticated during their own handshake.
    passed: new WeakSet(),
    // Namespaces whose 'connect' runs onConnect first.
    hooked: new WeakSet(),
    allowOrigin: settings.allowedOrigins === undefined ? null : originPredicate(settings.allowedOrigins),
    identity: typeof settings.identity === 'function' ? settings.identity : null,
    onConnect: null,
    revocation: null,
  }
  const revocation =
    settings.revocation ||
    (optionsOrAuthenticator && !(optionsOrAuthenticator instanceof HandshakeAuthenticator) ? optionsOrAuthenticator.revocation : null)
  if (revocation && !(revocation instanceof RevocationList)) throw optionsError('revocation must be a RevocationList')
  if (revocation) ctx.revocation = revocationWatch(revocation, settings.revokedEvent || 'auth_revoked')
  ctx.onConnect = (socket) => onConnect(ctx, socket)
  return ctx
}

/**
 * The full authentication of a socket's handshake, as the middleware runs it. On success
 * sets socket.data.user and socket.data.auth and returns null; on failure reports it to
 * onFailure and returns the error code. Every path that admits a socket goes through here.
 */
function authenticateSocket(ctx, socket, originAllowed) {
  let result
  try {
    result = ctx.authenticator.authenticate(socket.handshake, originAllowed)
  } catch (err) {
    // A remote key set is refreshing (unknown kid, first load): wait for it and retry once.
    if (err && err.retryable === true && typeof ctx.authenticator.authenticateAsync === 'function') {
      return ctx.authenticator.authenticateAsync(socket.handshake, originAllowed).then(
        (r) => admitResult(ctx, socket, r),
        (e) => refusal(ctx, socket, e),
      )
    }
    return refusal(ctx, socket, err)
  }
  return admitResult(ctx, socket, result)
}

/** Calls `then(code)` with authenticateSocket's outcome, at once or when its refresh settles. */
function settle(outcome, then) {
  if (outcome && typeof outcome.then === 'function') return void outcome.then(then, () => then('ERR_INTERNAL'))
  then(outcome)
}

function refusal(ctx, socket, err) {
  const code = codeOf(err)
  safeCall(ctx.onFailure, {
    code,
    source: (err && err.source) || null,
    fingerprint: (err && err.fingerprint) || null,
    namespace: socket.nsp && socket.nsp.name,
    // The reason in words (never the token; for a missing token, the cookie names seen).
    message: err && typeof err.message === 'string' ? err.message : undefined,
  })
  return code
}

function admitResult(ctx, socket, result) {
  socket.data.user = result.claims
  socket.data.auth = { kind: result.kind, source: result.source, expiresAt: expiresAtOf(result.claims) }
  safeCall(ctx.onSuccess, { kind: result.kind, source: result.source, sub: result.claims.sub, namespace: socket.nsp && socket.nsp.name })
  return null
}

/**
 * Authenticates a socket that reached 'connect' without passing the middleware (a socket
 * restored by connection state recovery with `skipMiddlewares` on, or one that connected
 * before the middleware was installed): the same full authentication as a new handshake.
 * A socket that fails it is disconnected at once. Returns the error code, or null.
 */
function reauthenticate(ctx, socket, originAllowed, then) {
  settle(authenticateSocket(ctx, socket, originAllowed), (code) => {
    if (code) {
      socket.data.user = undefined
      socket.data.auth = undefined
      socket.disconnect(true)
      return
    }
    if (socket.connected) then()
  })
}

/** Runs first on every socket that connects to a guarded namespace. */
function onConnect(ctx, socket) {
  if (ctx.passed.has(socket)) {
    ctx.passed.delete(socket)
    return admitted(ctx, socket)
  }
  const verdict = originVerdict(ctx, socket)
  if (verdict && typeof verdict.then === 'function') {
    verdict.then((v) => {
      if (socket.connected) reauthenticate(ctx, socket, v, () => admitted(ctx, socket))
    })
    return
  }
  reauthenticate(ctx, socket, verdict, () => admitted(ctx, socket))
}

function admitted(ctx, socket) {
  if (ctx.revocation) {
    ctx.revocation.track(socket)
    if (!socket.connected) return
  }
  if (ctx.expiry) watchExpiry(ctx, socket)
  if (socket.connected && socket.recovered) deliverMissedPackets(socket)
}

/**
 * Who a token is for, for auth_refresh: `settings.identity(claims)` when given, else the
 * `sub` claim; null unless a non-empty string (or a finite number from `identity`).
 */
function identityOf(ctx, claims) {
  let id
  try {
    id = ctx.identity ? ctx.identity(claims) : claims && claims.sub
  } catch {
    return null
  }
  if (typeof id === 'string' && id !== '') return id
  if (ctx.identity && typeof id === 'number' && Number.isFinite(id)) return id
  return null
}

/**
 * Arms the expiry timer of a connected socket (closing it at once when its deadline has
 * passed already) and answers its `auth_refresh` requests.
 */
function watchExpiry(ctx, socket) {
  const { authenticator } = ctx
  let cancel = null
  const arm = () => {
    if (cancel) cancel()
    cancel = null
    const at = socket.data.auth.expiresAt
    if (at !== null) cancel = scheduleExpiry(socket, at + authenticator.clockTolerance(socket.data.auth.kind) * 1000, ctx.expiredEvent)
  }
  socket.on('disconnect', () => {
    if (cancel) cancel()
    cancel = null
  })
  socket.on(ctx.refreshEvent, (payload, ack) => {
    const reply = typeof ack === 'function' ? ack : () => {}
    if (!socket.connected) return reply({ ok: false, code: 'ERR_JWT_EXPIRED' })
    const token = payload && payload.token
    let fresh
    try {
      fresh = authenticator.verifyToken(token)
    } catch (err) {
      const code = codeOf(err)
      safeCall(ctx.onFailure, { code, source: 'refresh', fingerprint: (err && err.fingerprint) || null, namespace: socket.nsp && socket.nsp.name })
      return reply({ ok: false, code })
    }
    if (fresh.kind !== socket.data.auth.kind) return reply({ ok: false, code: 'ERR_TOKEN_WRONG_KIND' })
    // The same identity on both sides, and an identity at all: two tokens without `sub`
    // are not the same user (undefined === undefined).
    const before = identityOf(ctx, socket.data.user)
    const after = identityOf(ctx, fresh.claims)
    if (before === null || after === null || before !== after) return reply({ ok: false, code: 'ERR_JWT_CLAIM_INVALID' })
    socket.data.user = fresh.claims
    socket.data.auth = { kind: fresh.kind, source: socket.data.auth.source, expiresAt: expiresAtOf(fresh.claims) }
    arm()
    reply({ ok: true, expiresAt: socket.data.auth.expiresAt })
  })
  arm()
}

/**
 * Socket.IO middleware: `io.use(socketIoAuth(options))`, or `nsp.use(...)` per namespace.
 * On success: socket.data.user = claims, socket.data.auth = { kind, source, expiresAt }.
 * On failure: next(err) with err.message 'Unauthorized' and err.data = { code }.
 */
function optionsError(message) {
  return Object.assign(new TypeError(message), { code: 'ERR_INVALID_OPTIONS' })
}

function socketIoAuth(optionsOrAuthenticator, settings = {}) {
  if (settings !== undefined && settings !== null && (typeof settings !== 'object' || Array.isArray(settings))) {
    throw optionsError('socketIoAuth settings must be an object ({ onFailure, onSuccess, expiry, allowedOrigins, identity })')
  }
  const ctx = createContext(optionsOrAuthenticator, settings || {})
  function authbridgeSocketIoAuth(socket, next) {
    // Installed here as well as by useOnAllNamespaces, for io.use() and nsp.use().
    requireMiddlewaresOnRecovery(socket.nsp && socket.nsp.server)
    installConnectHook(ctx, socket.nsp)
    const finish = (originAllowed) =>
      settle(authenticateSocket(ctx, socket, originAllowed), (code) => {
        if (code) return next(unauthorized(code))
        ctx.passed.add(socket)
        next()
      })
    const verdict = originVerdict(ctx, socket)
    if (verdict && typeof verdict.then === 'function') return void verdict.then(finish, () => finish(false))
    finish(verdict)
  }
  Object.defineProperty(authbridgeSocketIoAuth, CONTEXT, { value: ctx })
  return authbridgeSocketIoAuth
}

/**
 * Applies a middleware to every namespace of a Socket.IO server: those that exist now
 * and those created later (gateways, dynamic namespaces). `io.use()` alone covers only '/'.
 * With connection state recovery on, recovered sockets run the middleware again
 * (`skipMiddlewares` is set to false).
 */
function useOnAllNamespaces(io, middleware) {
  if (!io || typeof io.of !== 'function' || !(io._nsps instanceof Map)) throw optionsError('useOnAllNamespaces needs a Socket.IO Server as io')
  if (typeof middleware !== 'function') throw optionsError('useOnAllNamespaces needs a middleware function, e.g. socketIoAuth(options)')
  requireMiddlewaresOnRecovery(io)
  const ctx = middleware && middleware[CONTEXT]
  const applied = new WeakSet()
  const apply = (nsp) => {
    if (!nsp || applied.has(nsp)) return
    applied.add(nsp)
    if (ctx) installConnectHook(ctx, nsp)
    // A child of a dynamic namespace inherits its parent's middleware before
    // 'new_namespace' is emitted for it: never add it twice.
    if (Array.isArray(nsp._fns) && nsp._fns.includes(middleware)) return
    nsp.use(middleware)
  }
  for (const nsp of io._nsps.values()) apply(nsp)
  io.on('new_namespace', apply)
  // Dynamic (regex/function) namespaces: their children copy the parent's middleware.
  const of = io.of.bind(io)
  io.of = function of_(name, fn) {
    const nsp = of(name, fn)
    apply(nsp)
    return nsp
  }
  return io
}

module.exports = {
  socketIoAuth,
  normalizeOrigin,
  useOnAllNamespaces,
  requireMiddlewaresOnRecovery,
  expiresAtOf,
  MAX_TIMER_MS,
  HandshakeAuthenticator,
}
