'use strict'
// One call of authbridge/nest's JwtService (js/nest/jwt-service.js) with per-call options, as
// @nestjs/jwt merges them (the call's over the module's, keys left out): the spec they make,
// the prepared verifier or signer of the call's key (js/nest/jwt-verify.js, jwt-sign.js), and
// the call. Functions of the service; without options the service uses its module-level ones.

const { toJwtError } = require('../core/jwt-errors.js')
const o = require('../core/jwt-options.js')
const { optionsError, optionsErrors } = require('../core/errors.js')
const { checkSignArgs, signSpec, signWith } = require('./jwt-sign.js')
const { JwtSecretRequestType, keyOf, remoteRef } = require('./jwt-keys.js')

const fail = optionsErrors('authbridge JwtService')
/** Marks the module-level signer prepared at start-up. */
const FAST = Symbol('module signer')

/** As @nestjs/jwt's mergeJwtOptions: per-call options over the module's, keys left out. */
function mergeOptions(moduleOptions, options) {
  if (options !== undefined && options !== null && typeof options !== 'object') throw fail('options must be an object')
  const merged = { ...(moduleOptions || {}), ...(options || {}) }
  delete merged.secret
  delete merged.publicKey
  delete merged.privateKey
  return merged
}

/** A verification with the call's options and key (jsonwebtoken's errors). */
function verifyCall(service, token, options, key) {
  let spec
  let verifier
  try {
    spec = o.verifySpec(fail, mergeOptions(service.options.verifyOptions, options), service._algorithms)
    const ref = o.keyRef(key, 'authbridge JwtService') || (service._remote ? remoteRef(service) : null)
    if (!ref) throw optionsError('secret or public key must be provided')
    verifier = service._verifiers.get(spec, ref)
  } catch (err) {
    throw toJwtError(err, token, spec && spec.expected)
  }
  return service._verifiers.verify(verifier, token, spec)
}

/** verifyAsync's one attempt: the module's verifier, or the call's key (secretOrKeyProvider may give a Promise). */
function verifyCallAsync(service, token, options) {
  return new Promise((resolve, reject) => {
    Promise.resolve()
      .then(() => {
        if (options === undefined && service._defaultVerifier !== null) return resolve(service._verifiers.verify(service._defaultVerifier, token, service._moduleSpec))
        return Promise.resolve(keyOf(service, token, options, 'publicKey', JwtSecretRequestType.VERIFY)).then((key) =>
          resolve(verifyCall(service, token, options, key)),
        )
      })
      .catch(reject)
  })
}

/** A signature with the call's options and key (FAST: the module's signer). */
function signCall(service, payload, options, key) {
  checkSignArgs(payload, options)
  if (key === FAST) return signWith(service._defaultSigner.signer, service._defaultSigner.spec, payload)
  const spec = signSpec(mergeOptions(service.options.signOptions, options), service._algorithms[0])
  const ref = o.keyRef(key, 'authbridge JwtService')
  if (!ref) throw fail('secretOrPrivateKey must have a value (secret, privateKey)')
  return signWith(service._signers.get(spec, ref).signer, spec, payload)
}

module.exports = { FAST, verifyCall, verifyCallAsync, signCall }
