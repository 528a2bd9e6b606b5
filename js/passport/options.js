'use strict'
// authbridge/passport's options (js/passport/index.js): passport-jwt's (jwtFromRequest,
// secretOrKey, secretOrKeyProvider, issuer, audience, algorithms, ignoreExpiration,
// passReqToCallback, jsonWebTokenOptions), with its construction checks and messages, or
// authbridge's own (jwt, authjs, sources, or a HandshakeAuthenticator), read once into the
// strategy's fields; and the HandshakeAuthenticator of each key, prepared once.

const { HandshakeAuthenticator, AuthJsSession } = require('../index.js')
const { BEARER_EXTRACTOR } = require('./extract-jwt.js')
const o = require('../core/jwt-options.js')
const { codedTypeError, optionsError, optionsErrors } = require('../core/errors.js')

const fail = optionsErrors('authbridge Strategy')
// passport-jwt throws TypeErrors for these: kept, with authbridge's code.
const typeError = (message) => codedTypeError('ERR_INVALID_OPTIONS', message)

// passport-jwt's verify names: honoured as jsonwebtoken would (through jsonWebTokenOptions' rules).
const VERIFY_NAMES = ['issuer', 'audience', 'algorithms', 'ignoreExpiration']

/** passport-jwt's options -> the jsonwebtoken verify options they stand for. */
function passportVerifyOptions(options) {
  const jwo = options.jsonWebTokenOptions === undefined ? {} : options.jsonWebTokenOptions
  if (!o.isPlainObject(jwo)) throw fail('jsonWebTokenOptions must be an object')
  if (jwo.ignoreExpiration !== undefined && jwo.ignoreExpiration !== false && options.ignoreExpiration !== true) {
    // passport-jwt replaces it with the top-level ignoreExpiration: it never took effect there.
    throw fail('jsonWebTokenOptions.ignoreExpiration is not honoured by passport-jwt (the top-level ignoreExpiration wins): set ignoreExpiration instead')
  }
  const merged = { ...jwo }
  for (const name of VERIFY_NAMES) {
    if (options[name] === undefined) continue
    if (jwo[name] !== undefined && name !== 'ignoreExpiration' && JSON.stringify(jwo[name]) !== JSON.stringify(options[name])) {
      throw fail(`${name} and jsonWebTokenOptions.${name} differ: give one`)
    }
    merged[name] = name === 'ignoreExpiration' ? !!options.ignoreExpiration : options[name]
  }
  return merged
}

/**
 * Reads the Strategy's options into `strategy`'s fields (see the Strategy constructor), with
 * passport-jwt's construction checks; decides the fast paths once (passport runs each request
 * on Object.create(strategy)).
 */
function strategyOptions(strategy, options, verify) {
  if (typeof options === 'function' && verify === undefined) {
    throw typeError('authbridge Strategy needs options (passport-jwt\'s, or jwt and/or authjs)')
  }
  if (options === null || typeof options !== 'object') throw typeError('authbridge Strategy needs an options object')
  strategy.name = 'jwt'
  strategy._verify = typeof verify === 'function' ? verify : null
  strategy._spec = null
  strategy._keyProvider = null
  strategy._authenticators = new Map()
  strategy._bearerFast = false
  strategy._headersFast = false

  if (options instanceof HandshakeAuthenticator) {
    strategy._authenticator = options
    strategy._jwtFromRequest = null
    strategy._passReqToCallback = false
    strategy._expected = {}
    return
  }
  const {
    name, jwtFromRequest, secretOrKey, secretOrKeyProvider, passReqToCallback, jsonWebTokenOptions,
    issuer, audience, algorithms, ignoreExpiration, jwt, authjs, ...rest
  } = options
  if (name !== undefined) {
    if (typeof name !== 'string' || !name) throw fail('name must be a non-empty string')
    strategy.name = name
  }
  const passportKeys = secretOrKey !== undefined || secretOrKeyProvider !== undefined
  const passportVerify = passportKeys || jsonWebTokenOptions !== undefined || VERIFY_NAMES.some((k) => options[k] !== undefined)

  // passport-jwt's construction checks, with its messages.
  if (secretOrKey && secretOrKeyProvider) throw typeError('JwtStrategy has been given both a secretOrKey and a secretOrKeyProvider')
  if (jwtFromRequest !== undefined || passportKeys) {
    if (!strategy._verify) throw typeError('JwtStrategy requires a verify callback')
    if (!secretOrKey && !secretOrKeyProvider && !jwt && !authjs && !rest.betterAuth) throw typeError('JwtStrategy requires a secret or key')
    if (typeof jwtFromRequest !== 'function') {
      throw typeError('JwtStrategy requires a function to retrieve jwt from requests (see option jwtFromRequest)')
    }
  }
  if (secretOrKeyProvider !== undefined && typeof secretOrKeyProvider !== 'function') throw fail('secretOrKeyProvider must be a function')
  if (passportVerify && jwt !== undefined) {
    throw fail('give either jwt (authbridge\'s VerifierOptions) or passport-jwt\'s secretOrKey / secretOrKeyProvider / issuer / audience / algorithms / jsonWebTokenOptions, not both')
  }
  strategy._jwtFromRequest = jwtFromRequest || null
  strategy._passReqToCallback = passReqToCallback === true
  strategy._sessionCookieName = authjs ? new AuthJsSession(authjs).cookieName : undefined
  // What every HandshakeAuthenticator of this strategy is made of, but the JWS verifier.
  strategy._base = { ...(jwtFromRequest ? {} : { sources: ['header', 'cookie'] }), ...rest, authjs }

  if (passportVerify) {
    const v = passportVerifyOptions(options)
    if (v.algorithms === undefined && (secretOrKey || secretOrKeyProvider)) {
      throw fail('set algorithms (for example algorithms: [\'HS256\']): verification accepts only the algorithms it is given (unlike passport-jwt, there is no default)')
    }
    strategy._spec = o.verifySpec(fail, v, v.algorithms, 'jsonWebTokenOptions')
    strategy._expected = strategy._spec.expected
    if (secretOrKeyProvider) strategy._keyProvider = secretOrKeyProvider
    else strategy._authenticator = authenticatorFor(strategy, secretOrKey)
  } else {
    strategy._expected = jwt ? { audience: jwt.audience, issuer: jwt.issuer, subject: jwt.subject, maxAge: jwt.maxAge } : {}
    strategy._authenticator = new HandshakeAuthenticator({ ...strategy._base, jwt })
  }
  // Decided once: passport runs each request on Object.create(strategy).
  const plain = !strategy._keyProvider && !!strategy._authenticator && strategy._authenticator.remoteJwks === null && !(strategy._spec !== null && strategy._spec.complete)
  strategy._bearerFast = plain && !!strategy._jwtFromRequest && strategy._jwtFromRequest[BEARER_EXTRACTOR] === true
  strategy._headersFast = plain && !strategy._jwtFromRequest
}

/** The strategy's HandshakeAuthenticator for a key (passport-jwt's options), prepared once per key. */
function authenticatorFor(strategy, key) {
  const ref = o.keyRef(key, 'authbridge Strategy')
  const id = ref ? ref.id : ''
  let authenticator = o.lruGet(strategy._authenticators, id)
  if (authenticator) return authenticator
  const spec = strategy._spec
  const now = spec.clockTimestamp !== undefined ? () => spec.clockTimestamp : undefined
  const jwt = ref ? o.nativeVerifierOptions(spec, ref.material, now) : undefined
  if (!jwt && !strategy._base.authjs && !strategy._base.betterAuth) throw optionsError('secret or public key must be provided')
  authenticator = new HandshakeAuthenticator({ ...strategy._base, jwt })
  o.lruSet(strategy._authenticators, id, authenticator)
  return authenticator
}

module.exports = { VERIFY_NAMES, passportVerifyOptions, strategyOptions, authenticatorFor }
