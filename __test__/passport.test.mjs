// authbridge/passport beyond passport-jwt's own suite (passport-jwt-upstream.test.mjs) and
// the side-by-side runs (peers-side-by-side.test.mjs): jsonWebTokenOptions honoured or
// refused, secretOrKeyProvider's keys prepared once each, the Auth.js session cookie as an
// extractor, the default extraction (Bearer, then cookie), Nest's PassportStrategy with an
// async validate, and the name option. Tokens are real: jsonwebtoken for access tokens,
// @auth/core's encode for session tokens.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { createRequire } from 'node:module'
import 'reflect-metadata'
import { PassportStrategy } from '@nestjs/passport'
import { Strategy, ExtractJwt, HandshakeAuthenticator } from 'authbridge/passport'

const require = createRequire(import.meta.url)
const jsonwebtoken = require('jsonwebtoken')
const { request, run } = require('./helpers/strategy.js')

const SECRET = crypto.randomBytes(48).toString('base64url')
const AUTH_SECRET = crypto.randomBytes(32).toString('base64url')
const COOKIE = 'authjs.session-token'
const now = () => Math.floor(Date.now() / 1000)
const sign = (claims = {}, key = SECRET, opts = {}) => jsonwebtoken.sign({ sub: 'u1', exp: now() + 600, ...claims }, key, opts)
const bearer = (token) => request({ headers: { authorization: `Bearer ${token}` } })
const HS256 = ['HS256']
const base = (extra = {}) => ({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: SECRET, algorithms: HS256, ...extra })
const toUser = (payload, done) => done(null, payload)

async function sessionToken(claims) {
  const { encode } = await import('@auth/core/jwt')
  return encode({ token: claims, secret: AUTH_SECRET, salt: COOKIE })
}

describe('jsonWebTokenOptions: each member honoured, or refused when the strategy is made', () => {
  test('unknown members and loosening ones are ERR_INVALID_OPTIONS naming them', () => {
    for (const [jsonWebTokenOptions, name] of [
      [{ notAnOption: true }, 'jsonWebTokenOptions.notAnOption'],
      [{ allowInvalidAsymmetricKeyTypes: true }, 'jsonWebTokenOptions.allowInvalidAsymmetricKeyTypes'],
      [{ ignoreExpiration: true }, 'jsonWebTokenOptions.ignoreExpiration'],
      [{ maxAge: '3600' }, 'jsonWebTokenOptions.maxAge'],
      [{ maxAge: 'soon' }, 'jsonWebTokenOptions.maxAge'],
      [{ nonce: '' }, 'jsonWebTokenOptions.nonce'],
      [{ clockTimestamp: 'now' }, 'jsonWebTokenOptions.clockTimestamp'],
      [{ complete: 'yes' }, 'jsonWebTokenOptions.complete'],
      [{ audience: 42 }, 'audience'],
    ]) {
      assert.throws(
        () => new Strategy(base({ jsonWebTokenOptions }), toUser),
        (err) => err.code === 'ERR_INVALID_OPTIONS' && err.message.includes(name),
        JSON.stringify(jsonWebTokenOptions),
      )
    }
    assert.throws(() => new Strategy(base({ audience: 'a', jsonWebTokenOptions: { audience: 'b' } }), toUser), { code: 'ERR_INVALID_OPTIONS' })
    assert.throws(() => new Strategy(base({ jwt: { algorithms: HS256, key: SECRET } }), toUser), { code: 'ERR_INVALID_OPTIONS', message: /either jwt/ })
  })

  test('jsonWebTokenOptions.audience / issuer apply when the top level leaves them out', async () => {
    const s = new Strategy(base({ jsonWebTokenOptions: { audience: 'api', issuer: 'iss' } }), toUser)
    assert.equal((await run(s, bearer(sign({ aud: 'api', iss: 'iss' })))).kind, 'success')
    const out = await run(s, bearer(sign({ aud: 'web', iss: 'iss' })))
    assert.equal(out.info.message, 'jwt audience invalid. expected: api')
  })

  test('subject, jwtid, nonce, clockTimestamp, complete', async () => {
    const t = now()
    const s = new Strategy(base({ jsonWebTokenOptions: { subject: 'u1', jwtid: 'j', nonce: 'n', clockTimestamp: t - 1000, complete: true } }), toUser)
    const token = sign({ jti: 'j', nonce: 'n', iat: t - 2000, exp: t - 500 }, SECRET, { keyid: 'k7' })
    const ok = await run(s, bearer(token))
    assert.equal(ok.kind, 'success', ok.info && ok.info.message)
    assert.equal(ok.user.header.kid, 'k7')
    assert.equal(ok.user.payload.jti, 'j')
    assert.equal(ok.user.signature, token.split('.')[2])
    for (const [claims, message] of [
      [{ jti: 'x', nonce: 'n' }, 'jwt jwtid invalid. expected: j'],
      [{ jti: 'j', nonce: 'x' }, 'jwt nonce invalid. expected: n'],
      [{ jti: 'j', nonce: 'n', sub: 'u2' }, 'jwt subject invalid. expected: u1'],
    ]) {
      const out = await run(s, bearer(sign({ iat: t - 2000, exp: t - 500, ...claims })))
      assert.equal(out.kind, 'fail')
      assert.equal(out.info.message, message)
      assert.equal(out.info.code, 'ERR_JWT_CLAIM_INVALID')
    }
  })
})

describe('secretOrKeyProvider', () => {
  test('each distinct key is prepared once, however many requests use it', async () => {
    const keys = { a: crypto.randomBytes(32), b: crypto.randomBytes(32) }
    let calls = 0
    const s = new Strategy(
      {
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        algorithms: HS256,
        secretOrKeyProvider: (req, raw, done) => {
          calls++
          // Looked up again on each request (a fresh Buffer each time), as a provider reading a store would.
          done(null, Buffer.from(keys[jsonwebtoken.decode(raw, { complete: true }).header.kid]))
        },
      },
      toUser,
    )
    const tokens = ['a', 'b'].map((kid) => sign({ sub: kid }, keys[kid], { keyid: kid }))
    for (let i = 0; i < 20; i++) {
      const out = await run(s, bearer(tokens[i % 2]))
      assert.equal(out.user.sub, i % 2 ? 'b' : 'a')
    }
    assert.equal(calls, 20)
    assert.equal(s._authenticators.size, 2, 'one prepared verifier per key')
  })

  test('a provider that throws is error(); a bad or missing key is fail() with jsonwebtoken\'s message', async () => {
    const token = sign()
    const make = (provider) => new Strategy({ jwtFromRequest: () => token, algorithms: HS256, secretOrKeyProvider: provider }, toUser)
    const boom = new Error('store down')
    const thrown = await run(
      make(() => {
        throw boom
      }),
    )
    assert.deepEqual([thrown.kind, thrown.err], ['error', boom])
    const missing = await run(make((r, t, done) => done(null, undefined)))
    assert.equal(missing.kind, 'fail')
    assert.equal(missing.info.message, 'secret or public key must be provided')
    const weak = await run(make((r, t, done) => done(null, 'short')))
    assert.equal(weak.kind, 'fail')
    assert.equal(weak.info.message, 'secretOrPublicKey is not valid key material')
    assert.match(weak.info.code, /^ERR_INVALID_/)
    const later = await run(make((r, t, done) => setImmediate(() => done(null, SECRET))))
    assert.equal(later.kind, 'success')
  })
})

describe('the kind of a token, whatever its payload starts with', () => {
  test('a JWS whose payload text starts with white space is a JWS on every path: its claim checks run', async () => {
    // jsonwebtoken signs a string payload as it is given.
    const spaced = (claims) => jsonwebtoken.sign(`\t\n {"sub":"ws","exp":${now() + 600},"aud":${JSON.stringify(claims.aud)}}`, SECRET)
    const good = spaced({ aud: 'api' })
    const other = spaced({ aud: 'other' })
    for (const make of [
      () => new Strategy(base({ audience: /^api$/ }), toUser), // the stock Bearer extractor (fast path)
      () => new Strategy(base({ audience: /^api$/, jwtFromRequest: ExtractJwt.fromExtractors([ExtractJwt.fromAuthHeaderAsBearerToken()]) }), toUser),
    ]) {
      const ok = await run(make(), bearer(good))
      assert.equal(ok.kind, 'success')
      assert.equal(ok.user.sub, 'ws')
      assert.equal(ok.req.authbridge.kind, 'jwt')
      // The RegExp audience is checked in JS, only for a JWS: read as a session, it would be skipped.
      const refused = await run(make(), bearer(other))
      assert.equal(refused.kind, 'fail')
      assert.equal(refused.info.message, 'jwt audience invalid. expected: /^api$/')
    }
    const h = new HandshakeAuthenticator({ jwt: { algorithms: HS256, key: SECRET }, authjs: { secret: AUTH_SECRET } })
    assert.equal(h.verifyToken(good).kind, 'jwt')
    assert.equal(h.authenticate({ auth: { token: good } }).kind, 'jwt')
    assert.equal(h.authenticate({ headers: { authorization: `Bearer ${good}` } }).kind, 'jwt')
    const session = await sessionToken({ sub: 'sess-k' })
    assert.equal(h.verifyToken(session).kind, 'authjs')
    assert.equal(h.authenticate({ auth: { token: session } }).kind, 'authjs')
  })
})

describe('Auth.js session tokens', () => {
  test('ExtractJwt.fromSessionCookie(), alone or after the Bearer header; chunked cookies joined', async () => {
    const session = await sessionToken({ sub: 'sess-1', name: 'Ada' })
    const s = new Strategy(
      {
        jwtFromRequest: ExtractJwt.fromExtractors([ExtractJwt.fromAuthHeaderAsBearerToken(), ExtractJwt.fromSessionCookie()]),
        secretOrKey: SECRET,
        algorithms: HS256,
        authjs: { secret: AUTH_SECRET },
      },
      toUser,
    )
    const byCookie = await run(s, request({ headers: { cookie: `theme=dark; ${COOKIE}=${session}` } }))
    assert.equal(byCookie.kind, 'success')
    assert.equal(byCookie.user.sub, 'sess-1')
    assert.equal(byCookie.req.authbridge.kind, 'authjs')
    // Given by jwtFromRequest: the source is the extractor's, not known here; frozen on every path.
    assert.deepEqual({ ...byCookie.req.authbridge }, { kind: 'authjs', source: null })
    assert.ok(Object.isFrozen(byCookie.req.authbridge))
    const half = Math.ceil(session.length / 2)
    // Chunks in any order, and winning over a stale plain cookie (as the native cookie reader).
    const chunked = await run(s, request({ headers: { cookie: `${COOKIE}.1=${session.slice(half)}; ${COOKIE}=stale; ${COOKIE}.0=${session.slice(0, half)}` } }))
    assert.equal(chunked.user.sub, 'sess-1')
    const byBearer = await run(s, bearer(sign({ sub: 'tok' })))
    assert.equal(byBearer.user.sub, 'tok')
    assert.equal(byBearer.req.authbridge.kind, 'jwt')
    const other = await run(s, request({ headers: { cookie: `${COOKIE}=${session.slice(0, -4)}AAAA` } }))
    assert.equal(other.kind, 'fail')
    assert.equal(other.info.name, 'JsonWebTokenError')
    assert.match(other.info.code, /^ERR_JWE_/)
    // The cookie name follows the authjs options (secureCookie: __Secure- prefix).
    const secure = new Strategy({ jwtFromRequest: ExtractJwt.fromSessionCookie(), authjs: { secret: AUTH_SECRET, secureCookie: true } }, toUser)
    const notSecure = await run(secure, request({ headers: { cookie: `${COOKIE}=${session}` } }))
    assert.equal(notSecure.info.message, 'No auth token')
  })

  test('without jwtFromRequest: Bearer, then the session cookie (authbridge\'s default); fail() gets the same Errors', async () => {
    const session = await sessionToken({ sub: 'sess-2' })
    const s = new Strategy({ jwt: { algorithms: HS256, key: SECRET }, authjs: { secret: AUTH_SECRET } })
    assert.equal(s.name, 'jwt')
    const byCookie = await run(s, request({ headers: { cookie: `theme=dark; ${COOKIE}=${session}` } }))
    assert.equal(byCookie.user.sub, 'sess-2')
    assert.deepEqual({ ...byCookie.req.authbridge }, { kind: 'authjs', source: 'cookie' })
    assert.ok(Object.isFrozen(byCookie.req.authbridge))
    const byBearer = await run(s, bearer(sign({ sub: 'b' })))
    assert.equal(byBearer.user.sub, 'b')
    assert.deepEqual({ ...byBearer.req.authbridge }, { kind: 'jwt', source: 'header' })
    // An Auth.js session sent as a Bearer token: the kind and the source each as found.
    assert.deepEqual({ ...(await run(s, request({ headers: { authorization: `Bearer ${session}` } }))).req.authbridge }, { kind: 'authjs', source: 'header' })
    const none = await run(s, request())
    assert.deepEqual([none.info.message, none.info.code], ['No auth token', 'ERR_TOKEN_MISSING'])
    // A request without a headers object is a request without a token, not a crash.
    const bare = await run(s, { method: 'GET', url: '/' })
    assert.deepEqual([bare.info.message, bare.info.code], ['No auth token', 'ERR_TOKEN_MISSING'])
    // A cookie-borne token from a page of another origin: refused before it is decoded.
    const crossSite = await run(s, request({ headers: { host: 'api.example.com', origin: 'https://evil.example', cookie: `${COOKIE}=${session}` } }))
    assert.equal(crossSite.kind, 'fail')
    assert.equal(crossSite.info.code, 'ERR_ORIGIN_NOT_ALLOWED')
    // The same origin is the request's scheme too (issue 22, O02): an https page, a TLS connection.
    const sameSite = await run(s, { ...request({ headers: { host: 'api.example.com', origin: 'https://api.example.com', cookie: `${COOKIE}=${session}` } }), socket: { encrypted: true } })
    assert.equal(sameSite.user.sub, 'sess-2')
    const expired = await run(s, bearer(sign({ exp: now() - 60 })))
    assert.deepEqual([expired.info.name, expired.info.message, expired.info.code], ['TokenExpiredError', 'jwt expired', 'ERR_JWT_EXPIRED'])
    assert.ok(expired.info.expiredAt instanceof Date)
    assert.equal(expired.req.authbridgeError.code, 'ERR_JWT_EXPIRED')
    // A HandshakeAuthenticator works as the options too.
    const ready = new Strategy(new HandshakeAuthenticator({ jwt: { algorithms: HS256, key: SECRET }, sources: ['header'] }))
    assert.equal((await run(ready, bearer(sign({ sub: 'h' })))).user.sub, 'h')
  })
})

describe('Nest: PassportStrategy(Strategy) with validate, and the name option', () => {
  test('async validate: a user, a rejection (error), null (fail)', async () => {
    class JwtStrategy extends PassportStrategy(Strategy) {
      constructor() {
        super(base())
      }
      async validate(payload) {
        await new Promise((r) => setImmediate(r))
        if (payload.sub === 'boom') throw new Error('db down')
        return payload.sub === 'nobody' ? null : { id: payload.sub }
      }
    }
    const s = new JwtStrategy()
    assert.equal(s.name, 'jwt')
    assert.deepEqual((await run(s, bearer(sign({ sub: 'ada' })))).user, { id: 'ada' })
    const err = await run(s, bearer(sign({ sub: 'boom' })))
    assert.deepEqual([err.kind, err.err.message], ['error', 'db down'])
    assert.equal((await run(s, bearer(sign({ sub: 'nobody' })))).kind, 'fail')
    assert.equal((await run(s, bearer(sign({ exp: now() - 5 })))).info.message, 'jwt expired')
  })

  test('a verify that returns a Promise of the user (done left uncalled); passReqToCallback with it', async () => {
    const s = new Strategy(base({ passReqToCallback: true }), async (req, payload) => ({ id: payload.sub, url: req.url }))
    assert.deepEqual((await run(s, bearer(sign({ sub: 'p' })))).user, { id: 'p', url: '/' })
    const rejects = new Strategy(base(), async () => {
      throw new Error('nope')
    })
    assert.equal((await run(rejects, bearer(sign()))).err.message, 'nope')
  })

  test('name option; bad options are ERR_INVALID_OPTIONS', () => {
    assert.equal(new Strategy(base({ name: 'api-jwt' }), toUser).name, 'api-jwt')
    assert.throws(() => new Strategy(base({ name: '' }), toUser), { code: 'ERR_INVALID_OPTIONS' })
    assert.throws(() => new Strategy(base({ secretOrKeyProvider: 'x', secretOrKey: undefined }), toUser), { code: 'ERR_INVALID_OPTIONS' })
    assert.throws(() => new Strategy(() => {}), { code: 'ERR_INVALID_OPTIONS' })
    assert.throws(() => new Strategy(base({ algorithms: undefined }), toUser), { code: 'ERR_INVALID_OPTIONS', message: /algorithms/ })
  })
})
