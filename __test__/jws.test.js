'use strict'
// JWS / JWT verification and signing, checked against real libraries:
// tokens come from jsonwebtoken and jose, keys from node:crypto.
// Run: node --test __test__/

const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const jsonwebtoken = require('jsonwebtoken')
const jose = require('jose') // ESM-only; require(esm) works on Node >= 20.19

const { JwtVerifier, JwtSigner, sign, verifyJws, decodeUnverified, inspect } = require('..')
const keys = require('./helpers/keys')
const { now, enc, b64u, parts, SECRET, joseJwt, validHs256, noneToken, jweDir } = require('./helpers/tokens')

// ---------------------------------------------------------------- helpers

const ALGS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']
const isHmac = (alg) => alg.startsWith('HS')

/** Verification material of an algorithm: { key } (secret or SPKI PEM), its JWK, and the signing keys. */
function material(alg) {
  if (isHmac(alg)) {
    const secret = keys.secret(keys.hmacBytes(alg), alg)
    return { verifyKey: secret, verifyJwk: { kty: 'oct', k: secret.toString('base64url') }, signKey: secret, signPem: secret, signJwk: { kty: 'oct', k: secret.toString('base64url') }, joseVerifyKey: secret }
  }
  const k = keys.keysFor(alg)
  return { verifyKey: k.publicPem, verifyJwk: k.publicJwk, signKey: k.privateKey, signPem: k.privatePem, signJwk: k.privateJwk, joseVerifyKey: k.publicKey }
}

const hs256Verifier = (options = {}) => new JwtVerifier({ algorithms: ['HS256'], key: SECRET, ...options })

/** Runs fn, which must throw an authbridge error with `code` (and `claim`); returns the error. */
function expectError(fn, code, claim) {
  let err
  try {
    fn()
  } catch (e) {
    err = e
  }
  assert.ok(err, `expected ${code}, but nothing was thrown`)
  assert.ok(err instanceof Error, 'not an Error')
  assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`)
  if (claim !== undefined) assert.equal(err.claim, claim, `claim of: ${err.message}`)
  return err
}

/** Changes one character in the middle of a base64url string (never the last one). */
function flipChar(s, at = Math.floor(s.length / 2)) {
  const c = s[at] === 'A' ? 'B' : 'A'
  return s.slice(0, at) + c + s.slice(at + 1)
}

// ================================================================ 1. every algorithm

for (const alg of ALGS) {
  const m = () => material(alg)

  if (alg !== 'EdDSA') {
    // jsonwebtoken has no EdDSA; it does support ES512 (P-521).
    test(`${alg}: a jsonwebtoken token verifies with the ${isHmac(alg) ? 'secret' : 'SPKI PEM'}`, () => {
      const token = jsonwebtoken.sign({ sub: 'user-1', role: 'admin' }, m().signPem, { algorithm: alg, expiresIn: '5m', issuer: 'https://issuer.example' })
      const v = new JwtVerifier({ algorithms: [alg], key: m().verifyKey, issuer: 'https://issuer.example' })
      const claims = v.verify(token)
      assert.equal(claims.sub, 'user-1')
      assert.equal(claims.role, 'admin')
      assert.equal(claims.iss, 'https://issuer.example')
      assert.equal(claims.exp - claims.iat, 300)
      assert.ok(Math.abs(claims.iat - now()) <= 5)
      const { header, payload } = v.verifyComplete(token)
      assert.equal(header.alg, alg)
      assert.equal(header.typ, 'JWT')
      assert.deepEqual(payload, claims)
    })
  }

  test(`${alg}: a jose token verifies with the key, with a JWK object and with JWK JSON text`, async () => {
    const iat = now()
    const token = await joseJwt({ sub: 'user-2', scope: ['a', 'b'], iat, exp: iat + 600 }, { alg, key: m().signKey, header: { kid: 'k-1' } })
    const expected = { sub: 'user-2', scope: ['a', 'b'], iat, exp: iat + 600 }
    assert.deepEqual(new JwtVerifier({ algorithms: [alg], key: m().verifyKey }).verify(token), expected)
    assert.deepEqual(new JwtVerifier({ algorithms: [alg], jwk: m().verifyJwk }).verify(token), expected)
    const joseJwk = isHmac(alg) ? m().verifyJwk : await jose.exportJWK(m().joseVerifyKey)
    assert.deepEqual(new JwtVerifier({ algorithms: [alg], jwk: JSON.stringify(joseJwk) }).verify(token), expected)
    const { header } = new JwtVerifier({ algorithms: [alg], jwk: joseJwk }).verifyComplete(token)
    assert.deepEqual(header, { alg, typ: 'JWT', kid: 'k-1' })
  })

  test(`${alg}: JwtSigner and sign() tokens verify with jose (iat/exp as expected)`, async () => {
    const before = now()
    const signer = new JwtSigner({ algorithm: alg, key: m().signPem, expiresIn: '15m' })
    const t1 = signer.sign({ sub: 'user-3', n: 42 })
    const after = now()
    const r1 = await jose.jwtVerify(t1, m().joseVerifyKey, { algorithms: [alg] })
    assert.deepEqual(r1.protectedHeader, { alg, typ: 'JWT' })
    assert.equal(r1.payload.sub, 'user-3')
    assert.equal(r1.payload.n, 42)
    assert.ok(r1.payload.iat >= before && r1.payload.iat <= after, `iat ${r1.payload.iat} not in [${before}, ${after}]`)
    assert.equal(r1.payload.exp, r1.payload.iat + 900)

    const t2 = sign({ role: 'admin' }, m().signPem, {
      algorithm: alg, expiresIn: 60, notBefore: '0s', issuer: 'me', audience: 'you', subject: 'user-4', jwtid: 'j-1', keyid: 'kid-9',
    })
    const r2 = await jose.jwtVerify(t2, m().joseVerifyKey, { algorithms: [alg], issuer: 'me', audience: 'you', subject: 'user-4' })
    assert.deepEqual(r2.protectedHeader, { alg, typ: 'JWT', kid: 'kid-9' })
    assert.equal(r2.payload.aud, 'you', 'a single audience stays a string')
    assert.equal(r2.payload.jti, 'j-1')
    assert.equal(r2.payload.exp, r2.payload.iat + 60)
    assert.equal(r2.payload.nbf, r2.payload.iat)
    if (alg !== 'EdDSA') {
      const decoded = jsonwebtoken.verify(t2, isHmac(alg) ? m().verifyKey : m().verifyKey, { algorithms: [alg], audience: 'you' })
      assert.equal(decoded.sub, 'user-4')
    }
  })

  test(`${alg}: signs with a private JWK (JwtSigner jwk and sign() with a JWK object)`, async () => {
    const t1 = new JwtSigner({ algorithm: alg, jwk: m().signJwk, expiresIn: 120 }).sign({ sub: 'jwk-1' })
    const t2 = sign({ sub: 'jwk-2' }, m().signJwk, { algorithm: alg, expiresIn: 120, audience: ['a', 'b'] })
    const r1 = await jose.jwtVerify(t1, m().joseVerifyKey, { algorithms: [alg] })
    const r2 = await jose.jwtVerify(t2, m().joseVerifyKey, { algorithms: [alg], audience: 'b' })
    assert.equal(r1.payload.sub, 'jwk-1')
    assert.equal(r1.payload.exp, r1.payload.iat + 120)
    assert.deepEqual(r2.payload.aud, ['a', 'b'])
    // and our own verifier accepts what our signer made
    assert.equal(new JwtVerifier({ algorithms: [alg], key: m().verifyKey }).verify(t1).sub, 'jwk-1')
  })
}

test('RSA: a PKCS#1 PEM (RSA PUBLIC KEY) verifies RS256 and PS256 tokens', async () => {
  const { privateKey, publicKey } = keys.rsa()
  const pkcs1 = publicKey.export({ type: 'pkcs1', format: 'pem' })
  assert.match(pkcs1, /-----BEGIN RSA PUBLIC KEY-----/)
  const v = new JwtVerifier({ algorithms: ['RS256', 'PS256'], key: pkcs1 })
  for (const alg of ['RS256', 'PS256']) {
    const token = await joseJwt({ sub: alg, exp: now() + 60 }, { alg, key: privateKey })
    assert.equal(v.verify(token).sub, alg)
  }
})

test('X.509: a self-signed certificate (built with node:crypto) verifies RS256 and ES256 tokens', async () => {
  for (const [alg, kp] of [['RS256', keys.rsa()], ['ES256', keys.ec('P-256')]]) {
    const pem = keys.selfSignedCertificate(kp)
    const x509 = new crypto.X509Certificate(pem)
    assert.ok(x509.verify(kp.publicKey), 'the helper made a valid certificate')
    const token = await joseJwt({ sub: 'cert', exp: now() + 60 }, { alg, key: kp.privateKey })
    assert.equal(new JwtVerifier({ algorithms: [alg], key: pem }).verify(token).sub, 'cert')
    // a certificate of another key does not verify it
    const other = alg === 'RS256' ? keys.rsa('second') : keys.ec('P-256', 'second')
    const v2 = new JwtVerifier({ algorithms: [alg], key: keys.selfSignedCertificate(other) })
    expectError(() => v2.verify(token), 'ERR_JWS_SIGNATURE_INVALID')
  }
})

test('keys as Buffers: a PEM Buffer and a string HMAC secret both work', async () => {
  const { privateKey, publicPem } = keys.rsa()
  const token = await joseJwt({ sub: 'buf', exp: now() + 60 }, { alg: 'RS256', key: privateKey })
  assert.equal(new JwtVerifier({ algorithms: ['RS256'], key: Buffer.from(publicPem) }).verify(token).sub, 'buf')
  const text = 'a-string-secret-of-more-than-32-bytes!'
  const t2 = await joseJwt({ sub: 'str', exp: now() + 60 }, { key: enc.encode(text) })
  assert.equal(new JwtVerifier({ algorithms: ['HS256'], key: text }).verify(t2).sub, 'str')
})

test("jose's fully-specified alg 'Ed25519' (RFC 9864) is not one of the pinned names", async () => {
  const { privateKey, publicPem } = keys.ed25519()
  const token = await joseJwt({ exp: now() + 60 }, { alg: 'Ed25519', key: privateKey })
  expectError(() => new JwtVerifier({ algorithms: ['EdDSA'], key: publicPem }).verify(token), 'ERR_JWS_ALG_NOT_ALLOWED')
})

// ================================================================ 2. negatives


/** Token-level failures: each row makes a token (async) and a verifier, and names the error. */
const TOKEN_NEGATIVES = [
  { name: 'tampered signature', token: async () => { const [h, p, s] = parts(await validHs256()); return `${h}.${p}.${flipChar(s)}` }, code: 'ERR_JWS_SIGNATURE_INVALID' },
  { name: 'tampered payload (role changed)', token: async () => { const [h, p, s] = parts(await validHs256()); const c = JSON.parse(Buffer.from(p, 'base64url')); c.role = 'root'; return `${h}.${b64u(c)}.${s}` }, code: 'ERR_JWS_SIGNATURE_INVALID' },
  { name: 'tampered header (member added)', token: async () => { const [, p, s] = parts(await validHs256()); return `${b64u({ alg: 'HS256', typ: 'JWT', kid: 'x' })}.${p}.${s}` }, code: 'ERR_JWS_SIGNATURE_INVALID' },
  { name: 'tampered RS256 signature', verifier: () => new JwtVerifier({ algorithms: ['RS256'], key: keys.rsa().publicPem }), token: async () => { const [h, p, s] = parts(await joseJwt({ exp: now() + 60 }, { alg: 'RS256', key: keys.rsa().privateKey })); return `${h}.${p}.${flipChar(s)}` }, code: 'ERR_JWS_SIGNATURE_INVALID' },
  { name: 'RS256 token signed by another RSA key', verifier: () => new JwtVerifier({ algorithms: ['RS256'], key: keys.rsa().publicPem }), token: () => joseJwt({ exp: now() + 60 }, { alg: 'RS256', key: keys.rsa('second').privateKey }), code: 'ERR_JWS_SIGNATURE_INVALID' },
  { name: "alg 'none'", token: async () => noneToken('none'), code: 'ERR_JWS_ALG_NOT_ALLOWED' },
  { name: "alg 'None'", token: async () => noneToken('None'), code: 'ERR_JWS_ALG_NOT_ALLOWED' },
  { name: "alg 'NONE'", token: async () => noneToken('NONE'), code: 'ERR_JWS_ALG_NOT_ALLOWED' },
  { name: "alg 'none' to an RS256 verifier", verifier: () => new JwtVerifier({ algorithms: ['RS256'], key: keys.rsa().publicPem }), token: async () => noneToken('none'), code: 'ERR_JWS_ALG_NOT_ALLOWED' },
  { name: "alg 'none' with the valid HS256 signature kept", token: async () => { const [, p, s] = parts(await validHs256()); return `${b64u({ alg: 'none', typ: 'JWT' })}.${p}.${s}` }, code: 'ERR_JWS_ALG_NOT_ALLOWED' },
  { name: 'HS512 token to an HS256-only verifier', token: () => joseJwt({ exp: now() + 60 }, { alg: 'HS512', key: keys.secret(64) }), code: 'ERR_JWS_ALG_NOT_ALLOWED' },
  { name: 'lower-case alg hs256', token: async () => { const [, p] = parts(await validHs256()); const h = b64u({ alg: 'hs256' }); const s = crypto.createHmac('sha256', SECRET).update(`${h}.${p}`).digest('base64url'); return `${h}.${p}.${s}` }, code: 'ERR_JWS_ALG_NOT_ALLOWED' },
  { name: 'ES384 token to an ES256 verifier', verifier: () => new JwtVerifier({ algorithms: ['ES256'], key: keys.ec('P-256').publicPem }), token: () => joseJwt({ exp: now() + 60 }, { alg: 'ES384', key: keys.ec('P-384').privateKey }), code: 'ERR_JWS_ALG_NOT_ALLOWED' },
  { name: 'RS256->HS256 confusion: HMAC with the PEM text, RS256 verifier', verifier: () => new JwtVerifier({ algorithms: ['RS256'], key: keys.rsa().publicPem }), token: () => joseJwt({ sub: 'admin', exp: now() + 60 }, { alg: 'HS256', key: enc.encode(keys.rsa().publicPem) }), code: 'ERR_JWS_ALG_NOT_ALLOWED' },
  { name: 'RS256->HS256 confusion: HMAC with the PEM text, RS256+PS256 verifier', verifier: () => new JwtVerifier({ algorithms: ['RS256', 'PS256'], key: keys.rsa().publicPem }), token: () => joseJwt({ sub: 'admin', exp: now() + 60 }, { alg: 'HS256', key: enc.encode(keys.rsa().publicPem) }), code: 'ERR_JWS_ALG_NOT_ALLOWED' },
  { name: 'expired', token: () => validHs256({ exp: now() - 60 }), code: 'ERR_JWT_EXPIRED', claim: 'exp' },
  { name: 'expired beyond clockTolerance', verifier: () => hs256Verifier({ clockTolerance: 30 }), token: () => validHs256({ exp: now() - 120 }), code: 'ERR_JWT_EXPIRED', claim: 'exp' },
  { name: 'not yet active (nbf)', token: () => validHs256({ nbf: now() + 600 }), code: 'ERR_JWT_NOT_ACTIVE', claim: 'nbf' },
  { name: 'exp not a number', token: () => validHs256({ exp: String(now() + 600) }), code: 'ERR_JWT_CLAIM_INVALID', claim: 'exp' },
  { name: 'iss mismatch', verifier: () => hs256Verifier({ issuer: 'https://good.example' }), token: () => validHs256({ iss: 'https://evil.example' }), code: 'ERR_JWT_CLAIM_INVALID', claim: 'iss' },
  { name: 'iss not in the accepted list', verifier: () => hs256Verifier({ issuer: ['https://a.example', 'https://b.example'] }), token: () => validHs256({ iss: 'https://c.example' }), code: 'ERR_JWT_CLAIM_INVALID', claim: 'iss' },
  { name: 'iss missing', verifier: () => hs256Verifier({ issuer: 'https://good.example' }), token: () => validHs256(), code: 'ERR_JWT_CLAIM_MISSING', claim: 'iss' },
  { name: 'aud string mismatch', verifier: () => hs256Verifier({ audience: 'api' }), token: () => validHs256({ aud: 'other' }), code: 'ERR_JWT_CLAIM_INVALID', claim: 'aud' },
  { name: 'aud array mismatch', verifier: () => hs256Verifier({ audience: ['api', 'web'] }), token: () => validHs256({ aud: ['mobile', 'admin'] }), code: 'ERR_JWT_CLAIM_INVALID', claim: 'aud' },
  { name: 'aud missing', verifier: () => hs256Verifier({ audience: 'api' }), token: () => validHs256(), code: 'ERR_JWT_CLAIM_MISSING', claim: 'aud' },
  { name: 'sub mismatch', verifier: () => hs256Verifier({ subject: 'user-1' }), token: () => validHs256({ sub: 'user-2' }), code: 'ERR_JWT_CLAIM_INVALID', claim: 'sub' },
  { name: 'typ mismatch', verifier: () => hs256Verifier({ typ: 'at+jwt' }), token: () => validHs256(), code: 'ERR_JWT_CLAIM_INVALID', claim: 'typ' },
  { name: 'missing exp', token: () => joseJwt({ sub: 'user-1', iat: now() }), code: 'ERR_JWT_CLAIM_MISSING', claim: 'exp' },
  { name: 'a custom required claim missing', verifier: () => hs256Verifier({ requiredClaims: ['exp', 'tenant'] }), token: () => validHs256(), code: 'ERR_JWT_CLAIM_MISSING', claim: 'tenant' },
  { name: 'maxAge exceeded', verifier: () => hs256Verifier({ maxAge: 60 }), token: () => validHs256({ iat: now() - 3600 }), code: 'ERR_JWT_EXPIRED', claim: 'iat' },
  { name: 'maxAge without iat', verifier: () => hs256Verifier({ maxAge: 60 }), token: () => joseJwt({ exp: now() + 60 }), code: 'ERR_JWT_CLAIM_MISSING', claim: 'iat' },
  { name: 'unknown crit header', token: () => new jose.SignJWT({ exp: now() + 60 }).setProtectedHeader({ alg: 'HS256', crit: ['urn:example:x'], 'urn:example:x': 1 }).sign(SECRET, { crit: { 'urn:example:x': true } }), code: 'ERR_TOKEN_MALFORMED' },
  { name: 'b64:false with crit (RFC 7797)', token: async () => { const f = await new jose.FlattenedSign(enc.encode('foo')).setProtectedHeader({ alg: 'HS256', b64: false, crit: ['b64'] }).sign(SECRET); return `${f.protected}.foo.${f.signature}` }, code: 'ERR_TOKEN_MALFORMED' },
  { name: 'b64:false without crit', token: async () => { const f = await new jose.FlattenedSign(enc.encode(JSON.stringify({ exp: now() + 60 }))).setProtectedHeader({ alg: 'HS256', b64: false }).sign(SECRET); return `${f.protected}.${f.payload}.${f.signature}` }, code: 'ERR_TOKEN_MALFORMED' },
  { name: "base64url padding '=' on the signature", token: async () => (await validHs256()) + '=', code: 'ERR_TOKEN_MALFORMED' },
  { name: "base64url padding '=' on the payload", token: async () => { const [h, p, s] = parts(await validHs256()); return `${h}.${p}==.${s}` }, code: 'ERR_TOKEN_MALFORMED' },
  { name: "'+' in the signature", token: async () => { const [h, p, s] = parts(await validHs256()); return `${h}.${p}.+${s.slice(1)}` }, code: 'ERR_TOKEN_MALFORMED' },
  { name: "'/' in the payload", token: async () => { const [h, p, s] = parts(await validHs256()); return `${h}.${p.slice(0, 4)}/${p.slice(5)}.${s}` }, code: 'ERR_TOKEN_MALFORMED' },
  { name: 'a space inside the payload', token: async () => { const [h, p, s] = parts(await validHs256()); return `${h}.${p.slice(0, 8)} ${p.slice(8)}.${s}` }, code: 'ERR_TOKEN_MALFORMED' },
  { name: 'a trailing newline', token: async () => (await validHs256()) + '\n', code: 'ERR_TOKEN_MALFORMED' },
  { name: 'leading whitespace', token: async () => ' ' + (await validHs256()), code: 'ERR_TOKEN_MALFORMED' },
  { name: 'non-canonical base64url (non-zero trailing bits)', token: async () => { const t = await validHs256(); const last = t.at(-1); const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'; return t.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1] }, code: 'ERR_TOKEN_MALFORMED' },
  { name: 'header that is not JSON', token: async () => { const [, p, s] = parts(await validHs256()); return `${b64u('not json')}.${p}.${s}` }, code: 'ERR_TOKEN_MALFORMED' },
  { name: 'empty header', token: async () => { const [, p, s] = parts(await validHs256()); return `.${p}.${s}` }, code: 'ERR_TOKEN_MALFORMED' },
  { name: 'payload with duplicate claim names (signed by jose)', token: () => new jose.CompactSign(enc.encode(`{"sub":"user","sub":"admin","exp":${now() + 60}}`)).setProtectedHeader({ alg: 'HS256' }).sign(SECRET), code: 'ERR_TOKEN_MALFORMED' },
  { name: 'payload that is not JSON (signed by jose)', token: () => new jose.CompactSign(enc.encode('foo')).setProtectedHeader({ alg: 'HS256' }).sign(SECRET), code: 'ERR_TOKEN_MALFORMED' },
  { name: 'kid that is not a string', token: () => joseJwt({ exp: now() + 60 }, { header: { kid: 5 } }), code: 'ERR_TOKEN_MALFORMED' },
  { name: '2-part token', token: async () => parts(await validHs256()).slice(0, 2).join('.'), code: 'ERR_TOKEN_MALFORMED' },
  { name: '4-part token', token: async () => (await validHs256()) + '.x', code: 'ERR_TOKEN_MALFORMED' },
  { name: '6-part token', token: async () => (await validHs256()) + '.a.b.c', code: 'ERR_TOKEN_MALFORMED' },
  { name: 'empty string', token: async () => '', code: 'ERR_TOKEN_MALFORMED' },
  { name: "'Bearer ' + token", token: async () => 'Bearer ' + (await validHs256()), code: 'ERR_TOKEN_MALFORMED' },
  { name: "'bearer ' + token", token: async () => 'bearer ' + (await validHs256()), code: 'ERR_TOKEN_MALFORMED' },
  { name: 'token wrapped in quotes', token: async () => JSON.stringify(await validHs256()), code: 'ERR_TOKEN_MALFORMED' },
  { name: 'over maxTokenLength', verifier: () => hs256Verifier({ maxTokenLength: 64 }), token: () => validHs256(), code: 'ERR_TOKEN_TOO_LARGE' },
  { name: 'over the default 16384 bytes', token: () => validHs256({ blob: 'x'.repeat(13000) }), code: 'ERR_TOKEN_TOO_LARGE' },
]

for (const row of TOKEN_NEGATIVES) {
  test(`rejects: ${row.name} -> ${row.code}${row.claim ? ` (${row.claim})` : ''}`, async () => {
    const token = await row.token()
    const v = row.verifier ? row.verifier() : hs256Verifier()
    const err = expectError(() => v.verify(token), row.code, row.claim)
    if (!row.claim) assert.equal(err.claim, undefined, 'no claim on a non-claim error')
    // verifyComplete fails the same way
    expectError(() => v.verifyComplete(token), row.code, row.claim)
  })
}

test('a 5-part token (jose CompactEncrypt, dir) is ERR_TOKEN_WRONG_KIND, pointing at AuthJsSession', async () => {
  const jwe = await new jose.CompactEncrypt(enc.encode(JSON.stringify({ sub: 'x' }))).setProtectedHeader({ alg: 'dir', enc: 'A256GCM' }).encrypt(keys.secret(32, 'jwe'))
  assert.equal(parts(jwe).length, 5)
  const err = expectError(() => hs256Verifier().verify(jwe), 'ERR_TOKEN_WRONG_KIND')
  assert.match(err.message, /AuthJsSession/)
  expectError(() => verifyJws(jwe, { algorithms: ['HS256'], key: SECRET }), 'ERR_TOKEN_WRONG_KIND')
})

test('maxTokenLength: a token of exactly the limit passes, one byte more does not', async () => {
  const token = await validHs256()
  assert.equal(hs256Verifier({ maxTokenLength: token.length }).verify(token).sub, 'user-1')
  expectError(() => hs256Verifier({ maxTokenLength: token.length - 1 }).verify(token), 'ERR_TOKEN_TOO_LARGE')
  expectError(() => verifyJws(token, { algorithms: ['HS256'], key: SECRET, maxTokenLength: token.length - 1 }), 'ERR_TOKEN_TOO_LARGE')
})

test('non-string tokens are ERR_TOKEN_MALFORMED everywhere', async () => {
  const token = await validHs256()
  const v = hs256Verifier()
  for (const bad of [42, null, undefined, { token }, [token], Buffer.from(token), true]) {
    expectError(() => v.verify(bad), 'ERR_TOKEN_MALFORMED')
    expectError(() => v.verifyComplete(bad), 'ERR_TOKEN_MALFORMED')
    expectError(() => verifyJws(bad, { algorithms: ['HS256'], key: SECRET }), 'ERR_TOKEN_MALFORMED')
    expectError(() => decodeUnverified(bad), 'ERR_TOKEN_MALFORMED')
  }
})

test('clockTolerance accepts a slightly expired token and a slightly early nbf', async () => {
  const expired = await validHs256({ exp: now() - 5 })
  expectError(() => hs256Verifier().verify(expired), 'ERR_JWT_EXPIRED', 'exp')
  assert.equal(hs256Verifier({ clockTolerance: 30 }).verify(expired).sub, 'user-1')
  const early = await validHs256({ nbf: now() + 5 })
  expectError(() => hs256Verifier().verify(early), 'ERR_JWT_NOT_ACTIVE', 'nbf')
  assert.equal(hs256Verifier({ clockTolerance: 30 }).verify(early).sub, 'user-1')
})

test('claims that match are accepted (iss list, aud array, sub, typ with application/ prefix, maxAge)', async () => {
  const token = await validHs256({ iss: 'https://b.example', aud: ['mobile', 'api'] }, { typ: 'application/JWT' })
  const v = hs256Verifier({ issuer: ['https://a.example', 'https://b.example'], audience: ['api'], subject: 'user-1', typ: 'jwt', maxAge: 60 })
  assert.deepEqual(v.verify(token).aud, ['mobile', 'api'])
})

test("requiredClaims: [] accepts a token without exp; the default does not", async () => {
  const token = await joseJwt({ sub: 'no-exp' })
  expectError(() => hs256Verifier().verify(token), 'ERR_JWT_CLAIM_MISSING', 'exp')
  assert.deepEqual(hs256Verifier({ requiredClaims: [] }).verify(token), { sub: 'no-exp' })
})

/** Constructor failures: [name, () => construct, code]. */
const rsaPem = () => keys.rsa().publicPem
const CONSTRUCTOR_NEGATIVES = [
  ['HS256 with a PEM public key as secret', () => new JwtVerifier({ algorithms: ['HS256'], key: rsaPem() }), 'ERR_INVALID_KEY'],
  ['HS256 with a PEM public key Buffer as secret', () => new JwtVerifier({ algorithms: ['HS256'], key: Buffer.from(rsaPem()) }), 'ERR_INVALID_KEY'],
  ['HS256 with whitespace before the PEM', () => new JwtVerifier({ algorithms: ['HS256'], key: '\n   \t' + rsaPem() }), 'ERR_INVALID_KEY'],
  ['HS256 with text before the PEM', () => new JwtVerifier({ algorithms: ['HS256'], key: 'Public key of the auth server:\n' + rsaPem() }), 'ERR_INVALID_KEY'],
  ['HS256 with a PKCS#1 PEM as secret', () => new JwtVerifier({ algorithms: ['HS256'], key: keys.rsa().publicKey.export({ type: 'pkcs1', format: 'pem' }) }), 'ERR_INVALID_KEY'],
  ['HS256 with an X.509 certificate as secret', () => new JwtVerifier({ algorithms: ['HS256'], key: keys.selfSignedCertificate(keys.rsa()) }), 'ERR_INVALID_KEY'],
  ['HS256 with an EC PEM as secret', () => new JwtVerifier({ algorithms: ['HS256'], key: keys.ec('P-256').publicPem }), 'ERR_INVALID_KEY'],
  ['HS256 with a public JWK JSON string as secret', () => new JwtVerifier({ algorithms: ['HS256'], key: JSON.stringify(keys.rsa().publicJwk) }), 'ERR_INVALID_KEY'],
  ['HS256 with an indented public JWK JSON string as secret', () => new JwtVerifier({ algorithms: ['HS256'], key: '  ' + JSON.stringify(keys.ec('P-256').publicJwk, null, 2) }), 'ERR_INVALID_KEY'],
  ['HS256 with a public RSA JWK as jwk', () => new JwtVerifier({ algorithms: ['HS256'], jwk: keys.rsa().publicJwk }), 'ERR_INVALID_KEY'],
  ['HS256 with a 31-byte secret', () => new JwtVerifier({ algorithms: ['HS256'], key: keys.secret(31) }), 'ERR_INVALID_KEY'],
  ['HS256+HS512 with a 63-byte secret', () => new JwtVerifier({ algorithms: ['HS256', 'HS512'], key: keys.secret(63) }), 'ERR_INVALID_KEY'],
  ['HS384 with a 47-byte oct JWK', () => new JwtVerifier({ algorithms: ['HS384'], jwk: { kty: 'oct', k: keys.secret(47).toString('base64url') } }), 'ERR_INVALID_KEY'],
  ['HS256 with an empty string secret', () => new JwtVerifier({ algorithms: ['HS256'], key: '' }), 'ERR_INVALID_KEY'],
  ['HS256 with an empty secret and allowWeakSecret', () => new JwtVerifier({ algorithms: ['HS256'], key: Buffer.alloc(0), allowWeakSecret: true }), 'ERR_INVALID_KEY'],
  ['verifyJws with an empty secret and allowWeakSecret', () => verifyJws('a.b.c', { algorithms: ['HS256'], key: '', allowWeakSecret: true }), 'ERR_INVALID_KEY'],
  ['mixed families HS256 + RS256', () => new JwtVerifier({ algorithms: ['HS256', 'RS256'], key: rsaPem() }), 'ERR_INVALID_OPTIONS'],
  ['mixed families ES256 + EdDSA', () => new JwtVerifier({ algorithms: ['ES256', 'EdDSA'], key: keys.ec('P-256').publicPem }), 'ERR_INVALID_OPTIONS'],
  ['algorithms empty', () => new JwtVerifier({ algorithms: [], key: SECRET }), 'ERR_INVALID_OPTIONS'],
  ["algorithms ['none']", () => new JwtVerifier({ algorithms: ['none'], key: SECRET }), 'ERR_INVALID_OPTIONS'],
  ["algorithms ['hs256'] (case matters)", () => new JwtVerifier({ algorithms: ['hs256'], key: SECRET }), 'ERR_INVALID_OPTIONS'],
  ['no key at all', () => new JwtVerifier({ algorithms: ['HS256'] }), 'ERR_INVALID_OPTIONS'],
  ['both key and jwk', () => new JwtVerifier({ algorithms: ['RS256'], key: rsaPem(), jwk: keys.rsa().publicJwk }), 'ERR_INVALID_OPTIONS'],
  ['negative clockTolerance', () => new JwtVerifier({ algorithms: ['HS256'], key: SECRET, clockTolerance: -1 }), 'ERR_INVALID_OPTIONS'],
  ['maxTokenLength 0', () => new JwtVerifier({ algorithms: ['HS256'], key: SECRET, maxTokenLength: 0 }), 'ERR_INVALID_OPTIONS'],
  ['options not an object', () => new JwtVerifier('HS256'), 'ERR_INVALID_OPTIONS'],
  ['RSA 1024-bit PEM', () => new JwtVerifier({ algorithms: ['RS256'], key: keys.rsa('small', 1024).publicPem }), 'ERR_INVALID_KEY'],
  ['RSA 1024-bit JWK', () => new JwtVerifier({ algorithms: ['RS256'], jwk: keys.rsa('small', 1024).publicJwk }), 'ERR_INVALID_KEY'],
  ['EC P-256 PEM with ES384', () => new JwtVerifier({ algorithms: ['ES384'], key: keys.ec('P-256').publicPem }), 'ERR_INVALID_KEY'],
  ['EC P-256 PEM with ES256+ES384', () => new JwtVerifier({ algorithms: ['ES256', 'ES384'], key: keys.ec('P-256').publicPem }), 'ERR_INVALID_KEY'],
  ['EC P-384 JWK with ES256', () => new JwtVerifier({ algorithms: ['ES256'], jwk: keys.ec('P-384').publicJwk }), 'ERR_INVALID_KEY'],
  ['Ed25519 PEM with RS256', () => new JwtVerifier({ algorithms: ['RS256'], key: keys.ed25519().publicPem }), 'ERR_INVALID_KEY'],
  ['RSA PEM with EdDSA', () => new JwtVerifier({ algorithms: ['EdDSA'], key: rsaPem() }), 'ERR_INVALID_KEY'],
  ['RS256 with text that is not a PEM', () => new JwtVerifier({ algorithms: ['RS256'], key: 'not a key at all, just some text' }), 'ERR_INVALID_KEY'],
  ["JWK with use 'enc'", () => new JwtVerifier({ algorithms: ['RS256'], jwk: { ...keys.rsa().publicJwk, use: 'enc' } }), 'ERR_INVALID_KEY'],
  ["JWK with key_ops ['encrypt'] (no 'verify')", () => new JwtVerifier({ algorithms: ['RS256'], jwk: { ...keys.rsa().publicJwk, key_ops: ['encrypt'] } }), 'ERR_INVALID_KEY'],
  ["JWK with key_ops ['sign'] given to a verifier", () => new JwtVerifier({ algorithms: ['RS256'], jwk: { ...keys.rsa().publicJwk, key_ops: ['sign'] } }), 'ERR_INVALID_KEY'],
  ["JWK with alg RS512 for an RS256 verifier", () => new JwtVerifier({ algorithms: ['RS256'], jwk: { ...keys.rsa().publicJwk, alg: 'RS512' } }), 'ERR_INVALID_KEY'],
  ['JWK JSON text that is not JSON', () => new JwtVerifier({ algorithms: ['RS256'], jwk: '{"kty":"RSA",' }), 'ERR_INVALID_KEY'],
  ['JWK without kty', () => new JwtVerifier({ algorithms: ['RS256'], jwk: { n: keys.rsa().publicJwk.n, e: 'AQAB' } }), 'ERR_INVALID_KEY'],
  ['signer: RS256 with a public PEM', () => new JwtSigner({ algorithm: 'RS256', key: rsaPem() }), 'ERR_INVALID_KEY'],
  ['signer: RS256 with a 1024-bit private key', () => new JwtSigner({ algorithm: 'RS256', key: keys.rsa('small', 1024).privatePem }), 'ERR_INVALID_KEY'],
  ['signer: HS256 with a 16-byte secret', () => new JwtSigner({ algorithm: 'HS256', key: keys.secret(16) }), 'ERR_INVALID_KEY'],
  ['signer: HS256 with a private PEM as secret', () => new JwtSigner({ algorithm: 'HS256', key: keys.rsa().privatePem }), 'ERR_INVALID_KEY'],
  ['signer: ES256 with a P-384 private key', () => new JwtSigner({ algorithm: 'ES256', key: keys.ec('P-384').privatePem }), 'ERR_INVALID_KEY'],
  ['signer: public JWK (no d)', () => new JwtSigner({ algorithm: 'ES256', jwk: keys.ec('P-256').publicJwk }), 'ERR_INVALID_KEY'],
  ["signer: private JWK with key_ops ['verify']", () => new JwtSigner({ algorithm: 'ES256', jwk: { ...keys.ec('P-256').privateJwk, key_ops: ['verify'] } }), 'ERR_INVALID_KEY'],
  ["signer: algorithm 'none'", () => new JwtSigner({ algorithm: 'none', key: SECRET }), 'ERR_INVALID_OPTIONS'],
  ["signer: expiresIn 'soon'", () => new JwtSigner({ algorithm: 'HS256', key: SECRET, expiresIn: 'soon' }), 'ERR_INVALID_OPTIONS'],
  ['sign(): HS256 with a 16-byte secret', () => sign({}, keys.secret(16), { algorithm: 'HS256' }), 'ERR_INVALID_KEY'],
  ['sign(): claims not an object', () => sign(['x'], SECRET, { algorithm: 'HS256' }), 'ERR_INVALID_OPTIONS'],
  ['sign(): exp in the claims and expiresIn', () => sign({ exp: now() + 10 }, SECRET, { algorithm: 'HS256', expiresIn: 60 }), 'ERR_INVALID_OPTIONS'],
]

for (const [name, make, code] of CONSTRUCTOR_NEGATIVES) {
  test(`refuses: ${name} -> ${code}`, () => {
    expectError(make, code)
  })
}

test('other public-key encodings are refused as HMAC secrets too', () => {
  const { publicKey } = keys.rsa()
  const der = publicKey.export({ type: 'spki', format: 'der' })
  const forms = [
    ['SPKI DER Buffer', der],
    ['header-less base64 SPKI (a PEM body in an env var)', der.toString('base64')],
    ['JWK Set JSON text', JSON.stringify({ keys: [keys.rsa().publicJwk] })],
  ]
  const accepted = forms.filter(([, key]) => {
    try {
      new JwtVerifier({ algorithms: ['HS256'], key })
      return true
    } catch (e) {
      return e.code !== 'ERR_INVALID_KEY'
    }
  })
  assert.deepEqual(accepted.map(([name]) => name), [], 'public keys accepted as HMAC secrets')
})

test('weak secrets: the limit is the largest hash listed, and allowWeakSecret accepts a short one', async () => {
  assert.ok(new JwtVerifier({ algorithms: ['HS256'], key: keys.secret(32) }))
  assert.ok(new JwtVerifier({ algorithms: ['HS256', 'HS512'], key: keys.secret(64) }))
  const short = keys.secret(16)
  const token = await joseJwt({ sub: 'weak', exp: now() + 60 }, { key: short })
  expectError(() => new JwtVerifier({ algorithms: ['HS256'], key: short }), 'ERR_INVALID_KEY')
  assert.equal(new JwtVerifier({ algorithms: ['HS256'], key: short, allowWeakSecret: true }).verify(token).sub, 'weak')
  const ours = sign({ sub: 'weak-2' }, short, { algorithm: 'HS256', allowWeakSecret: true, expiresIn: 60 })
  assert.equal((await jose.jwtVerify(ours, short)).payload.sub, 'weak-2')
})

test("JWKs whose use/key_ops/alg allow verification are accepted", async () => {
  const { publicJwk, privateKey } = keys.rsa()
  const token = await joseJwt({ sub: 'ok', exp: now() + 60 }, { alg: 'RS256', key: privateKey })
  for (const extra of [{ use: 'sig' }, { key_ops: ['verify'] }, { alg: 'RS256' }, { use: 'sig', alg: 'RS256', key_ops: ['verify'], kid: 'x' }]) {
    assert.equal(new JwtVerifier({ algorithms: ['RS256'], jwk: { ...publicJwk, ...extra } }).verify(token).sub, 'ok', JSON.stringify(extra))
  }
})

// ================================================================ 3. JWK Sets

function rsaJwks() {
  const a = { ...keys.rsa().publicJwk, kid: 'key-a', alg: 'RS256', use: 'sig' }
  const b = { ...keys.rsa('second').publicJwk, kid: 'key-b', alg: 'RS256', use: 'sig' }
  return { a, b, set: { keys: [a, b] } }
}
const signWith = (which, kid, claims = {}) =>
  joseJwt({ sub: `by-${which}`, exp: now() + 60, ...claims }, { alg: 'RS256', key: keys.rsa(which === 'a' ? 'main' : 'second').privateKey, header: kid === undefined ? {} : { kid } })

test('JWKS: the kid selects the key among two', async () => {
  const { set } = rsaJwks()
  const v = new JwtVerifier({ algorithms: ['RS256'], jwks: set })
  assert.equal(v.verify(await signWith('a', 'key-a')).sub, 'by-a')
  assert.equal(v.verify(await signWith('b', 'key-b')).sub, 'by-b')
  assert.equal(new JwtVerifier({ algorithms: ['RS256'], jwks: JSON.stringify(set) }).verify(await signWith('b', 'key-b')).sub, 'by-b')
  // the kid names key-a, but key-b signed: only key-a is tried
  const wrongKid = await signWith('b', 'key-a')
  expectError(() => v.verify(wrongKid), 'ERR_JWS_SIGNATURE_INVALID')
})

test('JWKS: an unknown kid is ERR_JWKS_NO_MATCHING_KEY', async () => {
  const v = new JwtVerifier({ algorithms: ['RS256'], jwks: rsaJwks().set })
  const token = await signWith('a', 'key-zzz')
  const err = expectError(() => v.verify(token), 'ERR_JWKS_NO_MATCHING_KEY')
  assert.match(err.message, /key-zzz/)
})

test('JWKS: a token without kid tries every key that serves its alg', async () => {
  const v = new JwtVerifier({ algorithms: ['RS256'], jwks: rsaJwks().set })
  assert.equal(v.verify(await signWith('a')).sub, 'by-a')
  assert.equal(v.verify(await signWith('b')).sub, 'by-b')
  const stranger = await joseJwt({ exp: now() + 60 }, { alg: 'RS256', key: keys.rsa('third').privateKey })
  expectError(() => v.verify(stranger), 'ERR_JWS_SIGNATURE_INVALID')
})

test('JWKS: keys unusable with the pinned algorithms are skipped, not fatal', async () => {
  const { a } = rsaJwks()
  const set = { keys: [{ ...keys.ec('P-256').publicJwk, kid: 'ec' }, { ...keys.rsa('small', 1024).publicJwk, kid: 'small' }, { ...a, use: 'enc', kid: 'enc' }, a] }
  const v = new JwtVerifier({ algorithms: ['RS256'], jwks: set })
  assert.equal(v.verify(await signWith('a', 'key-a')).sub, 'by-a')
  const viaEncKey = await signWith('a', 'enc')
  expectError(() => v.verify(viaEncKey), 'ERR_JWKS_NO_MATCHING_KEY')
})

test('JWKS: setJwks rotates (the old key fails after rotation, the new one passes)', async () => {
  const { a, b } = rsaJwks()
  const v = new JwtVerifier({ algorithms: ['RS256'], jwks: { keys: [a] } })
  const oldToken = await signWith('a', 'key-a')
  const newToken = await signWith('b', 'key-b')
  assert.equal(v.verify(oldToken).sub, 'by-a')
  expectError(() => v.verify(newToken), 'ERR_JWKS_NO_MATCHING_KEY')
  v.setJwks({ keys: [b] })
  assert.equal(v.verify(newToken).sub, 'by-b')
  expectError(() => v.verify(oldToken), 'ERR_JWKS_NO_MATCHING_KEY')
  v.setJwks(JSON.stringify({ keys: [a, b] }))
  assert.equal(v.verify(oldToken).sub, 'by-a')
})

test('JWKS: setJwks with an invalid set throws and leaves the old keys working', async () => {
  const { a } = rsaJwks()
  const v = new JwtVerifier({ algorithms: ['RS256'], jwks: { keys: [a] } })
  const token = await signWith('a', 'key-a')
  const invalid = [
    ['empty keys', { keys: [] }],
    ['no keys member', {}],
    ['keys not an array', { keys: a }],
    ['only a 1024-bit key', { keys: [{ ...keys.rsa('small', 1024).publicJwk, kid: 'key-a' }] }],
    ['only an EC key', { keys: [{ ...keys.ec('P-256').publicJwk, kid: 'key-a' }] }],
    ['JSON text that is not JSON', '{"keys": ['],
    ['a number', 42],
  ]
  for (const [name, set] of invalid) {
    let threw = false
    try {
      v.setJwks(set)
    } catch (e) {
      threw = true
      assert.ok(['ERR_INVALID_KEY', 'ERR_INVALID_OPTIONS'].includes(e.code), `${name}: ${e.code} ${e.message}`)
    }
    assert.ok(threw, `${name}: setJwks accepted it`)
    assert.equal(v.verify(token).sub, 'by-a', `${name}: old key lost`)
  }
})

test('JWKS: an HS256 set of oct keys, kid-selected', async () => {
  const k1 = keys.secret(32, 'oct-1')
  const k2 = keys.secret(32, 'oct-2')
  const v = new JwtVerifier({ algorithms: ['HS256'], jwks: { keys: [{ kty: 'oct', kid: 'o1', k: k1.toString('base64url') }, { kty: 'oct', kid: 'o2', k: k2.toString('base64url') }] } })
  assert.equal(v.verify(await joseJwt({ sub: 'o2', exp: now() + 60 }, { key: k2, header: { kid: 'o2' } })).sub, 'o2')
  const wrongKid = await joseJwt({ exp: now() + 60 }, { key: k2, header: { kid: 'o1' } })
  expectError(() => v.verify(wrongKid), 'ERR_JWS_SIGNATURE_INVALID')
})

// ================================================================ 4. verifyJws

test('verifyJws returns the header and the payload bytes of a non-JSON payload', async () => {
  const token = await new jose.CompactSign(enc.encode('foo')).setProtectedHeader({ alg: 'HS256', kid: 'k' }).sign(SECRET)
  const r = verifyJws(token, { algorithms: ['HS256'], key: SECRET })
  assert.deepEqual(r.header, { alg: 'HS256', kid: 'k' })
  assert.ok(Buffer.isBuffer(r.payload))
  assert.equal(r.payload.toString('utf8'), 'foo')
  // binary payloads survive too, with an asymmetric key
  const bytes = crypto.randomBytes(40)
  const { privateKey, publicPem, publicJwk } = keys.ec('P-256')
  const t2 = await new jose.CompactSign(bytes).setProtectedHeader({ alg: 'ES256' }).sign(privateKey)
  assert.ok(verifyJws(t2, { algorithms: ['ES256'], key: publicPem }).payload.equals(bytes))
  assert.ok(verifyJws(t2, { algorithms: ['ES256'], jwk: publicJwk }).payload.equals(bytes))
  assert.ok(verifyJws(t2, { algorithms: ['ES256'], jwks: { keys: [publicJwk] } }).payload.equals(bytes))
  // no claim checks: an expired JWT is fine at the JWS level
  const expired = await validHs256({ exp: now() - 3600 })
  assert.equal(JSON.parse(verifyJws(expired, { algorithms: ['HS256'], key: SECRET }).payload).sub, 'user-1')
})

test('verifyJws still pins the algorithm and checks the signature', async () => {
  const token = await new jose.CompactSign(enc.encode('foo')).setProtectedHeader({ alg: 'HS256' }).sign(SECRET)
  expectError(() => verifyJws(token, { algorithms: ['HS384'], key: keys.secret(48) }), 'ERR_JWS_ALG_NOT_ALLOWED')
  expectError(() => verifyJws(token, { algorithms: ['HS256'], key: keys.secret(32, 'other') }), 'ERR_JWS_SIGNATURE_INVALID')
  expectError(() => verifyJws(noneToken('none'), { algorithms: ['HS256'], key: SECRET }), 'ERR_JWS_ALG_NOT_ALLOWED')
  expectError(() => verifyJws(token, { algorithms: ['HS256'], key: rsaPem() }), 'ERR_INVALID_KEY')
  expectError(() => verifyJws(token, { algorithms: ['HS256'] }), 'ERR_INVALID_OPTIONS')
})

// ================================================================ 5. decodeUnverified (inspect: inspect.test.js)


test('decodeUnverified reads a JWS without checking it, and a JWE header with payload null', async () => {
  const iat = now()
  const token = await joseJwt({ sub: 'u', iat, exp: iat - 10 }, { header: { kid: 'k7' } })
  const [h, p, s] = parts(token)
  const tampered = `${h}.${p}.${flipChar(s)}`
  for (const t of [token, tampered]) {
    assert.deepEqual(decodeUnverified(t), { header: { alg: 'HS256', typ: 'JWT', kid: 'k7' }, payload: { sub: 'u', iat, exp: iat - 10 } })
  }
  const jwe = await jweDir()
  assert.deepEqual(decodeUnverified(jwe), { header: { alg: 'dir', enc: 'A256GCM' }, payload: null })
  expectError(() => decodeUnverified('a.b'), 'ERR_TOKEN_MALFORMED')
  expectError(() => decodeUnverified(`${h}.Zm9v.${s}`), 'ERR_TOKEN_MALFORMED') // payload 'foo' is not JSON
})

// ================================================================ 6. no secrets in messages

test('error messages never contain the token, its signature, the key or the secret', async () => {
  const secretText = 'correct-horse-battery-staple-0123456789-abcdef'
  const keyed = enc.encode(secretText)
  const v = new JwtVerifier({ algorithms: ['HS256'], key: secretText, issuer: 'good', audience: 'api' })
  const good = await joseJwt({ sub: 'u', iss: 'good', aud: 'api', exp: now() + 60 }, { key: keyed })
  const [h, p, s] = parts(good)
  const failures = [
    ['tampered', `${h}.${p}.${flipChar(s)}`],
    ['expired', await joseJwt({ sub: 'u', iss: 'good', aud: 'api', exp: now() - 60 }, { key: keyed })],
    ['wrong iss', await joseJwt({ iss: 'evil-issuer', aud: 'api', exp: now() + 60 }, { key: keyed })],
    ['wrong aud', await joseJwt({ iss: 'good', aud: 'other-aud', exp: now() + 60 }, { key: keyed })],
    ['alg none', noneToken('none')],
    ['HS512', await joseJwt({ exp: now() + 60 }, { alg: 'HS512', key: keys.secret(64) })],
    ['Bearer', 'Bearer ' + good],
    ['4 parts', good + '.x'],
    ['bad base64', `${h}.${p}.${s}=`],
    ['JWE', await jweDir()],
  ]
  for (const [name, token] of failures) {
    let err
    try {
      v.verify(token)
    } catch (e) {
      err = e
    }
    assert.ok(err && err.code, `${name}: did not fail`)
    for (const text of [err.message, String(err.stack)]) {
      assert.ok(!text.includes(token), `${name}: message contains the token`)
      for (const part of parts(token.replace(/^Bearer /, '')).filter((x) => x.length > 8)) assert.ok(!text.includes(part), `${name}: message contains a token part`)
      assert.ok(!text.includes(secretText), `${name}: message contains the secret`)
    }
  }
  // key errors do not repeat the key either
  const pem = keys.rsa().publicPem
  const pemBody = pem.split('\n')[1]
  const jwkN = keys.rsa().publicJwk.n
  const keyFailures = [
    () => new JwtVerifier({ algorithms: ['HS256'], key: pem }),
    () => new JwtVerifier({ algorithms: ['HS256'], key: JSON.stringify(keys.rsa().publicJwk) }),
    () => new JwtVerifier({ algorithms: ['HS256'], key: 'short-secret-xyz' }),
    () => new JwtVerifier({ algorithms: ['ES256'], key: pem }),
    () => new JwtVerifier({ algorithms: ['RS256'], jwk: { ...keys.rsa().publicJwk, use: 'enc' } }),
    () => new JwtVerifier({ algorithms: ['RS256'], key: pem.replace(pemBody, pemBody.slice(0, 20) + '!!' + pemBody.slice(22)) }),
    () => new JwtSigner({ algorithm: 'HS256', key: 'short-secret-xyz' }),
    () => new JwtSigner({ algorithm: 'RS256', key: pem }),
  ]
  for (const make of keyFailures) {
    let err
    try {
      make()
    } catch (e) {
      err = e
    }
    assert.ok(err && err.code, 'did not fail')
    for (const text of [err.message, String(err.stack)]) {
      assert.ok(!text.includes(pemBody) && !text.includes(pemBody.slice(0, 20)), 'message contains the PEM')
      assert.ok(!text.includes(jwkN.slice(0, 20)), 'message contains the JWK modulus')
      assert.ok(!text.includes('short-secret-xyz'), 'message contains the secret')
    }
  }
})

// ================================================================ 7. the now option

test('now: () => fixedSeconds controls exp, nbf and maxAge', async () => {
  const T = 1_700_000_000
  const token = await joseJwt({ sub: 'fixed', iat: T, nbf: T + 10, exp: T + 3600 })
  const at = (t, options = {}) => hs256Verifier({ now: () => t, ...options })
  // the system clock is far past T + 3600: without `now` the token is expired
  expectError(() => hs256Verifier().verify(token), 'ERR_JWT_EXPIRED', 'exp')
  assert.equal(at(T + 100).verify(token).sub, 'fixed')
  assert.equal(at(T + 3599).verify(token).sub, 'fixed')
  expectError(() => at(T + 3600).verify(token), 'ERR_JWT_EXPIRED', 'exp')
  assert.equal(at(T + 3605, { clockTolerance: 10 }).verify(token).sub, 'fixed')
  expectError(() => at(T).verify(token), 'ERR_JWT_NOT_ACTIVE', 'nbf')
  assert.equal(at(T, { clockTolerance: 10 }).verify(token).sub, 'fixed')
  assert.equal(at(T + 60, { maxAge: 60 }).verify(token).sub, 'fixed')
  expectError(() => at(T + 61, { maxAge: 60 }).verify(token), 'ERR_JWT_EXPIRED', 'iat')
})

test('now is read on every verify call', async () => {
  const T = 1_700_000_000
  const token = await joseJwt({ exp: T + 60 })
  let clock = T
  let calls = 0
  const v = hs256Verifier({ now: () => { calls++; return clock } })
  assert.equal(v.verify(token).exp, T + 60)
  clock = T + 61
  expectError(() => v.verify(token), 'ERR_JWT_EXPIRED', 'exp')
  clock = T + 1
  assert.equal(v.verifyComplete(token).payload.exp, T + 60)
  assert.equal(calls, 3)
})

test('now returning a non-finite number is ERR_INVALID_OPTIONS', async () => {
  const token = await validHs256()
  for (const bad of [NaN, Infinity]) expectError(() => hs256Verifier({ now: () => bad }).verify(token), 'ERR_INVALID_OPTIONS')
})

test('now returning a non-number (string, Date) is ERR_INVALID_OPTIONS, like NaN', async () => {
  const token = await validHs256()
  for (const bad of [String(now()), new Date()]) expectError(() => hs256Verifier({ now: () => bad }).verify(token), 'ERR_INVALID_OPTIONS')
})

test('a __proto__ claim becomes an own property, never the prototype (as with jose)', () => {
  const secret = 'p'.repeat(32)
  const enc = (o) => Buffer.from(o).toString('base64url')
  const input = `${enc('{"alg":"HS256","typ":"JWT"}')}.${enc('{"sub":"u","__proto__":{"admin":true},"nested":{"__proto__":{"x":1}},"exp":9999999999}')}`
  const sig = require('node:crypto').createHmac('sha256', secret).update(input).digest('base64url')
  const token = `${input}.${sig}`
  const claims = new JwtVerifier({ algorithms: ['HS256'], key: secret }).verify(token)
  assert.equal(claims.admin, undefined)
  assert.equal(Object.hasOwn(claims, '__proto__'), true)
  assert.equal(Object.getPrototypeOf(claims), Object.prototype)
  assert.equal(claims.nested.x, undefined)
  const { payload } = decodeUnverified(token)
  assert.equal(payload.admin, undefined)
  assert.equal(inspect(token).claims.admin, undefined)
})

test('ignoreExpiration and ignoreNotBefore skip only their own check', () => {
  const secret = 'i'.repeat(32)
  const now = Math.floor(Date.now() / 1000)
  const expired = jsonwebtoken.sign({ sub: 'u', exp: now - 100, nbf: now + 100 }, secret, { algorithm: 'HS256' })
  const code = (opts) => { try { new JwtVerifier({ algorithms: ['HS256'], key: secret, ...opts }).verify(expired); return 'accepted' } catch (e) { return e.code } }
  assert.equal(code({}), 'ERR_JWT_EXPIRED')
  assert.equal(code({ ignoreExpiration: true }), 'ERR_JWT_NOT_ACTIVE')
  assert.equal(code({ ignoreExpiration: true, ignoreNotBefore: true }), 'accepted')
  const noExp = jsonwebtoken.sign({ sub: 'u' }, secret, { algorithm: 'HS256' })
  assert.equal(new JwtVerifier({ algorithms: ['HS256'], key: secret, ignoreExpiration: true }).verify(noExp).sub, 'u')
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const input = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({ sub: 'u', exp: 'soon' })}`
  const badExp = `${input}.${require('node:crypto').createHmac('sha256', secret).update(input).digest('base64url')}`
  assert.throws(() => new JwtVerifier({ algorithms: ['HS256'], key: secret, ignoreExpiration: true }).verify(badExp), { code: 'ERR_JWT_CLAIM_INVALID' })
})
