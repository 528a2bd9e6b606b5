'use strict'
// jsonwebtoken's verify options, checked and turned into a prepared native JwtVerifier plus
// the few checks made here (jwtid, nonce, RegExp audiences): shared by authbridge/nest's
// JwtService and authbridge/passport's Strategy. Every member is honoured or refused with
// ERR_INVALID_OPTIONS naming it; none is silently ignored. Keys are normalized to a string
// or Buffer and identified by their SHA-256 (a key itself is never part of a cache key).

const crypto = require('node:crypto')
const native = require('../../index.js')
const { claimError } = require('./jwt-errors.js')
const { codedError } = require('./errors.js')

/** Distinct verifiers (or signers, or keys) kept by one owner; least recently used go first. */
const MAX_CACHED = 64

function isPlainObject(v) {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

// ---------------------------------------------------------------------------
// Durations, as jsonwebtoken's timespan (a number of seconds, or '15m', '2h', '7d')
// ---------------------------------------------------------------------------

/**
 * A duration in seconds: a number, or a string such as '5m'. The rule is the native one
 * (parseDuration), shared with JwtSigner: a unit-less numeric string ('3600'), which
 * jsonwebtoken reads as milliseconds, is refused rather than given another meaning.
 */
function spanSeconds(fail, name, v) {
  try {
    return native.parseDuration(v, name)
  } catch (err) {
    if (err && err.code === 'ERR_INVALID_OPTIONS') throw fail(err.message)
    throw err
  }
}

/** Checks a duration option that may be absent. */
function checkSpan(fail, name, v) {
  if (v !== undefined) spanSeconds(fail, name, v)
}

// ---------------------------------------------------------------------------
// Scalar options
// ---------------------------------------------------------------------------

function stringOption(fail, name, v) {
  if (v !== undefined && typeof v !== 'string') throw fail(`${name} must be a string`)
  return v
}

function stringOrList(fail, name, v) {
  if (v === undefined) return undefined
  if (typeof v === 'string') return v
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) return v
  throw fail(`${name} must be a string or a non-empty list of strings`)
}

/** jsonwebtoken's audience: a string, a RegExp, or a non-empty list of either. */
function audienceOption(fail, v) {
  if (v === undefined) return undefined
  const list = Array.isArray(v) ? v : [v]
  if (list.length === 0 || !list.every((x) => typeof x === 'string' || x instanceof RegExp)) {
    throw fail('audience must be a string, a RegExp, or a non-empty list of them')
  }
  return v
}

function algorithmList(fail, v, where) {
  if (!Array.isArray(v) || v.length === 0 || !v.every((a) => typeof a === 'string')) {
    throw fail(`${where} must be a non-empty list of algorithm names, such as ['HS256']`)
  }
  return v
}

// ---------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------

const keyObjects = new WeakMap()
const stringKeys = new Map()

function digest(material) {
  return crypto.createHash('sha256').update(material).digest('base64')
}

const badKey = (prefix) =>
  codedError('ERR_INVALID_KEY', `${prefix}: a key must be a string, a Buffer, a KeyObject or { key, passphrase }`)

/** { material, id } for a key as jsonwebtoken accepts it, or null when there is none. */
function keyRef(k, prefix = 'authbridge') {
  if (k === undefined || k === null || k === '') return null
  if (typeof k === 'string') {
    let ref = stringKeys.get(k)
    if (!ref) {
      ref = { material: k, id: digest(k) }
      if (stringKeys.size >= MAX_CACHED) stringKeys.delete(stringKeys.keys().next().value)
      stringKeys.set(k, ref)
    }
    return ref
  }
  if (Buffer.isBuffer(k)) return k.length === 0 ? null : { material: k, id: digest(k) }
  if (typeof k === 'object') {
    let ref = keyObjects.get(k)
    if (!ref) {
      let material
      if (k instanceof crypto.KeyObject) {
        material = k.type === 'secret' ? k.export() : k.type === 'public' ? k.export({ type: 'spki', format: 'pem' }) : k.export({ type: 'pkcs8', format: 'pem' })
      } else if (k.key !== undefined && k.passphrase !== undefined) {
        // jsonwebtoken's { key, passphrase } for an encrypted private key.
        material = crypto.createPrivateKey(k).export({ type: 'pkcs8', format: 'pem' })
      } else {
        throw badKey(prefix)
      }
      ref = { material, id: digest(material) }
      keyObjects.set(k, ref)
    }
    return ref
  }
  throw badKey(prefix)
}

function lruGet(map, key) {
  const v = map.get(key)
  if (v !== undefined) {
    map.delete(key)
    map.set(key, v)
  }
  return v
}

function lruSet(map, key, v) {
  if (map.size >= MAX_CACHED) map.delete(map.keys().next().value)
  map.set(key, v)
}

// ---------------------------------------------------------------------------
// Verify options
// ---------------------------------------------------------------------------

// jsonwebtoken's verify options, and authbridge's own (requiredClaims, allowWeakSecret, typ, maxTokenLength).
const VERIFY_KEYS = new Set([
  'algorithms', 'audience', 'issuer', 'subject', 'jwtid', 'nonce', 'clockTolerance', 'clockTimestamp', 'maxAge',
  'ignoreExpiration', 'ignoreNotBefore', 'complete', 'allowInvalidAsymmetricKeyTypes',
  'requiredClaims', 'allowWeakSecret', 'typ', 'maxTokenLength',
])

/**
 * jsonwebtoken verify options `v`, checked; `where` names them in messages (such as
 * 'jsonWebTokenOptions'), `algorithms` is the default list. Unknown members are refused.
 */
function verifySpec(fail, v, algorithms, where = 'verify options') {
  for (const k of Object.keys(v)) {
    if (v[k] !== undefined && !VERIFY_KEYS.has(k)) throw fail(`${where}.${k} is not a jsonwebtoken verify option authbridge knows; remove it`)
  }
  if (v.allowInvalidAsymmetricKeyTypes !== undefined && v.allowInvalidAsymmetricKeyTypes !== false) {
    throw fail(`${where}.allowInvalidAsymmetricKeyTypes is not supported: authbridge accepts only keys of the algorithm's type`)
  }
  const maxAge = v.maxAge === undefined || v.maxAge === null ? undefined : spanSeconds(fail, `${where}.maxAge`, v.maxAge)
  const clockTolerance = v.clockTolerance === undefined ? 0 : v.clockTolerance
  if (typeof clockTolerance !== 'number' || !Number.isFinite(clockTolerance) || clockTolerance < 0) {
    throw fail(`${where}.clockTolerance must be a number of seconds, 0 or more`)
  }
  const requiredClaims = v.requiredClaims
  if (requiredClaims !== undefined && !(Array.isArray(requiredClaims) && requiredClaims.every((c) => typeof c === 'string'))) {
    throw fail(`${where}.requiredClaims must be a list of claim names`)
  }
  if (v.clockTimestamp !== undefined && (typeof v.clockTimestamp !== 'number' || !Number.isFinite(v.clockTimestamp))) {
    throw fail(`${where}.clockTimestamp must be a number (seconds)`)
  }
  if (v.nonce !== undefined && (typeof v.nonce !== 'string' || v.nonce.trim() === '')) throw fail(`${where}.nonce must be a non-empty string`)
  for (const flag of ['complete', 'ignoreExpiration', 'ignoreNotBefore', 'allowWeakSecret']) {
    if (v[flag] !== undefined && typeof v[flag] !== 'boolean') throw fail(`${where}.${flag} must be a boolean`)
  }
  if (v.maxTokenLength !== undefined && !(Number.isInteger(v.maxTokenLength) && v.maxTokenLength > 0)) {
    throw fail(`${where}.maxTokenLength must be a positive integer`)
  }
  const audience = audienceOption(fail, v.audience)
  const audienceList = audience === undefined ? undefined : Array.isArray(audience) ? audience : [audience]
  const regexAudience = audienceList !== undefined && audienceList.some((a) => a instanceof RegExp)
  return {
    algorithms: v.algorithms === undefined ? algorithms : algorithmList(fail, v.algorithms, `${where}.algorithms`),
    issuer: stringOrList(fail, `${where}.issuer`, v.issuer),
    // Checked natively when it is strings only; a list with a RegExp is checked here.
    audience: regexAudience ? undefined : audience,
    audienceList: regexAudience ? audienceList : undefined,
    subject: stringOption(fail, `${where}.subject`, v.subject),
    jwtid: stringOption(fail, `${where}.jwtid`, v.jwtid),
    nonce: v.nonce,
    typ: stringOption(fail, `${where}.typ`, v.typ),
    maxTokenLength: v.maxTokenLength,
    clockTolerance,
    maxAge,
    ignoreExpiration: v.ignoreExpiration === true,
    ignoreNotBefore: v.ignoreNotBefore === true,
    requiredClaims,
    allowWeakSecret: v.allowWeakSecret === true,
    clockTimestamp: v.clockTimestamp,
    complete: v.complete === true,
    // What jsonwebtoken's messages name.
    expected: { audience, issuer: v.issuer, subject: v.subject, jwtid: v.jwtid, nonce: v.nonce, maxAge },
  }
}

/** What identifies the native verifier a spec needs with a key (per-call checks left out). */
function verifierCacheKey(spec, keyId, clock) {
  return JSON.stringify([
    keyId, spec.algorithms, spec.issuer, spec.audience, spec.subject, spec.typ, spec.maxTokenLength, spec.clockTolerance,
    spec.maxAge, spec.ignoreExpiration, spec.ignoreNotBefore, spec.requiredClaims, spec.allowWeakSecret, clock,
  ])
}

/** The native VerifierOptions for a spec and a key; `now` is the clock (or undefined: the system's). */
function nativeVerifierOptions(spec, material, now) {
  return {
    algorithms: spec.algorithms,
    key: material,
    issuer: spec.issuer,
    audience: spec.audience,
    subject: spec.subject,
    typ: spec.typ,
    maxTokenLength: spec.maxTokenLength,
    clockTolerance: spec.clockTolerance,
    maxAge: spec.maxAge,
    ignoreExpiration: spec.ignoreExpiration,
    ignoreNotBefore: spec.ignoreNotBefore,
    requiredClaims: spec.requiredClaims !== undefined ? spec.requiredClaims : spec.ignoreExpiration ? [] : ['exp'],
    allowWeakSecret: spec.allowWeakSecret,
    now,
  }
}

/** The checks made here after the native ones, in jsonwebtoken's order (aud, jti, nonce). */
function postChecks(payload, spec) {
  if (spec.audienceList !== undefined) {
    const target = Array.isArray(payload.aud) ? payload.aud : [payload.aud]
    const ok = target.some(
      (aud) => typeof aud === 'string' && spec.audienceList.some((a) => (a instanceof RegExp ? a.test(aud) : a === aud)),
    )
    if (!ok) throw claimError('aud', spec.expected, 'the aud claim matches none of the accepted audiences')
  }
  if (spec.jwtid !== undefined && payload.jti !== spec.jwtid) {
    throw claimError('jti', spec.expected, 'the jti claim does not match (jwtid)')
  }
  if (spec.nonce !== undefined && payload.nonce !== spec.nonce) {
    throw claimError('nonce', spec.expected, 'the nonce claim does not match')
  }
}

module.exports = {
  MAX_CACHED,
  isPlainObject,
  checkSpan,
  spanSeconds,
  stringOption,
  stringOrList,
  algorithmList,
  keyRef,
  lruGet,
  lruSet,
  VERIFY_KEYS,
  verifySpec,
  verifierCacheKey,
  nativeVerifierOptions,
  postChecks,
}
