'use strict'

// Issue 22 R01, written as the attack: the NestJS docs sign `{ sub: user.userId }` with a
// number. Before the fix, `revokeSubject(1)` threw and `revokeSubject('1')` left `{ sub: 1 }`
// accepted on every path. The id rule (README, "Revocation"): a string of 1 to 1024 bytes is
// its own key, an integer with |n| <= 2^53-1 its decimal text; any other jti/sub is refused
// with ERR_JWT_CLAIM_INVALID while the list can refuse something. Tokens come from
// jsonwebtoken (as @nestjs/jwt signs them) and @auth/core's own encode.

const { describe, test } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const jsonwebtoken = require('jsonwebtoken')

const { RevocationList, JwtVerifier, AuthJsSession, HandshakeAuthenticator, revocationKeyOf } = require('..')
const { throwsCode } = require('./helpers/assert.js')

const JWT_SECRET = crypto.randomBytes(32).toString('hex')
const AUTH_SECRET = crypto.randomBytes(32).toString('base64')
const COOKIE = 'authjs.session-token'

async function session(claims) {
  const { encode } = await import('@auth/core/jwt')
  return encode({ token: claims, secret: AUTH_SECRET, salt: COOKIE })
}

/** Every decoder a Nest back end uses, all given `list`. */
function paths(list) {
  const verifier = new JwtVerifier({ algorithms: ['HS256'], key: JWT_SECRET, revocation: list })
  const cached = new JwtVerifier({ algorithms: ['HS256'], key: JWT_SECRET, revocation: list, cache: 100 })
  const sessions = new AuthJsSession({ secret: AUTH_SECRET, revocation: list })
  const handshake = new HandshakeAuthenticator({ jwt: { algorithms: ['HS256'], key: JWT_SECRET }, authjs: { secret: AUTH_SECRET }, revocation: list })
  return { verifier, cached, sessions, handshake }
}

describe('R01: numeric sub and jti', () => {
  for (const revoked of [1, '1']) {
    test(`a { sub: 1 } token (jsonwebtoken) and session (@auth/core) are refused after revokeSubject(${JSON.stringify(revoked)})`, async () => {
      const list = new RevocationList()
      const p = paths(list)
      // As the NestJS docs sign it: JwtService.sign({ sub: user.userId, username }).
      const token = jsonwebtoken.sign({ sub: 1, username: 'john' }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '15m' })
      const cookie = await session({ sub: 1, name: 'John' })
      const other = jsonwebtoken.sign({ sub: 2 }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '15m' })
      // Accepted before (and the cache holds the token while the list is empty).
      assert.equal(p.verifier.verify(token).sub, 1)
      assert.equal(p.cached.verify(token).sub, 1)
      assert.equal(p.sessions.decode(cookie).sub, 1)
      assert.equal(p.handshake.authenticate({ auth: { token } }).claims.sub, 1)

      const changes = []
      list.on('change', (c) => changes.push(c))
      list.revokeSubject(revoked)
      assert.deepEqual([changes[0].type, changes[0].sub], ['subject', '1'], "the event carries the key text")
      assert.deepEqual(list.entries().map((e) => e.sub), ['1'])

      throwsCode(() => p.verifier.verify(token), 'ERR_TOKEN_REVOKED', 'JwtVerifier')
      throwsCode(() => p.cached.verify(token), 'ERR_TOKEN_REVOKED', 'JwtVerifier with the cache')
      throwsCode(() => p.sessions.decode(cookie), 'ERR_TOKEN_REVOKED', 'AuthJsSession')
      throwsCode(() => p.handshake.authenticate({ auth: { token } }), 'ERR_TOKEN_REVOKED', 'handshake, auth.token')
      throwsCode(() => p.handshake.authenticate({ headers: { authorization: `Bearer ${token}` } }), 'ERR_TOKEN_REVOKED', 'handshake, bearer')
      throwsCode(() => p.handshake.authenticate({ headers: { cookie: `${COOKIE}=${cookie}` } }), 'ERR_TOKEN_REVOKED', 'handshake, cookie')
      throwsCode(() => p.handshake.verifyToken(token), 'ERR_TOKEN_REVOKED', 'handshake, verifyToken')
      assert.equal(list.refusal(JSON.parse(Buffer.from(token.split('.')[1], 'base64url'))), 'ERR_TOKEN_REVOKED')
      assert.equal(list.isRevoked({ sub: 1, iat: 1 }), true)
      assert.equal(list.isRevoked({ sub: '1', iat: 1 }), true)
      // Another user is untouched.
      assert.equal(p.verifier.verify(other).sub, 2)
      assert.equal(list.refusal({ sub: 2, iat: 1 }), null)
    })
  }

  test('a numeric jti is refused after revokeToken(n) and revokeToken(String(n)), on every path', async () => {
    for (const revoked of [4242, '4242']) {
      const list = new RevocationList()
      const p = paths(list)
      const token = jsonwebtoken.sign({ sub: 'ada', jti: 4242 }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '15m' })
      const cookie = await session({ sub: 'ada', jti: 4242 })
      // @auth/core's encode sets its own jti; re-read it and revoke by a number when it is one.
      const exp = Math.floor(Date.now() / 1000) + 900
      assert.equal(p.cached.verify(token).jti, 4242)
      list.revokeToken(revoked, exp)
      assert.deepEqual(list.entries(), [{ jti: '4242', exp }])
      throwsCode(() => p.verifier.verify(token), 'ERR_TOKEN_REVOKED')
      throwsCode(() => p.cached.verify(token), 'ERR_TOKEN_REVOKED')
      throwsCode(() => p.handshake.authenticate({ auth: { token } }), 'ERR_TOKEN_REVOKED')
      const sessionJti = p.sessions.decode(cookie).jti
      list.revokeToken(sessionJti, exp)
      throwsCode(() => p.sessions.decode(cookie), 'ERR_TOKEN_REVOKED')
    }
  })

  test('a jti/sub that cannot be an id is refused with ERR_JWT_CLAIM_INVALID once the list can refuse, never skipped', async () => {
    const list = new RevocationList()
    const p = paths(list)
    const bad = [{ sub: { id: 1 } }, { sub: true }, { sub: 1.5 }, { sub: 2 ** 53 }, { jti: ['a'] }, { sub: null }, { sub: 'x'.repeat(1025) }]
    const tokens = bad.map((c) => jsonwebtoken.sign(c, JWT_SECRET, { algorithm: 'HS256', expiresIn: '15m' }))
    // @auth/core's encode sets its own jti: the sessions carry only the bad subs.
    const cookies = await Promise.all(bad.filter((c) => 'sub' in c).map((c) => session(c)))
    // An empty list refuses nothing: the ids are not read.
    for (const t of tokens) p.verifier.verify(t)
    list.revokeSubject('someone-else')
    for (const [i, t] of tokens.entries()) {
      const claim = Object.keys(bad[i])[0]
      const e = throwsCode(() => p.verifier.verify(t), 'ERR_JWT_CLAIM_INVALID', JSON.stringify(bad[i]).slice(0, 40))
      assert.equal(e.claim, claim)
      throwsCode(() => p.cached.verify(t), 'ERR_JWT_CLAIM_INVALID')
      throwsCode(() => p.handshake.authenticate({ auth: { token: t } }), 'ERR_JWT_CLAIM_INVALID')
      assert.equal(list.refusal(bad[i]), 'ERR_JWT_CLAIM_INVALID')
      assert.equal(list.isRevoked(bad[i]), true)
    }
    assert.equal(cookies.length, 6)
    for (const c of cookies) {
      throwsCode(() => p.sessions.decode(c), 'ERR_JWT_CLAIM_INVALID')
    }
    // A missing or empty id is no id: nothing can match it, nothing is refused for it.
    assert.equal(list.refusal({ iat: 1 }), null)
    assert.equal(list.refusal({ sub: '', jti: '' }), null)
  })

  test('revocationKeyOf is the rule the list applies (tested against the list itself)', () => {
    const values = [1, -1, 0, -0, 1.0, 1.5, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 1e21, NaN, Infinity, 'u1', '1', '', 'x'.repeat(1024), 'x'.repeat(1025), 'é'.repeat(512), 'é'.repeat(513), null, undefined, true, {}, [], [1], 1n]
    const expected = ['1', '-1', '0', '0', '1', null, '9007199254740991', '-9007199254740991', null, null, null, null, 'u1', '1', null, 'x'.repeat(1024), null, 'é'.repeat(512), null, null, null, null, null, null, null, null]
    assert.deepEqual(values.map(revocationKeyOf), expected)
    const exp = Math.floor(Date.now() / 1000) + 60
    for (const v of values) {
      const key = revocationKeyOf(v)
      const list = new RevocationList()
      if (key === null) {
        throwsCode(() => list.revokeSubject(v), 'ERR_INVALID_OPTIONS', `revokeSubject(${String(v).slice(0, 20)})`)
        throwsCode(() => list.revokeToken(v, exp), 'ERR_INVALID_OPTIONS')
        continue
      }
      list.revokeSubject(v)
      list.revokeToken(v, exp)
      assert.deepEqual(list.entries().map((e) => e.jti ?? e.sub).sort(), [key, key])
      // The claim forms of the same id match.
      assert.equal(list.isRevoked({ sub: key }), true)
      assert.equal(list.isRevoked({ jti: key }), true)
      if (typeof v === 'number') assert.equal(list.isRevoked({ jti: v }), true)
    }
    // The keys of a socket index and the list agree through a verified token's claims.
    const claims = JSON.parse(JSON.stringify({ sub: 7, jti: 8 }))
    assert.deepEqual([revocationKeyOf(claims.sub), revocationKeyOf(claims.jti)], ['7', '8'])
  })
})
