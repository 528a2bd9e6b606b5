'use strict'
// authbridge/nest: an IoAdapter that authenticates every Socket.IO connection, on every
// namespace, before it is established (Nest guards run per event, after connection), and
// JwtModule / JwtService, a drop-in for @nestjs/jwt (js/nest-jwt.js).
// @nestjs/common and @nestjs/platform-socket.io are optional peer dependencies, loaded only
// here; an app that uses only JwtModule does not need @nestjs/platform-socket.io.

const { socketIoAuth, useOnAllNamespaces, HandshakeAuthenticator } = require('./socket.io.js')
// Nest classes from the application's copy (authbridge may be a file: link): js/peer.js.
const { requirePeer } = require('./peer.js')
const {
  JwtModule,
  JwtService,
  JsonWebTokenError,
  TokenExpiredError,
  NotBeforeError,
  WrongSecretProviderError,
  JwtSecretRequestType,
} = require('./nest-jwt.js')
const { RevocationModule, RevocationService, REVOCATION_OPTIONS } = require('./nest-revocation.js')

let IoAdapter
try {
  IoAdapter = requirePeer('@nestjs/platform-socket.io').IoAdapter
} catch (err) {
  if (!err || (err.code !== 'MODULE_NOT_FOUND' && err.code !== 'ERR_MODULE_NOT_FOUND')) throw err
  const missing = err
  // Constructing the adapter says what is missing; the rest of authbridge/nest works.
  IoAdapter = class IoAdapterUnavailable {
    constructor() {
      throw Object.assign(new Error(`AuthenticatedSocketAdapter needs @nestjs/platform-socket.io (and socket.io): ${missing.message}`), {
        code: 'MODULE_NOT_FOUND',
        cause: missing,
      })
    }
  }
}

let Logger = null
try {
  Logger = requirePeer('@nestjs/common').Logger
} catch {
  Logger = null
}

class AuthenticatedSocketAdapter extends IoAdapter {
  /**
   * @param appOrHttpServer the Nest application (as for IoAdapter)
   * @param options HandshakeOptions, or a HandshakeAuthenticator
   * @param settings { onFailure?, onSuccess?, expiry? } as for socketIoAuth
   */
  constructor(appOrHttpServer, options, settings = {}) {
    super(appOrHttpServer)
    const logger = Logger ? new Logger('AuthenticatedSocketAdapter') : null
    const onFailure = (info) => {
      if (logger) logger.debug(`refused ${info.namespace || '/'}: ${info.code} (source ${info.source}, token ${info.fingerprint})`)
      if (typeof settings.onFailure === 'function') settings.onFailure(info)
    }
    this.authenticator = options instanceof HandshakeAuthenticator ? options : new HandshakeAuthenticator(options)
    // A remote key set (jwt.jwks: RemoteJwks, jwksUri, issuer): refresh failures logged at warn, never a token.
    const remote = this.authenticator.remoteJwks
    if (remote && logger) remote.on('refreshError', (e) => logger.warn(`JWK Set refresh failed: ${e.code}: ${e.message}`))
    const revocation = settings.revocation || (options instanceof HandshakeAuthenticator ? undefined : options && options.revocation)
    this.authMiddleware = socketIoAuth(this.authenticator, { ...settings, onFailure, revocation })
    this.redisConnections = []
    this.redisAdapter = null
  }

  /**
   * Uses the Socket.IO Redis adapter (@socket.io/redis-adapter, an optional peer
   * dependency) so broadcasts reach the sockets of every node. Creates its publish and
   * subscribe connections from `client` (node-redis v5+ or ioredis) and closes them when
   * the application shuts down. Call (and await) before app.listen().
   */
  async connectToRedis(client, adapterOptions) {
    const { createAdapter } = requirePeer('@socket.io/redis-adapter')
    if (!client || typeof client.duplicate !== 'function') {
      throw Object.assign(new Error('connectToRedis needs a node-redis or ioredis client'), { code: 'ERR_INVALID_OPTIONS' })
    }
    const pub = client.duplicate()
    const sub = client.duplicate()
    for (const c of [pub, sub]) c.on('error', () => {})
    this.redisConnections.push(pub, sub)
    // node-redis connections are opened explicitly; ioredis ones connect by themselves.
    if ('isOpen' in pub && typeof pub.connect === 'function') await Promise.all([pub.connect(), sub.connect()])
    this.redisAdapter = createAdapter(pub, sub, adapterOptions)
    return this
  }

  async dispose() {
    if (typeof super.dispose === 'function') await super.dispose()
    await this.closeRedis()
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
  JwtModule,
  JwtService,
  JsonWebTokenError,
  TokenExpiredError,
  NotBeforeError,
  WrongSecretProviderError,
  JwtSecretRequestType,
  RevocationModule,
  RevocationService,
  REVOCATION_OPTIONS,
}
