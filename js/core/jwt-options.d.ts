import type { Algorithm } from '../../index'

/**
 * jsonwebtoken's verify options as authbridge honours them (js/core/jwt-options.js), shared by
 * authbridge/nest's JwtService and authbridge/passport's Strategy. Anything else is refused
 * with ERR_INVALID_OPTIONS naming it.
 */
export interface JsonWebTokenVerifyOptions {
  /** The accepted algorithms, one key family. */
  algorithms?: Algorithm[]
  /** A string, a RegExp, or a list of either (as jsonwebtoken). */
  audience?: string | RegExp | Array<string | RegExp>
  issuer?: string | string[]
  subject?: string
  jwtid?: string
  nonce?: string
  /** Seconds, for exp, nbf and maxAge. */
  clockTolerance?: number
  /** Seconds since iat, or a duration such as '1h' (not a unit-less string). */
  maxAge?: number | string
  /** Accept expired tokens and tokens without exp (nbf and maxAge are still checked). */
  ignoreExpiration?: boolean
  ignoreNotBefore?: boolean
  /** The time to check against, in seconds. */
  clockTimestamp?: number
  /** Return { header, payload, signature }. */
  complete?: boolean
  /** authbridge: claims that must be present. Default ['exp'] ([] with ignoreExpiration). */
  requiredClaims?: string[]
  /** authbridge: accept an HMAC secret shorter than the hash output (refused by default). */
  allowWeakSecret?: boolean
  /** authbridge: the expected header typ. */
  typ?: string
  /** authbridge: default 16384 bytes. */
  maxTokenLength?: number
  /** Only false: authbridge accepts only keys of the algorithm's type. */
  allowInvalidAsymmetricKeyTypes?: false
}
