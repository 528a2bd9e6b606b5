// Side by side: the same calls through the real peers (passport-jwt 4.0.1 on jsonwebtoken,
// through a real passport instance; @nestjs/jwt's JwtService) and through authbridge/passport
// and authbridge/nest, with real tokens signed by jsonwebtoken. Compared: the outcome, the
// error's name and message (and expiredAt / date), the `info` passed to fail() and the user.
// Where authbridge differs on purpose (README, "Migrating"), the test says so and checks the
// difference itself.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { createRequire } from 'node:module'
import { JwtService as PeerJwtService } from '@nestjs/jwt'
import { Strategy, ExtractJwt } from 'authbridge/passport'
import { JwtService, JsonWebTokenError, TokenExpiredError, NotBeforeError } from 'authbridge/nest'

const require = createRequire(import.meta.url)
const jsonwebtoken = require('jsonwebtoken')
const passport = require('passport')
const PassportJwt = require('passport-jwt')
const { request, runPassport } = require('./helpers/strategy.js')

const SECRET = crypto.randomBytes(48).toString('base64url') // 64 characters: enough for HS512
const OTHER = crypto.randomBytes(48).toString('base64url')
const now = () => Math.floor(Date.now() / 1000)
const sign = (claims, opts = {}, key = SECRET) => jsonwebtoken.sign(claims, key, opts)
/** jsonwebtoken refuses to sign a non-numeric exp / nbf: a JSON string payload is signed as it is. */
const signRaw = (claims) => jsonwebtoken.sign(JSON.stringify(claims), SECRET)
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url')
const base = () => ({ sub: 'user-1', iat: now() - 10, exp: now() + 600 })

// Each case: a token, and jsonwebtoken verify options (algorithms HS256 unless given).
const CASES = () => {
  const t = now()
  return [
    ['valid', sign(base())],
    ['expired', sign({ ...base(), exp: t - 30 })],
    ['not yet active', sign({ ...base(), nbf: t + 300 })],
    ['wrong secret', sign(base(), {}, OTHER)],
    ['HS512 while HS256 is pinned', sign(base(), { algorithm: 'HS512' })],
    ['HS384 allowed by a list', sign(base(), { algorithm: 'HS384' }), { algorithms: ['HS256', 'HS384'] }],
    ['one segment', 'abc'],
    ['three garbage segments', 'a.b.c'],
    ['five segments (a JWE)', `${b64({ alg: 'dir', enc: 'A256GCM' })}..aaaa.bbbb.cccc`],
    ['alg none', sign(base(), { algorithm: 'none' }, null)],
    ['HS256 header, no signature', `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(base())}.`],
    ['exp not a number', signRaw({ ...base(), exp: 'later' })],
    ['nbf not a number', signRaw({ ...base(), nbf: 'soon' })],
    ['audience (string) matches', sign({ ...base(), aud: 'api' }), { audience: 'api' }],
    ['audience (string) differs', sign({ ...base(), aud: 'web' }), { audience: 'api' }],
    ['audience (list) differs', sign({ ...base(), aud: 'web' }), { audience: ['api', 'admin'] }],
    ['audience missing', sign(base()), { audience: 'api' }],
    ['audience (RegExp) matches', sign({ ...base(), aud: 'api:read' }), { audience: /^api:/ }],
    ['audience (RegExp) differs', sign({ ...base(), aud: 'web:read' }), { audience: /^api:/ }],
    ['audience (RegExp and string) list', sign({ ...base(), aud: ['x', 'admin'] }), { audience: [/^api:/, 'admin'] }],
    ['issuer differs', sign({ ...base(), iss: 'evil' }), { issuer: 'https://issuer' }],
    ['issuer (list) differs', sign({ ...base(), iss: 'evil' }), { issuer: ['https://a', 'https://b'] }],
    ['issuer (list) matches', sign({ ...base(), iss: 'https://b' }), { issuer: ['https://a', 'https://b'] }],
    ['subject differs', sign(base()), { subject: 'user-2' }],
    ['jwtid differs', sign({ ...base(), jti: 'a' }), { jwtid: 'b' }],
    ['jwtid matches', sign({ ...base(), jti: 'b' }), { jwtid: 'b' }],
    ['nonce differs', sign({ ...base(), nonce: 'n1' }), { nonce: 'n2' }],
    ['nonce matches', sign({ ...base(), nonce: 'n2' }), { nonce: 'n2' }],
    ['maxAge exceeded (duration string)', sign({ ...base(), iat: t - 7200 }), { maxAge: '1h' }],
    ['maxAge exceeded (seconds)', sign({ ...base(), iat: t - 120 }), { maxAge: 60 }],
    ['maxAge, no iat', sign({ sub: 'u', exp: t + 600 }, { noTimestamp: true }), { maxAge: 60 }],
    ['clockTolerance covers a just-expired token', sign({ ...base(), exp: t - 5 }), { clockTolerance: 30 }],
    ['clockTimestamp before exp', sign({ ...base(), iat: t - 3600, exp: t - 1800 }), { clockTimestamp: t - 2000 }],
    ['clockTimestamp after exp', sign(base()), { clockTimestamp: t + 3600 }],
    ['ignoreExpiration', sign({ ...base(), exp: t - 30 }), { ignoreExpiration: true }],
    ['ignoreNotBefore', sign({ ...base(), nbf: t + 300 }), { ignoreNotBefore: true }],
    ['complete', sign(base(), { keyid: 'k1' }), { complete: true }],
  ]
}

/** What an error is made of, for comparison. */
const shape = (e) => {
  if (e === undefined || e === null) return e
  if (typeof e !== 'object') return e
  const out = { name: e.name, message: e.message }
  if (e.expiredAt !== undefined) out.expiredAt = e.expiredAt.getTime()
  if (e.date !== undefined) out.date = e.date.getTime()
  return out
}

// ---------------------------------------------------------------------------
// passport-jwt vs authbridge/passport
// ---------------------------------------------------------------------------

/** jsonwebtoken verify options -> passport-jwt's options (audience, issuer, ignoreExpiration at the top: passport-jwt overwrites them). */
function passportOptions(Extract, verifyOptions = {}, extra = {}) {
  const { audience, issuer, algorithms = ['HS256'], ignoreExpiration, ...jsonWebTokenOptions } = verifyOptions
  return { jwtFromRequest: Extract.fromAuthHeaderAsBearerToken(), secretOrKey: SECRET, algorithms, audience, issuer, ignoreExpiration, jsonWebTokenOptions, ...extra }
}

const toUser = (payload, done) => done(null, { id: payload.sub ?? payload.payload?.sub, payload })

async function both(makeOptions, req, verify = toUser) {
  const peer = await runPassport(passport, new PassportJwt.Strategy(makeOptions(PassportJwt.ExtractJwt), verify), req())
  const ours = await runPassport(passport, new Strategy(makeOptions(ExtractJwt), verify), req())
  return { peer, ours }
}

const summary = (r) => ({ err: shape(r.err), user: r.user, info: shape(r.info), status: r.status })

describe('passport-jwt and authbridge/passport, through passport.authenticate', () => {
  test('the strategy is registered as jwt (passport.use(strategy))', () => {
    assert.equal(new Strategy(passportOptions(ExtractJwt), toUser).name, new PassportJwt.Strategy(passportOptions(PassportJwt.ExtractJwt), toUser).name)
  })

  for (const [name, token, verifyOptions] of CASES()) {
    test(name, async () => {
      const { peer, ours } = await both((X) => passportOptions(X, verifyOptions), () => request({ headers: { authorization: `Bearer ${token}` } }))
      assert.deepEqual(summary(ours), summary(peer))
      if (ours.info) {
        assert.ok(ours.info instanceof JsonWebTokenError, 'info is a JsonWebTokenError')
        assert.match(ours.info.code, /^ERR_/)
        assert.equal(typeof ours.info.reason, 'string')
      }
    })
  }

  test('no token at all: No auth token (an Error), verify not called', async () => {
    const { peer, ours } = await both((X) => passportOptions(X), () => request())
    assert.deepEqual(summary(ours), summary(peer))
    assert.equal(ours.info.message, 'No auth token')
    assert.equal(ours.info.code, 'ERR_TOKEN_MISSING')
  })

  test('each extractor finds the same token (or refuses alike)', async () => {
    const token = sign(base())
    const cases = [
      [(X) => X.fromHeader('x-token'), { headers: { 'x-token': token } }],
      [(X) => X.fromBodyField('jwt'), { body: { jwt: token } }],
      [(X) => X.fromUrlQueryParameter('t'), { url: `/path?x=1&t=${token}` }],
      [(X) => X.fromAuthHeaderWithScheme('JWT'), { headers: { authorization: `JWT ${token}` } }],
      [(X) => X.fromAuthHeaderWithScheme('JWT'), { headers: { authorization: `Bearer ${token}` } }],
      [(X) => X.fromExtractors([X.fromHeader('x-a'), X.fromBodyField('b')]), { body: { b: token } }],
      [(X) => X.versionOneCompatibility({}), { url: `/?auth_token=${token}` }],
      [(X) => X.versionOneCompatibility({ tokenBodyField: 'tk' }), { body: { tk: token } }],
      // Refusals: a repeated query parameter (a list, not a string), an empty header.
      [(X) => X.fromUrlQueryParameter('t'), { url: `/?t=${token}&t=${token}` }],
      [(X) => X.fromHeader('x-token'), { headers: { 'x-token': '' } }],
    ]
    for (const [make, req] of cases) {
      const { peer, ours } = await both((X) => passportOptions(X, {}, { jwtFromRequest: make(X) }), () => request(req))
      assert.deepEqual(summary(ours), summary(peer), JSON.stringify(req).slice(0, 60))
    }
  })

  test('verify callback shapes: user false with info, an error, an exception, passReqToCallback', async () => {
    const token = sign(base())
    const req = () => request({ headers: { authorization: `Bearer ${token}` } })
    const refuse = (payload, done) => done(null, false, { message: 'invalid user' })
    const broken = (payload, done) => done(new Error('ERROR'))
    const throws = () => {
      throw new Error('EXCEPTION')
    }
    for (const verify of [refuse, broken, throws]) {
      const { peer, ours } = await both((X) => passportOptions(X), req, verify)
      assert.deepEqual(summary(ours), summary(peer), verify.name)
    }
    const withReq = (r, payload, done) => done(null, { id: payload.sub, path: r.url })
    const { peer, ours } = await both((X) => passportOptions(X, {}, { passReqToCallback: true }), req, withReq)
    assert.deepEqual(summary(ours), summary(peer))
    assert.deepEqual(ours.user, { id: 'user-1', path: '/' })
  })

  test('secretOrKeyProvider: its key, its error (fail with it, as passport-jwt)', async () => {
    const token = sign(base(), {}, OTHER)
    const req = () => request({ headers: { authorization: `Bearer ${token}` } })
    const good = (r, raw, done) => done(null, raw === token ? OTHER : SECRET)
    const providerError = new Error('key lookup failed')
    const bad = (r, raw, done) => done(providerError)
    for (const provider of [good, bad]) {
      const { peer, ours } = await both((X) => passportOptions(X, {}, { secretOrKey: undefined, secretOrKeyProvider: provider }), req)
      assert.deepEqual(summary(ours), summary(peer), provider.name)
    }
    const { ours } = await both((X) => passportOptions(X, {}, { secretOrKey: undefined, secretOrKeyProvider: bad }), req)
    assert.equal(ours.info, providerError)
  })

  test('differences on purpose: a token without exp, and a secret shorter than the hash', async () => {
    const noExp = sign({ sub: 'user-1' })
    const { peer, ours } = await both((X) => passportOptions(X), () => request({ headers: { authorization: `Bearer ${noExp}` } }))
    assert.equal(peer.user.id, 'user-1', 'passport-jwt accepts a token without exp')
    assert.equal(ours.user, false)
    assert.deepEqual(shape(ours.info), { name: 'JsonWebTokenError', message: 'exp required' })
    assert.equal(ours.info.code, 'ERR_JWT_CLAIM_MISSING')
    assert.throws(() => new Strategy({ ...passportOptions(ExtractJwt), secretOrKey: 'secret' }, toUser), { code: 'ERR_INVALID_KEY' })
    assert.throws(() => new Strategy({ ...passportOptions(ExtractJwt), algorithms: undefined }, toUser), { code: 'ERR_INVALID_OPTIONS', message: /algorithms/ })
  })
})

// ---------------------------------------------------------------------------
// @nestjs/jwt vs authbridge/nest
// ---------------------------------------------------------------------------

describe('@nestjs/jwt and authbridge/nest JwtService', () => {
  const moduleOptions = { secret: SECRET, verifyOptions: { algorithms: ['HS256'] } }
  const peer = new PeerJwtService(moduleOptions)
  const ours = new JwtService(moduleOptions)
  ours.logger.debug = () => {}

  const outcome = (fn) => {
    try {
      return { ok: fn() }
    } catch (err) {
      return { err: shape(err), error: err }
    }
  }

  for (const [name, token, verifyOptions] of CASES()) {
    test(`verify: ${name}`, async () => {
      const options = verifyOptions && { algorithms: ['HS256'], ...verifyOptions }
      const p = outcome(() => peer.verify(token, options))
      const o = outcome(() => ours.verify(token, options))
      assert.deepEqual({ ok: o.ok, err: o.err }, { ok: p.ok, err: p.err })
      if (o.error) {
        assert.ok(o.error instanceof JsonWebTokenError)
        assert.equal(o.error instanceof TokenExpiredError, o.error.name === 'TokenExpiredError')
        assert.equal(o.error instanceof NotBeforeError, o.error.name === 'NotBeforeError')
        assert.match(o.error.code, /^ERR_/)
        assert.equal(typeof o.error.reason, 'string')
      }
      // verifyAsync rejects (or resolves) alike.
      const pa = await peer.verifyAsync(token, options).then((ok) => ({ ok }), (err) => ({ err: shape(err) }))
      const oa = await ours.verifyAsync(token, options).then((ok) => ({ ok }), (err) => ({ err: shape(err) }))
      assert.deepEqual(oa, pa)
    })
  }

  test('the module-level verifyOptions (no per-call options) give the same errors', () => {
    const withAudience = { secret: SECRET, verifyOptions: { algorithms: ['HS256'], audience: ['api', /^svc:/], issuer: 'https://issuer' } }
    const p = new PeerJwtService(withAudience)
    const o = new JwtService(withAudience)
    o.logger.debug = () => {}
    for (const claims of [{ aud: 'web', iss: 'https://issuer' }, { aud: 'svc:x', iss: 'evil' }, { aud: 'svc:x', iss: 'https://issuer' }]) {
      const token = sign({ ...base(), ...claims })
      assert.deepEqual(outcome(() => o.verify(token)).err, outcome(() => p.verify(token)).err, JSON.stringify(claims))
    }
  })

  test('differences on purpose: a token without exp; no algorithms', () => {
    const noExp = sign({ sub: 'u' })
    assert.equal(peer.verify(noExp).sub, 'u')
    assert.throws(() => ours.verify(noExp), { name: 'JsonWebTokenError', message: 'exp required', code: 'ERR_JWT_CLAIM_MISSING', claim: 'exp' })
    assert.throws(() => new JwtService({ secret: SECRET }), { code: 'ERR_INVALID_OPTIONS' })
  })
})
