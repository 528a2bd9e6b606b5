'use strict'
// authbridge/nest's JwtService: @nestjs/jwt's JwtService on the native verifier and signer.
// Same methods and option names (jsonwebtoken's), with these differences on purpose:
// - verification is pinned: verifyOptions.algorithms, or else signOptions.algorithm, is
//   required when the module is set up (ERR_INVALID_OPTIONS otherwise);
// - keys are prepared once per distinct set of options (verifiers and signers are cached),
//   never per call;
// - verification errors are jsonwebtoken's (name, message, expiredAt, date: js/jwt-errors.js)
//   and also carry authbridge's `code`, `claim` and detailed `reason`;
// - sign refuses what jsonwebtoken's sign refuses (claim types, options set to undefined,
//   fractional durations), with jsonwebtoken's message and ERR_INVALID_OPTIONS;
// - `now` (a module option: seconds since the epoch, read per call) is the clock of iat,
//   exp, nbf at sign and of every time check at verify (`now: () => Date.now() / 1000`
//   follows fake timers).
// README "Migrating from @nestjs/jwt and passport-jwt" lists every difference left.
// The module (JwtModule) is in js/nest-jwt.js.

const native = require('../index.js')
const { RemoteJwks, missed } = require('../jwks/index.js')
const { Injectable, Inject, Optional, Logger } = require('../core/peer.js').requirePeer('@nestjs/common', 'authbridge/nest')
const { toJwtError } = require('../core/jwt-errors.js')
const o = require('../core/jwt-options.js')
const { errorLine, optionsError, optionsErrors } = require('../core/errors.js')
const metrics = require('../metrics/channels.js')

const JWT_MODULE_OPTIONS = 'AUTHBRIDGE_JWT_MODULE_OPTIONS'
/** Marks the module-level signer prepared at start-up. */
const FAST = Symbol('module signer')
const fail = optionsErrors('authbridge JwtService')

class WrongSecretProviderError extends Error {}

const JwtSecretRequestType = Object.freeze({ SIGN: 0, VERIFY: 1, 0: 'SIGN', 1: 'VERIFY' })

/** The first 16 characters of the base64url SHA-256 of a token, for logs; never the token. */
const fingerprint = (token) => (typeof token === 'string' ? native.tokenFingerprint(token) : null)

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

/** As @nestjs/jwt's mergeJwtOptions: per-call options over the module's, keys left out. */
function mergeOptions(moduleOptions, options) {
  if (options !== undefined && options !== null && typeof options !== 'object') throw fail('options must be an object')
  const merged = { ...(moduleOptions || {}), ...(options || {}) }
  delete merged.secret
  delete merged.publicKey
  delete merged.privateKey
  return merged
}

class JwtService {
  /** @param {object} [options] JwtModuleOptions (what JwtModule.register / registerAsync provide). */
  constructor(options = {}) {
    this.options = options || {}
    this.logger = new Logger('JwtService')
    this._verifiers = new Map()
    this._signers = new Map()
    const opts = this.options
    if (opts.clock !== undefined) throw fail('clock is not an option: the clock is now, a function returning seconds since the epoch (now: () => Date.now() / 1000)')
    if (opts.now !== undefined && typeof opts.now !== 'function') {
      throw fail('now must be a function returning seconds since the epoch, such as () => Date.now() / 1000')
    }
    /** The module's clock (seconds), or undefined: the system's, read natively. */
    this._now = opts.now
    this._clock = undefined
    // The clock of a verifier made with a clock: this call's clockTimestamp, else the module's.
    this._clockFn = () => (this._clock !== undefined ? this._clock : this._now !== undefined ? this._now() : Date.now() / 1000)

    if (opts.verifyOptions !== undefined && !o.isPlainObject(opts.verifyOptions)) throw fail('verifyOptions must be an object')
    if (opts.signOptions !== undefined && !o.isPlainObject(opts.signOptions)) throw fail('signOptions must be an object')
    const vo = opts.verifyOptions || {}
    const so = opts.signOptions || {}
    if (vo.algorithms !== undefined) {
      this._algorithms = o.algorithmList(fail, vo.algorithms, 'verifyOptions.algorithms')
    } else if (typeof so.algorithm === 'string' && so.algorithm) {
      this._algorithms = [so.algorithm]
    } else {
      throw fail(
        'set verifyOptions.algorithms (for example { verifyOptions: { algorithms: [\'HS256\'] } }) or signOptions.algorithm: ' +
          'verification accepts only the algorithms it is given (unlike @nestjs/jwt, there is no default)',
      )
    }
    if (opts.secretOrKeyProvider !== undefined && typeof opts.secretOrKeyProvider !== 'function') throw fail('secretOrKeyProvider must be a function')
    // authbridge: keys from the identity provider (jwks: RemoteJwks, or jwksUri / issuer to build one).
    this._remote = remoteJwksOf(opts)
    if (this._remote) this._remote.on('refreshError', (e) => this.logger.warn(`JWK Set refresh failed: ${errorLine(e)}`))

    // The module-level verifier and signer, prepared now: a bad key or option fails at start-up.
    // (With secretOrKeyProvider or the deprecated secretOrPrivateKey, keys are looked up per call.)
    this._moduleSpec = o.verifySpec(fail, vo, this._algorithms, 'verifyOptions')
    this._defaultVerifier = null
    this._defaultSigner = null
    const signSpec = this._signSpec(so)
    if (!opts.secretOrKeyProvider && !opts.secretOrPrivateKey) {
      const vkey = this._remote ? this._remoteRef() : o.keyRef(opts.secret || opts.publicKey, 'authbridge JwtService')
      if (vkey) this._defaultVerifier = this._verifier(this._moduleSpec, vkey)
      const skey = o.keyRef(opts.secret || opts.privateKey, 'authbridge JwtService')
      if (skey) {
        try {
          this._defaultSigner = this._signer(signSpec, skey)
        } catch (err) {
          // verifyOptions.allowWeakSecret alone: a short secret may verify (tokens of an
          // issuer the app does not control), never sign; signing says so when tried.
          if (!(err && err.code === 'ERR_INVALID_KEY' && opts.secret && vo.allowWeakSecret === true && !signSpec.allowWeakSecret)) throw err
          this._weakSignKey = Object.assign(
            new Error(`authbridge JwtService: ${err.message.replace(/; pass allowWeakSecret.*$/, '')}; verifyOptions.allowWeakSecret lets it verify only: set signOptions.allowWeakSecret too to sign with it`),
            { code: 'ERR_INVALID_KEY' },
          )
        }
      }
    }
  }

  // -- keys, as @nestjs/jwt's getSecretKey picks them --------------------------

  /** As @nestjs/jwt: the deprecated key wins, with a warning on every call that uses it. */
  _secretOrPrivateKey() {
    this.logger.warn('"secretOrPrivateKey" has been deprecated, please use the new explicit "secret" or use "secretOrKeyProvider" or "privateKey"/"publicKey" exclusively.')
    return this.options.secretOrPrivateKey
  }

  /** The key for one call; a Promise only when secretOrKeyProvider returns one. */
  _key(subject, options, kind, requestType) {
    const opts = this.options
    let key
    if (opts.secretOrKeyProvider) key = opts.secretOrKeyProvider(requestType, subject, options)
    else key = (options && options.secret) || opts.secret || (options && options[kind]) || opts[kind]
    const override = (k) => (opts.secretOrPrivateKey ? this._secretOrPrivateKey() : k)
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

  /** A prepared verifier for (spec, key): from the cache, or made once. */
  _verifier(spec, key) {
    const clock = spec.clockTimestamp !== undefined || this._now !== undefined
    const cacheKey = o.verifierCacheKey(spec, key.id, clock)
    let verifier = o.lruGet(this._verifiers, cacheKey)
    if (verifier) return verifier
    const nativeOptions = o.nativeVerifierOptions(spec, key.material, clock ? this._clockFn : undefined)
    if (key.remote) {
      delete nativeOptions.key
      nativeOptions.jwks = key.material
    }
    // authbridge: revoked tokens (sign-out, ban) refused in every verify.
    if (this.options.revocation !== undefined) nativeOptions.revocation = this.options.revocation
    verifier = new native.JwtVerifier(nativeOptions)
    o.lruSet(this._verifiers, cacheKey, verifier)
    return verifier
  }

  _verifyWith(verifier, token, spec) {
    let header
    let payload
    this._clock = spec.clockTimestamp
    try {
      if (spec.complete) ({ header, payload } = verifier.verifyComplete(token))
      else payload = verifier.verify(token)
      o.postChecks(payload, spec)
    } catch (err) {
      const out = toJwtError(err, token, spec.expected)
      if (metrics.CHECK.hasSubscribers) metrics.publishRefused({ code: out.code || err.code, fingerprint: fingerprint(token) }, 'call', 'jwt')
      this.logger.debug(`verify refused: ${out.code} (token ${fingerprint(token)})`)
      throw out
    } finally {
      this._clock = undefined
    }
    if (metrics.CHECK.hasSubscribers) metrics.publishAccepted('jwt', null, 'call')
    if (!spec.complete) return payload
    return { header, payload, signature: token.slice(token.lastIndexOf('.') + 1) }
  }

  _verifyMerged(token, options, key) {
    let spec
    let verifier
    try {
      spec = o.verifySpec(fail, mergeOptions(this.options.verifyOptions, options), this._algorithms)
      const ref = o.keyRef(key, 'authbridge JwtService') || (this._remote ? this._remoteRef() : null)
      if (!ref) throw optionsError('secret or public key must be provided')
      verifier = this._verifier(spec, ref)
    } catch (err) {
      throw toJwtError(err, token, spec && spec.expected)
    }
    return this._verifyWith(verifier, token, spec)
  }

  /** Verifies signature and claims; returns the claims (or { header, payload, signature } with complete: true). */
  verify(token, options) {
    if (options === undefined && this._defaultVerifier !== null) return this._verifyWith(this._defaultVerifier, token, this._moduleSpec)
    const key = this._syncKey(token, options, 'publicKey', JwtSecretRequestType.VERIFY, 'verifyAsync')
    return this._verifyMerged(token, options, key)
  }

  verifyAsync(token, options) {
    // With a remote key set, an unknown kid waits for the shared refresh and retries once.
    if (!this._remote) return this._verifyAsyncOnce(token, options)
    return this._verifyAsyncOnce(token, options).catch((err) => {
      const wait = missed(this._remote, err)
      if (!wait) throw err
      return wait.then(() => this._verifyAsyncOnce(token, options))
    })
  }

  /** Nest awaits this at bootstrap: no request is served before the remote keys load. */
  onModuleInit() {
    if (this._remote && this.options.waitForJwks !== false) return this._remote.ready()
  }

  onModuleDestroy() {
    if (this._remote && !(this.options.jwks instanceof RemoteJwks)) this._remote.close()
  }

  _remoteRef() {
    return { material: this._remote, id: 'remote-jwks', remote: true }
  }

  _verifyAsyncOnce(token, options) {
    return new Promise((resolve, reject) => {
      Promise.resolve()
        .then(() => {
          if (options === undefined && this._defaultVerifier !== null) return resolve(this._verifyWith(this._defaultVerifier, token, this._moduleSpec))
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
    const algorithm = s.algorithm === undefined ? this._algorithms[0] : s.algorithm
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

  _signer(spec, key) {
    const cacheKey = JSON.stringify([key.id, spec.algorithm, spec.expiresIn, spec.notBefore, spec.keyid, spec.typ, spec.noTimestamp, spec.allowWeakSecret])
    let entry = o.lruGet(this._signers, cacheKey)
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
    o.lruSet(this._signers, cacheKey, entry)
    return entry
  }

  _signMerged(payload, options, key) {
    if (options !== undefined && options !== null && !o.isPlainObject(options)) throw optionsError('Expected "options" to be a plain object.')
    if (!o.isPlainObject(payload)) {
      throw fail('the payload must be a plain object (a string or Buffer payload is not supported)')
    }
    checkTimeClaims(payload)
    let entry
    let spec
    if (key === FAST) {
      entry = this._defaultSigner
      spec = entry.spec
    } else {
      spec = this._signSpec(mergeOptions(this.options.signOptions, options))
      const ref = o.keyRef(key, 'authbridge JwtService')
      if (!ref) throw fail('secretOrPrivateKey must have a value (secret, privateKey)')
      entry = this._signer(spec, ref)
    }
    if (spec.expiresIn !== undefined && payload.exp !== undefined) throw optionsError('Bad "options.expiresIn" option the payload already has an "exp" property.')
    if (spec.notBefore !== undefined && payload.nbf !== undefined) throw optionsError('Bad "options.notBefore" option the payload already has an "nbf" property.')
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
    if (options === undefined && this._weakSignKey) throw this._weakSignKey
    const key = options === undefined && this._defaultSigner !== null ? FAST : this._syncKey(payload, options, 'privateKey', JwtSecretRequestType.SIGN, 'signAsync')
    return this._signMerged(payload, options, key)
  }

  signAsync(payload, options) {
    return new Promise((resolve, reject) => {
      Promise.resolve()
        .then(() => (options === undefined && this._weakSignKey ? Promise.reject(this._weakSignKey) : options === undefined && this._defaultSigner !== null ? FAST : this._key(payload, options, 'privateKey', JwtSecretRequestType.SIGN)))
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

// Decorated as TypeScript would: @Injectable(), constructor(@Optional() @Inject(JWT_MODULE_OPTIONS) options).
Injectable()(JwtService)
Optional()(JwtService, undefined, 0)
Inject(JWT_MODULE_OPTIONS)(JwtService, undefined, 0)
Reflect.defineMetadata('design:paramtypes', [Object], JwtService)

/** The module's RemoteJwks: given as `jwks`, or built from `jwksUri` or (discovery) `issuer`. */
function remoteJwksOf(opts) {
  if (opts.jwks instanceof RemoteJwks) return opts.jwks
  if (opts.jwksUri) return new RemoteJwks({ ...opts.jwksOptions, jwksUri: opts.jwksUri })
  if (typeof opts.issuer === 'string') return new RemoteJwks({ ...opts.jwksOptions, issuer: opts.issuer })
  return null
}

module.exports = { JwtService, WrongSecretProviderError, JwtSecretRequestType, JWT_MODULE_OPTIONS }
