/** The JWS algorithms authbridge verifies and signs. `none` is never accepted. */
export type Algorithm =
  | 'HS256' | 'HS384' | 'HS512'
  | 'RS256' | 'RS384' | 'RS512'
  | 'PS256' | 'PS384' | 'PS512'
  | 'ES256' | 'ES384' | 'ES512'
  | 'EdDSA'

/** Every error thrown by authbridge is an Error with one of these codes. */
export type ErrorCode =
  | 'ERR_INVALID_OPTIONS' | 'ERR_INVALID_KEY'
  | 'ERR_TOKEN_MALFORMED' | 'ERR_TOKEN_TOO_LARGE' | 'ERR_TOKEN_WRONG_KIND' | 'ERR_TOKEN_MISSING'
  | 'ERR_JWS_ALG_NOT_ALLOWED' | 'ERR_JWS_SIGNATURE_INVALID' | 'ERR_JWKS_NO_MATCHING_KEY'
  | 'ERR_JWT_EXPIRED' | 'ERR_JWT_NOT_ACTIVE' | 'ERR_JWT_CLAIM_INVALID' | 'ERR_JWT_CLAIM_MISSING'
  | 'ERR_JWE_UNSUPPORTED' | 'ERR_JWE_NO_MATCHING_SECRET' | 'ERR_JWE_DECRYPTION_FAILED'
  | 'ERR_INTERNAL'
  | 'ERR_ORIGIN_NOT_ALLOWED'

export interface AuthbridgeError extends Error {
  code: ErrorCode
  /** The claim at fault, for ERR_JWT_* claim errors (exp, nbf, iat, iss, aud, sub, typ). */
  claim?: string
}

export interface InspectionTime {
  at: number
  iso: string | null
  /** e.g. "expired 3 min ago", "expires in 14 min" */
  relative: string
}

/** What `inspect(token)` finds; it never repeats the signature or ciphertext. */
export interface Inspection {
  kind: 'jws' | 'jwe' | 'unknown'
  /** alg `dir` with enc A256CBC-HS512 or A256GCM: an Auth.js / NextAuth session token. */
  authJsSession: boolean
  header: Record<string, unknown> | null
  alg: unknown
  enc: unknown
  kid: unknown
  /** The unverified claims of a JWS; null for a JWE or an unreadable token. */
  claims: Record<string, unknown> | null
  times: { exp?: InspectionTime; nbf?: InspectionTime; iat?: InspectionTime }
  /** Usual mistakes found: Bearer prefix, quotes, URL-encoding, a JWE given to a JWS verifier, expiry. */
  hints: string[]
  /** Why the token could not be decoded, with its code; null when it could. */
  error: string | null
}

/**
 * Which browser pages may use the session cookie in a handshake (the `Origin` header):
 * origins ('https://app.example.com'), RegExps, or a function returning true. '*' allows
 * any origin. Default: the same origin as the request's Host header.
 */
export type AllowedOrigins =
  | '*'
  | string
  | RegExp
  | ((origin: string) => boolean)
  | Array<string | RegExp | ((origin: string) => boolean)>

export interface HandshakeOptions {
  /**
   * When the token comes from the session cookie, the handshake's `Origin` must be allowed
   * (ERR_ORIGIN_NOT_ALLOWED otherwise). Tokens in `auth` or `Authorization` are not concerned.
   */
  allowedOrigins?: AllowedOrigins
}

/**
 * Which binding artifact the generated loader actually loaded: `'native'` for
 * a native addon, otherwise the `platformArchABI` of the WASI flavor. Every
 * flavor napi-rs can build is listed, because `NAPI_RS_NATIVE_LIBRARY_PATH`
 * can point the loader at a WASI artifact this package does not build itself.
 */
export declare const __napiBindingTarget: 'native' | 'wasm32-wasi' | 'wasm32-wasip1'

/** Decodes (and encodes) Auth.js / NextAuth session tokens; keys are derived once. */
export declare class AuthJsSession {
  constructor(options: AuthJsOptions)
  /** The session cookie name this instance reads. */
  get cookieName(): string
  /** Decrypts and checks a session token; returns its claims. */
  decode(token: string): Record<string, unknown>
  /** Encrypts claims as @auth/core's encode does (iat, exp, jti set here). */
  encode(claims: Record<string, unknown>, options?: EncodeOptions): string
  /** The session in a Cookie header (chunks joined); null when no session cookie is present. */
  fromCookieHeader(cookieHeader: string): Record<string, unknown> | null
  /** As getToken(): the session cookie first, then `Authorization: Bearer`; null when neither is present. */
  fromHeaders(headers: { cookie?: string | string[], authorization?: string }): Record<string, unknown> | null
}

/** Authenticates Socket.IO handshakes (and HTTP requests) from whichever token the client has. */
export declare class HandshakeAuthenticator {
  constructor(options: HandshakeOptions)
  /**
   * Authenticates `socket.handshake` (or any `{ auth, headers, query }`). On failure the
   * error has `code`, `source` (where the token was found, or null) and `fingerprint`.
   * A token from the session cookie needs an allowed `headers.origin` (`allowedOrigins`),
   * unless `originAllowed` (a boolean) gives the caller's own verdict on it.
   */
  authenticate(handshake: { auth?: object, headers?: object, query?: object }, originAllowed?: boolean): AuthenticateResult
  /**
   * Checks one token of either kind (a 'Bearer ' prefix is tolerated): for
   * `auth_refresh` and for callers that already hold the token.
   */
  verifyToken(token: string): TokenResult
  /** How `allowedOrigins` was set: 'same-origin' (the default), 'any' ('*') or 'list'. */
  get originRule(): 'same-origin' | 'any' | 'list'
  /** The clock tolerance (seconds) of the decoder for a kind: when a connection must close. */
  clockTolerance(kind: 'jwt' | 'authjs'): number
}

/** Signs JWTs with a key prepared once. */
export declare class JwtSigner {
  constructor(options: SignOptions & { key?: string | Buffer, jwk?: object | string })
  sign(claims: Record<string, unknown>): string
}

/** Verifies JWTs with pinned algorithms and keys prepared once, in the constructor. */
export declare class JwtVerifier {
  constructor(options: VerifierOptions)
  /** Verifies signature and claims; returns the claims. */
  verify(token: string): Record<string, unknown>
  /** Like verify, with the protected header too. */
  verifyComplete(token: string): CompleteResult
  /** Replaces the keys with a new JWK Set, atomically: on error nothing changes. */
  setJwks(jwks: { keys: object[] } | string): void
}

export interface AuthenticateResult {
  claims: Record<string, unknown>
  kind: 'jwt' | 'authjs'
  source: 'auth' | 'header' | 'cookie' | 'query'
}

/** Options of `new AuthJsSession(options)`. */
export interface AuthJsOptions {
  /** AUTH_SECRET; a list for rotation (the first encrypts). */
  secret: string | Array<string>
  /**
   * Default from secureCookie and format: authjs.session-token, __Secure-authjs.session-token,
   * next-auth.session-token (v4).
   */
  cookieName?: string
  /** Default false, as in getToken(). */
  secureCookie?: boolean
  /** Default: the cookie name (v5), '' (v4). */
  salt?: string
  /** Default 'v5'. */
  format?: 'v5' | 'v4'
  /** Seconds, default 15. */
  clockTolerance?: number
  /** Default 65536. */
  maxTokenLength?: number
  /** Seconds since the epoch; for tests. */
  now?: () => number
}

export interface CompleteResult {
  header: Record<string, unknown>
  payload: Record<string, unknown>
}

/** Decodes a token without verifying it. Never trust the result; for diagnostics. */
export declare function decodeUnverified(token: string): Unverified

export interface EncodeOptions {
  /** Seconds, default 30 days. */
  maxAge?: number
}

/** Options of `new HandshakeAuthenticator(options)`. */
export interface HandshakeOptions {
  /** Access tokens (JWS), as for JwtVerifier. */
  jwt?: VerifierOptions
  /** Auth.js session cookies / tokens (JWE), as for AuthJsSession. */
  authjs?: AuthJsOptions
  /**
   * Where to look, in order. Default ['auth', 'header', 'cookie']. 'query' is off by
   * default: tokens in URLs end up in access logs.
   */
  sources?: Array<'auth' | 'header' | 'cookie' | 'query'>
  /** Default 'token': handshake.auth.token (and the query parameter of that name). */
  authField?: string
}

/** Explains a token without a key. Never throws. */
export declare function inspect(token: string): Inspection

/** Options of `verifyJws(token, options)`. */
export interface JwsOptions {
  algorithms: Algorithm[]
  key?: string | Buffer
  jwk?: object | string
  jwks?: { keys: object[] } | string
  maxTokenLength?: number
  allowWeakSecret?: boolean
}

export interface JwsResult {
  header: Record<string, unknown>
  payload: Buffer
}

export interface SessionHeaders {
  cookie?: string | Array<string>
  authorization?: string
}

/** Signs one token (prepares the key each call: use JwtSigner for many). */
export declare function sign(claims: Record<string, unknown>, key: string | Buffer | object, options: SignOptions): string

export interface SignerKey {
  key?: string | Buffer
  jwk?: any
}

/** Options for signing (`sign`, `new JwtSigner`). */
export interface SignOptions {
  algorithm: Algorithm
  /** Seconds (a number or numeric string), or '15m', '2h', '7d'. */
  expiresIn?: number | string
  notBefore?: number | string
  issuer?: string
  audience?: string | Array<string>
  subject?: string
  jwtid?: string
  /** The header kid. */
  keyid?: string
  /** The header typ, default 'JWT'. */
  typ?: string
  /** Do not set iat. */
  noTimestamp?: boolean
  allowWeakSecret?: boolean
}

export interface TokenResult {
  claims: Record<string, unknown>
  kind: 'jwt' | 'authjs'
}

export interface Unverified {
  header: Record<string, unknown>
  /** null for a JWE (its payload is encrypted). */
  payload: Record<string, unknown> | null
}

/** Options of `new JwtVerifier(options)`. */
export interface VerifierOptions {
  /** Required, non-empty, one key family. `none` is never accepted. */
  algorithms: Algorithm[]
  /** HMAC secret, or PEM public key (SPKI, PKCS#1, X.509 certificate). */
  key?: string | Buffer
  /** One JWK (object or JSON text). */
  jwk?: object | string
  /** A JWK Set; the token's kid picks the key. */
  jwks?: { keys: object[] } | string
  issuer?: string | Array<string>
  audience?: string | Array<string>
  subject?: string
  /** Expected header typ (case-insensitive, with or without `application/`). */
  typ?: string
  /** Seconds, default 0. */
  clockTolerance?: number
  /** Seconds since iat. */
  maxAge?: number
  /** Default `['exp']`. */
  requiredClaims?: Array<string>
  /** Default 16384 bytes. */
  maxTokenLength?: number
  /** Default false: HMAC secrets shorter than the hash output are refused. */
  allowWeakSecret?: boolean
  /** Seconds since the epoch; for tests. Default: the system clock. */
  now?: () => number
  /**
   * Keep verified tokens (true: 1000 entries, or a number of entries); a hit skips the
   * signature and re-checks only exp/nbf/maxAge. Default off.
   */
  cache?: boolean | number
  /** Skip the exp check (and do not require exp). Default false. */
  ignoreExpiration?: boolean
  /** Skip the nbf check. Default false. */
  ignoreNotBefore?: boolean
}

/** JWS-level verification: any payload bytes, no claim checks. */
export declare function verifyJws(token: string, options: JwsOptions): JwsResult
