// jsonwebtoken 9's sign / verify / decode, offered on top of authbridge/nest's JwtService, the
// way a team migrating from @nestjs/jwt meets it: for __test__/jsonwebtoken-upstream.test.mjs.
// Written for authbridge (no jsonwebtoken code); only the call shapes are jsonwebtoken's.
//
// What the shim adds, each a documented opt-in or pin of README "Migrating from @nestjs/jwt and
// passport-jwt" (what a migrating team writes in its module options):
// - algorithms pinned: the call's `algorithms`, else jsonwebtoken's default list for the key's
//   type (HS256/384/512 for a secret; RS* and PS* for an RSA key; the curve's ES* for EC);
// - HMAC secrets: `allowWeakSecret: true` (upstream's secrets are 6 bytes: 'secret', 'shhhhh');
// - exp not required: `requiredClaims: []` (upstream signs many tokens without exp);
// - the clock: the module option `now: () => Date.now() / 1000`, the README's one line that
//   makes iat / exp / nbf at sign and every check at verify follow fake timers (mock.timers).

import 'reflect-metadata'
import crypto from 'node:crypto'
import { JwtService, JsonWebTokenError, TokenExpiredError, NotBeforeError } from 'authbridge/nest'

export { JsonWebTokenError, TokenExpiredError, NotBeforeError }

/** The README's one-line clock: seconds, from Date.now(), so fake timers move it. */
export const now = () => Date.now() / 1000

const HMAC = ['HS256', 'HS384', 'HS512']
const RSA = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']
const CURVE_ALG = { 'prime256v1': 'ES256', 'secp384r1': 'ES384', 'secp521r1': 'ES512' }

/** jsonwebtoken's default algorithms for a key, narrowed to one family (authbridge's rule). */
export function pinnedAlgorithms(key) {
  let k = key
  if (k && typeof k === 'object' && !Buffer.isBuffer(k) && !(k instanceof crypto.KeyObject) && k.key !== undefined) k = k.key
  if (k instanceof crypto.KeyObject) {
    if (k.type === 'secret') return HMAC
  } else {
    // Only strings and Buffers are read here (an object's toString is never called).
    const text = typeof k === 'string' ? k : Buffer.isBuffer(k) ? k.toString('latin1') : ''
    if (!text.includes('-----BEGIN')) return HMAC
  }
  let pub
  try {
    pub = k instanceof crypto.KeyObject ? (k.type === 'private' ? crypto.createPublicKey(k) : k) : crypto.createPublicKey(k)
  } catch {
    return RSA
  }
  if (pub.asymmetricKeyType === 'ec') return [CURVE_ALG[pub.asymmetricKeyDetails.namedCurve] || 'ES256']
  if (pub.asymmetricKeyType === 'rsa-pss') {
    // A key restricted to RSA-PSS serves the PS algorithm of its own hash only.
    const hash = pub.asymmetricKeyDetails.hashAlgorithm
    return hash ? [`PS${hash.replace('sha', '')}`] : ['PS256', 'PS384', 'PS512']
  }
  if (pub.asymmetricKeyType === 'rsa') return RSA
  if (pub.asymmetricKeyType === 'ed25519' || pub.asymmetricKeyType === 'ed448') return ['EdDSA']
  return RSA
}

const later = (fn) => setImmediate(fn)

function signNow(payload, key, options) {
  const algorithm = typeof options.algorithm === 'string' ? options.algorithm : 'HS256' // jsonwebtoken's default
  const hmac = algorithm.startsWith('HS')
  const weak = hmac ? { allowWeakSecret: true } : {}
  const service = new JwtService({ [hmac ? 'secret' : 'privateKey']: key, verifyOptions: { algorithms: [algorithm], ...weak }, signOptions: weak, now })
  const plain = options !== null && typeof options === 'object' && Object.getPrototypeOf(options) === Object.prototype
  return service.sign(payload, plain ? { ...weak, ...options } : options)
}

/** jsonwebtoken.sign(payload, secretOrPrivateKey, [options, callback]). */
export function sign(payload, key, options, callback) {
  if (typeof options === 'function') {
    callback = options
    options = {}
  }
  options = options || {}
  if (typeof callback !== 'function') return signNow(payload, key, options)
  let token
  let error = null
  try {
    token = signNow(payload, key, options)
  } catch (err) {
    error = err
  }
  later(() => callback(error, token))
}

function verifyNow(token, key, options) {
  const algorithms = pinnedAlgorithms(key)
  const hmac = algorithms[0].startsWith('HS')
  const verifyOptions = { algorithms, requiredClaims: [], ...(hmac ? { allowWeakSecret: true } : {}) }
  const service = new JwtService({ [hmac ? 'secret' : 'publicKey']: key, verifyOptions, now })
  return service.verify(token, options)
}

/** jsonwebtoken.verify(token, secretOrPublicKey, [options, callback]); a key function needs the callback. */
export function verify(token, key, options, callback) {
  if (typeof options === 'function') {
    callback = options
    options = {}
  }
  options = options || {}
  if (typeof callback !== 'function') {
    if (typeof key === 'function') throw new JsonWebTokenError('verify must be called asynchronous if secret or public key is provided as a callback')
    return verifyNow(token, key, options)
  }
  const done = (k) => {
    let out
    let error = null
    try {
      out = verifyNow(token, k, options)
    } catch (err) {
      error = err
    }
    later(() => callback(error, out))
  }
  if (typeof key !== 'function') return done(key)
  const parts = typeof token === 'string' ? decode(token, { complete: true }) : null
  key(parts && parts.header, (err, k) => {
    if (err) return later(() => callback(new JsonWebTokenError('error in secret or public key callback: ' + err.message)))
    done(k)
  })
}

const decoder = new JwtService({ verifyOptions: { algorithms: ['HS256'] } })

/** jsonwebtoken.decode(token, [options]). */
export function decode(token, options) {
  return decoder.decode(token, options)
}
