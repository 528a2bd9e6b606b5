'use strict'
// The rules the JS layer takes from the addon instead of keeping its own copy (issue 16):
// the duration rule (parseDuration, also JwtSigner's), the token fingerprint and the
// algorithm list; and the argument errors of the napi boundary.
// Run: node --test __test__/shared-rules.test.js

const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const jsonwebtoken = require('jsonwebtoken')
const { thrown } = require('./helpers/assert.js')

const { parseDuration, tokenFingerprint, supportedAlgorithms, JwtSigner, JwtVerifier, AuthJsSession, inspect } = require('..')

const SECRET = crypto.randomBytes(32)


test('parseDuration: numbers are seconds, text needs a unit, a unit-less number string is refused', () => {
  assert.equal(parseDuration(90), 90)
  assert.equal(parseDuration(1.5), 1.5)
  assert.equal(parseDuration('15m'), 900)
  assert.equal(parseDuration(' 2 hours '), 7200)
  assert.equal(parseDuration('7d'), 604800)
  assert.equal(parseDuration('500ms'), 0.5)
  for (const bare of ['3600', ' 60 ', '1.5', '-10']) {
    const err = thrown(() => parseDuration(bare, 'expiresIn'))
    assert.equal(err.code, 'ERR_INVALID_OPTIONS', bare)
    assert.match(err.message, /^expiresIn ".*" has no unit: jsonwebtoken reads it as milliseconds/, bare)
  }
  for (const bad of ['soon', '', '1e3s', '5 parsecs']) {
    assert.match(thrown(() => parseDuration(bad, 'maxAge')).message, /^maxAge must be a number of seconds or a duration/, bad)
  }
  assert.equal(thrown(() => parseDuration(Infinity)).code, 'ERR_INVALID_OPTIONS')
  assert.match(thrown(() => parseDuration({}, 'notBefore')).message, /^notBefore must be a number of seconds or a string/)
  assert.equal(thrown(() => parseDuration(null)).code, 'ERR_INVALID_OPTIONS')
})

test("JwtSigner follows the same rule: '3600' is refused, '3600s' and 3600 are an hour", () => {
  const err = thrown(() => new JwtSigner({ algorithm: 'HS256', key: SECRET, expiresIn: '3600' }))
  assert.equal(err.code, 'ERR_INVALID_OPTIONS')
  assert.match(err.message, /milliseconds/)
  for (const expiresIn of [3600, '3600s', '1h', '60 minutes']) {
    const token = new JwtSigner({ algorithm: 'HS256', key: SECRET, expiresIn }).sign({ sub: 'a' })
    const claims = jsonwebtoken.verify(token, SECRET, { algorithms: ['HS256'] })
    assert.equal(claims.exp - claims.iat, 3600, String(expiresIn))
  }
  assert.equal(thrown(() => new JwtSigner({ algorithm: 'HS256', key: SECRET, notBefore: '10' })).code, 'ERR_INVALID_OPTIONS')
})

test('tokenFingerprint is the first 16 characters of the base64url SHA-256, as failures carry it', () => {
  const token = jsonwebtoken.sign({ sub: 'a', exp: 1 }, SECRET, { algorithm: 'HS256' })
  const expected = crypto.createHash('sha256').update(token).digest('base64url').slice(0, 16)
  assert.equal(tokenFingerprint(token), expected)
  const err = thrown(() => new JwtVerifier({ algorithms: ['HS256'], key: SECRET }).verify(token))
  assert.equal(err.code, 'ERR_JWT_EXPIRED')
  assert.equal(thrown(() => tokenFingerprint(42)).code, 'ERR_TOKEN_MALFORMED')
})

test('supportedAlgorithms lists the 14 names, each one usable and none refused', () => {
  const algs = supportedAlgorithms()
  assert.deepEqual(algs, ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'])
  assert.ok(!algs.some((a) => /^none$/i.test(a)))
  const unknown = thrown(() => new JwtVerifier({ algorithms: ['HS257'], key: SECRET }))
  assert.equal(unknown.code, 'ERR_INVALID_OPTIONS')
  assert.ok(unknown.message.endsWith(algs.join(', ')), unknown.message)
})

test('argument errors: a non-string Cookie header is named as such; inspect has one shape on every path', () => {
  const session = new AuthJsSession({ secret: 'a-session-secret-a-session-secret' })
  const err = thrown(() => session.fromCookieHeader(42))
  assert.equal(err.code, 'ERR_TOKEN_MALFORMED')
  assert.match(err.message, /^the Cookie header must be a string, got number/)
  const fields = Object.keys(inspect('a.b.c')).sort()
  for (const input of [42, null, 'x'.repeat((1 << 20) + 1), '', 'Bearer a.b.c']) {
    assert.deepEqual(Object.keys(inspect(input)).sort(), fields, typeof input === 'string' ? `${input.length} chars` : String(input))
  }
  assert.equal(inspect(42).error, 'ERR_TOKEN_MALFORMED: not a string')
})
