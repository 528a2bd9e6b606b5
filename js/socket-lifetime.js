'use strict'
// authbridge/socket.io: keeps an admitted socket inside its token's validity. The expiry
// timer (exp plus the clock tolerance, armed on connect, so a deadline that passed while
// later middleware ran closes the socket at once), `auth_refresh` (a fresh token for the
// same identity moves the deadline), and the revocation watch (a revocation change
// re-checks every admitted socket).

const { callHook, refusalInfo } = require('./errors.js')

const { unrefTimeout } = require('./timers.js')

/** Milliseconds since the epoch at which the token stops being valid (exp), or null. */
function expiresAtOf(claims) {
  if (!claims || typeof claims !== 'object') return null
  return typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp * 1000 : null
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
    // Long expiries are reached in steps (see js/timers.js).
    timer = unrefTimeout(arm, delay)
  }
  arm()
  return () => {
    if (timer) clearTimeout(timer)
    timer = null
  }
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
      const { code, fingerprint } = refusalInfo(err)
      callHook(ctx.onFailure, { code, source: 'refresh', fingerprint, namespace: socket.nsp && socket.nsp.name })
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

module.exports = { expiresAtOf, scheduleExpiry, revocationWatch, identityOf, watchExpiry }
