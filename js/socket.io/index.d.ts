import type { HandshakeAuthenticator, HandshakeOptions, ErrorCode, AllowedOrigins, RevocationList, JwtClaims, AuthJsClaims, VerifiedClaims } from '../../index'
import { expiresAtOf } from '../../index'

export { HandshakeAuthenticator }

export interface AuthFailure {
  code: ErrorCode | string
  /** Where the token was found ('auth' | 'header' | 'cookie' | 'query' | 'refresh'), null when none was. */
  source: string | null
  /** First 16 characters of the base64url SHA-256 of the token; never the token. */
  fingerprint: string | null
  namespace?: string
  /** The refusal in words; never the token (for ERR_TOKEN_MISSING: where it looked, the cookie NAMES seen). */
  message?: string
}

export interface AuthSuccess {
  kind: 'jwt' | 'authjs' | 'better-auth'
  source: string
  sub: unknown
  namespace?: string
}

export interface ExpirySettings {
  /** Event emitted before the server closes an expired connection. Default 'auth_expired'. */
  event?: string
  /** Event a client emits with `{ token }` and an ack to extend its connection. Default 'auth_refresh'. */
  refreshEvent?: string
}

export interface SocketIoAuthSettings {
  onFailure?: (info: AuthFailure) => void
  onSuccess?: (info: AuthSuccess) => void
  /** Close connections when their token expires (default true); false to keep them open. */
  expiry?: boolean | ExpirySettings
  /**
   * A revocation list of the middleware, for every kind, besides the authenticator's own
   * (`revocation`, `jwt.revocation`, `authjs.revocation`, which are watched too, each for its
   * kind). A handshake or `auth_refresh` whose token a list that applies refuses is refused;
   * on a change of a list, the sockets it names (by jti, sub, identity, sid; every socket for
   * 'stale' or a reload that does not say what changed, in slices) are checked again; a
   * refused one receives `revokedEvent` with `{ code }` (ERR_TOKEN_REVOKED, or
   * ERR_REVOCATION_STALE) and is disconnected.
   */
  revocation?: RevocationList
  /**
   * The clock the expiry timers follow, in seconds since the epoch, as every `now` option of
   * this package (e.g. `() => Date.now() / 1000` to follow fake timers). Default: the
   * authenticator's clock of the socket's kind (`HandshakeAuthenticator#now(kind)`).
   */
  now?: () => number
  /** Default 'auth_revoked'. */
  revokedEvent?: string
  /**
   * Pages whose handshakes may use the session cookie (their `Origin`). Default: the
   * authenticator's own `allowedOrigins` if set, else the Socket.IO server's `cors.origin`
   * (strings, RegExps, a list or a function; not `true` or '*'), else the same origin as
   * the Host header. Refusals are ERR_ORIGIN_NOT_ALLOWED.
   */
  allowedOrigins?: AllowedOrigins
  /**
   * Who a token is for, compared by `auth_refresh` (old and new token must agree). Default:
   * the `sub` claim; a refresh is refused when either side has none.
   */
  identity?: (claims: JwtClaims | AuthJsClaims) => string | number | null | undefined
}

/** What the middleware stores in `socket.data.auth`. */
export interface SocketAuth {
  kind: 'jwt' | 'authjs' | 'better-auth'
  source: 'auth' | 'header' | 'cookie' | 'query'
  /** Milliseconds since the epoch (exp * 1000), null when the token has no exp. */
  expiresAt: number | null
}

/**
 * What the middleware puts in `socket.data`: `user`, the verified claims (JwtClaims for a JWT,
 * AuthJsClaims for an Auth.js session, BetterAuthClaims for a Better Auth one) with the app's own claims `T`, and `auth`. Give it to
 * Socket.IO as the SocketData type parameter: `Server<C2S, S2C, {}, AuthSocketData<{ role: string }>>`,
 * or in Nest `socket: Socket<C2S, S2C, {}, AuthSocketData>`; `socket.data.user.exp * 1000` is a number
 * (the root's VerifiedClaims<T>: every kind requires exp).
 */
export interface AuthSocketData<T extends object = {}> {
  user: VerifiedClaims<T>
  auth: SocketAuth
}

export type SocketIoMiddleware = (socket: any, next: (err?: Error) => void) => void

export declare function socketIoAuth(
  options: HandshakeOptions | HandshakeAuthenticator,
  settings?: SocketIoAuthSettings,
): SocketIoMiddleware

/** Applies a middleware to every namespace of a Socket.IO server, present and future. */
export declare function useOnAllNamespaces<T>(io: T, middleware: SocketIoMiddleware): T


/** The package root's expiresAtOf (re-exported here as before). */
export { expiresAtOf }

export declare const MAX_TIMER_MS: number

/** Index sizes of a socketIoAuth middleware's connection watch (diagnostics, tests). */
export interface ConnectionWatchStats {
  connections: number
  jti: number
  sub: number
  identity: number
  sid: number
  sweeps: number
  slices: number
  longestSliceMs: number
}

/** The connection watch of a middleware made by socketIoAuth, or null. */
export declare function watchOf(middleware: SocketIoMiddleware): { stats(): ConnectionWatchStats } | null

/**
 * Sets `connectionStateRecovery.skipMiddlewares` to false on a Socket.IO server, so that a
 * recovered socket runs the middleware (and is authenticated) again. `useOnAllNamespaces`
 * and `socketIoAuth` call it; exported for servers that install middleware another way.
 */
export declare function requireMiddlewaresOnRecovery(io: unknown): void

/** `scheme://host[:port]`, lowercased, without a default port; null for anything else. */
export declare function normalizeOrigin(origin: unknown): string | null
