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
// The Origin rule is in js/core/origin.js, recovery in js/socket.io/recovery.js, expiry,
// auth_refresh and revocation in js/socket.io/lifetime.js (the Socket.IO side of the
// transport-neutral watch in js/core/connection-lifetime.js).

const { HandshakeAuthenticator, RevocationList } = require('../index.js')
const { callHook, optionsError, refusalInfo } = require('../core/errors.js')
const { normalizeOrigin, originPredicate, originVerdict } = require('../core/origin.js')
const { requireMiddlewaresOnRecovery, installConnectHook, deliverMissedPackets, freshIfAnotherIdentity } = require('./recovery.js')
const { expiresAtOf, createWatch, watchSocket } = require('./lifetime.js')
const { MAX_TIMER_MS } = require('../core/timers.js')
const { worthAsync } = require('../better-auth/index.js')
const metrics = require('../core/channels.js')

// The state of a middleware made by socketIoAuth, for useOnAllNamespaces.
const CONTEXT = Symbol('authbridge.socketIoAuth')

function toAuthenticator(optionsOrAuthenticator) {
  if (optionsOrAuthenticator instanceof HandshakeAuthenticator) return optionsOrAuthenticator
  return new HandshakeAuthenticator(optionsOrAuthenticator)
}

function unauthorized(code) {
  const err = new Error('Unauthorized')
  err.data = { code }
  return err
}

function createContext(optionsOrAuthenticator, settings) {
  const authenticator = toAuthenticator(optionsOrAuthenticator)
  const { onFailure, onSuccess } = settings
  const expiry = settings.expiry === undefined ? true : settings.expiry
  if (settings.identity !== undefined && typeof settings.identity !== 'function') {
    throw optionsError('identity must be a function (claims) => string')
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
    revokedEvent: settings.revokedEvent || 'auth_revoked',
    onConnect: null,
    watch: null,
  }
  // The middleware's own list (the authenticator's lists, for their kinds, are watched too).
  const revocation = settings.revocation
  if (revocation && !(revocation instanceof RevocationList)) throw optionsError('revocation must be a RevocationList')
  ctx.watch = createWatch(ctx, settings, revocation || null)
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
    result = ctx.authenticator._authenticate(socket.handshake, originAllowed)
  } catch (err) {
    // A remote key set is refreshing (unknown kid, first load): wait for it and retry once;
    // a Better Auth session token without its cookie cache: betterAuth.lookupSession.
    if (worthAsync(ctx.authenticator, err)) {
      return ctx.authenticator._authenticateAsync(socket.handshake, originAllowed).then(
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
  const info = refusalInfo(err)
  metrics.reportRefused(err, 'socket.io')
  callHook(ctx.onFailure, {
    ...info,
    namespace: socket.nsp && socket.nsp.name,
    // The reason in words (never the token; for a missing token, the cookie names seen).
    message: err && typeof err.message === 'string' ? err.message : undefined,
  })
  return info.code
}

function admitResult(ctx, socket, result) {
  // Refused by a list that applies (the middleware's own, when the authenticator has not got it).
  const code = ctx.watch.refusal(result.claims, result.kind, true)
  if (code) return refusal(ctx, socket, { code })
  // A recovered socket whose new token is another user's starts afresh (issue 22 S01).
  if (socket.recovered) freshIfAnotherIdentity(socket, ctx.identity, result.claims)
  socket.data.user = result.claims
  socket.data.auth = { kind: result.kind, source: result.source, expiresAt: expiresAtOf(result.claims) }
  metrics.reportAccepted(result.kind, result.source, 'socket.io')
  // The hook's payload is built only when there is a hook (nothing per handshake otherwise).
  if (typeof ctx.onSuccess === 'function') {
    callHook(ctx.onSuccess, { kind: result.kind, source: result.source, sub: result.claims.sub, namespace: socket.nsp && socket.nsp.name })
  }
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
  if (!watchSocket(ctx, socket)) return
  if (socket.recovered) deliverMissedPackets(socket)
}

/** The connection watch of a middleware made by socketIoAuth (diagnostics, tests), or null. */
function watchOf(middleware) {
  const ctx = middleware && middleware[CONTEXT]
  return ctx ? ctx.watch : null
}

/**
 * Socket.IO middleware: `io.use(socketIoAuth(options))`, or `nsp.use(...)` per namespace.
 * On success: socket.data.user = claims, socket.data.auth = { kind, source, expiresAt }.
 * On failure: next(err) with err.message 'Unauthorized' and err.data = { code }.
 */
function socketIoAuth(optionsOrAuthenticator, settings = {}) {
  if (settings !== undefined && settings !== null && (typeof settings !== 'object' || Array.isArray(settings))) {
    throw optionsError('socketIoAuth settings must be an object ({ onFailure, onSuccess, expiry, allowedOrigins, identity })')
  }
  const ctx = createContext(optionsOrAuthenticator, settings || {})
  function authbridgeSocketIoAuth(socket, next) {
    // Installed here as well as by useOnAllNamespaces, for io.use() and nsp.use().
    requireMiddlewaresOnRecovery(socket.nsp && socket.nsp.server)
    installConnectHook(ctx, socket.nsp)
    const t0 = metrics.handshakeStart()
    const finish = (originAllowed) =>
      settle(authenticateSocket(ctx, socket, originAllowed), (code) => {
        metrics.handshakeEnd('socket.io', t0, code)
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
  watchOf,
}
