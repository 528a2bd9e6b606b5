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
