'use strict'

// One test per published advisory of a peer JOSE / JWT library that applies to a
// verifier, named after it, each showing that authbridge refuses the attack, with the
// exact error code. Attack tokens are made with the real libraries (jsonwebtoken,
// jose, @auth/core) where they can make them, and by hand (base64url, node:crypto)
// where the attack is a malformation no library will produce.
//
// Run: node --test __test__/

const { test } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const http = require('node:http')
const zlib = require('node:zlib')
const jsonwebtoken = require('jsonwebtoken')
const jose = require('jose') // ESM-only; require(esm) works on Node >= 20.19

const { JwtVerifier, verifyJws, AuthJsSession, HandshakeAuthenticator } = require('..')
const keys = require('./helpers/keys')

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const SECRET = crypto.randomBytes(32)
const AUTH_SECRET = `advisories-${crypto.randomBytes(16).toString('hex')}`
const COOKIE = 'authjs.session-token'
const enc = new TextEncoder()
const nowSec = () => Math.floor(Date.now() / 1000)
const b64u = (x) => (Buffer.isBuffer(x) ? x : Buffer.from(typeof x === 'string' ? x : JSON.stringify(x))).toString('base64url')
const authCore = () => import('@auth/core/jwt')

const { throwsCode } = require('./helpers/assert.js')
/** HS256 over a signing input with `secret`. */
const hmac = (input, secret, hash = 'sha256') => crypto.createHmac(hash, secret).update(input).digest('base64url')
const handSigned = (header, claims, secret = SECRET, hash = 'sha256') => {
  const input = `${b64u(header)}.${b64u(claims)}`
  return `${input}.${hmac(input, secret, hash)}`
}
const claims = (extra = {}) => ({ sub: 'attacker', role: 'admin', iat: nowSec(), exp: nowSec() + 600, ...extra })

// Auth.js key derivation (v5, salt = cookie name) and A256CBC-HS512 by hand.
const authKey = (len, secret = AUTH_SECRET, salt = COOKIE) => Buffer.from(crypto.hkdfSync('sha256', secret, salt, `Auth.js Generated Encryption Key (${salt})`, len))
const thumbprint = (key) => crypto.createHash(key.length === 64 ? 'sha512' : 'sha256').update(`{"k":"${b64u(key)}","kty":"oct"}`).digest('base64url')
function jweCbc(header, plaintext, key = authKey(64)) {
  const h = b64u(header)
  const iv = crypto.randomBytes(16)
  const c = crypto.createCipheriv('aes-256-cbc', key.subarray(32), iv)
  const ct = Buffer.concat([c.update(plaintext), c.final()])
  const al = Buffer.alloc(8)
  al.writeBigUInt64BE(BigInt(h.length * 8))
  const tag = crypto.createHmac('sha512', key.subarray(0, 32)).update(Buffer.concat([Buffer.from(h), iv, ct, al])).digest().subarray(0, 32)
  return [h, '', b64u(iv), b64u(ct), b64u(tag)].join('.')
}
function jweGcm(header, plaintext, { key = authKey(32), tagLen = 16 } = {}) {
  const h = b64u(header)
  const iv = crypto.randomBytes(12)
  const c = crypto.createCipheriv('aes-256-gcm', key, iv, { authTagLength: tagLen })
  c.setAAD(Buffer.from(h, 'ascii'))
  const ct = Buffer.concat([c.update(plaintext), c.final()])
  return [h, '', b64u(iv), b64u(ct), b64u(c.getAuthTag())].join('.')
}

const hs256 = (options = {}) => new JwtVerifier({ algorithms: ['HS256'], key: SECRET, ...options })
const session = () => new AuthJsSession({ secret: AUTH_SECRET })
const handshake = () => new HandshakeAuthenticator({ jwt: { algorithms: ['HS256'], key: SECRET }, authjs: { secret: AUTH_SECRET } })

/** Every JWE entry point refuses `token` with `code`. */
function sessionEverywhere(token, code) {
  const s = session()
  const h = handshake()
  throwsCode(() => s.decode(token), code, 'AuthJsSession.decode')
  throwsCode(() => s.fromCookieHeader(`${COOKIE}=${token}`), code, 'fromCookieHeader')
  throwsCode(() => s.fromHeaders({ authorization: `Bearer ${token}` }), code, 'fromHeaders')
  throwsCode(() => h.authenticate({ auth: { token } }), code, 'HandshakeAuthenticator.authenticate')
  throwsCode(() => h.verifyToken(token), code, 'HandshakeAuthenticator.verifyToken')
}

// ---------------------------------------------------------------------------
// jsonwebtoken
// ---------------------------------------------------------------------------

test('jsonwebtoken CVE-2022-23540 (GHSA-qwph-4952-7xr6): no algorithm default, alg none never accepted, falsy keys refused', () => {
  // The attack: jwt.verify(token, falsyKey) with no `algorithms` accepted alg "none".
  const none = jsonwebtoken.sign({ sub: 'attacker', role: 'admin', exp: nowSec() + 600 }, null, { algorithm: 'none' })
  assert.equal(none.split('.')[2], '', 'jsonwebtoken made an unsigned token')
  // No algorithms at all: refused at construction (no default list to fall back on).
  throwsCode(() => new JwtVerifier({ key: SECRET }), 'ERR_INVALID_OPTIONS', 'no algorithms')
  throwsCode(() => new JwtVerifier({ algorithms: undefined, key: SECRET }), 'ERR_INVALID_OPTIONS', 'algorithms undefined')
  throwsCode(() => verifyJws(none, { key: SECRET }), 'ERR_INVALID_OPTIONS', 'verifyJws without algorithms')
  throwsCode(() => new HandshakeAuthenticator({ jwt: { key: SECRET } }), 'ERR_INVALID_OPTIONS', 'handshake without algorithms')
  // 'none' cannot be pinned, in any case.
  for (const alg of ['none', 'None', 'NONE']) throwsCode(() => new JwtVerifier({ algorithms: [alg], key: SECRET }), 'ERR_INVALID_OPTIONS', `algorithms [${alg}]`)
  // Falsy keys: refused, never "no verification".
  throwsCode(() => new JwtVerifier({ algorithms: ['HS256'], key: '' }), 'ERR_INVALID_KEY', "key ''")
  throwsCode(() => new JwtVerifier({ algorithms: ['HS256'], key: Buffer.alloc(0), allowWeakSecret: true }), 'ERR_INVALID_KEY', 'empty Buffer, allowWeakSecret')
  throwsCode(() => new JwtVerifier({ algorithms: ['HS256'], key: null }), 'ERR_INVALID_OPTIONS', 'key null')
  throwsCode(() => new JwtVerifier({ algorithms: ['HS256'] }), 'ERR_INVALID_OPTIONS', 'no key')
  // The unsigned token (and case variants, with and without a signature part) against pinned verifiers.
  const variants = [none, none.replace(b64u({ alg: 'none', typ: 'JWT' }), b64u({ alg: 'NoNe', typ: 'JWT' })), `${none}${hmac(none.slice(0, -1), SECRET)}`]
  for (const t of variants) {
    throwsCode(() => hs256().verify(t), 'ERR_JWS_ALG_NOT_ALLOWED', 'verify')
    throwsCode(() => verifyJws(t, { algorithms: ['HS256'], key: SECRET }), 'ERR_JWS_ALG_NOT_ALLOWED', 'verifyJws')
    throwsCode(() => new JwtVerifier({ algorithms: ['RS256'], key: keys.rsa().publicPem }).verify(t), 'ERR_JWS_ALG_NOT_ALLOWED', 'RS256 verifier')
    throwsCode(() => handshake().verifyToken(t), 'ERR_JWS_ALG_NOT_ALLOWED', 'handshake')
  }
})

test('jsonwebtoken CVE-2022-23541 (GHSA-hjrf-2m68-5959): RSA public key used as HMAC secret (RS256 -> HS256 confusion)', async () => {
  const { publicPem, publicKey, privateKey } = keys.rsa()
  // The forgery: HS256 keyed with the server's public key text (jose will HMAC with any bytes).
  const forged = await new jose.SignJWT(claims()).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(enc.encode(publicPem))
  const genuine = await new jose.SignJWT({ sub: 'user', exp: nowSec() + 600 }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey)
  const rs = new JwtVerifier({ algorithms: ['RS256', 'PS256'], key: publicPem })
  assert.equal(rs.verify(genuine).sub, 'user', 'control: the RSA verifier accepts the genuine token')
  throwsCode(() => rs.verify(forged), 'ERR_JWS_ALG_NOT_ALLOWED', 'RS verifier given the HS256 forgery')
  const rsJwks = new JwtVerifier({ algorithms: ['RS256'], jwks: { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1' }] } })
  throwsCode(() => rsJwks.verify(forged), 'ERR_JWS_ALG_NOT_ALLOWED', 'RS JWKS verifier given the HS256 forgery')
  throwsCode(() => verifyJws(forged, { algorithms: ['RS256'], key: publicPem }), 'ERR_JWS_ALG_NOT_ALLOWED', 'verifyJws')
  // The misconfigurations that make the forgery work elsewhere cannot be expressed.
  throwsCode(() => new JwtVerifier({ algorithms: ['RS256', 'HS256'], key: publicPem }), 'ERR_INVALID_OPTIONS', 'RS256 + HS256 (two families)')
  throwsCode(() => new JwtVerifier({ algorithms: ['HS256'], key: publicPem }), 'ERR_INVALID_KEY', 'HS256 with the PEM as secret')
  throwsCode(() => new JwtVerifier({ algorithms: ['HS256'], key: Buffer.from(publicPem) }), 'ERR_INVALID_KEY', 'HS256 with the PEM Buffer as secret')
  throwsCode(() => new HandshakeAuthenticator({ jwt: { algorithms: ['HS256'], key: publicPem } }), 'ERR_INVALID_KEY', 'handshake HS256 with the PEM')
})

test('jsonwebtoken CVE-2022-23539 (GHSA-8cf7-32gw-wr33): legacy and unsuitable key types are refused', () => {
  const spki = (k) => k.publicKey.export({ type: 'spki', format: 'pem' })
  const dsa = crypto.generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 })
  const secp256k1 = crypto.generateKeyPairSync('ec', { namedCurve: 'secp256k1' })
  const x25519 = crypto.generateKeyPairSync('x25519')
  const rows = [
    ['DSA key for RS256', ['RS256'], { key: spki(dsa) }],
    ['DSA key for ES256', ['ES256'], { key: spki(dsa) }],
    ['DSA key as an HS256 secret', ['HS256'], { key: spki(dsa) }],
    ['RSA 1024-bit PEM for RS256', ['RS256'], { key: keys.rsa('small', 1024).publicPem }],
    ['RSA 1024-bit JWK for PS256', ['PS256'], { jwk: keys.rsa('small', 1024).publicJwk }],
    ['RSA 1024-bit certificate for RS256', ['RS256'], { key: keys.selfSignedCertificate(keys.rsa('small', 1024)) }],
    ['secp256k1 PEM for ES256', ['ES256'], { key: spki(secp256k1) }],
    ['secp256k1 JWK for ES256', ['ES256'], { jwk: secp256k1.publicKey.export({ format: 'jwk' }) }],
    ['X25519 (ECDH) PEM for EdDSA', ['EdDSA'], { key: spki(x25519) }],
    ['X25519 (ECDH) JWK for EdDSA', ['EdDSA'], { jwk: x25519.publicKey.export({ format: 'jwk' }) }],
    ['P-256 key for ES384 (wrong curve)', ['ES384'], { key: keys.ec('P-256').publicPem }],
    ['Ed25519 key for ES256 (wrong family)', ['ES256'], { key: keys.ed25519().publicPem }],
  ]
  for (const [name, algorithms, key] of rows) {
    throwsCode(() => new JwtVerifier({ algorithms, ...key }), 'ERR_INVALID_KEY', name)
    throwsCode(() => verifyJws('a.b.c', { algorithms, ...key }), 'ERR_INVALID_KEY', `verifyJws: ${name}`)
  }
})

// ---------------------------------------------------------------------------
// fast-jwt
// ---------------------------------------------------------------------------

test('fast-jwt CVE-2023-48223 (GHSA-c2ff-88x2-x9pg): public keys in any wrapping are never HMAC secrets', async () => {
  const { publicKey, publicPem, privateKey } = keys.rsa()
  const der = publicKey.export({ type: 'spki', format: 'der' })
  const pkcs1 = publicKey.export({ type: 'pkcs1', format: 'pem' })
  const forms = [
    // the advisory's case: leading whitespace defeated fast-jwt's public-key regex
    ['leading spaces and newline before the PEM', '  \n' + publicPem],
    ['leading tab and CRLF before the PEM', '\t\r\n' + publicPem],
    ['text before the PEM', 'auth server key:\n' + publicPem],
    ['PEM with CRLF line endings', publicPem.replace(/\n/g, '\r\n')],
    ['X.509 certificate PEM', keys.selfSignedCertificate(keys.rsa())],
    ["PKCS#1 'RSA PUBLIC KEY' PEM", pkcs1],
    ['PKCS#1 PEM with leading whitespace', '\n\n ' + pkcs1],
    ['EC P-256 PEM with leading whitespace', ' \n' + keys.ec('P-256').publicPem],
    ['Ed25519 PEM with leading whitespace', ' \n' + keys.ed25519().publicPem],
    ['SPKI DER Buffer', der],
    ['PKCS#1 DER Buffer', publicKey.export({ type: 'pkcs1', format: 'der' })],
    ['base64 SPKI body (PEM without armor)', der.toString('base64')],
    ['base64 SPKI body with line breaks', der.toString('base64').match(/.{1,64}/g).join('\n')],
    ['base64url SPKI body', der.toString('base64url')],
    ['a PEM Buffer with leading whitespace', Buffer.from('\n ' + publicPem)],
  ]
  const accepted = []
  for (const [name, key] of forms) {
    for (const algorithms of [['HS256'], ['HS256', 'HS384', 'HS512']]) {
      try {
        new JwtVerifier({ algorithms, key })
        accepted.push(`${name} (${algorithms})`)
      } catch (e) {
        assert.equal(e.code, 'ERR_INVALID_KEY', `${name}: ${e.message}`)
      }
    }
    throwsCode(() => verifyJws('a.b.c', { algorithms: ['HS256'], key }), 'ERR_INVALID_KEY', `verifyJws: ${name}`)
  }
  assert.deepEqual(accepted, [], 'public keys accepted as HMAC secrets')
  // The RS256 verifier takes the whitespace-prefixed PEM and rejects the HS256 forgery made with it.
  const wsPem = '  \n' + publicPem
  const forged = await new jose.SignJWT(claims()).setProtectedHeader({ alg: 'HS256' }).sign(enc.encode(wsPem))
  const rs = new JwtVerifier({ algorithms: ['RS256'], key: wsPem })
  assert.equal(rs.verify(await new jose.SignJWT({ sub: 'u', exp: nowSec() + 60 }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey)).sub, 'u')
  throwsCode(() => rs.verify(forged), 'ERR_JWS_ALG_NOT_ALLOWED', 'forgery with the whitespace-prefixed PEM')
})

test('fast-jwt CVE-2026-34950 (GHSA-mvf2-f6gm-w987, incomplete fix of CVE-2023-48223): a newline-prefixed PKCS#1 key', async () => {
  // The advisory's PoC: a PKCS#1 public key read "from the database" with a leading newline.
  const { publicKey, privateKey } = keys.rsa()
  const publicKeyFromDB = '\n' + publicKey.export({ type: 'pkcs1', format: 'pem' })
  throwsCode(() => new JwtVerifier({ algorithms: ['HS256'], key: publicKeyFromDB }), 'ERR_INVALID_KEY', 'HS256 with the PoC key')
  throwsCode(() => new JwtVerifier({ algorithms: ['HS256', 'HS384', 'HS512'], key: publicKeyFromDB }), 'ERR_INVALID_KEY', 'every HS algorithm with the PoC key')
  throwsCode(() => new HandshakeAuthenticator({ jwt: { algorithms: ['HS256'], key: publicKeyFromDB } }), 'ERR_INVALID_KEY', 'handshake')
  // The verifier the application meant (RS256 with that key) works, and refuses the PoC forgery.
  const rs = new JwtVerifier({ algorithms: ['RS256'], key: publicKeyFromDB })
  const legit = jsonwebtoken.sign({ admin: false, name: 'attacker' }, privateKey.export({ type: 'pkcs8', format: 'pem' }), { algorithm: 'RS256', expiresIn: 3600 })
  assert.equal(rs.verify(legit).admin, false, 'control')
  const header = b64u({ alg: 'HS256', typ: 'JWT' })
  const payload = b64u({ admin: true, name: 'attacker', iat: nowSec(), exp: nowSec() + 3600 })
  const forged = `${header}.${payload}.${hmac(`${header}.${payload}`, publicKeyFromDB)}`
  throwsCode(() => rs.verify(forged), 'ERR_JWS_ALG_NOT_ALLOWED', 'the PoC forgery')
})

test('fast-jwt GHSA-gm45-q3v2-6cf8 (improper iss validation): iss must be one accepted string, never an array', () => {
  const ISS = 'https://issuer.example'
  const v = hs256({ issuer: [ISS, 'https://other.example'] })
  assert.equal(v.verify(jsonwebtoken.sign({ iss: ISS }, SECRET, { expiresIn: 600 })).iss, ISS, 'control')
  for (const iss of [[ISS], [ISS, 'https://evil.example'], ['https://evil.example', ISS], [[ISS]], { 0: ISS }, 5, null, '']) {
    throwsCode(() => v.verify(jsonwebtoken.sign({ iss }, SECRET, { expiresIn: 600 })), 'ERR_JWT_CLAIM_INVALID', `iss ${JSON.stringify(iss)}`)
    throwsCode(() => new HandshakeAuthenticator({ jwt: { algorithms: ['HS256'], key: SECRET, issuer: ISS } }).verifyToken(jsonwebtoken.sign({ iss }, SECRET, { expiresIn: 600 })), 'ERR_JWT_CLAIM_INVALID', `handshake iss ${JSON.stringify(iss)}`)
  }
  throwsCode(() => v.verify(jsonwebtoken.sign({ sub: 'no-iss' }, SECRET, { expiresIn: 600 })), 'ERR_JWT_CLAIM_MISSING', 'no iss')
})

test('jwt-simple CVE-2016-10555 (algorithm confusion): a public JWK or JWK Set is never an HMAC secret', async () => {
  const rsaJwk = keys.rsa().publicJwk
  const ecJwk = keys.ec('P-256').publicJwk
  const edJwk = keys.ed25519().publicJwk
  const rows = [
    ['RSA public JWK JSON text as key', { key: JSON.stringify(rsaJwk) }],
    ['EC public JWK JSON text as key', { key: JSON.stringify(ecJwk) }],
    ['Ed25519 public JWK JSON text (pretty-printed, indented) as key', { key: '\n  ' + JSON.stringify(edJwk, null, 2) }],
    ['JWK Set JSON text as key', { key: JSON.stringify({ keys: [rsaJwk] }) }],
    ['JWK JSON text as a Buffer key', { key: Buffer.from(JSON.stringify(rsaJwk)) }],
    ['RSA public JWK as jwk', { jwk: rsaJwk }],
    ['EC public JWK as jwk', { jwk: ecJwk }],
    ['oct JWK whose k is the RSA JWK JSON', { jwk: { kty: 'oct', k: b64u(JSON.stringify(rsaJwk)) } }],
    ['oct JWK whose k is the RSA PEM', { jwk: { kty: 'oct', k: b64u(keys.rsa().publicPem) } }],
  ]
  for (const [name, key] of rows) {
    throwsCode(() => new JwtVerifier({ algorithms: ['HS256'], ...key }), 'ERR_INVALID_KEY', name)
  }
  // In a JWK Set, the public keys serve no HMAC algorithm: the set has no usable key.
  throwsCode(() => new JwtVerifier({ algorithms: ['HS256'], jwks: { keys: [rsaJwk, ecJwk, edJwk] } }), 'ERR_INVALID_KEY', 'JWK Set of public keys for HS256')
  // The forgery (HMAC keyed with the JWK JSON) against the RSA verifier built from the same JWK.
  const forged = await new jose.SignJWT(claims()).setProtectedHeader({ alg: 'HS256' }).sign(enc.encode(JSON.stringify(rsaJwk)))
  throwsCode(() => new JwtVerifier({ algorithms: ['RS256'], jwk: rsaJwk }).verify(forged), 'ERR_JWS_ALG_NOT_ALLOWED', 'forged HS256 to the RSA JWK verifier')
})

test('fast-jwt CVE-2026-44351 (empty HMAC key from a key-set fallback): empty secrets are refused everywhere', async () => {
  // The attack: a resolver returning '' for an unknown kid made fast-jwt verify HMAC with an empty key.
  const emptyKeyToken = (kid) => handSigned({ alg: 'HS256', ...(kid ? { kid } : {}) }, claims(), Buffer.alloc(0))
  throwsCode(() => new JwtVerifier({ algorithms: ['HS256'], jwks: { keys: [{ kty: 'oct', k: '', kid: 'k' }] } }), 'ERR_INVALID_KEY', "JWKS with k ''")
  throwsCode(() => new JwtVerifier({ algorithms: ['HS256'], jwks: JSON.stringify({ keys: [{ kty: 'oct', k: '' }] }), allowWeakSecret: true }), 'ERR_INVALID_KEY', "JWKS text with k '', allowWeakSecret")
  throwsCode(() => new JwtVerifier({ algorithms: ['HS256'], jwk: { kty: 'oct', k: '' }, allowWeakSecret: true }), 'ERR_INVALID_KEY', "jwk with k '', allowWeakSecret")
  throwsCode(() => verifyJws(emptyKeyToken(), { algorithms: ['HS256'], jwk: { kty: 'oct', k: '' }, allowWeakSecret: true }), 'ERR_INVALID_KEY', 'verifyJws')
  throwsCode(() => new JwtVerifier({ algorithms: ['HS256'], key: '', allowWeakSecret: true }), 'ERR_INVALID_KEY', "key ''")
  throwsCode(() => new HandshakeAuthenticator({ jwt: { algorithms: ['HS256'], jwks: { keys: [{ kty: 'oct', k: '' }] } } }), 'ERR_INVALID_KEY', 'handshake')
  throwsCode(() => new AuthJsSession({ secret: '' }), 'ERR_INVALID_OPTIONS', "AUTH_SECRET ''")
  throwsCode(() => new AuthJsSession({ secret: ['', AUTH_SECRET] }), 'ERR_INVALID_OPTIONS', "AUTH_SECRET list with ''")
  // A set with one real key and one empty key: the empty key is skipped, never a fallback.
  const mixed = new JwtVerifier({ algorithms: ['HS256'], jwks: { keys: [{ kty: 'oct', k: '', kid: 'empty' }, { kty: 'oct', k: b64u(SECRET), kid: 'real' }] } })
  const genuine = await new jose.SignJWT({ sub: 'user', exp: nowSec() + 60 }).setProtectedHeader({ alg: 'HS256', kid: 'real' }).sign(SECRET)
  assert.equal(mixed.verify(genuine).sub, 'user', 'control')
  throwsCode(() => mixed.verify(emptyKeyToken('empty')), 'ERR_JWKS_NO_MATCHING_KEY', 'kid of the empty key')
  throwsCode(() => mixed.verify(emptyKeyToken('unknown')), 'ERR_JWKS_NO_MATCHING_KEY', 'unknown kid (the fallback case)')
  throwsCode(() => mixed.verify(emptyKeyToken()), 'ERR_JWS_SIGNATURE_INVALID', 'no kid')
  // setJwks with an empty key: refused, and the old keys stay.
  throwsCode(() => mixed.setJwks({ keys: [{ kty: 'oct', k: '' }] }), 'ERR_INVALID_KEY', 'setJwks')
  assert.equal(mixed.verify(genuine).sub, 'user', 'old keys kept after a refused setJwks')
})

test('fast-jwt CVE-2026-35042 (GHSA-hm7r-c7qw-ghp6; also PyJWT CVE-2026-32597): any crit header is refused', async () => {
  // jose makes the advisory's token (it signs crit only for extensions declared to it).
  const poc = await new jose.SignJWT(claims()).setProtectedHeader({ alg: 'HS256', crit: ['x-custom-policy'], 'x-custom-policy': 'require-mfa' }).sign(SECRET, { crit: { 'x-custom-policy': true } })
  const rows = [
    ['the advisory PoC (crit x-custom-policy)', poc],
    ["crit ['exp'] with exp in the header", handSigned({ alg: 'HS256', crit: ['exp'], exp: nowSec() + 600 }, claims())],
    ["crit ['foo'] with foo present", handSigned({ alg: 'HS256', crit: ['foo'], foo: 1 }, claims())],
    ["crit ['foo'] with foo absent", handSigned({ alg: 'HS256', crit: ['foo'] }, claims())],
    ["crit ['b64'] with b64 true", handSigned({ alg: 'HS256', crit: ['b64'], b64: true }, claims())],
    ['crit [] (empty list)', handSigned({ alg: 'HS256', crit: [] }, claims())],
    ["crit 'foo' (a string)", handSigned({ alg: 'HS256', crit: 'foo' }, claims())],
    ['crit null', handSigned({ alg: 'HS256', crit: null }, claims())],
  ]
  for (const [name, token] of rows) {
    throwsCode(() => hs256().verify(token), 'ERR_TOKEN_MALFORMED', name)
    throwsCode(() => hs256().verifyComplete(token), 'ERR_TOKEN_MALFORMED', name)
    throwsCode(() => verifyJws(token, { algorithms: ['HS256'], key: SECRET }), 'ERR_TOKEN_MALFORMED', `verifyJws: ${name}`)
    throwsCode(() => handshake().verifyToken(token), 'ERR_TOKEN_MALFORMED', `handshake: ${name}`)
  }
  // And in a session JWE, correctly encrypted with the Auth.js key.
  const key = authKey(64)
  sessionEverywhere(jweCbc({ alg: 'dir', enc: 'A256CBC-HS512', kid: thumbprint(key), crit: ['exp'], exp: 1 }, Buffer.from(JSON.stringify(claims()))), 'ERR_TOKEN_MALFORMED')
})

test('fast-jwt CVE-2026-35039 (cache-key collisions): interleaved tokens never share claims or verdicts', async () => {
  // authbridge caches only the last decoded protected header, keyed by its exact text.
  const k1 = crypto.randomBytes(32)
  const k2 = crypto.randomBytes(32)
  const v = new JwtVerifier({ algorithms: ['HS256'], jwks: { keys: [{ kty: 'oct', k: b64u(k1), kid: 'k1' }, { kty: 'oct', k: b64u(k2), kid: 'k2' }] } })
  const header = { alg: 'HS256', typ: 'JWT', kid: 'k1' }
  const alice = await new jose.SignJWT({ sub: 'alice', exp: nowSec() + 600 }).setProtectedHeader(header).sign(k1)
  const bob = await new jose.SignJWT({ sub: 'bob', role: 'admin', exp: nowSec() + 600 }).setProtectedHeader(header).sign(k1)
  const carol = await new jose.SignJWT({ sub: 'carol', exp: nowSec() + 600 }).setProtectedHeader({ ...header, kid: 'k2' }).sign(k2)
  const [ah, ap] = alice.split('.')
  const bobSig = bob.split('.')[2]
  const spliced = `${ah}.${ap}.${bobSig}` // alice's claims with bob's signature, same header
  const forged = await new jose.SignJWT({ sub: 'mallory', exp: nowSec() + 600 }).setProtectedHeader(header).sign(k2) // kid k1, signed with k2
  for (let i = 0; i < 300; i++) {
    assert.equal(v.verify(alice).sub, 'alice')
    throwsCode(() => v.verify(spliced), 'ERR_JWS_SIGNATURE_INVALID', 'spliced')
    assert.deepEqual(v.verify(bob), JSON.parse(Buffer.from(bob.split('.')[1], 'base64url')))
    throwsCode(() => v.verify(forged), 'ERR_JWS_SIGNATURE_INVALID', 'kid k1 signed with k2, right after a k1 success')
    assert.equal(v.verify(carol).sub, 'carol')
  }
})

// ---------------------------------------------------------------------------
// jose (panva) and other JWE decoders
// ---------------------------------------------------------------------------

test('jose CVE-2022-36083 (GHSA-jv3g-j58f-9mq9): PBES2 with a huge p2c is refused quickly, before any key derivation', async () => {
  // A genuine jose PBES2 token (small p2c), password = the AUTH_SECRET: still not a session token.
  const genuine = await new jose.EncryptJWT({ sub: 'attacker' }).setProtectedHeader({ alg: 'PBES2-HS512+A256KW', enc: 'A256CBC-HS512' }).setKeyManagementParameters({ p2c: 1000 }).encrypt(enc.encode(AUTH_SECRET))
  const header = JSON.parse(Buffer.from(genuine.split('.')[0], 'base64url'))
  assert.equal(header.p2c, 1000)
  // The DoS: the same with p2c 2^31 (hours of PBKDF2 in a vulnerable decoder).
  const huge = [b64u({ ...header, p2c: 2 ** 31 }), ...genuine.split('.').slice(1)].join('.')
  const withKid = [b64u({ ...header, p2c: 2 ** 31, kid: thumbprint(authKey(64)) }), ...genuine.split('.').slice(1)].join('.')
  for (const token of [genuine, huge, withKid]) {
    const t0 = process.hrtime.bigint()
    sessionEverywhere(token, 'ERR_JWE_UNSUPPORTED')
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    assert.ok(ms < 2000, `took ${ms} ms`) // loose: 2^31 PBKDF2 iterations would take minutes
  }
})

test('jose CVE-2024-28176 (GHSA-hhhv-q57g-882q; also go-jose CVE-2024-28180): a zip:DEF JWE is refused, never inflated', () => {
  // A correctly encrypted session (Auth.js key, kid) whose plaintext is a deflate bomb:
  // 64 MiB of zeros deflated to ~64 KiB. Refused from the header, before decryption.
  const bomb = zlib.deflateRawSync(Buffer.alloc(64 << 20), { level: 9 })
  assert.ok(bomb.length < 100 * 1024)
  const key = authKey(64)
  const token = jweCbc({ alg: 'dir', enc: 'A256CBC-HS512', kid: thumbprint(key), zip: 'DEF' }, bomb)
  const s = new AuthJsSession({ secret: AUTH_SECRET, maxTokenLength: 1 << 20 })
  const rss0 = process.memoryUsage().rss
  throwsCode(() => s.decode(token), 'ERR_JWE_UNSUPPORTED', 'bomb')
  assert.ok(process.memoryUsage().rss - rss0 < 32 << 20, 'memory grew by the inflated size')
  // A small compressed session too, through every entry point, with GCM as well.
  const small = zlib.deflateRawSync(JSON.stringify(claims()))
  sessionEverywhere(jweCbc({ alg: 'dir', enc: 'A256CBC-HS512', kid: thumbprint(key), zip: 'DEF' }, small), 'ERR_JWE_UNSUPPORTED')
  sessionEverywhere(jweGcm({ alg: 'dir', enc: 'A256GCM', kid: thumbprint(authKey(32)), zip: 'DEF' }, small), 'ERR_JWE_UNSUPPORTED')
})

test('json-jwt CVE-2018-1000539: an A256GCM tag shorter than 128 bits is refused, even when correct', () => {
  // The attack: a 1-byte tag forgeable in 256 tries. Tags here are genuinely computed at the short length.
  for (const tagLen of [4, 8, 12]) {
    sessionEverywhere(jweGcm({ alg: 'dir', enc: 'A256GCM', kid: thumbprint(authKey(32)) }, Buffer.from(JSON.stringify(claims())), { tagLen }), 'ERR_JWE_DECRYPTION_FAILED')
  }
  // Truncations of a genuine tag, down to one byte.
  const good = jweGcm({ alg: 'dir', enc: 'A256GCM', kid: thumbprint(authKey(32)) }, Buffer.from(JSON.stringify(claims())))
  assert.equal(session().decode(good).sub, 'attacker', 'control')
  const parts = good.split('.')
  const tag = Buffer.from(parts[4], 'base64url')
  for (const n of [1, 15]) sessionEverywhere([...parts.slice(0, 4), b64u(tag.subarray(0, n))].join('.'), 'ERR_JWE_DECRYPTION_FAILED')
})

test('cjose CVE-2023-37464 (GHSA-3rhg-3gf2-6xgj): the AES-GCM tag length comes from the algorithm, not from the token', async () => {
  const { encode } = await authCore()
  // @auth/core's token is A256CBC-HS512; its 32-byte tag truncated, or padded, is refused.
  const token = await encode({ token: { sub: 'user' }, secret: AUTH_SECRET, salt: COOKIE })
  const parts = token.split('.')
  const tag = Buffer.from(parts[4], 'base64url')
  assert.equal(tag.length, 32)
  for (const t of [tag.subarray(0, 16), tag.subarray(0, 1), Buffer.concat([tag, Buffer.alloc(16)])]) {
    sessionEverywhere([...parts.slice(0, 4), b64u(t)].join('.'), 'ERR_JWE_DECRYPTION_FAILED')
  }
  // A256GCM with a genuinely computed 96-bit tag (what cjose accepted).
  sessionEverywhere(jweGcm({ alg: 'dir', enc: 'A256GCM', kid: thumbprint(authKey(32)) }, Buffer.from('{"sub":"x"}'), { tagLen: 12 }), 'ERR_JWE_DECRYPTION_FAILED')
})

// ---------------------------------------------------------------------------
// ECDSA, kid, embedded keys
// ---------------------------------------------------------------------------

test('Java CVE-2022-21449 (psychic signatures): ECDSA r = s = 0 and r, s = n are refused', () => {
  const orders = {
    ES256: 'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551',
    ES384: 'ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973',
    ES512: '01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409',
  }
  const sizes = { ES256: 32, ES384: 48, ES512: 66 }
  const curves = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' }
  for (const alg of Object.keys(orders)) {
    const k = keys.ec(curves[alg])
    const n = Buffer.from(orders[alg].padStart(sizes[alg] * 2, '0'), 'hex')
    const input = `${b64u({ alg, typ: 'JWT' })}.${b64u(claims())}`
    const sigs = {
      'r = s = 0': Buffer.alloc(2 * sizes[alg]),
      'r = s = n': Buffer.concat([n, n]),
      'r = 0, s = 1': Buffer.concat([Buffer.alloc(sizes[alg]), Buffer.alloc(sizes[alg] - 1), Buffer.from([1])]),
    }
    const verifiers = [
      ['PEM', new JwtVerifier({ algorithms: [alg], key: k.publicPem })],
      ['JWK', new JwtVerifier({ algorithms: [alg], jwk: k.publicJwk })],
      ['JWKS', new JwtVerifier({ algorithms: [alg], jwks: { keys: [k.publicJwk] } })],
    ]
    for (const [what, sig] of Object.entries(sigs)) {
      const token = `${input}.${b64u(sig)}`
      for (const [kind, v] of verifiers) throwsCode(() => v.verify(token), 'ERR_JWS_SIGNATURE_INVALID', `${alg} ${what} (${kind})`)
      throwsCode(() => verifyJws(token, { algorithms: [alg], jwk: k.publicJwk }), 'ERR_JWS_SIGNATURE_INVALID', `verifyJws ${alg} ${what}`)
      throwsCode(() => new HandshakeAuthenticator({ jwt: { algorithms: [alg], key: k.publicPem } }).verifyToken(token), 'ERR_JWS_SIGNATURE_INVALID', `handshake ${alg} ${what}`)
    }
    // A DER-encoded zero signature (the Java form) is not the JWS form either.
    throwsCode(() => verifiers[0][1].verify(`${input}.${b64u(Buffer.from('3006020100020100', 'hex'))}`), 'ERR_JWS_SIGNATURE_INVALID', `${alg} DER zeros`)
  }
})

test('kid injection (kid used as a file path / SQL key by vulnerable lookups): just an unknown kid, never a crash', async () => {
  const k1 = crypto.randomBytes(32)
  const v = new JwtVerifier({ algorithms: ['HS256'], jwks: { keys: [{ kty: 'oct', k: b64u(k1), kid: 'k1' }, { kty: 'oct', k: b64u(crypto.randomBytes(32)), kid: 'k2' }] } })
  const h = handshake()
  const kids = [
    '../../../../../../etc/passwd',
    '/dev/null',
    "' OR '1'='1",
    "k1' UNION SELECT 'secret' --",
    'k1\u0000',
    'k1 ',
    ' k1',
    'K1',
    'k1\nk2',
    '${jndi:ldap://127.0.0.1/a}',
    '<script>alert(1)</script>',
    'x'.repeat(8000),
    '',
  ]
  for (const kid of kids) {
    // signed with the real k1, so only the kid decides
    const token = await new jose.SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid }).sign(k1)
    const err = throwsCode(() => v.verify(token), 'ERR_JWKS_NO_MATCHING_KEY', JSON.stringify(kid.slice(0, 30)))
    throwsCode(() => verifyJws(token, { algorithms: ['HS256'], jwks: { keys: [{ kty: 'oct', k: b64u(k1), kid: 'k1' }] } }), 'ERR_JWKS_NO_MATCHING_KEY', 'verifyJws')
    assert.doesNotMatch(err.message, /[\u0000-\u001f\u007f]/, 'control characters of the kid reach the message')
    assert.ok(err.message.length < 300, 'the message quotes the whole kid')
    // a single-key verifier ignores the kid: only the signature counts
    throwsCode(() => h.verifyToken(token), 'ERR_JWS_SIGNATURE_INVALID', 'handshake (single key, another secret)')
  }
})

test('node-jose CVE-2018-0114 (embedded jwk header) and jku / x5u / x5c: header keys are never used, never fetched', async () => {
  const victim = keys.rsa()
  const attacker = keys.rsa('attacker')
  const attackerJwk = { ...attacker.publicJwk, kid: 'attacker' }
  let requests = 0
  const server = http.createServer((req, res) => {
    requests++
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ keys: [attackerJwk] }))
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const url = `http://127.0.0.1:${server.address().port}/jwks.json`
    const cert = keys.selfSignedCertificate(attacker).replace(/-----[^-]+-----|\s/g, '')
    const headers = [
      ['embedded jwk', { jwk: attacker.publicJwk }],
      ['embedded jwk with kid', { jwk: attackerJwk, kid: 'attacker' }],
      ['jku to the attacker JWKS', { jku: url }],
      ['jku with kid', { jku: url, kid: 'attacker' }],
      ['x5u to the attacker', { x5u: url }],
      ['x5c with the attacker certificate', { x5c: [cert] }],
    ]
    const vPem = new JwtVerifier({ algorithms: ['RS256'], key: victim.publicPem })
    const vJwks = new JwtVerifier({ algorithms: ['RS256'], jwks: { keys: [{ ...victim.publicJwk, kid: 'victim' }] } })
    const h = new HandshakeAuthenticator({ jwt: { algorithms: ['RS256'], key: victim.publicPem } })
    for (const [name, extra] of headers) {
      const token = await new jose.SignJWT(claims()).setProtectedHeader({ alg: 'RS256', ...extra }).sign(attacker.privateKey)
      throwsCode(() => vPem.verify(token), 'ERR_JWS_SIGNATURE_INVALID', `${name} (PEM)`)
      throwsCode(() => verifyJws(token, { algorithms: ['RS256'], key: victim.publicPem }), 'ERR_JWS_SIGNATURE_INVALID', `${name} (verifyJws)`)
      throwsCode(() => h.verifyToken(token), 'ERR_JWS_SIGNATURE_INVALID', `${name} (handshake)`)
      throwsCode(() => vJwks.verify(token), extra.kid ? 'ERR_JWKS_NO_MATCHING_KEY' : 'ERR_JWS_SIGNATURE_INVALID', `${name} (JWKS)`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.equal(requests, 0, 'the verifier fetched a URL from a token header')
  } finally {
    await new Promise((resolve) => server.close(resolve))
  }
})

// ---------------------------------------------------------------------------
// Claims, signatures and parsing
// ---------------------------------------------------------------------------

test('PyJWT CVE-2024-53861: iss and aud are compared exactly (no substring, prefix or array match)', async () => {
  const ISS = 'https://issuer.example'
  const v = hs256({ issuer: ISS, audience: 'api' })
  const sign = (c) => new jose.SignJWT({ exp: nowSec() + 600, aud: 'api', iss: ISS, ...c }).setProtectedHeader({ alg: 'HS256' }).sign(SECRET)
  assert.equal(v.verify(await sign({})).iss, ISS, 'control')
  for (const iss of ['issuer', 'https://issuer.example.evil', 'https://issuer.example/', 'https://ISSUER.example', `${ISS} `, '_https://issuer.example_']) {
    throwsCode(() => v.verify(jsonwebtoken.sign({ iss, aud: 'api' }, SECRET, { expiresIn: 600 })), 'ERR_JWT_CLAIM_INVALID', `iss ${iss}`)
  }
  throwsCode(() => v.verify(jsonwebtoken.sign({ iss: [ISS], aud: 'api' }, SECRET, { expiresIn: 600 })), 'ERR_JWT_CLAIM_INVALID', 'iss as an array')
  throwsCode(() => v.verify(jsonwebtoken.sign({ iss: { ISS }, aud: 'api' }, SECRET, { expiresIn: 600 })), 'ERR_JWT_CLAIM_INVALID', 'iss as an object')
  for (const aud of ['ap', 'api-admin', 'API', ' api', ['ap', 'i'], 'apiapi']) {
    throwsCode(() => v.verify(jsonwebtoken.sign({ iss: ISS, aud }, SECRET, { expiresIn: 600 })), 'ERR_JWT_CLAIM_INVALID', `aud ${aud}`)
  }
  // sub, with the subject option
  throwsCode(() => hs256({ subject: 'user-1' }).verify(jsonwebtoken.sign({ sub: 'user-10' }, SECRET, { expiresIn: 600 })), 'ERR_JWT_CLAIM_INVALID', 'sub prefix')
})

test('PyJWT CVE-2022-29217 / python-jose CVE-2024-33663: OpenSSH public keys are not HMAC secrets', () => {
  // PyJWT treated an OpenSSH public key ("ssh-rsa AAAA...") as an HMAC secret when the
  // caller allowed every algorithm. authbridge pins one family, and README promises that
  // a public key offered as an HMAC secret is ERR_INVALID_KEY.
  const sshString = (b) => {
    const l = Buffer.alloc(4)
    l.writeUInt32BE(b.length)
    return Buffer.concat([l, b])
  }
  const mpint = (b) => sshString(b[0] & 0x80 ? Buffer.concat([Buffer.alloc(1), b]) : b)
  const rsaJwk = keys.rsa().publicJwk
  const edJwk = keys.ed25519().publicJwk
  const ecJwk = keys.ec('P-256').publicJwk
  const ssh = {
    'ssh-rsa': Buffer.concat([sshString(Buffer.from('ssh-rsa')), mpint(Buffer.from(rsaJwk.e, 'base64url')), mpint(Buffer.from(rsaJwk.n, 'base64url'))]),
    'ssh-ed25519': Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(Buffer.from(edJwk.x, 'base64url'))]),
    'ecdsa-sha2-nistp256': Buffer.concat([sshString(Buffer.from('ecdsa-sha2-nistp256')), sshString(Buffer.from('nistp256')), sshString(Buffer.concat([Buffer.from([4]), Buffer.from(ecJwk.x, 'base64url'), Buffer.from(ecJwk.y, 'base64url')]))]),
  }
  const forms = []
  for (const [type, blob] of Object.entries(ssh)) {
    forms.push([`${type} authorized_keys line`, `${type} ${blob.toString('base64')} user@host`])
    forms.push([`${type} line without comment`, `${type} ${blob.toString('base64')}`])
    forms.push([`${type} base64 body only`, blob.toString('base64')])
  }
  // The RSA family never takes the OpenSSH form (so the confusion needs an HMAC verifier).
  throwsCode(() => new JwtVerifier({ algorithms: ['RS256'], key: forms[0][1] }), 'ERR_INVALID_KEY', 'RS256 with an ssh-rsa key')
  const accepted = []
  for (const [name, key] of forms) {
    try {
      new JwtVerifier({ algorithms: ['HS256'], key })
      accepted.push(name)
    } catch (e) {
      assert.equal(e.code, 'ERR_INVALID_KEY', `${name}: ${e.message}`)
    }
  }
  assert.deepEqual(accepted, [], 'OpenSSH public keys accepted as HMAC secrets')
})

test('ServiceStack CVE-2020-28042 (empty signature accepted): an empty or truncated signature never verifies', async () => {
  const rows = [
    ['HS256', hs256(), await new jose.SignJWT(claims()).setProtectedHeader({ alg: 'HS256' }).sign(SECRET)],
    ['RS256', new JwtVerifier({ algorithms: ['RS256'], key: keys.rsa().publicPem }), await new jose.SignJWT(claims()).setProtectedHeader({ alg: 'RS256' }).sign(keys.rsa().privateKey)],
    ['ES256', new JwtVerifier({ algorithms: ['ES256'], key: keys.ec('P-256').publicPem }), await new jose.SignJWT(claims()).setProtectedHeader({ alg: 'ES256' }).sign(keys.ec('P-256').privateKey)],
    ['EdDSA', new JwtVerifier({ algorithms: ['EdDSA'], key: keys.ed25519().publicPem }), await new jose.SignJWT(claims()).setProtectedHeader({ alg: 'EdDSA' }).sign(keys.ed25519().privateKey)],
  ]
  for (const [alg, v, token] of rows) {
    assert.equal(v.verify(token).sub, 'attacker', `control ${alg}`)
    const [h, p, s] = token.split('.')
    throwsCode(() => v.verify(`${h}.${p}.`), 'ERR_JWS_SIGNATURE_INVALID', `${alg} empty signature`)
    const sig = Buffer.from(s, 'base64url')
    for (const n of [1, 16, sig.length - 1]) throwsCode(() => v.verify(`${h}.${p}.${b64u(sig.subarray(0, n))}`), 'ERR_JWS_SIGNATURE_INVALID', `${alg} signature truncated to ${n}`)
  }
})

test('go-jose CVE-2025-27144 (GHSA-c6gw-w398-hv78): compact tokens with many periods are refused promptly', () => {
  const s = new AuthJsSession({ secret: AUTH_SECRET })
  for (const token of ['.'.repeat(16000), 'a.'.repeat(8000), `${'x'.repeat(100)}${'.'.repeat(15000)}`]) {
    throwsCode(() => hs256().verify(token), 'ERR_TOKEN_MALFORMED', 'verify')
    throwsCode(() => verifyJws(token, { algorithms: ['HS256'], key: SECRET }), 'ERR_TOKEN_MALFORMED', 'verifyJws')
    throwsCode(() => s.decode(token), 'ERR_TOKEN_MALFORMED', 'decode')
  }
  // Over the length limit, it is refused before it is split at all.
  throwsCode(() => hs256().verify('.'.repeat(1 << 20)), 'ERR_TOKEN_TOO_LARGE', 'verify, 1 MiB of periods')
  throwsCode(() => s.decode('.'.repeat(1 << 20)), 'ERR_TOKEN_TOO_LARGE', 'decode, 1 MiB of periods')
})

test('golang-jwt CVE-2025-30204 (GHSA-mh63-6h87-95cp): header parsing with many periods, through the handshake', () => {
  const h = handshake()
  for (const token of ['.'.repeat(16000), `${'A'.repeat(20)}${'.'.repeat(15000)}`]) {
    throwsCode(() => h.verifyToken(token), 'ERR_TOKEN_MALFORMED', 'verifyToken')
    throwsCode(() => h.authenticate({ auth: { token } }), 'ERR_TOKEN_MALFORMED', 'authenticate')
    throwsCode(() => h.authenticate({ headers: { authorization: `Bearer ${token}` } }), 'ERR_TOKEN_MALFORMED', 'authenticate (header)')
  }
  throwsCode(() => h.authenticate({ auth: { token: '.'.repeat(1 << 20) } }), 'ERR_TOKEN_TOO_LARGE', 'authenticate, 1 MiB of periods')
})
