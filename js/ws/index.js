'use strict'
// authbridge/ws: plain WebSocket servers (the `ws` package, and Nest's WsAdapter through
// AuthenticatedWsAdapter in js/nest.js). Thin by design, as js/socket.io.js:
// - the HTTP upgrade is authenticated by the native HandshakeAuthenticator (Authorization
//   header, the session cookie under the Origin rule of js/socket-origin.js, the query only
//   when the authenticator's `sources` has 'query') and refused BEFORE the WebSocket opens:
//   401 (403 for ERR_ORIGIN_NOT_ALLOWED) with the JSON body { code };
// - an admitted socket is watched by the transport-neutral ConnectionWatch of
//   js/connection-lifetime.js (expiry safe for 30-day sessions, revocation index,
//   auth_refresh with the identity rule, onFailure): this file only says what a `ws` socket
//   is to the watch (claims in ws.data.user, close(code, reason)).
// js/graphql-ws.js reuses createWsContext / authenticateRequest / watchSocket with the
// graphql-ws protocol's own close codes.

const { HandshakeAuthenticator, RevocationList } = require('../index.js')
const { callHook, optionsError, refusalInfo } = require('../core/errors.js')
const { originPredicate, originVerdict } = require('../core/origin.js')
const { ConnectionWatch, clockOf, expiresAtOf } = require('../core/connection-lifetime.js')
const { worthAsync } = require('../better-auth/index.js')
const metrics = require('../metrics/channels.js')

// Close codes (application range 4000-4999), documented in README "Plain WebSockets".
const CLOSE_EXPIRED = 4401
const CLOSE_REVOKED = 4403
const OPEN = 1
// An auth_refresh message larger than this is not read (a chunked session cookie is ~16 KB).
const MAX_REFRESH_BYTES = 64 * 1024

// req -> { ctx, result } of an upgrade this module admitted (verifyClient -> connection).
const ADMITTED = new WeakMap()
// ws -> its connection object for the watch.
const CONNECTIONS = new WeakMap()

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
  const out = {}
  // No '?': no query (and no URL parse on every upgrade).
  if (!req || typeof req.url !== 'string' || !req.url.includes('?')) return out
  try {
    const url = new URL(req.url || '/', 'http://localhost')
    for (const [k, v] of url.searchParams) if (!(k in out)) out[k] = v
  } catch {
    // an unparsable URL has no query
  }
  return out
}

function failed(ctx, err, extra) {
  const info = refusalInfo(err)
  if (metrics.CHECK.hasSubscribers) metrics.publishRefused(err, ctx.transport)
  callHook(ctx.onFailure, {
    ...info,
    transport: ctx.transport,
    ...extra,
    message: err && typeof err.message === 'string' ? err.message : undefined,
  })
  return info.code
}

function accepted(ctx, result, extra) {
  // Refused by a list that applies and that the authenticator did not consult.
  const code = ctx.watch.refusal(result.claims, result.kind, true)
  if (code) return { ok: false, code: failed(ctx, { code, source: result.source }, extra) }
  if (metrics.CHECK.hasSubscribers) metrics.publishAccepted(result.kind, result.source, ctx.transport)
  callHook(ctx.onSuccess, { kind: result.kind, source: result.source, sub: result.claims.sub, transport: ctx.transport, ...extra })
  return { ok: true, user: result.claims, auth: { kind: result.kind, source: result.source, expiresAt: expiresAtOf(result.claims) } }
}

/**
 * Authenticates a handshake `{ auth?, headers, query? }` (the Origin rule applies to a
 * cookie-sourced token). Resolves to { ok: true, user, auth } or { ok: false, code }; never
 * rejects. `extra` goes to onFailure / onSuccess; `fallbackVerdict` is the caller's verdict on
 * the Origin when no `allowedOrigins` setting gives one.
 */
function authenticateHandshake(ctx, handshake, extra, fallbackVerdict) {
  const verdictOf = () => {
    // js/socket-origin.js's rule, with no Socket.IO server (no cors.origin to read); an HTTP
    // caller (GqlAuthGuard) gives the app's CORS answer as `fallbackVerdict`.
    const v = originVerdict(ctx, { handshake })
    if (v === undefined && fallbackVerdict !== undefined && !ctx.allowOrigin) return Promise.resolve(fallbackVerdict)
    return v && typeof v.then === 'function' ? v : Promise.resolve(v)
  }
  const t0 = metrics.handshakeStart()
  const outcome = verdictOf().then(
    (originAllowed) => {
      let result
      try {
        result = ctx.authenticator.authenticate(handshake, originAllowed)
      } catch (err) {
        if (worthAsync(ctx.authenticator, err)) {
          return ctx.authenticator.authenticateAsync(handshake, originAllowed).then(
            (r) => accepted(ctx, r, extra),
            (e) => ({ ok: false, code: failed(ctx, e, extra) }),
          )
        }
        return { ok: false, code: failed(ctx, err, extra) }
      }
      return accepted(ctx, result, extra)
    },
    () => ({ ok: false, code: failed(ctx, { code: 'ERR_ORIGIN_NOT_ALLOWED' }, extra) }),
  )
  return metrics.timeHandshake(ctx.transport, t0, outcome)
}

/** Authenticates an HTTP upgrade request (its headers, and its query when the authenticator reads 'query'). */
function authenticateRequest(ctx, req) {
  const headers = (req && req.headers) || {}
  return authenticateHandshake(ctx, { headers, query: queryOf(req) }, { path: req && req.url ? String(req.url).split('?')[0] : undefined })
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

/**
 * From admission on: `ws.data = { user, auth }`, watched for expiry and revocation,
 * answering auth_refresh (when `refresh`), forgotten on close. Returns false when a change
 * since the upgrade closed it at once.
 */
function watchSocket(ctx, ws, admitted, options = {}) {
  if (!ws.data || typeof ws.data !== 'object') ws.data = {}
  ws.data.user = admitted.user
  ws.data.auth = admitted.auth
  const conn = new WsConnection(ctx, ws)
  CONNECTIONS.set(ws, conn)
  ws.once('close', () => ctx.watch.remove(conn))
  if (ctx.expiry && options.refresh !== false) {
    ws.on('message', (data, isBinary) => {
      const token = refreshTokenOf(data, isBinary)
      if (token === undefined) return
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
    })
  }
  if (!conn.open) {
    ctx.watch.remove(conn)
    return false
  }
  return ctx.watch.admit(conn) && conn.open
}

/** Makes the verifyClient function of a context (with its members). */
function makeVerifyClient(ctx) {
  function authbridgeVerifyClient(info, cb) {
    const req = info && info.req
    authenticateRequest(ctx, req)
      .then((r) => {
        if (!r.ok) return cb(false, statusOf(r.code), JSON.stringify({ code: r.code }), { 'Content-Type': 'application/json' })
        ADMITTED.set(req, { ctx, admitted: r })
        cb(true)
      })
      .catch(() => destroyQuietly(req && req.socket))
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
  if (CONNECTIONS.has(ws)) return CONNECTIONS.get(ws).open
  const entry = req ? ADMITTED.get(req) : undefined
  if (!entry) {
    try {
      ws.close(CLOSE_EXPIRED, 'ERR_TOKEN_MISSING')
    } catch {
      ws.terminate()
    }
    return false
  }
  ADMITTED.delete(req)
  return watchSocket(entry.ctx, ws, entry.admitted)
}

/**
 * For a `noServer` WebSocketServer: authenticates the upgrade, refuses it on the raw socket,
 * or completes it with `wss.handleUpgrade`, watches the socket, and calls
 * `callback(ws, req)` (default: wss.emit('connection', ws, req)).
 */
function handleUpgrade(ctx, wss, req, socket, head, callback) {
  authenticateRequest(ctx, req)
    .then((r) => {
      if (!r.ok) return writeRefusal(socket, r.code)
      wss.handleUpgrade(req, socket, head, (ws) => {
        if (!watchSocket(ctx, ws, r)) return
        if (typeof callback === 'function') callback(ws, req)
        else wss.emit('connection', ws, req)
      })
    })
    // A throw of the app's callback (or of ws) never becomes an unhandled rejection.
    .catch(() => destroyQuietly(socket))
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
  // for js/graphql-ws.js and js/nest.js
  createWsContext,
  authenticateHandshake,
  authenticateRequest,
  makeVerifyClient,
  watchSocket,
  statusOf,
  queryOf,
}
