'use strict'
// Tokens most JWS tests need, made with jose: a secret per process, a valid HS256 JWT, an
// unsigned one, a dir JWE. Used by jws.test.js and inspect.test.js.

const jose = require('jose') // ESM-only; require(esm) works on Node >= 20.19
const keys = require('./keys')

const now = () => Math.floor(Date.now() / 1000)
const enc = new TextEncoder()
const b64u = (x) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url')
const parts = (token) => token.split('.')

/** The HS256 secret most tests use (32 random bytes). */
const SECRET = keys.secret(32)

/** A jose-signed JWT; `claims` go in as given (so exp/iat/nbf can be exact numbers). */
function joseJwt(claims, { alg = 'HS256', key = SECRET, header = {} } = {}) {
  return new jose.SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT', ...header }).sign(key)
}

/** A valid HS256 token expiring in 5 minutes. */
const validHs256 = (extra = {}, header = {}) => joseJwt({ sub: 'user-1', role: 'admin', iat: now(), exp: now() + 300, ...extra }, { header })

/** An unsigned token with header alg `alg`. */
const noneToken = (alg) => `${b64u({ alg, typ: 'JWT' })}.${b64u({ sub: 'admin', exp: now() + 300 })}.`

/** A JWE (alg dir, enc A256GCM) of { sub: 'secret-user' }. */
const jweDir = () => new jose.CompactEncrypt(enc.encode(JSON.stringify({ sub: 'secret-user' }))).setProtectedHeader({ alg: 'dir', enc: 'A256GCM' }).encrypt(keys.secret(32, 'jwe'))

module.exports = { now, enc, b64u, parts, SECRET, joseJwt, validHs256, noneToken, jweDir }
