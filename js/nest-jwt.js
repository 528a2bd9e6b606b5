'use strict'
// authbridge/nest: JwtModule and JwtService, a drop-in for @nestjs/jwt on the native
// verifier and signer. Same module API (register, registerAsync with useFactory /
// useClass / useExisting, global) and the same option names (jsonwebtoken's), with
// these differences on purpose:
// - verification is pinned: verifyOptions.algorithms, or else signOptions.algorithm,
//   is required when the module is set up (ERR_INVALID_OPTIONS otherwise);
// - keys are prepared once per distinct set of options (verifiers and signers are
//   cached), never per call;
// - errors keep jsonwebtoken's names (TokenExpiredError with expiredAt, NotBeforeError
//   with date, JsonWebTokenError) and also carry authbridge's `code` (and `claim`).
// @nestjs/common is an optional peer dependency, loaded only here.

const crypto = require('node:crypto')
const native = require('../index.js')
const { Module, Injectable, Inject, Optional, Logger } = require('./peer.js').requirePeer('@nestjs/common')

const JWT_MODULE_OPTIONS = 'AUTHBRIDGE_JWT_MODULE_OPTIONS'
/** Distinct (per-call) verifiers or signers kept by one JwtService; least recently used go first. */
const MAX_CACHED = 64
/** Marks the module-level signer prepared at start-up. */
const FAST = Symbol('module signer')

// ---------------------------------------------------------------------------
// Errors, named as jsonwebtoken names them
// ---------------------------------------------------------------------------

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

class WrongSecretProviderError extends Error {}

const JwtSecretRequestType = Object.freeze({ SIGN: 0, VERIFY: 1, 0: 'SIGN', 1: 'VERIFY' })

function codedError(code, message) {
  return Object.assign(new Error(message), { code })
}
const optionsError = (message) => codedError('ERR_INVALID_OPTIONS', `authbridge JwtService: ${message}`)

function unverifiedClaims(token) {
  try {
    return native.decodeUnverified(token).payload || {}
  } catch {
    return {}
  }
}

/** The first 16 characters of the base64url SHA-256 of a token, for logs; never the token. */
const fingerprint = (token) =>
  typeof token === 'string' ? require('node:crypto').createHash('sha256').update(token).digest('base64url').slice(0, 16) : null
const dateOf = (seconds) => (typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000) : undefined)

function rename(err, Class, name) {
  Object.setPrototypeOf(err, Class.prototype)
  err.name = name
  const stack = err.stack
  if (typeof stack === 'string' && stack.startsWith('Error')) err.stack = name + stack.slice(5)
}

/**
 * Gives an authbridge verification error (an Error with `code`) jsonwebtoken's class and
 * name, keeping the same object, its message, `code` and `claim`.
 */
function asJwtError(err, token, maxAge) {
  if (!(err instanceof Error) || err instanceof JsonWebTokenError) return err
  if (err.code === 'ERR_JWT_EXPIRED') {
    const claims = unverifiedClaims(token)
    rename(err, TokenExpiredError, 'TokenExpiredError')
    // maxAge exceeded (claim iat): jsonwebtoken's expiredAt is iat + maxAge.
    err.expiredAt = err.claim === 'iat' && typeof claims.iat === 'number' && maxAge != null ? dateOf(claims.iat + maxAge) : dateOf(claims.exp)
  } else if (err.code === 'ERR_JWT_NOT_ACTIVE') {
    rename(err, NotBeforeError, 'NotBeforeError')
    err.date = dateOf(unverifiedClaims(token).nbf)
  } else {
    rename(err, JsonWebTokenError, 'JsonWebTokenError')
  }
  return err
}

function claimError(Class, code, claim, message, extra) {
  const err = new Class(message)
  return Object.assign(err, { code, claim }, extra)
}

// ---------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------

const SPAN_UNITS = {
  '': null, s: 1, sec: 1, secs: 1, second: 1, seconds: 1,
  ms: 0.001, msec: 0.001, msecs: 0.001, millisecond: 0.001, milliseconds: 0.001,
  m: 60, min: 60, mins: 60, minute: 60, minutes: 60,
  h: 3600, hr: 3600, hrs: 3600, hour: 3600, hours: 3600,
  d: 86400, day: 86400, days: 86400,
  w: 604800, week: 604800, weeks: 604800,
  y: 31557600, yr: 31557600, yrs: 31557600, year: 31557600, years: 31557600,
}
const BARE_NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)\s*$/

/**
 * jsonwebtoken reads a unit-less numeric string ('3600') as milliseconds, authbridge's
 * signer as seconds: such a string is refused rather than silently given another meaning.
 */
function checkSpan(name, v) {
  if (v === undefined) return
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw optionsError(`${name} must be a finite number of seconds`)
    return
  }
  if (typeof v !== 'string') throw optionsError(`${name} must be a number of seconds or a string such as "15m"`)
  if (BARE_NUMBER.test(v)) {
    throw optionsError(
      `${name} "${v}" has no unit: jsonwebtoken reads it as milliseconds, authbridge as seconds; write a number (seconds) or "${v.trim()}s", "${v.trim()}ms"`,
    )
  }
}

/** maxAge in seconds: a number, or a duration such as '5m' (as jsonwebtoken's timespan). */
function spanSeconds(name, v) {
  checkSpan(name, v)
  if (typeof v === 'number') return v
  const m = /^\s*([-+]?(?:\d+\.?\d*|\.\d+))\s*([a-z]*)\s*$/i.exec(v)
  const mult = m ? SPAN_UNITS[m[2].toLowerCase()] : undefined
  if (!mult) throw optionsError(`${name} must be a number of seconds or a duration such as "15m", "2h", "7d"`)
  return Number(m[1]) * mult
}

function stringOption(name, v) {
  if (v !== undefined && typeof v !== 'string') throw optionsError(`${name} must be a string`)
  return v
}

function stringOrList(name, v) {
  if (v === undefined) return undefined
  if (typeof v === 'string') return v
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) return v
  if (v instanceof RegExp || (Array.isArray(v) && v.some((x) => x instanceof RegExp))) {
    throw optionsError(`${name} as a RegExp is not supported: list the accepted values`)
  }
  throw optionsError(`${name} must be a string or a non-empty list of strings`)
}

function algorithmList(v, where) {
  if (!Array.isArray(v) || v.length === 0 || !v.every((a) => typeof a === 'string')) {
    throw optionsError(`${where} must be a non-empty list of algorithm names, such as ['HS256']`)
  }
  return v
}

// ---------------------------------------------------------------------------
// Keys: normalized to a string or Buffer, identified by a SHA-256 (never kept in a cache key)
// ---------------------------------------------------------------------------

const keyObjects = new WeakMap()
const stringKeys = new Map()

function digest(material) {
  return crypto.createHash('sha256').update(material).digest('base64')
}

/** { material, id } for a key as jsonwebtoken accepts it, or null when there is none. */
function keyRef(k) {
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
        throw codedError('ERR_INVALID_KEY', 'authbridge JwtService: a key must be a string, a Buffer, a KeyObject or { key, passphrase }')
      }
      ref = { material, id: digest(material) }
      keyObjects.set(k, ref)
    }
    return ref
  }
  throw codedError('ERR_INVALID_KEY', 'authbridge JwtService: a key must be a string, a Buffer, a KeyObject or { key, passphrase }')
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

// jsonwebtoken's sign options (jsonwebtoken refuses any other); authbridge's allowWeakSecret too.
const SIGN_KEYS = new Set([
  'algorithm', 'expiresIn', 'notBefore', 'audience', 'issuer', 'subject', 'jwtid', 'keyid', 'noTimestamp', 'header',
  'encoding', 'mutatePayload', 'allowInsecureKeySizes', 'allowInvalidAsymmetricKeyTypes', 'allowWeakSecret',
])

function isPlainObject(v) {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

// ---------------------------------------------------------------------------
// JwtService
// ---------------------------------------------------------------------------

class JwtService {
  /** @param {object} [options] JwtModuleOptions (what JwtModule.register / registerAsync provide). */
  constructor(options = {}) {
    this.options = options || {}
    this.logger = new Logger('JwtService')
    this._verifiers = new Map()
    this._signers = new Map()
    this._clock = undefined
    this._clockFn = () => (this._clock !== undefined ? this._clock : Date.now() / 1000)
    this._warnedSecretOrPrivateKey = false

    const o = this.options
    if (o.verifyOptions !== undefined && !isPlainObject(o.verifyOptions)) throw optionsError('verifyOptions must be an object')
    if (o.signOptions !== undefined && !isPlainObject(o.signOptions)) throw optionsError('signOptions must be an object')
    const vo = o.verifyOptions || {}
    const so = o.signOptions || {}
    if (vo.algorithms !== undefined) {
      this._algorithms = algorithmList(vo.algorithms, 'verifyOptions.algorithms')
    } else if (typeof so.algorithm === 'string' && so.algorithm) {
      this._algorithms = [so.algorithm]
    } else {
      throw optionsError(
        'set verifyOptions.algorithms (for example { verifyOptions: { algorithms: [\'HS256\'] } }) or signOptions.algorithm: ' +
          'verification accepts only the algorithms it is given (unlike @nestjs/jwt, there is no default)',
      )
    }
    if (o.secretOrKeyProvider !== undefined && typeof o.secretOrKeyProvider !== 'function') throw optionsError('secretOrKeyProvider must be a function')

    // Per-call verify options that the module may also set (complete, clockTimestamp, jwtid, nonce).
    this._moduleVerifyOptions = ['complete', 'clockTimestamp', 'jwtid', 'nonce'].some((k) => vo[k] !== undefined) ? vo : undefined
    // The module-level verifier and signer, prepared now: a bad key or option fails at start-up.
    // (With secretOrKeyProvider or the deprecated secretOrPrivateKey, keys are looked up per call.)
    this._defaultVerifier = null
    this._defaultSigner = null
    const verifySpec = this._verifySpec(vo)
    const signSpec = this._signSpec(so)
    if (!o.secretOrKeyProvider && !o.secretOrPrivateKey) {
      const vkey = keyRef(o.secret || o.publicKey)
      if (vkey) this._defaultVerifier = this._verifier(verifySpec, vkey)
      const skey = keyRef(o.secret || o.privateKey)
      if (skey) this._defaultSigner = this._signer(signSpec, skey)
    }
  }

  // -- keys, as @nestjs/jwt's getSecretKey picks them --------------------------

  _secretOrPrivateKey() {
    if (!this._warnedSecretOrPrivateKey) {
      this._warnedSecretOrPrivateKey = true
      this.logger.warn('"secretOrPrivateKey" has been deprecated, please use the new explicit "secret" or use "secretOrKeyProvider" or "privateKey"/"publicKey" exclusively.')
    }
    return this.options.secretOrPrivateKey
  }

  /** The key for one call; a Promise only when secretOrKeyProvider returns one. */
  _key(subject, options, kind, requestType) {
    const o = this.options
    let key
    if (o.secretOrKeyProvider) key = o.secretOrKeyProvider(requestType, subject, options)
    else key = (options && options.secret) || o.secret || (options && options[kind]) || o[kind]
    const override = (k) => (o.secretOrPrivateKey ? this._secretOrPrivateKey() : k)
    return key instanceof Promise ? key.then(override) : override(key)
  }

  _syncKey(subject, options, kind, requestType, asyncName) {
    const key = this._key(subject, options, kind, requestType)
    if (key instanceof Promise) {
      key.catch(() => {})
      this.logger.warn(`For async version of "secretOrKeyProvider", please use "${asyncName}".`)
      throw new WrongSecretProviderError()
    }
    return key
  }

  // -- verification -----------------------------------------------------------

  /** The options that shape a verifier, checked and normalized. */
  _verifySpec(v) {
    const maxAge = v.maxAge === undefined || v.maxAge === null ? undefined : spanSeconds('maxAge', v.maxAge)
    const clockTolerance = v.clockTolerance === undefined ? 0 : v.clockTolerance
    if (typeof clockTolerance !== 'number' || !Number.isFinite(clockTolerance) || clockTolerance < 0) {
      throw optionsError('clockTolerance must be a number of seconds, 0 or more')
    }
    const requiredClaims = v.requiredClaims === undefined ? undefined : v.requiredClaims
    if (requiredClaims !== undefined && !(Array.isArray(requiredClaims) && requiredClaims.every((c) => typeof c === 'string'))) {
      throw optionsError('requiredClaims must be a list of claim names')
    }
    if (v.clockTimestamp !== undefined && (typeof v.clockTimestamp !== 'number' || !Number.isFinite(v.clockTimestamp))) {
      throw optionsError('clockTimestamp must be a number (seconds)')
    }
    return {
      algorithms: v.algorithms === undefined ? this._algorithms : algorithmList(v.algorithms, 'algorithms'),
      issuer: stringOrList('issuer', v.issuer),
      audience: stringOrList('audience', v.audience),
      subject: stringOption('subject', v.subject),
      clockTolerance,
      maxAge,
      ignoreExpiration: v.ignoreExpiration === true,
      ignoreNotBefore: v.ignoreNotBefore === true,
      requiredClaims,
      allowWeakSecret: v.allowWeakSecret === true,
      clock: v.clockTimestamp !== undefined,
    }
  }

  /** A prepared verifier for (spec, key): from the cache, or made once. */
  _verifier(spec, key) {
    const cacheKey = JSON.stringify([
      key.id, spec.algorithms, spec.issuer, spec.audience, spec.subject, spec.clockTolerance, spec.maxAge,
      spec.ignoreExpiration, spec.ignoreNotBefore, spec.requiredClaims, spec.allowWeakSecret, spec.clock,
    ])
    let entry = lruGet(this._verifiers, cacheKey)
    if (entry) return entry
    const requiredClaims = spec.requiredClaims !== undefined ? spec.requiredClaims : spec.ignoreExpiration ? [] : ['exp']
    const verifier = new native.JwtVerifier({
      algorithms: spec.algorithms,
      key: key.material,
      issuer: spec.issuer,
      audience: spec.audience,
      subject: spec.subject,
      clockTolerance: spec.clockTolerance,
      maxAge: spec.maxAge,
      ignoreExpiration: spec.ignoreExpiration,
      ignoreNotBefore: spec.ignoreNotBefore,
      requiredClaims,
      allowWeakSecret: spec.allowWeakSecret,
      now: spec.clock ? this._clockFn : undefined,
    })
    entry = { verifier, spec }
    lruSet(this._verifiers, cacheKey, entry)
    return entry
  }

  _verifyWith(entry, token, v) {
    const complete = v !== undefined && v.complete === true
    const clock = v !== undefined && v.clockTimestamp !== undefined ? v.clockTimestamp : undefined
    let header
    let payload
    this._clock = clock
    try {
      if (complete) ({ header, payload } = entry.verifier.verifyComplete(token))
      else payload = entry.verifier.verify(token)
    } catch (err) {
      const out = asJwtError(err, token, entry.spec.maxAge)
      this.logger.debug(`verify refused: ${out.code} (token ${fingerprint(token)})`)
      throw out
    } finally {
      this._clock = undefined
    }
    if (v !== undefined) {
      if (v.jwtid !== undefined && payload.jti !== v.jwtid) {
        throw claimError(JsonWebTokenError, 'ERR_JWT_CLAIM_INVALID', 'jti', 'the jti claim does not match (jwtid)')
      }
      if (v.nonce !== undefined && payload.nonce !== v.nonce) {
        throw claimError(JsonWebTokenError, 'ERR_JWT_CLAIM_INVALID', 'nonce', 'the nonce claim does not match')
      }
    }
    if (!complete) return payload
    return { header, payload, signature: token.slice(token.lastIndexOf('.') + 1) }
  }

  _verifyMerged(token, options, key) {
    let v
    let entry
    try {
      v = mergeOptions(this.options.verifyOptions, options, 'publicKey')
      const ref = keyRef(key)
      if (!ref) throw codedError('ERR_INVALID_OPTIONS', 'authbridge JwtService: secret or public key must be provided (secret, publicKey)')
      entry = this._verifier(this._verifySpec(v), ref)
    } catch (err) {
      throw asJwtError(err, token)
    }
    return this._verifyWith(entry, token, v)
  }

  /** No per-call options and a module-level key: the verifier prepared at start-up. */
  _fastVerify(options) {
    return options === undefined && this._defaultVerifier !== null
  }

  /** Verifies signature and claims; returns the claims (or { header, payload, signature } with complete: true). */
  verify(token, options) {
    if (this._fastVerify(options)) return this._verifyWith(this._defaultVerifier, token, this._moduleVerifyOptions)
    const key = this._syncKey(token, options, 'publicKey', JwtSecretRequestType.VERIFY, 'verifyAsync')
    return this._verifyMerged(token, options, key)
  }

  verifyAsync(token, options) {
    return new Promise((resolve, reject) => {
      Promise.resolve()
        .then(() => {
          if (this._fastVerify(options)) return resolve(this._verifyWith(this._defaultVerifier, token, this._moduleVerifyOptions))
          return Promise.resolve(this._key(token, options, 'publicKey', JwtSecretRequestType.VERIFY)).then((key) =>
            resolve(this._verifyMerged(token, options, key)),
          )
        })
        .catch(reject)
    })
  }

  // -- signing ----------------------------------------------------------------

  /** The options that shape a signer (claims such as iss, sub, aud, jti are added per call). */
  _signSpec(s) {
    for (const k of Object.keys(s)) {
      if (!SIGN_KEYS.has(k)) throw optionsError(`"${k}" is not allowed in sign options`)
    }
    if (s.mutatePayload) throw optionsError('mutatePayload is not supported')
    if (s.encoding !== undefined && !/^utf-?8$/i.test(String(s.encoding))) throw optionsError('only the utf8 encoding is supported')
    checkSpan('expiresIn', s.expiresIn)
    checkSpan('notBefore', s.notBefore)
    if (s.noTimestamp !== undefined && typeof s.noTimestamp !== 'boolean') throw optionsError('noTimestamp must be a boolean')
    let keyid = stringOption('keyid', s.keyid)
    let typ
    const algorithm = s.algorithm === undefined ? this._algorithms[0] : s.algorithm
    if (typeof algorithm !== 'string') throw optionsError('algorithm must be a string')
    if (s.header !== undefined) {
      if (!isPlainObject(s.header)) throw optionsError('header must be an object')
      for (const [name, value] of Object.entries(s.header)) {
        if (name === 'kid') keyid = stringOption('header.kid', value)
        else if (name === 'typ') typ = stringOption('header.typ', value)
        else if (name === 'alg' && value === algorithm) continue
        else throw optionsError(`the header member "${name}" cannot be set (only kid and typ)`)
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
        iss: stringOption('issuer', s.issuer),
        sub: stringOption('subject', s.subject),
        jti: stringOption('jwtid', s.jwtid),
        aud: stringOrList('audience', s.audience),
      },
    }
  }

  _signer(spec, key) {
    const cacheKey = JSON.stringify([key.id, spec.algorithm, spec.expiresIn, spec.notBefore, spec.keyid, spec.typ, spec.noTimestamp, spec.allowWeakSecret])
    let entry = lruGet(this._signers, cacheKey)
    if (entry) return entry
    const signer = new native.JwtSigner({
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
    lruSet(this._signers, cacheKey, entry)
    return entry
  }

  _signMerged(payload, options, key) {
    if (!isPlainObject(payload)) {
      throw optionsError('the payload must be a plain object (a string or Buffer payload is not supported)')
    }
    let entry
    let spec
    if (key === FAST) {
      entry = this._defaultSigner
      spec = entry.spec
    } else {
      spec = this._signSpec(mergeOptions(this.options.signOptions, options, 'privateKey'))
      const ref = keyRef(key)
      if (!ref) throw optionsError('secretOrPrivateKey must have a value (secret, privateKey)')
      entry = this._signer(spec, ref)
    }
    // The claims of this call's options (a cached signer may have been made for other ones).
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
    return entry.signer.sign(claims)
  }

  /** Signs a JWT; options override the module's signOptions (and secret / privateKey). */
  sign(payload, options) {
    const key = options === undefined && this._defaultSigner !== null ? FAST : this._syncKey(payload, options, 'privateKey', JwtSecretRequestType.SIGN, 'signAsync')
    return this._signMerged(payload, options, key)
  }

  signAsync(payload, options) {
    return new Promise((resolve, reject) => {
      Promise.resolve()
        .then(() => (options === undefined && this._defaultSigner !== null ? FAST : this._key(payload, options, 'privateKey', JwtSecretRequestType.SIGN)))
        .then((key) => resolve(this._signMerged(payload, options, key)))
        .catch(reject)
    })
  }

  // -- decoding ---------------------------------------------------------------

  /** The claims WITHOUT any verification (or { header, payload, signature } with complete: true); null when unreadable. */
  decode(token, options) {
    let decoded
    try {
      decoded = native.decodeUnverified(token)
    } catch {
      return null
    }
    if (!decoded || decoded.payload === null || decoded.payload === undefined) return null
    if (options && options.complete) {
      return { header: decoded.header, payload: decoded.payload, signature: token.slice(token.lastIndexOf('.') + 1) }
    }
    return decoded.payload
  }
}

/** As @nestjs/jwt's mergeJwtOptions: per-call options over the module's, keys left out. */
function mergeOptions(moduleOptions, options, keyName) {
  if (options !== undefined && options !== null && typeof options !== 'object') throw optionsError('options must be an object')
  const merged = { ...(moduleOptions || {}), ...(options || {}) }
  delete merged.secret
  delete merged[keyName]
  if (keyName === 'publicKey') {
    // Per call only; they never shape the verifier.
    delete merged.privateKey
  } else {
    delete merged.publicKey
  }
  return merged
}

// Decorated as TypeScript would: @Injectable(), constructor(@Optional() @Inject(JWT_MODULE_OPTIONS) options).
Injectable()(JwtService)
Optional()(JwtService, undefined, 0)
Inject(JWT_MODULE_OPTIONS)(JwtService, undefined, 0)
Reflect.defineMetadata('design:paramtypes', [Object], JwtService)

// ---------------------------------------------------------------------------
// JwtModule
// ---------------------------------------------------------------------------

class JwtModule {
  static register(options) {
    const o = options || {}
    return { module: JwtModule, global: o.global, providers: [{ provide: JWT_MODULE_OPTIONS, useValue: o }] }
  }

  static registerAsync(options) {
    const o = options || {}
    if (!o.useFactory && !o.useClass && !o.useExisting) {
      throw codedError('ERR_INVALID_OPTIONS', 'authbridge JwtModule.registerAsync needs useFactory, useClass or useExisting')
    }
    return {
      module: JwtModule,
      global: o.global,
      imports: o.imports || [],
      providers: [...JwtModule.createAsyncProviders(o), ...(o.extraProviders || [])],
    }
  }

  static createAsyncProviders(options) {
    if (options.useExisting || options.useFactory) return [JwtModule.createAsyncOptionsProvider(options)]
    return [JwtModule.createAsyncOptionsProvider(options), { provide: options.useClass, useClass: options.useClass }]
  }

  static createAsyncOptionsProvider(options) {
    if (options.useFactory) {
      return { provide: JWT_MODULE_OPTIONS, useFactory: options.useFactory, inject: options.inject || [] }
    }
    return {
      provide: JWT_MODULE_OPTIONS,
      useFactory: async (factory) => await factory.createJwtOptions(),
      inject: [options.useExisting || options.useClass],
    }
  }
}

Module({ providers: [JwtService], exports: [JwtService] })(JwtModule)

module.exports = {
  JwtModule,
  JwtService,
  JsonWebTokenError,
  TokenExpiredError,
  NotBeforeError,
  WrongSecretProviderError,
  JwtSecretRequestType,
  JWT_MODULE_OPTIONS,
}
