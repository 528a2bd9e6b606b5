'use strict'
// authbridge/ws: plain WebSocket servers (the `ws` package, and Nest's WsAdapter through
// AuthenticatedWsAdapter in js/nest/index.js). Thin by design, as js/socket.io/index.js:
// - the HTTP upgrade is authenticated by the native HandshakeAuthenticator (Authorization
//   header, the session cookie under the Origin rule of js/core/origin.js, the query only
//   when the authenticator's `sources` has 'query') and refused BEFORE the WebSocket opens:
//   401 (403 for ERR_ORIGIN_NOT_ALLOWED) with the JSON body { code };
// - an admitted socket is watched by the transport-neutral ConnectionWatch of
//   js/core/connection-lifetime.js (expiry safe for 30-day sessions, revocation index,
//   auth_refresh with the identity rule, onFailure): this file only says what a `ws` socket
//   is to the watch (claims in ws.data.user, close(code, reason)).
// js/graphql-ws/index.js reuses createWsContext / authenticateRequest / watchSocket with the
// graphql-ws protocol's own close codes.

const { HandshakeAuthenticator, RevocationList } = require('../index.js')
const { callHook, optionsError, refusalInfo } = require('../core/errors.js')
const { originPredicate, originVerdict } = require('../core/origin.js')
const { ConnectionWatch, clockOf, expiresAtOf } = require('../core/connection-lifetime.js')
const { worthAsync } = require('../better-auth/index.js')
const metrics = require('../core/channels.js')

// Close codes (application range 4000-4999), documented in README "Plain WebSockets".
const CLOSE_EXPIRED = 4401
const CLOSE_REVOKED = 4403
const OPEN = 1
// An auth_refresh message larger than this is not read (a chunked session cookie is ~16 KB).
const MAX_REFRESH_BYTES = 64 * 1024

// Per connection, nothing but what the watch needs (issue 23, handshake cost): the result of
// an admitted upgrade rides on its request (verifyClient -> 'connection'), the watch's
// connection object on its socket, and the socket's listeners are shared functions (an
// EventEmitter calls them with `this` = the socket), not closures made per connection.
const kAdmitted = Symbol('authbridge.wsAdmitted')
const kAdmittedBy = Symbol('authbridge.wsAdmittedBy')
const kConnection = Symbol('authbridge.wsConnection')
// The query of an upgrade URL without one (shared; authenticate only reads it).
const NO_QUERY = Object.freeze({})

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
  const ctx = {
    authenticator,
    onFailure: s.onFailure,
    onSuccess: s.onSuccess,
    expiry,
    identity: typeof s.identity === 'function' ? s.identity : null,
    allowOrigin: s.allowedOrigins === undefined ? null : originPredicate(s.allowedOrigins),
    closeCodes,
    transport: defaults.transport || 'ws',
    // The handshake `auth` member the authenticator reads (graphql-ws's connectionParams go there): read once.
    authField: typeof authenticator._authField === 'function' ? authenticator._authField() : 'token',
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

/** The query of an upgrade request's URL as an object (first value of each name). */
function queryOf(req) {
  // No '?': no query (and no URL parse on every upgrade).
  if (!req || typeof req.url !== 'string' || !req.url.includes('?')) return NO_QUERY
  const out = {}
  try {
    const url = new URL(req.url || '/', 'http://localhost')
    for (const [k, v] of url.searchParams) if (!(k in out)) out[k] = v
  } catch {
    // an unparsable URL has no query
  }
  return out
}

/** The path of a request's URL (what onFailure / onSuccess report; never its query), or undefined. */
function pathOf(req) {
  if (!req || !req.url) return undefined
  const url = String(req.url)
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

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

/** The handshake of an HTTP upgrade request: its headers, and its query (read when the authenticator reads 'query'). */
function handshakeOfRequest(req) {
  return { headers: (req && req.headers) || {}, query: queryOf(req) }
}

/** Authenticates an HTTP upgrade request (a result, or a Promise of one: see authenticateNow). */
function authenticateRequest(ctx, req) {
  return authenticateNow(ctx, handshakeOfRequest(req), req)
}

/** The HTTP status of a refused upgrade: 403 for a refused Origin, else 401. */
function statusOf(code) {
  return code === 'ERR_ORIGIN_NOT_ALLOWED' ? 403 : 401
}

/** The response of a refused upgrade, written on the raw socket (handleUpgrade style). */
function writeRefusal(socket, code) {
  const status = statusOf(code)
  const body = JSON.stringify({ code })
  const reason = status === 403 ? 'Forbidden' : 'Unauthorized'
  try {
    socket.once('finish', () => socket.destroy())
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    )
  } catch {
    socket.destroy()
  }
}

function destroyQuietly(socket) {
  try {
    if (socket && !socket.destroyed) socket.destroy()
  } catch {
    // already gone
  }
}

/** A `ws` socket as a connection of the watch. */
class WsConnection {
  constructor(ctx, ws) {
    this.ctx = ctx
    this.ws = ws
    this.closeCode = null
    this.reason = null
  }
  get claims() {
    return this.ws.data && this.ws.data.user
  }
  get kind() {
    return this.ws.data && this.ws.data.auth && this.ws.data.auth.kind
  }
  get open() {
    return this.ws.readyState === OPEN || this.ws.readyState === 0
  }
  notify(what, payload) {
    this.closeCode = what === 'expired' ? this.ctx.closeCodes.expired : this.ctx.closeCodes.revoked
    this.reason = (payload && payload.code) || 'ERR_TOKEN_REVOKED'
  }
  close() {
    try {
      this.ws.close(this.closeCode || this.ctx.closeCodes.revoked, this.reason || 'ERR_TOKEN_REVOKED')
    } catch {
      this.ws.terminate()
    }
  }
  /** Fresh claims of the same session (a Better Auth renewal through lookupSession). */
  renew(claims) {
    this.ws.data.user = claims
    this.ws.data.auth = { ...this.ws.data.auth, expiresAt: expiresAtOf(claims) }
  }
}

/** The token of an auth_refresh message (`{ type: 'auth_refresh', token }` or Nest's `{ event: 'auth_refresh', data: { token } }`), else undefined. */
function refreshTokenOf(data, isBinary) {
  if (isBinary) return undefined
  const text = Buffer.isBuffer(data) ? (data.length > MAX_REFRESH_BYTES ? null : data.toString('utf8')) : typeof data === 'string' ? data : null
  if (text === null || text.length > MAX_REFRESH_BYTES || !text.includes('auth_refresh')) return undefined
  let msg
  try {
    msg = JSON.parse(text)
  } catch {
    return undefined
  }
  if (!msg || typeof msg !== 'object') return undefined
  if (msg.type === 'auth_refresh') return typeof msg.token === 'string' ? msg.token : null
  if (msg.event === 'auth_refresh') return msg.data && typeof msg.data.token === 'string' ? msg.data.token : null
  return undefined
}

// The listeners every watched socket shares (`this` is the socket).
function onSocketClose() {
  const conn = this[kConnection]
  if (conn !== undefined) conn.ctx.watch.remove(conn)
}

function onSocketMessage(data, isBinary) {
  const token = refreshTokenOf(data, isBinary)
  if (token === undefined) return
  const conn = this[kConnection]
  if (conn !== undefined) answerRefresh(conn, token)
}

/** Answers an auth_refresh message of `conn` carrying `token` (null: the message had none). */
function answerRefresh(conn, token) {
  const { ctx, ws } = conn
  const reply = (body) => {
    if (ws.readyState === OPEN) ws.send(JSON.stringify({ type: 'auth_refreshed', ...body }))
  }
  if (ws.readyState !== OPEN) return
  if (token === null) return reply({ ok: false, code: 'ERR_TOKEN_MISSING' })
  const r = ctx.watch.refresh(conn, token, { transport: ctx.transport })
  if (!r.ok) return reply({ ok: false, code: r.code })
  ws.data.user = r.claims
  ws.data.auth = { kind: r.kind, source: ws.data.auth.source, expiresAt: expiresAtOf(r.claims) }
  if (!ctx.watch.update(conn)) return reply({ ok: false, code: 'ERR_TOKEN_REVOKED' })
  reply({ ok: true, expiresAt: ws.data.auth.expiresAt })
}

/**
 * From admission on: `ws.data = { user, auth }`, watched for expiry and revocation,
 * answering auth_refresh (when `refresh`), forgotten on close. Returns false when a change
 * since the upgrade closed it at once.
 */
function watchSocket(ctx, ws, admitted, options) {
  if (!ws.data || typeof ws.data !== 'object') ws.data = {}
  ws.data.user = admitted.user
  ws.data.auth = admitted.auth
  const conn = new WsConnection(ctx, ws)
  const previous = ws[kConnection]
  ws[kConnection] = conn
  if (previous !== undefined) {
    // Watched again (a second admission of the same socket): the listeners are there already.
    previous.ctx.watch.remove(previous)
  } else {
    ws.on('close', onSocketClose)
    if (ctx.expiry && !(options && options.refresh === false)) ws.on('message', onSocketMessage)
  }
  if (!conn.open) {
    ctx.watch.remove(conn)
    return false
  }
  return ctx.watch.admit(conn) && conn.open
}

/** Makes the verifyClient function of a context (with its members). */
function makeVerifyClient(ctx) {
  const admit = (req, r, cb) => {
    if (!r.ok) return cb(false, statusOf(r.code), JSON.stringify({ code: r.code }), { 'Content-Type': 'application/json' })
    if (req) {
      req[kAdmitted] = r
      req[kAdmittedBy] = ctx
    }
    cb(true)
  }
  function authbridgeVerifyClient(info, cb) {
    const req = info && info.req
    try {
      const r = authenticateRequest(ctx, req)
      if (!isThenable(r)) return admit(req, r, cb)
      r.then((res) => admit(req, res, cb)).catch(() => destroyQuietly(req && req.socket))
    } catch {
      // A bug (or a throw of ws itself) never becomes an uncaught exception of the upgrade.
      destroyQuietly(req && req.socket)
    }
  }
  Object.defineProperties(authbridgeVerifyClient, {
    authenticator: { value: ctx.authenticator, enumerable: true },
    watch: { value: ctx.watch, enumerable: true },
    context: { value: ctx },
    watchConnection: { value: (ws, req) => watchConnection(ws, req), enumerable: true },
    handleUpgrade: { value: (wss, req, socket, head, callback) => handleUpgrade(ctx, wss, req, socket, head, callback), enumerable: true },
  })
  return authbridgeVerifyClient
}

/**
 * `verifyClient` for `new WebSocketServer({ verifyClient })`: refuses an upgrade without a
 * valid token before the WebSocket opens (401, 403 for a refused Origin, body `{ code }`).
 * Call `watchConnection(ws, req)` in the server's 'connection' handler.
 */
function wsVerifyClient(optionsOrAuthenticator, settings) {
  return makeVerifyClient(createWsContext(optionsOrAuthenticator, settings))
}

/**
 * In the 'connection' handler: puts `{ user, auth }` in `ws.data` and watches the socket.
 * Returns false when it was closed (not admitted by a verifyClient of this module:
 * close code 4401, reason ERR_TOKEN_MISSING; or revoked since its upgrade).
 */
function watchConnection(ws, req) {
  const conn = ws ? ws[kConnection] : undefined
  if (conn !== undefined) return conn.open
  const admitted = req ? req[kAdmitted] : undefined
  if (admitted === undefined) {
    try {
      ws.close(CLOSE_EXPIRED, 'ERR_TOKEN_MISSING')
    } catch {
      ws.terminate()
    }
    return false
  }
  const ctx = req[kAdmittedBy]
  // Used once (the request may outlive the socket: its claims are the socket's now).
  req[kAdmitted] = undefined
  req[kAdmittedBy] = undefined
  return watchSocket(ctx, ws, admitted)
}

/**
 * For a `noServer` WebSocketServer: authenticates the upgrade, refuses it on the raw socket,
 * or completes it with `wss.handleUpgrade`, watches the socket, and calls
 * `callback(ws, req)` (default: wss.emit('connection', ws, req)).
 */
function handleUpgrade(ctx, wss, req, socket, head, callback) {
  const complete = (r) => {
    if (!r.ok) return writeRefusal(socket, r.code)
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (!watchSocket(ctx, ws, r)) return
      if (typeof callback === 'function') callback(ws, req)
      else wss.emit('connection', ws, req)
    })
  }
  // A throw of the app's callback (or of ws) never becomes an uncaught exception or an unhandled rejection.
  try {
    const r = authenticateRequest(ctx, req)
    if (!isThenable(r)) return complete(r)
    r.then(complete).catch(() => destroyQuietly(socket))
  } catch {
    destroyQuietly(socket)
  }
}

/** The watch statistics of a verifyClient made here (diagnostics, tests), or null. */
function watchOf(verifyClient) {
  return verifyClient && verifyClient.watch instanceof ConnectionWatch ? verifyClient.watch : null
}

module.exports = {
  wsVerifyClient,
  watchConnection,
  watchOf,
  expiresAtOf,
  CLOSE_EXPIRED,
  CLOSE_REVOKED,
  HandshakeAuthenticator,
  // for js/graphql-ws/index.js and js/nest/index.js
  createWsContext,
  authenticateNow,
  authenticateHandshake,
  authenticateRequest,
  isThenable,
  makeVerifyClient,
  watchSocket,
  statusOf,
  queryOf,
}
