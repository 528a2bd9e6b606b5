'use strict'
// authbridge/nest's JwtService: @nestjs/jwt's JwtService on the native verifier and signer.
// Same methods and option names (jsonwebtoken's), with these differences on purpose:
// - verification is pinned: verifyOptions.algorithms, or else signOptions.algorithm, is
//   required when the module is set up (ERR_INVALID_OPTIONS otherwise);
// - keys are prepared once per distinct set of options (verifiers and signers are cached),
//   never per call;
// - verification errors are jsonwebtoken's (name, message, expiredAt, date: js/core/jwt-errors.js)
//   and also carry authbridge's `code`, `claim` and detailed `reason`;
// - sign refuses what jsonwebtoken's sign refuses (claim types, options set to undefined,
//   fractional durations), with jsonwebtoken's message and ERR_INVALID_OPTIONS;
// - `now` (a module option: seconds since the epoch, read per call) is the clock of iat,
//   exp, nbf at sign and of every time check at verify (`now: () => Date.now() / 1000`
//   follows fake timers).
// README "Migrating from @nestjs/jwt and passport-jwt" lists every difference left.
// The module (JwtModule) is in js/nest/jwt.js; signing, verification and the keys in
// jwt-sign.js, jwt-verify.js and jwt-keys.js beside this file.

const native = require('../index.js')
const { RemoteJwks, missed } = require('../jwks/index.js')
const { Injectable, Inject, Optional, Logger } = require('../core/peer.js').requirePeer('@nestjs/common', 'authbridge/nest')
const o = require('../core/jwt-options.js')
const { errorLine, optionsErrors } = require('../core/errors.js')
const { Signers } = require('./jwt-sign.js')
const { Verifiers } = require('./jwt-verify.js')
const { WrongSecretProviderError, JwtSecretRequestType, keyOf, syncKeyOf, remoteJwksOf, prepareDefaults } = require('./jwt-keys.js')
const { FAST, verifyCall, verifyCallAsync, signCall } = require('./jwt-call.js')

const JWT_MODULE_OPTIONS = 'AUTHBRIDGE_JWT_MODULE_OPTIONS'
const fail = optionsErrors('authbridge JwtService')

/**
 * The module options' checks that need no key: the clock, the option objects, the pinned
 * algorithms (verifyOptions.algorithms, else signOptions.algorithm) and the key provider.
 */
function moduleOptions(opts) {
  if (opts.clock !== undefined) throw fail('clock is not an option: the clock is now, a function returning seconds since the epoch (now: () => Date.now() / 1000)')
  if (opts.now !== undefined && typeof opts.now !== 'function') {
    throw fail('now must be a function returning seconds since the epoch, such as () => Date.now() / 1000')
  }
  if (opts.verifyOptions !== undefined && !o.isPlainObject(opts.verifyOptions)) throw fail('verifyOptions must be an object')
  if (opts.signOptions !== undefined && !o.isPlainObject(opts.signOptions)) throw fail('signOptions must be an object')
  const vo = opts.verifyOptions || {}
  const so = opts.signOptions || {}
  let algorithms
  if (vo.algorithms !== undefined) {
    algorithms = o.algorithmList(fail, vo.algorithms, 'verifyOptions.algorithms')
  } else if (typeof so.algorithm === 'string' && so.algorithm) {
    algorithms = [so.algorithm]
  } else {
    throw fail(
      'set verifyOptions.algorithms (for example { verifyOptions: { algorithms: [\'HS256\'] } }) or signOptions.algorithm: ' +
        'verification accepts only the algorithms it is given (unlike @nestjs/jwt, there is no default)',
    )
  }
  if (opts.secretOrKeyProvider !== undefined && typeof opts.secretOrKeyProvider !== 'function') throw fail('secretOrKeyProvider must be a function')
  return { vo, so, algorithms }
}

class JwtService {
  /** @param {object} [options] JwtModuleOptions (what JwtModule.register / registerAsync provide). */
  constructor(options = {}) {
    this.options = options || {}
    this.logger = new Logger('JwtService')
    const opts = this.options
    const { vo, so, algorithms } = moduleOptions(opts)
    this._algorithms = algorithms
    this._verifiers = new Verifiers(opts, (line) => this.logger.debug(line))
    this._signers = new Signers(opts.now)
    // authbridge: keys from the identity provider (jwks: RemoteJwks, or jwksUri / issuer to build one).
    this._remote = remoteJwksOf(opts)
    if (this._remote) this._remote.on('refreshError', (e) => this.logger.warn(`JWK Set refresh failed: ${errorLine(e)}`))
    this._moduleSpec = o.verifySpec(fail, vo, this._algorithms, 'verifyOptions')
    // The module-level verifier and signer, prepared now (js/nest/jwt-keys.js).
    prepareDefaults(this, vo, so)
  }

  // -- verification -----------------------------------------------------------

  /** Verifies signature and claims; returns the claims (or { header, payload, signature } with complete: true). */
  verify(token, options) {
    if (options === undefined && this._defaultVerifier !== null) return this._verifiers.verify(this._defaultVerifier, token, this._moduleSpec)
    const key = syncKeyOf(this, token, options, 'publicKey', JwtSecretRequestType.VERIFY, 'verifyAsync')
    return verifyCall(this, token, options, key)
  }

  verifyAsync(token, options) {
    // With a remote key set, an unknown kid waits for the shared refresh and retries once.
    if (!this._remote) return verifyCallAsync(this, token, options)
    return verifyCallAsync(this, token, options).catch((err) => {
      const wait = missed(this._remote, err)
      if (!wait) throw err
      return wait.then(() => verifyCallAsync(this, token, options))
    })
  }

  /** Nest awaits this at bootstrap: no request is served before the remote keys load. */
  onModuleInit() {
    if (this._remote && this.options.waitForJwks !== false) return this._remote.ready()
  }

  onModuleDestroy() {
    if (this._remote && !(this.options.jwks instanceof RemoteJwks)) this._remote.close()
  }

  // -- signing ----------------------------------------------------------------

  /** Signs a JWT; options override the module's signOptions (and secret / privateKey). */
  sign(payload, options) {
    if (options === undefined && this._weakSignKey) throw this._weakSignKey
    const key = options === undefined && this._defaultSigner !== null ? FAST : syncKeyOf(this, payload, options, 'privateKey', JwtSecretRequestType.SIGN, 'signAsync')
    return signCall(this, payload, options, key)
  }

  signAsync(payload, options) {
    return new Promise((resolve, reject) => {
      Promise.resolve()
        .then(() => (options === undefined && this._weakSignKey ? Promise.reject(this._weakSignKey) : options === undefined && this._defaultSigner !== null ? FAST : keyOf(this, payload, options, 'privateKey', JwtSecretRequestType.SIGN)))
        .then((key) => resolve(signCall(this, payload, options, key)))
        .catch(reject)
    })
  }

  // -- decoding ---------------------------------------------------------------

  /** The claims WITHOUT any verification (or { header, payload, signature } with complete: true); null when unreadable. */
  decode(token, options) {
    return decodeUnverified(token, options)
  }
}

/** JwtService#decode: jsonwebtoken's decode over the native reader (no verification at all). */
function decodeUnverified(token, options) {
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

// Decorated as TypeScript would: @Injectable(), constructor(@Optional() @Inject(JWT_MODULE_OPTIONS) options).
Injectable()(JwtService)
Optional()(JwtService, undefined, 0)
Inject(JWT_MODULE_OPTIONS)(JwtService, undefined, 0)
Reflect.defineMetadata('design:paramtypes', [Object], JwtService)

module.exports = { JwtService, WrongSecretProviderError, JwtSecretRequestType, JWT_MODULE_OPTIONS }
