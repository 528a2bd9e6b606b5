'use strict'
// authbridge/socket.io: Socket.IO's connection state recovery. A recovered socket (its
// rooms and socket.data restored) must be authenticated by its new handshake, never by an
// earlier connection: recovery runs no middleware by default (`skipMiddlewares: true`), so
// that is turned off, the packets it missed are held until it is authenticated again, and
// a 'connect' hook (js/socket.io/index.js) authenticates any socket that still arrives without
// having passed the middleware. A socket recovered with another user's token is a fresh
// connection (issue 22 S01): the first user's rooms, socket.data and missed packets are not
// the new user's.

const crypto = require('node:crypto')
const { identityOf } = require('../core/connection-lifetime.js')

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
 * A recovered socket whose new token is for another identity (as auth_refresh compares them:
 * `identity(claims)`, else `sub`; no identity on either side counts as another) than the
 * claims it had before is made a fresh connection before it is admitted: it leaves every
 * restored room, gets a new id and private id (so the client sees `recovered` false and
 * messages addressed to the old id do not reach it), empty socket.data, no missed packets,
 * and `socket.recovered` false (so the app's 'connection' handler sets it up as new).
 * Returns true when it did.
 */
function freshIfAnotherIdentity(socket, identity, claims) {
  const data = socket.data
  const before = data && typeof data === 'object' ? identityOf(identity, data.user) : null
  const after = identityOf(identity, claims)
  if (before !== null && after !== null && before === after) return false
  if (data && typeof data === 'object') heldPackets.delete(data)
  for (const room of [...socket.rooms]) socket.leave(room)
  const nsp = socket.nsp
  const oldId = socket.id
  // Socket.IO's own ids are base64id's: 15 random bytes in base64.
  socket.id = crypto.randomBytes(15).toString('base64')
  if (socket.pid !== undefined) socket.pid = crypto.randomBytes(15).toString('base64')
  // Socket.IO's maps keyed by the id (before connect: the namespace's pre-connect map; a
  // socket that connected without the middleware, `skipMiddlewares` turned back on: the
  // namespace's and the client's maps, and its own-id room).
  for (const map of [nsp && nsp._preConnectSockets, nsp && nsp.sockets, socket.client && socket.client.sockets]) {
    if (map instanceof Map && map.get(oldId) === socket) {
      map.delete(oldId)
      map.set(socket.id, socket)
    }
  }
  if (socket.connected) socket.join(socket.id)
  socket.data = {}
  socket.recovered = false
  return true
}

module.exports = { requireMiddlewaresOnRecovery, installConnectHook, deliverMissedPackets, freshIfAnotherIdentity }
