'use strict'
// The errors of the drop-in layers (authbridge/nest's JwtService, authbridge/passport's
// Strategy), in jsonwebtoken's language: its class names (JsonWebTokenError,
// TokenExpiredError with expiredAt, NotBeforeError with date) and its exact messages
// ('jwt expired', 'invalid signature', 'jwt audience invalid. expected: ...'), so code that
// matches on `name`, `message` or `instanceof` keeps working. Each error also carries
// authbridge's stable `code`, the `claim` at fault and, in `reason`, authbridge's own
// detailed message. The core API (JwtVerifier, ...) keeps its own messages.

const native = require('../../index.js')
const { codeOf } = require('./errors.js')

class JsonWebTokenError extends Error {
  constructor(message, error) {
    super(message)
    this.name = 'JsonWebTokenError'
    if (error) this.inner = error
  }
}

class TokenExpiredError extends JsonWebTokenError {
  constructor(message, expiredAt) {
    super(message)
    this.name = 'TokenExpiredError'
    this.expiredAt = expiredAt
  }
}

class NotBeforeError extends JsonWebTokenError {
  constructor(message, date) {
    super(message)
    this.name = 'NotBeforeError'
    this.date = date
  }
}

function unverifiedClaims(token) {
  try {
    return native.decodeUnverified(token).payload || {}
  } catch {
    return {}
  }
}

/** Stands for a token the caller does not hold (the native authenticator found it). */
const UNKNOWN = Symbol('token not known')

const dateOf = (seconds) => (typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000) : undefined)

/** What jsonwebtoken says of a token it cannot read, from the token's shape alone. */
function shapeMessage(token) {
  if (token === UNKNOWN) return 'jwt malformed'
  if (token === undefined || token === null || token === '') return 'jwt must be provided'
  if (typeof token !== 'string') return 'jwt must be a string'
  const parts = token.split('.')
  if (parts.length !== 3) return 'jwt malformed'
  return null
}

/**
 * jsonwebtoken's message for a claim check that failed. `expected` holds the options the
 * check was made with: { audience, issuer, subject, jwtid, nonce, maxAge }.
 */
function claimMessage(code, claim, expected) {
  const e = expected || {}
  switch (claim) {
    case 'aud': {
      const list = Array.isArray(e.audience) ? e.audience : [e.audience]
      return 'jwt audience invalid. expected: ' + list.join(' or ')
    }
    case 'iss':
      return 'jwt issuer invalid. expected: ' + e.issuer
    case 'sub':
      return 'jwt subject invalid. expected: ' + e.subject
    case 'jti':
      return 'jwt jwtid invalid. expected: ' + e.jwtid
    case 'nonce':
      return 'jwt nonce invalid. expected: ' + e.nonce
    case 'iat':
      // jsonwebtoken's message for an iat that is missing or not a number under maxAge.
      if (e.maxAge !== undefined && (code === 'ERR_JWT_CLAIM_MISSING' || !e.iatIsNumber)) return 'iat required when maxAge is specified'
      if (code === 'ERR_JWT_CLAIM_MISSING') return 'iat required'
      // authbridge's: a number, so it is in the future (jsonwebtoken has no such check).
      return e.iatIsNumber ? 'jwt issued in the future (iat)' : 'invalid iat value'
    default:
      // exp and nbf as jsonwebtoken words them; 'exp required' is authbridge's (jsonwebtoken
      // does not require exp).
      return code === 'ERR_JWT_CLAIM_MISSING' ? `${claim} required` : `invalid ${claim} value`
  }
}

/**
 * The jsonwebtoken-style error for an authbridge verification error (an Error with `code`,
 * maybe `claim`). `expected`: the verify options in force ({ audience, issuer, subject,
 * jwtid, nonce, maxAge (seconds) }). Returns a new error whose `reason` is the
 * original's message.
 */
function toJwtError(err, token, expected) {
  if (err instanceof JsonWebTokenError) return err
  if (!(err instanceof Error)) return err
  const code = codeOf(err)
  const claim = typeof err.claim === 'string' ? err.claim : undefined
  let out
  switch (code) {
    case 'ERR_JWT_EXPIRED': {
      const claims = unverifiedClaims(token)
      const maxAge = expected && expected.maxAge
      out =
        claim === 'iat' && typeof claims.iat === 'number' && typeof maxAge === 'number'
          ? new TokenExpiredError('maxAge exceeded', dateOf(claims.iat + maxAge))
          : new TokenExpiredError('jwt expired', dateOf(claims.exp))
      break
    }
    case 'ERR_JWT_NOT_ACTIVE':
      out = new NotBeforeError('jwt not active', dateOf(unverifiedClaims(token).nbf))
      break
    case 'ERR_JWT_CLAIM_INVALID':
    case 'ERR_JWT_CLAIM_MISSING': {
      const e = claim === 'iat' ? { ...expected, iatIsNumber: typeof unverifiedClaims(token).iat === 'number' } : expected
      out = new JsonWebTokenError(claimMessage(code, claim, e))
      break
    }
    case 'ERR_JWS_SIGNATURE_INVALID':
    case 'ERR_JWS_ALG_NOT_ALLOWED': {
      const shape = shapeMessage(token)
      const unsigned = shape === null && typeof token === 'string' && token.slice(token.lastIndexOf('.') + 1).trim() === ''
      out = new JsonWebTokenError(
        shape || (unsigned ? 'jwt signature is required' : code === 'ERR_JWS_SIGNATURE_INVALID' ? 'invalid signature' : 'invalid algorithm'),
      )
      break
    }
    case 'ERR_TOKEN_MISSING':
      out = new JsonWebTokenError('jwt must be provided')
      break
    case 'ERR_INVALID_OPTIONS':
      // Options given per call (or a key from a provider): the message says which.
      out = new JsonWebTokenError(err.message)
      break
    case 'ERR_INVALID_KEY':
      out = new JsonWebTokenError('secretOrPublicKey is not valid key material')
      break
    case 'ERR_TOKEN_REVOKED':
      // jsonwebtoken has no revocation; express-jwt's isRevoked says 'The token has been revoked.'
      out = new JsonWebTokenError('jwt revoked')
      break
    case 'ERR_JWKS_NO_MATCHING_KEY':
      out = new JsonWebTokenError('secret or public key must be provided')
      break
    default:
      // ERR_TOKEN_MALFORMED, ERR_TOKEN_TOO_LARGE, ERR_TOKEN_WRONG_KIND, ERR_JWE_*, ...
      out = new JsonWebTokenError(shapeMessage(token) || 'invalid token')
  }
  out.code = code
  if (claim !== undefined) out.claim = claim
  out.reason = err.message
  if (err.source !== undefined) out.source = err.source
  if (err.fingerprint !== undefined) out.fingerprint = err.fingerprint
  return out
}

/** A claim error raised by the drop-in layers' own checks (jwtid, nonce, a RegExp audience). */
function claimError(claim, expected, reason) {
  const out = new JsonWebTokenError(claimMessage('ERR_JWT_CLAIM_INVALID', claim, expected))
  return Object.assign(out, { code: 'ERR_JWT_CLAIM_INVALID', claim, reason })
}

module.exports = { UNKNOWN, JsonWebTokenError, TokenExpiredError, NotBeforeError, toJwtError, claimError, unverifiedClaims }
