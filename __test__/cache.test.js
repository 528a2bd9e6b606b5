// The opt-in verified-token cache: hits re-check the clock, failures are never cached,
// and a key rotation empties it.
const test = require('node:test')
const assert = require('node:assert/strict')
const jwt = require('jsonwebtoken')
const { JwtVerifier } = require('..')

const secret = 'c'.repeat(32)
const code = (fn) => { try { fn(); return 'accepted' } catch (e) { return e.code } }

test('a cached token still expires, and a tampered one is never served from the cache', () => {
  let now = 1_900_000_000
  const v = new JwtVerifier({ algorithms: ['HS256'], key: secret, cache: 10, now: () => now })
  const token = jwt.sign({ sub: 'u', exp: now + 60, iat: now }, secret, { algorithm: 'HS256' })
  assert.equal(v.verify(token).sub, 'u')
  assert.deepEqual(v.verify(token), { sub: 'u', exp: now + 60, iat: now })
  const first = v.verify(token)
  first.sub = 'mutated'
  assert.equal(v.verify(token).sub, 'u', 'each call returns a fresh object')
  now += 61
  assert.equal(code(() => v.verify(token)), 'ERR_JWT_EXPIRED')
  now -= 61
  const tampered = token.slice(0, -2) + (token.endsWith('AA') ? 'BA' : 'AA')
  assert.equal(code(() => v.verify(tampered)), 'ERR_JWS_SIGNATURE_INVALID')
  assert.equal(code(() => v.verify(tampered)), 'ERR_JWS_SIGNATURE_INVALID')
})

test('maxAge is re-checked on a hit, and setJwks empties the cache', () => {
  let now = 1_900_000_000
  const v = new JwtVerifier({ algorithms: ['HS256'], key: secret, cache: true, maxAge: 30, now: () => now })
  const token = jwt.sign({ sub: 'u', exp: now + 3600, iat: now }, secret, { algorithm: 'HS256' })
  assert.equal(code(() => v.verify(token)), 'accepted')
  now += 31
  assert.equal(code(() => v.verify(token)), 'ERR_JWT_EXPIRED')
  now -= 31
  v.setJwks({ keys: [{ kty: 'oct', k: Buffer.from('d'.repeat(32)).toString('base64url') }] })
  assert.equal(code(() => v.verify(token)), 'ERR_JWS_SIGNATURE_INVALID')
})

test('cache option is validated', () => {
  assert.equal(code(() => new JwtVerifier({ algorithms: ['HS256'], key: secret, cache: -1 })), 'ERR_INVALID_OPTIONS')
  assert.equal(code(() => new JwtVerifier({ algorithms: ['HS256'], key: secret, cache: 'yes' })), 'ERR_INVALID_OPTIONS')
  assert.equal(code(() => new JwtVerifier({ algorithms: ['HS256'], key: secret, cache: false })), 'accepted')
})
