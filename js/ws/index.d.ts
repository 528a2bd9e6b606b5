import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { HandshakeAuthenticator, HandshakeOptions, RevocationList, VerifiedClaims } from '../../index'
import type { AuthFailure, AuthSuccess, ConnectionWatchStats, SocketIoAuthSettings } from '../socket.io/index'

export { HandshakeAuthenticator }

/** Close code of a socket whose token expired (reason 'ERR_JWT_EXPIRED'): 4401. */
export declare const CLOSE_EXPIRED: 4401
/** Close code of a socket refused by a revocation list (reason 'ERR_TOKEN_REVOKED' or 'ERR_REVOCATION_STALE'): 4403. */
export declare const CLOSE_REVOKED: 4403

export interface WsAuthFailure extends AuthFailure {
  /** 'ws' (authbridge/ws, AuthenticatedWsAdapter) or 'graphql-ws'. */
  transport?: string
  /** The upgrade request's path, without the query. */
  path?: string
}

export interface WsAuthSuccess extends AuthSuccess {
  transport?: string
  path?: string
}

/** The settings of socketIoAuth that apply to plain WebSockets, and the close codes. */
export interface WsAuthSettings extends Pick<SocketIoAuthSettings, 'allowedOrigins' | 'revocation' | 'now' | 'identity'> {
  onFailure?: (info: WsAuthFailure) => void
  onSuccess?: (info: WsAuthSuccess) => void
  /** Close sockets when their token expires and answer auth_refresh (default true); false: neither. */
  expiry?: boolean
  /** Close codes, 4000..4999. Default { expired: 4401, revoked: 4403 }. */
  closeCodes?: { expired?: number; revoked?: number }
}

/** What `ws.data.auth` holds (as Socket.IO's socket.data.auth). */
export interface WsAuth {
  kind: 'jwt' | 'authjs' | 'better-auth'
  source: 'header' | 'cookie' | 'query' | 'auth'
  /** Milliseconds since the epoch (exp * 1000), null when the token has no exp. */
  expiresAt: number | null
}

/**
 * What an admitted socket carries: `ws.data.user`, the verified claims with the app's own
 * claims `T` (VerifiedClaims<T>, as Socket.IO's AuthSocketData<T>: `ws.data.user.exp * 1000`
 * is a number), and `ws.data.auth`.
 */
export interface WsData<T extends object = {}> {
  user: VerifiedClaims<T>
  auth: WsAuth
}

/** A message the client sends to swap its token: `{ type: 'auth_refresh', token }` (or Nest's `{ event: 'auth_refresh', data: { token } }`). */
export interface WsAuthRefresh {
  type: 'auth_refresh'
  token: string
}

/** The server's answer to auth_refresh. */
export type WsAuthRefreshed = { type: 'auth_refreshed'; ok: true; expiresAt: number | null } | { type: 'auth_refreshed'; ok: false; code: string }

export interface WsVerifyClient {
  /** ws's `verifyClient(info, callback)`: refuses with 401 (403 for ERR_ORIGIN_NOT_ALLOWED) and the JSON body `{ code }`. */
  (info: { origin?: string; secure: boolean; req: IncomingMessage }, callback: (ok: boolean, status?: number, message?: string, headers?: Record<string, string>) => void): void
  readonly authenticator: HandshakeAuthenticator
  /** The connection watch (diagnostics, tests). */
  readonly watch: { stats(): ConnectionWatchStats }
  /** = the module's watchConnection. */
  watchConnection(ws: any, req: IncomingMessage): boolean
  /**
   * For a `noServer` WebSocketServer, in the HTTP server's 'upgrade' listener: authenticates,
   * refuses on the raw socket, or completes the upgrade, watches the socket and calls
   * `callback(ws, req)` (default: wss.emit('connection', ws, req)).
   */
  handleUpgrade(wss: any, req: IncomingMessage, socket: Duplex, head: Buffer, callback?: (ws: any, req: IncomingMessage) => void): void
}

/**
 * `new WebSocketServer({ server, verifyClient: wsVerifyClient(options, settings) })`: no
 * WebSocket opens without a valid token (Authorization header, session cookie under the
 * Origin rule, the query only where `sources` has 'query').
 */
export declare function wsVerifyClient(options: HandshakeOptions | HandshakeAuthenticator, settings?: WsAuthSettings): WsVerifyClient

/**
 * In the 'connection' handler: sets `ws.data = { user, auth }`, closes the socket at expiry
 * (4401) and on revocation (4403) with the error code as reason, and answers auth_refresh.
 * Returns false when the socket was closed at once (not admitted by a wsVerifyClient: 4401
 * 'ERR_TOKEN_MISSING'; or revoked since its upgrade).
 */
export declare function watchConnection(ws: any, req: IncomingMessage): boolean

/** The connection watch of a wsVerifyClient (diagnostics, tests), or null. */
export declare function watchOf(verifyClient: WsVerifyClient): { stats(): ConnectionWatchStats } | null

/** The package root's expiresAtOf (re-exported here). */
export declare function expiresAtOf(claims: { exp?: unknown } | null | undefined): number | null
