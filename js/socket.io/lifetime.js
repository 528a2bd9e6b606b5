'use strict'
// authbridge/socket.io: keeps an admitted socket inside its token's validity, through the
// transport-neutral watch of js/core/connection-lifetime.js (expiry timer, revocation index,
// auth_refresh). This file is the thin Socket.IO adapter: a socket seen as a connection
// (claims in socket.data.user, `auth_revoked` / `auth_expired` events, disconnect(true)),
// and the `auth_refresh` event.

const { ConnectionWatch, clockOf, expiresAtOf } = require('../core/connection-lifetime.js')

const CONNECTION = Symbol('authbridge.connection')
const WS_CLOSED = 3

/** The watch of a socketIoAuth middleware's context. */
function createWatch(ctx, settings, revocation) {
  return new ConnectionWatch({
    authenticator: ctx.authenticator,
    revocation,
    identity: ctx.identity,
    expiry: !!ctx.expiry,
    clock: clockOf(ctx.authenticator, settings),
    onFailure: ctx.onFailure,
    transport: 'socket.io',
  })
}

/** A socket as a connection of the watch (js/core/connection-lifetime.js). */
class SocketConnection {
  constructor(ctx, socket) {
    this.ctx = ctx
    this.socket = socket
  }
  get claims() {
    const data = this.socket.data
    return data && data.user
  }
  get kind() {
    const data = this.socket.data
    return data && data.auth && data.auth.kind
  }
  get open() {
    return this.socket.connected
  }
  notify(what, payload) {
    this.socket.emit(what === 'expired' ? this.ctx.expiredEvent : this.ctx.revokedEvent, payload)
  }
  close() {
    this.socket.disconnect(true)
  }
  /**
   * Calls `fn` once the closed socket's transport has finished closing: its WebSocket's
   * 'close' (the peer answered, the TCP connection is shut); at once for any other transport.
   * The sweep counts the close in flight until then (js/core/lifetime-sweep.js).
   */
  settled(fn) {
    const engine = this.socket.conn
    const ws = engine && engine.transport && engine.transport.socket
    if (ws && typeof ws.on === 'function' && ws.readyState !== WS_CLOSED) ws.on('close', fn)
    else fn()
  }
  /** Fresh claims of the same session (a Better Auth renewal through lookupSession). */
  renew(claims) {
    const data = this.socket.data
    data.user = claims
    data.auth = { ...data.auth, expiresAt: expiresAtOf(claims) }
  }
}

/** `socket` as a connection of the watch (one per socket). */
function connectionOf(ctx, socket) {
  let conn = socket[CONNECTION]
  if (conn) return conn
  conn = new SocketConnection(ctx, socket)
  Object.defineProperty(socket, CONNECTION, { value: conn })
  return conn
}

/**
 * From admission on (its handshake passed, it is connected): watched for expiry and
 * revocation, answered on `auth_refresh`, forgotten on disconnect. Returns false when a
 * change since its handshake closed it at once.
 */
function watchSocket(ctx, socket) {
  const watch = ctx.watch
  const conn = connectionOf(ctx, socket)
  socket.once('disconnect', () => watch.remove(conn))
  if (ctx.expiry) {
    socket.on(ctx.refreshEvent, (payload, ack) => {
      const reply = typeof ack === 'function' ? ack : () => {}
      if (!socket.connected) return reply({ ok: false, code: 'ERR_JWT_EXPIRED' })
      const r = watch.refresh(conn, payload && payload.token, { namespace: socket.nsp && socket.nsp.name })
      if (!r.ok) return reply({ ok: false, code: r.code })
      socket.data.user = r.claims
      socket.data.auth = { kind: r.kind, source: socket.data.auth.source, expiresAt: expiresAtOf(r.claims) }
      if (!watch.update(conn)) return reply({ ok: false, code: 'ERR_TOKEN_REVOKED' })
      reply({ ok: true, expiresAt: socket.data.auth.expiresAt })
    })
  }
  if (!socket.connected) return false
  return watch.admit(conn) && socket.connected
}

module.exports = { expiresAtOf, createWatch, watchSocket }
