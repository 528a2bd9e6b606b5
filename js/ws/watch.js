'use strict'
// An admitted `ws` socket under the transport-neutral ConnectionWatch of
// js/core/connection-lifetime.js (expiry, revocation index, auth_refresh with the identity
// rule): what a `ws` socket is to the watch (claims in ws.data.user, close(code, reason)), and
// the auth_refresh messages it answers.

const { expiresAtOf } = require('../core/connection-lifetime.js')

const OPEN = 1
const CLOSED = 3
// An auth_refresh message larger than this is not read (a chunked session cookie is ~16 KB).
const MAX_REFRESH_BYTES = 64 * 1024

// Per connection, nothing but what the watch needs (issue 23, handshake cost): the watch's
// connection object rides on its socket, and the socket's listeners are shared functions (an
// EventEmitter calls them with `this` = the socket), not closures made per connection.
const kConnection = Symbol('authbridge.wsConnection')

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
  /**
   * Calls `fn` once the closed WebSocket's 'close' has come (the peer answered or the socket
   * was ended); at once if it already has. The sweep counts the close in flight until then.
   */
  settled(fn) {
    if (this.ws.readyState === CLOSED) fn()
    else this.ws.once('close', fn)
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

module.exports = { watchSocket, kConnection }
