'use strict'
// authbridge/nest: an IoAdapter that authenticates every Socket.IO connection, on every
// namespace, before it is established (Nest guards run per event, after connection), and
// JwtModule / JwtService, a drop-in for @nestjs/jwt (js/nest-jwt.js), and RevocationModule
// (js/nest-revocation.js).
// Peers, loaded from the application (js/peer.js): @nestjs/common is required here (every
// export is a Nest class; without it, loading authbridge/nest is ERR_PEER_MISSING).
// @nestjs/platform-socket.io (with socket.io) is optional: without it only
// AuthenticatedSocketAdapter is unavailable, and constructing it is ERR_PEER_MISSING.
// @socket.io/redis-adapter is loaded by connectToRedis only.

const { socketIoAuth, useOnAllNamespaces, HandshakeAuthenticator, watchOf } = require('../socket.io/index.js')
const { requirePeer } = require('../core/peer.js')
const { codeOf, errorLine, optionsError } = require('../core/errors.js')
const { redisClientKind, describeValue } = require('../redis/index.js')

const { Logger } = requirePeer('@nestjs/common', 'authbridge/nest')

let IoAdapter
try {
  IoAdapter = requirePeer('@nestjs/platform-socket.io', 'AuthenticatedSocketAdapter').IoAdapter
} catch (err) {
  if (codeOf(err) !== 'ERR_PEER_MISSING') throw err
  const missing = err
  // Constructing the adapter says what is missing; the rest of authbridge/nest works.
  IoAdapter = class IoAdapterUnavailable {
    constructor() {
      throw missing
    }
  }
}

/**
 * node-redis's cluster client destroys a shard's pub/sub connection when an unsubscribe leaves
 * it idle; two unsubscribes of one shard at once both destroy it, and the second rejects. The
 * sharded Socket.IO adapter neither awaits nor catches its unsubscribes (a room deleted, a
 * namespace closed), so that rejection would end the process. One at a time, never unhandled.
 */
function serializeShardedUnsubscribes(sub) {
  const unsubscribe = sub.sUnsubscribe.bind(sub)
  let chain = Promise.resolve()
  const serial = (...args) => {
    chain = chain.then(() => unsubscribe(...args)).catch(() => {})
    return chain
  }
  sub.sUnsubscribe = serial
  sub.SUNSUBSCRIBE = serial
}

class AuthenticatedSocketAdapter extends IoAdapter {
  /**
   * @param appOrHttpServer the Nest application (as for IoAdapter)
   * @param options HandshakeOptions, or a HandshakeAuthenticator
   * @param settings { onFailure?, onSuccess?, expiry? } as for socketIoAuth
   */
  constructor(appOrHttpServer, options, settings = {}) {
    super(appOrHttpServer)
    const logger = new Logger('AuthenticatedSocketAdapter')
    const onFailure = (info) => {
      logger.debug(`refused ${info.namespace || '/'}: ${info.code} (source ${info.source}, token ${info.fingerprint})`)
      if (typeof settings.onFailure === 'function') settings.onFailure(info)
    }
    this.authenticator = options instanceof HandshakeAuthenticator ? options : new HandshakeAuthenticator(options)
    // A remote key set (jwt.jwks: RemoteJwks, jwksUri, issuer): refresh failures logged at warn, never a token.
    const remote = this.authenticator.remoteJwks
    if (remote) remote.on('refreshError', (e) => logger.warn(`JWK Set refresh failed: ${errorLine(e)}`))
    const revocation = settings.revocation || (options instanceof HandshakeAuthenticator ? undefined : options && options.revocation)
    this.authMiddleware = socketIoAuth(this.authenticator, { ...settings, onFailure, revocation })
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
    const kind = redisClientKind(client)
    if (!kind || kind === 'node-redis-sentinel') {
      const what = kind ? "node-redis's createSentinel client (it cannot be duplicated: use ioredis with sentinels, or a createClient connected to the master)" : describeValue(client)
      throw optionsError(`connectToRedis needs a node-redis v5 (createClient, createCluster) or ioredis (Redis, Cluster) client; got ${what}`)
    }
    const { createAdapter, createShardedAdapter } = requirePeer('@socket.io/redis-adapter', 'connectToRedis')
    const cluster = kind.endsWith('-cluster')
    const pub = client.duplicate()
    // ioredis's Cluster routes SSUBSCRIBE to each slot's master only with shardedSubscribers.
    const sub = kind === 'ioredis-cluster' ? client.duplicate(undefined, { shardedSubscribers: true }) : client.duplicate()
    for (const c of [pub, sub]) c.on('error', () => {})
    this.redisConnections.push(pub, sub)
    // node-redis connections are opened explicitly; ioredis ones connect by themselves.
    if (kind.startsWith('node-redis')) await Promise.all([pub.connect(), sub.connect()])
    if (kind === 'node-redis-cluster') serializeShardedUnsubscribes(sub)
    this.redisAdapter = cluster ? createShardedAdapter(pub, sub, adapterOptions) : createAdapter(pub, sub, adapterOptions)
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
      const watch = watchOf(this.authMiddleware)
      if (watch) watch.close()
      await this.closeRedis()
    }
  }

  async closeRedis() {
    const conns = this.redisConnections
    this.redisConnections = []
    await Promise.all(
      conns.map(async (c) => {
        try {
          if ('isOpen' in c && typeof c.close === 'function') {
            if (c.isOpen) await c.close()
          } else await c.quit()
        } catch {
          try {
            c.disconnect()
          } catch {
            // already closed
          }
        }
      }),
    )
  }

  createIOServer(port, options) {
    const server = super.createIOServer(port, options)
    if (this.redisAdapter && !server.__authbridgeRedis) {
      Object.defineProperty(server, '__authbridgeRedis', { value: true })
      server.adapter(this.redisAdapter)
    }
    // Nest calls this once per server; gateways' namespaces are created on it later.
    if (!server.__authbridge) {
      Object.defineProperty(server, '__authbridge', { value: true })
      useOnAllNamespaces(server, this.authMiddleware)
    }
    return server
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
// optional peer, loaded as IoAdapter is) and GqlAuthGuard (js/graphql-ws.js).
// ---------------------------------------------------------------------------------------------

const wsAuth = require('../ws/index.js')

let WsAdapter
try {
  WsAdapter = requirePeer('@nestjs/platform-ws', 'AuthenticatedWsAdapter').WsAdapter
} catch (err) {
  if (codeOf(err) !== 'ERR_PEER_MISSING') throw err
  const missing = err
  WsAdapter = class WsAdapterUnavailable {
    constructor() {
      throw missing
    }
  }
}

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
    const logger = new Logger('AuthenticatedWsAdapter')
    const onFailure = (info) => {
      logger.debug(`refused ${info.path || '/'}: ${info.code} (source ${info.source}, token ${info.fingerprint})`)
      if (typeof s.onFailure === 'function') s.onFailure(info)
    }
    this.authenticator = options instanceof HandshakeAuthenticator ? options : new HandshakeAuthenticator(options)
    const remote = this.authenticator.remoteJwks
    if (remote) remote.on('refreshError', (e) => logger.warn(`JWK Set refresh failed: ${errorLine(e)}`))
    const revocation = s.revocation || (options instanceof HandshakeAuthenticator ? undefined : options && options.revocation)
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
