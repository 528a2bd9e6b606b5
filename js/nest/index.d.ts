import { IoAdapter } from '@nestjs/platform-socket.io'
import type { DynamicModule } from '@nestjs/common'
import type { BetterAuthOptions, BetterAuthSession, BetterAuthSessionData, HandshakeAuthenticator, HandshakeOptions, RevocationList } from '../../index'
import type { RedisRevocation, RedisRevocationOptions } from '../redis/index'
import type { SocketIoAuthSettings, SocketIoMiddleware } from '../socket.io/index'

export { HandshakeAuthenticator }
export { socketIoAuth } from '../socket.io/index'

/**
 * IoAdapter that authenticates every Socket.IO connection before it is established,
 * on every namespace (including those gateways create later).
 *
 *   app.useWebSocketAdapter(new AuthenticatedSocketAdapter(app, { jwt: {...}, authjs: {...} }))
 */
export declare class AuthenticatedSocketAdapter extends IoAdapter {
  constructor(appOrHttpServer: any, options: HandshakeOptions | HandshakeAuthenticator, settings?: SocketIoAuthSettings)
  readonly authenticator: HandshakeAuthenticator
  readonly authMiddleware: SocketIoMiddleware
  /**
   * Uses the Socket.IO Redis adapter (@socket.io/redis-adapter) so broadcasts reach the
   * sockets of every node. Its publish/subscribe connections are duplicated from
   * `client` (node-redis v5+ or ioredis) and closed when the application shuts down.
   * Await it before app.listen().
   */
  connectToRedis(client: any, adapterOptions?: Record<string, unknown>): Promise<this>
  /** On app.close(): stops listening to the revocation lists (they may outlive the app) and closes the Redis connections. */
  dispose(): Promise<void>
}

export interface RevocationModuleOptions {
  /** Keep every node's list in sync through Redis (see authbridge/redis). */
  redis?: Omit<RedisRevocationOptions, 'list'>
  /** Seconds a subject entry lives (see RevocationList). */
  subjectTtl?: number
  /** Use this list instead of a new one. */
  list?: RevocationList
  /** Default true. */
  global?: boolean
}

export declare class RevocationModule {
  static forRoot(options?: RevocationModuleOptions): DynamicModule
  static forRootAsync(options: {
    imports?: any[]
    useFactory: (...args: any[]) => RevocationModuleOptions | Promise<RevocationModuleOptions>
    inject?: any[]
    global?: boolean
  }): DynamicModule
}

/** Injectable: revoke tokens and subjects (on every node with Redis); check claims. */
export declare class RevocationService {
  /** Give it to the adapter, the Strategy and JwtModule as `revocation`. */
  readonly list: RevocationList
  /** The authbridge/redis handle once the module is initialized (null without Redis). */
  readonly store: RedisRevocation | null
  revokeToken(jti: string, exp: number): Promise<void>
  revokeSubject(sub: string, before?: number): Promise<void>
  isRevoked(claims: Record<string, unknown>): boolean
}

export declare const REVOCATION_OPTIONS: unique symbol

/**
 * BetterAuthService's options: BetterAuthSession's (secret or secrets, cookiePrefix,
 * secureCookie, strategy, version, clockTolerance, revocation, ...), and lookupSession for
 * getSession.
 */
export interface BetterAuthModuleOptions extends Omit<BetterAuthOptions, 'lookupSession' | 'lookupMaxAge'> {
  /** getSession's lookup of sessions only the database knows (the same function as betterAuth.lookupSession; betterAuthRedisLookup fits). */
  lookupSession?: (token: string) => Promise<{ session: object; user: object } | string | null> | { session: object; user: object } | string | null
  /** Default true. */
  global?: boolean
}

export declare class BetterAuthModule {
  static forRoot(options: BetterAuthModuleOptions): DynamicModule
  static forRootAsync(options: {
    imports?: any[]
    useFactory: (...args: any[]) => BetterAuthModuleOptions | Promise<BetterAuthModuleOptions>
    inject?: any[]
    global?: boolean
  }): DynamicModule
}

/** What decodeRequest and getSession read the Cookie header from. */
export type BetterAuthRequestLike =
  | { headers: Record<string, string | string[] | undefined> | { get(name: string): string | null } }
  | { handshake: { headers: Record<string, string | string[] | undefined> } }

/** Injectable: Better Auth sessions, synchronously, as JwtService gives JWTs. */
export declare class BetterAuthService {
  /** The decoder every method uses. */
  readonly session: BetterAuthSession
  readonly dataCookieName: string
  readonly tokenCookieName: string
  /** A cookie-cache value (the session_data cookie, chunks joined). */
  decode(cookieValue: string): BetterAuthSessionData
  /** The session in a Cookie header; null when neither Better Auth cookie is there. */
  decodeCookieHeader(cookieHeader: string): BetterAuthSessionData | null
  /** An Express or Fastify request, a Socket.IO socket or handshake; null without Better Auth cookies; ERR_SESSION_LOOKUP_REQUIRED without a usable cookie cache. */
  decodeRequest(req: BetterAuthRequestLike): BetterAuthSessionData | null
  /** Checks a signed session token (cookie value or the bearer plugin's token); returns the session token. */
  verifySessionToken(value: string): string
  /** As decodeRequest; a session only the database knows is asked of lookupSession (strategy 'lookup'); null when none. */
  getSession(req: BetterAuthRequestLike): Promise<BetterAuthSessionData | null>
}

export declare const BETTER_AUTH_OPTIONS: unique symbol

// JwtModule, JwtService, jsonwebtoken's errors and their option types.
export * from './jwt'

// Plain WebSockets (issue 23): AuthenticatedWsAdapter, on @nestjs/platform-ws (an optional peer).
import type { WsAdapter } from '@nestjs/platform-ws'
import type { WsAuthSettings, WsVerifyClient } from '../ws/index'

/**
 * WsAdapter that authenticates every WebSocket upgrade of every gateway before it opens
 * (401, 403 for a refused Origin, JSON body { code }), sets `client.data = { user, auth }`
 * before handleConnection, closes clients at expiry (4401) and on revocation (4403) and
 * answers auth_refresh. A gateway's own `verifyClient` runs after authbridge's.
 * `create(port, { server })` with the app's own `ws` WebSocketServer: authbridge's check is
 * put in front of that server's `verifyClient` (kept as it is when an authbridge/ws
 * verifyClient guards it already); a `server` that is not a WebSocketServer is ERR_INVALID_OPTIONS.
 *
 *   app.useWebSocketAdapter(new AuthenticatedWsAdapter(app, { authjs: { secret } }))
 */
export declare class AuthenticatedWsAdapter extends WsAdapter {
  constructor(appOrHttpServer: any, options: HandshakeOptions | HandshakeAuthenticator, settings?: WsAuthSettings & { messageParser?: (data: any) => any })
  readonly authenticator: HandshakeAuthenticator
  readonly verifyClient: WsVerifyClient
  /** Authenticates the upgrades of the app's own WebSocketServer (what `create` does for `options.server`); returns it. */
  guardServer<S>(server: S): S
}
