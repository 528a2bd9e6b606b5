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
  | 'ERR_JWKS_FETCH_FAILED' | 'ERR_JWKS_TIMEOUT' | 'ERR_JWKS_TOO_LARGE' | 'ERR_JWKS_INVALID'
  | 'ERR_JWKS_NOT_READY' | 'ERR_JWKS_KID_UNKNOWN' | 'ERR_JWKS_STALE'
  | 'ERR_DISCOVERY_FAILED' | 'ERR_DISCOVERY_ISSUER_MISMATCH'

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
