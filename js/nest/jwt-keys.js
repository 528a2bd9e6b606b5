'use strict'
// The keys of authbridge/nest's JwtService (js/nest/jwt-service.js): which key one call uses,
// as @nestjs/jwt's getSecretKey picks it (per-call options, the module's, secretOrKeyProvider,
// the deprecated secretOrPrivateKey), the module's RemoteJwks, and the module-level verifier
// and signer prepared at start-up (a bad key or option fails there, not on the first call).
// Functions of the service.

const { RemoteJwks } = require('../jwks/index.js')
const o = require('../core/jwt-options.js')
const { signSpec } = require('./jwt-sign.js')

class WrongSecretProviderError extends Error {}

/** @nestjs/jwt's: what secretOrKeyProvider is asked a key for. */
const JwtSecretRequestType = Object.freeze({ SIGN: 0, VERIFY: 1, 0: 'SIGN', 1: 'VERIFY' })

/** As @nestjs/jwt: the deprecated key wins, with a warning on every call that uses it. */
function secretOrPrivateKey(service) {
  service.logger.warn('"secretOrPrivateKey" has been deprecated, please use the new explicit "secret" or use "secretOrKeyProvider" or "privateKey"/"publicKey" exclusively.')
  return service.options.secretOrPrivateKey
}

/** The key for one call; a Promise only when secretOrKeyProvider returns one. */
function keyOf(service, subject, options, kind, requestType) {
  const opts = service.options
  let key
  if (opts.secretOrKeyProvider) key = opts.secretOrKeyProvider(requestType, subject, options)
  else key = (options && options.secret) || opts.secret || (options && options[kind]) || opts[kind]
  const override = (k) => (opts.secretOrPrivateKey ? secretOrPrivateKey(service) : k)
  return key instanceof Promise ? key.then(override) : override(key)
}

/** As keyOf, for the sync methods: a Promise from secretOrKeyProvider is refused (as @nestjs/jwt does). */
function syncKeyOf(service, subject, options, kind, requestType, asyncName) {
  const key = keyOf(service, subject, options, kind, requestType)
  if (key instanceof Promise) {
    key.catch(() => {})
    service.logger.warn(`For async version of "secretOrKeyProvider", please use "${asyncName}".`)
    throw new WrongSecretProviderError()
  }
  return key
}

/** The module's RemoteJwks: given as `jwks`, or built from `jwksUri` or (discovery) `issuer`. */
function remoteJwksOf(opts) {
  if (opts.jwks instanceof RemoteJwks) return opts.jwks
  if (opts.jwksUri) return new RemoteJwks({ ...opts.jwksOptions, jwksUri: opts.jwksUri })
  if (typeof opts.issuer === 'string') return new RemoteJwks({ ...opts.jwksOptions, issuer: opts.issuer })
  return null
}

/** The key reference of the service's RemoteJwks (one verifier per spec reads it). */
const remoteRef = (service) => ({ material: service._remote, id: 'remote-jwks', remote: true })

/**
 * The module-level verifier and signer (service._defaultVerifier, _defaultSigner), prepared now
 * from the module's key and options `vo` / `so`: a bad key or option fails at start-up. (With
 * secretOrKeyProvider or the deprecated secretOrPrivateKey, keys are looked up per call.)
 */
function prepareDefaults(service, vo, so) {
  const opts = service.options
  service._defaultVerifier = null
  service._defaultSigner = null
  const moduleSignSpec = signSpec(so, service._algorithms[0])
  if (opts.secretOrKeyProvider || opts.secretOrPrivateKey) return
  const vkey = service._remote ? remoteRef(service) : o.keyRef(opts.secret || opts.publicKey, 'authbridge JwtService')
  if (vkey) service._defaultVerifier = service._verifiers.get(service._moduleSpec, vkey)
  const skey = o.keyRef(opts.secret || opts.privateKey, 'authbridge JwtService')
  if (!skey) return
  try {
    service._defaultSigner = service._signers.get(moduleSignSpec, skey)
  } catch (err) {
    // verifyOptions.allowWeakSecret alone: a short secret may verify (tokens of an
    // issuer the app does not control), never sign; signing says so when tried.
    if (!(err && err.code === 'ERR_INVALID_KEY' && opts.secret && vo.allowWeakSecret === true && !moduleSignSpec.allowWeakSecret)) throw err
    service._weakSignKey = Object.assign(
      new Error(`authbridge JwtService: ${err.message.replace(/; pass allowWeakSecret.*$/, '')}; verifyOptions.allowWeakSecret lets it verify only: set signOptions.allowWeakSecret too to sign with it`),
      { code: 'ERR_INVALID_KEY' },
    )
  }
}

module.exports = { WrongSecretProviderError, JwtSecretRequestType, keyOf, syncKeyOf, remoteJwksOf, remoteRef, prepareDefaults }
