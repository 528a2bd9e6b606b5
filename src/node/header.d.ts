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
