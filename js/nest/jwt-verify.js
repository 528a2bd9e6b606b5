'use strict'
// The verification half of authbridge/nest's JwtService (js/nest/jwt-service.js): prepared
// verifiers, one per (spec, key) and made once, and one verification with jsonwebtoken's
// errors, the post-checks and the metrics events.

const native = require('../index.js')
const { toJwtError } = require('../core/jwt-errors.js')
const o = require('../core/jwt-options.js')
const metrics = require('../core/channels.js')

/** The first 16 characters of the base64url SHA-256 of a token, for logs; never the token. */
const fingerprint = (token) => (typeof token === 'string' ? native.tokenFingerprint(token) : null)

class Verifiers {
  /**
   * @param {object} options the module's options (`now`, read at construction; `revocation`, read per verifier made)
   * @param {(line: string) => void} debug where refusals are logged (fingerprints only)
   */
  constructor(options, debug) {
    this._options = options
    this._debug = debug
    this._cache = new Map()
    /** The module's clock (seconds), or undefined: the system's, read natively. */
    this._now = options.now
    this._clock = undefined
    // The clock of a verifier made with a clock: this call's clockTimestamp, else the module's.
    this._clockFn = () => (this._clock !== undefined ? this._clock : this._now !== undefined ? this._now() : Date.now() / 1000)
  }

  /** A prepared verifier for (spec, key): from the cache, or made once. */
  get(spec, key) {
    const clock = spec.clockTimestamp !== undefined || this._now !== undefined
    const cacheKey = o.verifierCacheKey(spec, key.id, clock)
    let verifier = o.lruGet(this._cache, cacheKey)
    if (verifier) return verifier
    const nativeOptions = o.nativeVerifierOptions(spec, key.material, clock ? this._clockFn : undefined)
    if (key.remote) {
      delete nativeOptions.key
      nativeOptions.jwks = key.material
    }
    // authbridge: revoked tokens (sign-out, ban) refused in every verify.
    if (this._options.revocation !== undefined) nativeOptions.revocation = this._options.revocation
    verifier = new native.JwtVerifier(nativeOptions)
    o.lruSet(this._cache, cacheKey, verifier)
    return verifier
  }

  /** Verifies `token` with `verifier` under `spec`: the claims, or { header, payload, signature } with complete. */
  verify(verifier, token, spec) {
    let header
    let payload
    this._clock = spec.clockTimestamp
    try {
      if (spec.complete) ({ header, payload } = verifier._verifyCompleteQuiet(token))
      else payload = verifier._verify(token)
      o.postChecks(payload, spec)
    } catch (err) {
      const out = toJwtError(err, token, spec.expected)
      metrics.reportRefused({ code: out.code || err.code }, 'call', 'jwt', null, token)
      this._debug(`verify refused: ${out.code} (token ${fingerprint(token)})`)
      throw out
    } finally {
      this._clock = undefined
    }
    metrics.reportAccepted('jwt', null, 'call')
    if (!spec.complete) return payload
    return { header, payload, signature: token.slice(token.lastIndexOf('.') + 1) }
  }
}

module.exports = { Verifiers }
