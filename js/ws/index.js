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
//
// The rooms: context.js (the state of one server: settings, close codes, the watch),
// request.js (what an upgrade request gives: its query parameter, its path), authenticate.js
// (the check and its outcome), watch.js (an admitted socket under the watch, auth_refresh),
// upgrade.js (verifyClient, handleUpgrade, watchConnection).

const { HandshakeAuthenticator } = require('../index.js')
const { ConnectionWatch, expiresAtOf } = require('../core/connection-lifetime.js')
const { createWsContext, CLOSE_EXPIRED, CLOSE_REVOKED } = require('./context.js')
const { queryOf } = require('./request.js')
const { authenticateNow, authenticateHandshake, authenticateRequest, isThenable } = require('./authenticate.js')
const { watchSocket } = require('./watch.js')
const { makeVerifyClient, watchConnection, statusOf } = require('./upgrade.js')

/**
 * `verifyClient` for `new WebSocketServer({ verifyClient })`: refuses an upgrade without a
 * valid token before the WebSocket opens (401, 403 for a refused Origin, body `{ code }`).
 * Call `watchConnection(ws, req)` in the server's 'connection' handler.
 */
function wsVerifyClient(optionsOrAuthenticator, settings) {
  return makeVerifyClient(createWsContext(optionsOrAuthenticator, settings))
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
