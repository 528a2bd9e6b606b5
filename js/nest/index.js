'use strict'
// authbridge/nest: an IoAdapter that authenticates every Socket.IO connection, on every
// namespace, before it is established (Nest guards run per event, after connection), its
// WebSocket twin AuthenticatedWsAdapter, JwtModule / JwtService, a drop-in for @nestjs/jwt
// (js/nest/jwt.js), RevocationModule (js/nest/revocation.js) and BetterAuthModule
// (js/nest/better-auth.js). The adapters' parts: js/nest/adapter-auth.js (their base class
// and logging), js/nest/socket-adapter.js (the namespace hook, the watch, the Redis adapter).
// Peers, loaded from the application (js/core/peer.js): @nestjs/common is required here (every
// export is a Nest class; without it, loading authbridge/nest is ERR_PEER_MISSING).
// @nestjs/platform-socket.io (with socket.io) is optional: without it only
// AuthenticatedSocketAdapter is unavailable, and constructing it is ERR_PEER_MISSING (likewise
// @nestjs/platform-ws and AuthenticatedWsAdapter).
// @socket.io/redis-adapter is loaded by connectToRedis only.

const { socketIoAuth, HandshakeAuthenticator } = require('../socket.io/index.js')
const { optionsError } = require('../core/errors.js')
const { describeValue } = require('../redis/index.js')
const { peerBase, adapterAuth } = require('./adapter-auth.js')
const { hookServer, closeWatch, redisAdapterOf, closeRedisConnections } = require('./socket-adapter.js')

require('../core/peer.js').requirePeer('@nestjs/common', 'authbridge/nest')

const IoAdapter = peerBase('@nestjs/platform-socket.io', 'IoAdapter', 'AuthenticatedSocketAdapter')

class AuthenticatedSocketAdapter extends IoAdapter {
  /**
   * @param appOrHttpServer the Nest application (as for IoAdapter)
   * @param options HandshakeOptions, or a HandshakeAuthenticator
   * @param settings { onFailure?, onSuccess?, expiry? } as for socketIoAuth
   */
  constructor(appOrHttpServer, options, settings = {}) {
    super(appOrHttpServer)
    const { authenticator, onFailure, revocation } = adapterAuth('AuthenticatedSocketAdapter', 'namespace', options, settings)
    this.authenticator = authenticator
    this.authMiddleware = socketIoAuth(authenticator, { ...settings, onFailure, revocation })
    this.redisConnections = []
    this.redisAdapter = null
  }

  /**
   * Uses the Socket.IO Redis adapter (@socket.io/redis-adapter, an optional peer
   * dependency) so broadcasts reach the sockets of every node. Creates its publish and
   * subscribe connections from `client` and closes them when the application shuts down:
   * node-redis v5 (createClient) or ioredis (Redis, also with sentinels) get the classic
   * adapter (createAdapter); a cluster client (node-redis createCluster, ioredis Cluster) gets
   * the sharded adapter (createShardedAdapter: SSUBSCRIBE/SPUBLISH, Redis 7 or later).
   * Call (and await) before app.listen().
   */
  async connectToRedis(client, adapterOptions) {
    this.redisAdapter = await redisAdapterOf(client, adapterOptions, this.redisConnections)
    return this
  }

  /**
   * On app.close(): the middleware's watch stops listening to the revocation lists (they may
   * outlive the app: a RevocationModule list, one shared by several apps), and the Redis
   * connections of connectToRedis are closed.
   */
  async dispose() {
    try {
      if (typeof super.dispose === 'function') await super.dispose()
    } finally {
      closeWatch(this.authMiddleware)
      await this.closeRedis()
    }
  }

  async closeRedis() {
    const conns = this.redisConnections
    this.redisConnections = []
    await closeRedisConnections(conns)
  }

  /** The server, every namespace authenticated (and on the Redis adapter of connectToRedis). */
  createIOServer(port, options) {
    return hookServer(super.createIOServer(port, options), this.authMiddleware, this.redisAdapter)
  }
}

module.exports = {
  AuthenticatedSocketAdapter,
  HandshakeAuthenticator,
  socketIoAuth,
  // JwtModule, JwtService and jsonwebtoken's errors; RevocationModule, RevocationService.
  ...require('./jwt.js'),
  ...require('./revocation.js'),
  // BetterAuthModule, BetterAuthService.
  ...require('./better-auth.js'),
}

// ---------------------------------------------------------------------------------------------
// Plain WebSockets and GraphQL (issue 23): AuthenticatedWsAdapter (@nestjs/platform-ws, an
// optional peer, loaded as IoAdapter is) and GqlAuthGuard (js/graphql-ws/index.js).
// ---------------------------------------------------------------------------------------------

const wsAuth = require('../ws/index.js')

const WsAdapter = peerBase('@nestjs/platform-ws', 'WsAdapter', 'AuthenticatedWsAdapter')

/** Runs `first` (authbridge's verifyClient), then the gateway's own `second` (either ws arity). */
function chainVerifyClient(first, second) {
  if (typeof second !== 'function') return first
  return function authbridgeThenGatewayVerifyClient(info, cb) {
    first(info, (ok, ...refusal) => {
      if (!ok) return cb(ok, ...refusal)
      if (second.length >= 2) return second(info, cb)
      let verdict = false
      try {
        verdict = !!second(info)
      } catch {
        verdict = false
      }
      cb(verdict)
    })
  }
}

// Marks a verifyClient this adapter put on an app's own WebSocketServer.
const GUARDED = Symbol('authbridge.AuthenticatedWsAdapter.guarded')

/** A verifyClient of authbridge/ws (wsVerifyClient, graphqlWsAuth's, an adapter's), or one this adapter chained. */
function isAuthbridgeVerifyClient(fn) {
  return typeof fn === 'function' && (fn[GUARDED] === true || (fn.context !== undefined && fn.watch !== undefined && typeof fn.watchConnection === 'function'))
}

class AuthenticatedWsAdapter extends WsAdapter {
  /**
   * @param appOrHttpServer the Nest application (as for WsAdapter)
   * @param options HandshakeOptions, or a HandshakeAuthenticator
   * @param settings as authbridge/ws's wsVerifyClient ({ onFailure, onSuccess, expiry,
   *   allowedOrigins, revocation, identity, now, closeCodes }), plus `messageParser` (WsAdapter's option)
   */
  constructor(appOrHttpServer, options, settings = {}) {
    const s = settings || {}
    super(appOrHttpServer, s.messageParser ? { messageParser: s.messageParser } : undefined)
    const { authenticator, onFailure, revocation } = adapterAuth('AuthenticatedWsAdapter', 'path', options, s)
    this.authenticator = authenticator
    const { messageParser, ...wsSettings } = s
    this.verifyClient = wsAuth.makeVerifyClient(wsAuth.createWsContext(this.authenticator, { ...wsSettings, onFailure, revocation }))
  }

  /**
   * The gateway's server, its upgrades authenticated first (a gateway's own verifyClient runs
   * after). A gateway declared with `server` (its own `ws` WebSocketServer) gets the same: the
   * adapter puts its check in front of that server's `verifyClient` (ws reads it at every
   * upgrade), unless an authbridge/ws verifyClient guards it already. A `server` that is not a
   * `ws` WebSocketServer is ERR_INVALID_OPTIONS.
   */
  create(port, options = {}) {
    const o = options || {}
    const server = super.create(port, { ...o, verifyClient: chainVerifyClient(this.verifyClient, o.verifyClient) })
    // WsAdapter hands back a gateway's own `server` as it is (its verifyClient above unused).
    return o.server && server === o.server ? this.guardServer(server) : server
  }

  /** Authenticates the upgrades of a WebSocketServer the app created (a gateway's `options.server`). */
  guardServer(server) {
    const options = server && typeof server === 'object' ? server.options : undefined
    if (!options || typeof options !== 'object' || typeof server.handleUpgrade !== 'function' || typeof server.on !== 'function') {
      throw optionsError(
        "AuthenticatedWsAdapter: a gateway's `server` option must be a `ws` WebSocketServer (its upgrades are authenticated through its verifyClient); got " +
          describeValue(server),
      )
    }
    if (!isAuthbridgeVerifyClient(options.verifyClient)) {
      const chained = chainVerifyClient(this.verifyClient, options.verifyClient)
      Object.defineProperty(chained, GUARDED, { value: true })
      options.verifyClient = chained
    }
    return server
  }

  /** On app.close(): the watch stops listening to the revocation lists (they may outlive the app). */
  async dispose() {
    await super.dispose()
    this.verifyClient.watch.close()
  }

  /** Every admitted client gets `client.data = { user, auth }` and is watched before the gateway sees it. */
  bindClientConnect(server, callback) {
    server.on('connection', (client, req) => {
      if (wsAuth.watchConnection(client, req)) callback(client, req)
    })
  }
}

module.exports.AuthenticatedWsAdapter = AuthenticatedWsAdapter
