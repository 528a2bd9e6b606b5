'use strict'
// authbridge/socket.io: Socket.IO middleware on top of the native HandshakeAuthenticator.
// Thin by design: every token decision is made in Rust; this file moves results and
// errors between the authenticator and Socket.IO, and keeps connections inside their
// token's lifetime.

const { HandshakeAuthenticator } = require('../index.js')

// setTimeout fires at once for delays above 2^31-1 ms (about 24.8 days), so long
// expiries are reached in steps.
const MAX_TIMER_MS = 2 ** 31 - 1

function toAuthenticator(optionsOrAuthenticator) {
  if (optionsOrAuthenticator instanceof HandshakeAuthenticator) return optionsOrAuthenticator
  return new HandshakeAuthenticator(optionsOrAuthenticator)
}

function codeOf(err) {
  return err && typeof err.code === 'string' && err.code.startsWith('ERR_') ? err.code : 'ERR_INTERNAL'
}

/** Milliseconds since the epoch at which the token stops being valid (exp), or null. */
function expiresAtOf(claims) {
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

/**
 * Closes `socket` when its token expires (exp plus the decoder's clock tolerance),
 * after emitting `auth_expired`. Returns a function that cancels the timer.
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
 * Socket.IO middleware: `io.use(socketIoAuth(options))`, or `nsp.use(...)` per namespace.
 * On success: socket.data.user = claims, socket.data.auth = { kind, source, expiresAt }.
 * On failure: next(err) with err.message 'Unauthorized' and err.data = { code }.
 */
function socketIoAuth(optionsOrAuthenticator, settings = {}) {
  const authenticator = toAuthenticator(optionsOrAuthenticator)
  const { onFailure, onSuccess } = settings
  const expiry = settings.expiry === undefined ? true : settings.expiry
  const expiredEvent = (expiry && expiry.event) || 'auth_expired'
  const refreshEvent = (expiry && expiry.refreshEvent) || 'auth_refresh'

  return function authbridgeSocketIoAuth(socket, next) {
    let result
    try {
      result = authenticator.authenticate(socket.handshake)
    } catch (err) {
      const code = codeOf(err)
      safeCall(onFailure, {
        code,
        source: (err && err.source) || null,
        fingerprint: (err && err.fingerprint) || null,
        namespace: socket.nsp && socket.nsp.name,
        // The reason in words (never the token; for a missing token, the cookie names seen).
        message: err && typeof err.message === 'string' ? err.message : undefined,
      })
      return next(unauthorized(code))
    }
    const expiresAt = expiresAtOf(result.claims)
    socket.data.user = result.claims
    socket.data.auth = { kind: result.kind, source: result.source, expiresAt }
    safeCall(onSuccess, { kind: result.kind, source: result.source, sub: result.claims.sub, namespace: socket.nsp && socket.nsp.name })

    if (expiry) {
      let cancel = null
      const arm = () => {
        if (cancel) cancel()
        cancel = null
        const at = socket.data.auth.expiresAt
        if (at !== null) cancel = scheduleExpiry(socket, at + authenticator.clockTolerance(socket.data.auth.kind) * 1000, expiredEvent)
      }
      arm()
      socket.on('disconnect', () => {
        if (cancel) cancel()
      })
      socket.on(refreshEvent, (payload, ack) => {
        const reply = typeof ack === 'function' ? ack : () => {}
        const token = payload && payload.token
        let fresh
        try {
          fresh = authenticator.verifyToken(token)
        } catch (err) {
          const code = codeOf(err)
          safeCall(onFailure, { code, source: 'refresh', fingerprint: (err && err.fingerprint) || null, namespace: socket.nsp && socket.nsp.name })
          return reply({ ok: false, code })
        }
        if (fresh.kind !== socket.data.auth.kind) return reply({ ok: false, code: 'ERR_TOKEN_WRONG_KIND' })
        if (fresh.claims.sub !== socket.data.user.sub) return reply({ ok: false, code: 'ERR_JWT_CLAIM_INVALID' })
        socket.data.user = fresh.claims
        socket.data.auth = { kind: fresh.kind, source: socket.data.auth.source, expiresAt: expiresAtOf(fresh.claims) }
        arm()
        reply({ ok: true, expiresAt: socket.data.auth.expiresAt })
      })
    }
    next()
  }
}

/**
 * Applies a middleware to every namespace of a Socket.IO server: those that exist now
 * and those created later (gateways, dynamic namespaces). `io.use()` alone covers only '/'.
 */
function useOnAllNamespaces(io, middleware) {
  const applied = new WeakSet()
  const apply = (nsp) => {
    if (!nsp || applied.has(nsp)) return
    applied.add(nsp)
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

module.exports = { socketIoAuth, useOnAllNamespaces, expiresAtOf, MAX_TIMER_MS, HandshakeAuthenticator }
