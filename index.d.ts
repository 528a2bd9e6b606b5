/** The JWS algorithms authbridge verifies and signs. `none` is never accepted. */
export type Algorithm =
  | 'HS256' | 'HS384' | 'HS512'
  | 'RS256' | 'RS384' | 'RS512'
  | 'PS256' | 'PS384' | 'PS512'
  | 'ES256' | 'ES384' | 'ES512'
  | 'EdDSA' | 'Ed25519'

/** Every error thrown by authbridge is an Error with one of these codes. */
export type ErrorCode =
  | 'ERR_INVALID_OPTIONS' | 'ERR_INVALID_KEY'
  | 'ERR_TOKEN_MALFORMED' | 'ERR_TOKEN_TOO_LARGE' | 'ERR_TOKEN_WRONG_KIND' | 'ERR_TOKEN_MISSING'
  | 'ERR_JWS_ALG_NOT_ALLOWED' | 'ERR_JWS_SIGNATURE_INVALID' | 'ERR_JWKS_NO_MATCHING_KEY'
  | 'ERR_JWT_EXPIRED' | 'ERR_JWT_NOT_ACTIVE' | 'ERR_JWT_CLAIM_INVALID' | 'ERR_JWT_CLAIM_MISSING'
  | 'ERR_JWE_UNSUPPORTED' | 'ERR_JWE_NO_MATCHING_SECRET' | 'ERR_JWE_DECRYPTION_FAILED'
  | 'ERR_INTERNAL'
  | 'ERR_TOKEN_REVOKED' | 'ERR_REVOCATION_STALE'
  | 'ERR_ORIGIN_NOT_ALLOWED'
  | 'ERR_JWKS_FETCH_FAILED' | 'ERR_JWKS_TIMEOUT' | 'ERR_JWKS_TOO_LARGE' | 'ERR_JWKS_INVALID'
  | 'ERR_JWKS_NOT_READY' | 'ERR_JWKS_KID_UNKNOWN' | 'ERR_JWKS_STALE'
  | 'ERR_DISCOVERY_FAILED' | 'ERR_DISCOVERY_ISSUER_MISMATCH'
  | 'ERR_PEER_MISSING'

export interface AuthbridgeError extends Error {
  code: ErrorCode
  /** The claim at fault, for ERR_JWT_* claim errors (exp, nbf, iat, iss, aud, sub, typ). */
  claim?: string
  /** true for ERR_JWKS_KID_UNKNOWN and ERR_JWKS_NOT_READY: a remote key set is being
   * refreshed; retrying shortly (or `verifyAsync`) can succeed. */
  retryable?: boolean
  /** The HTTP status, for ERR_JWKS_FETCH_FAILED and ERR_DISCOVERY_FAILED. */
  status?: number
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
/** Options of `new RemoteJwks(options)`. Durations are seconds. */
export interface RemoteJwksOptions {
  /** The key set's URL; or: */
  jwksUri?: string
  /** Discovery: `<issuer>/.well-known/openid-configuration` (then RFC 8414 metadata); the
   * metadata's `issuer` must equal this exactly. */
  issuer?: string
  /** Seconds between refetches caused by unknown kids, whatever the kid. Default 30. */
  cooldown?: number
  /** Seconds between background refreshes (Cache-Control max-age, clamped to 60..86400,
   * wins when present). Default 600. */
  refreshInterval?: number
  /** Seconds for one fetch in total (discovery, redirects, body). Default 5. */
  timeout?: number
  /** Seconds the last good set is served after refreshes start failing; then
   * ERR_JWKS_STALE. Default 43200. */
  staleWhileError?: number
  /** Default 524288. */
  maxBytes?: number
  /** Default 100. */
  maxKeys?: number
  /** Plain http, meant for loopback and tests. Default false. */
  allowHttp?: boolean
  headers?: Record<string, string>
  /** A fetch implementation (proxies, custom CA, agents). Default: Node's fetch. */
  fetch?: typeof fetch
  /** A set to start from (cold starts): served at once while the first fetch runs. */
  initialJwks?: { keys: object[] } | string
  /** Called with each new set (to persist it for the next cold start). */
  onUpdate?: (jwks: { keys: object[] }) => void
}

export interface RemoteJwksStatus {
  keyIds: string[]
  /** Seconds since the epoch of the last good refresh. */
  lastRefresh?: number
  /** `CODE: message` of the last failed refresh, cleared by a good one. */
  lastError?: string
  stale: boolean
  ready: boolean
  jwksUri?: string
  /** HTTP requests made so far (discovery and redirects included). */
  fetches: number
}

/**
 * A JWK Set kept current from an identity provider. Pass it as `jwks` to JwtVerifier,
 * verifyJws, HandshakeAuthenticator's `jwt`, socketIoAuth, the Nest adapter, the passport
 * Strategy or JwtModule: a token whose kid is in the set verifies synchronously with no
 * I/O; an unknown kid starts one shared refresh (at most one per cooldown) and fails with
 * ERR_JWKS_KID_UNKNOWN (`retryable: true`); the async variants wait for it and retry once.
 * Its timers are unref'd.
 */
export declare class RemoteJwks extends JwksKeySet {
  constructor(options: RemoteJwksOptions)
  /** The first good load (rejects with the first attempt's error). */
  ready(): Promise<void>
  /** Fetches now, whatever the cooldown. */
  refresh(): Promise<void>
  status(): RemoteJwksStatus
  /** Stops every timer and the fetch in flight. */
  close(): void
  on(event: 'update', listener: (info: { keyIds: string[] }) => void): this
  on(event: 'refreshError', listener: (error: AuthbridgeError) => void): this
  off(event: 'update' | 'refreshError', listener: (...args: any[]) => void): this
}

export interface VerifierOptions {
  /** Builds a RemoteJwks from this URL (when no key, jwk or jwks is given). Without any
   * key and with an https `issuer`, the key set is discovered from the issuer. */
  jwksUri?: string
  /** RemoteJwks options for the set built from `jwksUri` or `issuer`. */
  jwksOptions?: Omit<RemoteJwksOptions, 'jwksUri' | 'issuer'>
}

export interface JwtVerifier {
  /** The RemoteJwks this verifier reads, or null. */
  readonly remoteJwks: RemoteJwks | null
  /** As verify; with a remote set, an unknown kid waits for the shared refresh and retries once. */
  verifyAsync(token: string): Promise<Record<string, unknown>>
  verifyCompleteAsync(token: string): Promise<CompleteResult>
}

export interface HandshakeAuthenticator {
  readonly remoteJwks: RemoteJwks | null
  /** As authenticate; an unknown kid waits for the key refresh and retries once. */
  authenticateAsync(handshake: { auth?: object, headers?: object, query?: object }): Promise<AuthenticateResult>
  verifyTokenAsync(token: string): Promise<TokenResult>
}

/** As verifyJws; with `jwks: RemoteJwks`, an unknown kid waits for the refresh and retries once. */
export declare function verifyJwsAsync(token: string, options: JwsOptions): Promise<JwsResult>

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

/**
 * The native key set behind `RemoteJwks` (js/jwks.js extends it): parses and filters
 * each fetched set and shares it with every verifier built with it. Not meant to be
 * used directly.
 */
export declare class JwksKeySet {
  constructor()
  /**
   * Parses a fetched JWK Set (JSON text) and swaps it in; returns the usable key ids.
   * ERR_JWKS_INVALID / ERR_JWKS_TOO_LARGE leave the current set in place.
   */
  _load(text: string, maxKeys: number): Array<string>
  /** A refresh found the set unchanged: fresh again. */
  _markFresh(): void
  /** A refresh failed: serve the current set until `until` (seconds since the epoch). */
  _markFailing(until: number): void
  /** True once refreshes have failed for longer than staleWhileError. */
  _isStale(): boolean
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

/**
 * Revoked token ids and subjects, in memory; every check is synchronous. Give it to
 * JwtVerifier, AuthJsSession or HandshakeAuthenticator as `revocation`.
 */
export declare class RevocationList {
  constructor(options?: RevocationListOptions)
  /** Revokes one token by its `jti` until `exp` (seconds since the epoch). */
  revokeToken(jti: string, exp: number): void
  /**
   * Revokes the tokens of `sub` issued before `before` (seconds; default now). A token
   * without `iat` counts as issued before.
   */
  revokeSubject(sub: string, before?: number): void
  /**
   * Why verified claims would be refused now: 'ERR_TOKEN_REVOKED',
   * 'ERR_REVOCATION_STALE' (a store lost its sync, onStale 'refuse'), or null.
   */
  refusal(claims: object): 'ERR_TOKEN_REVOKED' | 'ERR_REVOCATION_STALE' | null
  /**
   * Refuse every token with ERR_REVOCATION_STALE (true) or stop (false). Used by a store
   * (authbridge/redis) whose sync is lost for too long with onStale 'refuse'.
   */
  setStale(refuse: boolean): void
  /** Whether every token is refused as stale (see setStale). */
  get stale(): boolean
  /** Whether verified claims (jti, sub, iat) are revoked now. */
  isRevoked(claims: object): boolean
  /** Calls `listener(change)` after every change. Only 'change' exists. */
  on(event: 'change', listener: (change: RevocationChange) => void): this
  /** Removes a listener added with `on`. */
  off(event: 'change', listener: (change: RevocationChange) => void): this
  /**
   * Replaces every entry (a full reload from a store); entries already past their
   * lifetime are left out. All or nothing: on error nothing changes.
   */
  replace(entries: RevocationEntry[]): void
  /** Drops entries past their lifetime; returns how many. */
  prune(): number
  /** Every entry. */
  entries(): Array<RevocationEntry>
  /** How many entries of each kind. */
  size(): RevocationSize
  /** Moves on every change. */
  get version(): number
  /** Seconds a subject entry lives after its `before`. */
  get subjectTtl(): number
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
  /** Refuse revoked sessions (ERR_TOKEN_REVOKED), checked after decryption. */
  revocation?: RevocationList
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
  /**
   * Refuse revoked tokens of both kinds (ERR_TOKEN_REVOKED); `jwt.revocation` or
   * `authjs.revocation`, when given, take precedence for their kind.
   */
  revocation?: RevocationList
}

/** Explains a token without a key. Never throws. */
export declare function inspect(token: string): Inspection

/** Options of `verifyJws(token, options)`. */
export interface JwsOptions {
  algorithms: Algorithm[]
  key?: string | Buffer
  jwk?: object | string
  jwks?: { keys: object[] } | string | RemoteJwks
  maxTokenLength?: number
  allowWeakSecret?: boolean
}

export interface JwsResult {
  header: Record<string, unknown>
  payload: Buffer
}

/** What changed, given to 'change' listeners. */
export interface RevocationChange {
  /**
   * 'token' (a jti), 'subject', 'reload' (every entry replaced), 'prune', or 'stale' /
   * 'fresh' (every token refused while a store's sync is lost, and back).
   */
  type: 'token' | 'subject' | 'reload' | 'prune' | 'stale' | 'fresh'
  jti?: string
  exp?: number
  sub?: string
  before?: number
  /** The list's version after the change. */
  version: number
}

/** One entry of `entries()` / `replace()`: `{ jti, exp }` or `{ sub, before }`. */
export interface RevocationEntry {
  jti?: string
  exp?: number
  sub?: string
  before?: number
}

/** Options of `new RevocationList(options?)`. */
export interface RevocationListOptions {
  /**
   * Seconds a subject entry lives after its `before` (default 30 days, Auth.js's default
   * session maxAge). Set it to at least the longest lifetime of the tokens you accept.
   */
  subjectTtl?: number
  /** Seconds since the epoch; for tests. Default: the system clock. */
  now?: () => number
}

export interface RevocationSize {
  tokens: number
  subjects: number
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
  /**
   * A JWK Set; the token's kid selects the key. A `RemoteJwks` keeps itself current
   * from the identity provider.
   */
  jwks?: { keys: object[] } | string | RemoteJwks
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
  /**
   * Enforce the JWT access-token profile (RFC 9068): header typ `at+jwt`, and iss,
   * exp, aud, sub, client_id, iat and jti required; needs issuer and audience.
   * An ID token is then refused. Default false.
   */
  rfc9068?: boolean
  /** Refuse revoked tokens (ERR_TOKEN_REVOKED), checked after signature and claims. */
  revocation?: RevocationList
}

/** JWS-level verification: any payload bytes, no claim checks. */
export declare function verifyJws(token: string, options: JwsOptions): JwsResult
