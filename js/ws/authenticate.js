'use strict'
// The check of a handshake for a WebSocket transport: the Origin verdict (js/core/origin.js),
// the native HandshakeAuthenticator (at once, or asynchronously for a key refresh or a Better
// Auth lookup), the watch's revocation lists, the hooks and the metrics of the outcome.

const { callHook, refusalInfo } = require('../core/errors.js')
const { originVerdict } = require('../core/origin.js')
const { expiresAtOf } = require('../core/connection-lifetime.js')
const { worthAsync } = require('../better-auth/index.js')
const metrics = require('../core/channels.js')
const { pathOf, handshakeOfRequest } = require('./request.js')

// `req` (the HTTP request of the handshake, or null) is read only when a hook is called.
function failed(ctx, err, req) {
  const info = refusalInfo(err)
  metrics.reportRefused(err, ctx.transport)
  if (typeof ctx.onFailure === 'function') {
    callHook(ctx.onFailure, {
      ...info,
      transport: ctx.transport,
      path: pathOf(req),
      message: err && typeof err.message === 'string' ? err.message : undefined,
    })
  }
  return info.code
}

function accepted(ctx, result, req) {
  // Refused by a list that applies and that the authenticator did not consult.
  const code = ctx.watch.refusal(result.claims, result.kind, true)
  if (code) return { ok: false, code: failed(ctx, { code, source: result.source }, req) }
  metrics.reportAccepted(result.kind, result.source, ctx.transport)
  if (typeof ctx.onSuccess === 'function') {
    callHook(ctx.onSuccess, { kind: result.kind, source: result.source, sub: result.claims.sub, transport: ctx.transport, path: pathOf(req) })
  }
  return { ok: true, user: result.claims, auth: { kind: result.kind, source: result.source, expiresAt: expiresAtOf(result.claims) } }
}

const ORIGIN_REFUSED = Object.freeze({ code: 'ERR_ORIGIN_NOT_ALLOWED' })

/** The authenticator's check of `handshake` with the Origin verdict known: a result, or a Promise of one (async key refresh, Better Auth lookup). */
function check(ctx, handshake, req, originAllowed) {
  let result
  try {
    result = ctx.authenticator._authenticate(handshake, originAllowed)
  } catch (err) {
    if (worthAsync(ctx.authenticator, err)) {
      return ctx.authenticator._authenticateAsync(handshake, originAllowed).then(
        (r) => accepted(ctx, r, req),
        (e) => ({ ok: false, code: failed(ctx, e, req) }),
      )
    }
    return { ok: false, code: failed(ctx, err, req) }
  }
  return accepted(ctx, result, req)
}

const isThenable = (v) => v !== null && typeof v === 'object' && typeof v.then === 'function'

/**
 * Authenticates a handshake `{ auth?, headers, query? }` (the Origin rule applies to a
 * cookie-sourced token): { ok: true, user, auth } or { ok: false, code }, at once when
 * nothing asynchronous is needed (the usual case: no Promise, no microtask per handshake),
 * else a Promise of it that never rejects. `req` is the handshake's HTTP request (its path
 * goes to onFailure / onSuccess); `fallbackVerdict` is the caller's verdict on the Origin
 * when no `allowedOrigins` setting gives one. May throw only on a bug (callers catch).
 */
function authenticateNow(ctx, handshake, req, fallbackVerdict) {
  const t0 = metrics.handshakeStart()
  // js/core/origin.js's rule, with no Socket.IO server (no cors.origin to read); an HTTP
  // caller (GqlAuthGuard) gives the app's CORS answer as `fallbackVerdict`.
  let verdict = originVerdict(ctx, { handshake })
  if (verdict === undefined && fallbackVerdict !== undefined && !ctx.allowOrigin) verdict = fallbackVerdict
  const outcome = isThenable(verdict)
    ? Promise.resolve(verdict).then(
        (originAllowed) => check(ctx, handshake, req, originAllowed),
        () => ({ ok: false, code: failed(ctx, ORIGIN_REFUSED, req) }),
      )
    : check(ctx, handshake, req, verdict)
  if (t0 === 0) return outcome
  if (isThenable(outcome)) return metrics.timeHandshake(ctx.transport, t0, outcome)
  metrics.handshakeEnd(ctx.transport, t0, outcome.ok ? null : outcome.code)
  return outcome
}

/** As authenticateNow, always as a Promise (never rejects). */
function authenticateHandshake(ctx, handshake, req, fallbackVerdict) {
  try {
    return Promise.resolve(authenticateNow(ctx, handshake, req, fallbackVerdict))
  } catch (err) {
    return Promise.reject(err)
  }
}

/** Authenticates an HTTP upgrade request (a result, or a Promise of one: see authenticateNow). */
function authenticateRequest(ctx, req) {
  return authenticateNow(ctx, handshakeOfRequest(ctx, req), req)
}

module.exports = { authenticateNow, authenticateHandshake, authenticateRequest, isThenable }
