'use strict'
// The HTTP upgrade of a `ws` server: the verifyClient function (refuses before the WebSocket
// opens: 401, 403 for a refused Origin, body { code }), handleUpgrade for a `noServer` server,
// and watchConnection, the 'connection' handler's step that starts the watch of an admitted socket.

const { CLOSE_EXPIRED } = require('./context.js')
const { authenticateRequest, isThenable } = require('./authenticate.js')
const { watchSocket, kConnection } = require('./watch.js')

// The result of an admitted upgrade rides on its request (verifyClient -> 'connection').
const kAdmitted = Symbol('authbridge.wsAdmitted')
const kAdmittedBy = Symbol('authbridge.wsAdmittedBy')

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

module.exports = { makeVerifyClient, watchConnection, statusOf }
