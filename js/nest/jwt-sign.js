'use strict'
// The signing half of authbridge/nest's JwtService (js/nest/jwt-service.js): jsonwebtoken's
// checks of sign options and payloads (with its messages), the options that shape a signer,
// the cache of prepared signers, and one call's claims added to the payload.

const native = require('../index.js')
const o = require('../core/jwt-options.js')
const { optionsError, optionsErrors } = require('../core/errors.js')

const fail = optionsErrors('authbridge JwtService')

// jsonwebtoken's checks of sign option values, with its messages (a member set to undefined
// fails them too, as in jsonwebtoken: a missing configuration value is not "no option").
const isSpan = (v) => Number.isInteger(v) || (typeof v === 'string' && v !== '')
const isString = (v) => typeof v === 'string'
const isBoolean = (v) => typeof v === 'boolean'
const SIGN_CHECKS = {
  expiresIn: [isSpan, '"expiresIn" should be a number of seconds or string representing a timespan'],
  notBefore: [isSpan, '"notBefore" should be a number of seconds or string representing a timespan'],
  audience: [(v) => typeof v === 'string' || Array.isArray(v), '"audience" must be a string or array'],
  algorithm: [isString, '"algorithm" must be a valid string enum value'],
  header: [(v) => o.isPlainObject(v), '"header" must be an object'],
  encoding: [isString, '"encoding" must be a string'],
  issuer: [isString, '"issuer" must be a string'],
  subject: [isString, '"subject" must be a string'],
  jwtid: [isString, '"jwtid" must be a string'],
  noTimestamp: [isBoolean, '"noTimestamp" must be a boolean'],
  keyid: [isString, '"keyid" must be a string'],
  mutatePayload: [isBoolean, '"mutatePayload" must be a boolean'],
  allowInsecureKeySizes: [isBoolean, '"allowInsecureKeySizes" must be a boolean'],
  allowInvalidAsymmetricKeyTypes: [isBoolean, '"allowInvalidAsymmetricKeyTypes" must be a boolean'],
  allowWeakSecret: [isBoolean, '"allowWeakSecret" must be a boolean'],
}
const CLAIM_CHECKS = ['iat', 'exp', 'nbf']

/** jsonwebtoken's payload check: iat, exp and nbf, when present (even as undefined), are numbers. */
function checkTimeClaims(payload) {
  for (const name of CLAIM_CHECKS) {
    if (name in payload && typeof payload[name] !== 'number') throw optionsError(`"${name}" should be a number of seconds`)
  }
}

/** A duration option: jsonwebtoken's message when it cannot be read; authbridge's own for '3600'. */
function checkSignSpan(name, v) {
  if (v === undefined) return
  try {
    native.parseDuration(v, name)
  } catch (err) {
    if (typeof v === 'string' && /^\s*-?\d*\.?\d+\s*$/.test(v)) throw fail(err.message)
    throw optionsError(`"${name}" should be a number of seconds or string representing a timespan eg: "1d", "20h", 60`)
  }
}

/** The refusals of a sign call's arguments before any key is looked at (jsonwebtoken's order). */
function checkSignArgs(payload, options) {
  if (options !== undefined && options !== null && !o.isPlainObject(options)) throw optionsError('Expected "options" to be a plain object.')
  if (!o.isPlainObject(payload)) {
    throw fail('the payload must be a plain object (a string or Buffer payload is not supported)')
  }
  checkTimeClaims(payload)
}

/**
 * The options that shape a signer (claims such as iss, sub, aud, jti are added per call);
 * `defaultAlgorithm` when the options name none.
 */
function signSpec(s, defaultAlgorithm) {
  // jsonwebtoken's option checks and messages first, then authbridge's refusals.
  for (const k of Object.keys(s)) {
    const check = SIGN_CHECKS[k]
    if (check === undefined) throw optionsError(`"${k}" is not allowed in "options"`)
    if (!check[0](s[k])) throw optionsError(check[1])
  }
  checkSignSpan('expiresIn', s.expiresIn)
  checkSignSpan('notBefore', s.notBefore)
  if (s.mutatePayload) throw fail('mutatePayload: true is not supported: the payload object is never changed (read iat and exp from the returned token)')
  if (s.encoding !== undefined && !/^utf-?8$/i.test(s.encoding)) throw fail(`encoding '${s.encoding}' is not supported: JWTs are UTF-8 (RFC 7519 section 7.1)`)
  if (s.allowInvalidAsymmetricKeyTypes === true) throw fail('allowInvalidAsymmetricKeyTypes: true is not supported: keys must fit the algorithm')
  if (s.allowInsecureKeySizes === true) throw fail('allowInsecureKeySizes: true is not supported: RSA keys need at least 2048 bits')
  let keyid = o.stringOption(fail, 'keyid', s.keyid)
  let typ
  const algorithm = s.algorithm === undefined ? defaultAlgorithm : s.algorithm
  if (typeof algorithm !== 'string') throw fail('algorithm must be a string')
  if (s.header !== undefined) {
    if (!o.isPlainObject(s.header)) throw fail('header must be an object')
    for (const [name, value] of Object.entries(s.header)) {
      if (name === 'kid') keyid = o.stringOption(fail, 'header.kid', value)
      else if (name === 'typ') typ = o.stringOption(fail, 'header.typ', value)
      else if (name === 'alg' && value === algorithm) continue
      else throw fail(`the header member "${name}" cannot be set (only kid and typ)`)
    }
  }
  return {
    algorithm,
    expiresIn: s.expiresIn,
    notBefore: s.notBefore,
    keyid,
    typ,
    noTimestamp: s.noTimestamp === true,
    allowWeakSecret: s.allowWeakSecret === true,
    claims: {
      iss: o.stringOption(fail, 'issuer', s.issuer),
      sub: o.stringOption(fail, 'subject', s.subject),
      jti: o.stringOption(fail, 'jwtid', s.jwtid),
      aud: o.stringOrList(fail, 'audience', s.audience),
    },
  }
}

/** Prepared signers, one per (key, spec) and made once: { signer, spec } entries. */
class Signers {
  /** @param {(() => number) | undefined} now the module's clock (seconds), else the system's */
  constructor(now) {
    this._now = now
    this._cache = new Map()
  }

  get(spec, key) {
    const cacheKey = JSON.stringify([key.id, spec.algorithm, spec.expiresIn, spec.notBefore, spec.keyid, spec.typ, spec.noTimestamp, spec.allowWeakSecret])
    let entry = o.lruGet(this._cache, cacheKey)
    if (entry) return entry
    const signer = new native.JwtSigner({
      now: this._now,
      algorithm: spec.algorithm,
      key: key.material,
      expiresIn: spec.expiresIn,
      notBefore: spec.notBefore,
      keyid: spec.keyid,
      typ: spec.typ,
      noTimestamp: spec.noTimestamp,
      allowWeakSecret: spec.allowWeakSecret,
    })
    entry = { signer, spec }
    o.lruSet(this._cache, cacheKey, entry)
    return entry
  }
}

/**
 * Signs `payload` (already checked by checkSignArgs) with `signer`, adding the claims of this
 * call's `spec` (a cached signer may have been made for other ones).
 */
function signWith(signer, spec, payload) {
  if (spec.expiresIn !== undefined && payload.exp !== undefined) throw optionsError('Bad "options.expiresIn" option the payload already has an "exp" property.')
  if (spec.notBefore !== undefined && payload.nbf !== undefined) throw optionsError('Bad "options.notBefore" option the payload already has an "nbf" property.')
  let claims = payload
  const add = spec.claims
  if (add.iss !== undefined || add.sub !== undefined || add.jti !== undefined || add.aud !== undefined) {
    claims = { ...payload }
    for (const [name, option] of [['iss', 'issuer'], ['sub', 'subject'], ['jti', 'jwtid'], ['aud', 'audience']]) {
      if (add[name] === undefined) continue
      if (payload[name] !== undefined) throw optionsError(`Bad "options.${option}" option. The payload already has an "${name}" property.`)
      claims[name] = add[name]
    }
  }
  return signer.sign(claims)
}

module.exports = { checkSignArgs, signSpec, Signers, signWith }
