// Finding 6 (SECURITY.md), written as the attack: a page of another origin of the site
// (another port, another subdomain) calls the API with the user's session cookie, which the
// browser attaches on its own (fetch with credentials: 'include', a form post). With the
// Strategy's default sources the Origin rule refused it (finding 5); with the cookie taken by
// an explicit extractor (ExtractJwt.fromSessionCookie(), inside fromExtractors, or the app's
// own function reading the Cookie header) the token reached the verifier as if it were a
// Bearer token and the request was accepted. Real servers over loopback: express + passport
// (+ the cors middleware) and a Nest app with @nestjs/passport's AuthGuard; session tokens
// from @auth/core's encode, access tokens from jsonwebtoken.
// Run: node --test __test__/attacks-cookie-extractor.test.mjs

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { createRequire } from 'node:module'
import 'reflect-metadata'

const require = createRequire(import.meta.url)
const express = require('express')
const cors = require('cors')
const passport = require('passport')
const cookie = require('cookie')
const jsonwebtoken = require('jsonwebtoken')
const { Strategy, ExtractJwt } = require('../js/passport/index.js')

const AUTH_SECRET = crypto.randomBytes(32).toString('base64url')
const JWT_SECRET = crypto.randomBytes(48).toString('base64url')
const COOKIE = 'authjs.session-token'
const CHUNK_SIZE = 3936 // @auth/core splits a bigger session cookie in chunks of this size
const EVIL = 'http://evil.example' // another site's page
const FRONT = 'http://front.example:3000' // the app's own front end, listed or CORS-allowed

const accessToken = (sub) => jsonwebtoken.sign({ sub }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '15m' })

async function sessionToken(claims) {
  const { encode } = await import('@auth/core/jwt')
  return encode({ token: claims, secret: AUTH_SECRET, salt: COOKIE })
}

/** The app's own extractor, as passport-jwt apps write it: the cookie parsed by the `cookie` package. */
const customCookieExtractor = (name) => (req) => cookie.parse(req.headers.cookie || '')[name] || null

/**
 * An express app with passport and `strategy` on GET /me (answering { sub } or 401 with the
 * refusal's code), optional `middleware` first. Closed after the test. Returns a `call`.
 */
async function expressApp(t, strategy, middleware = []) {
  const p = new passport.Passport()
  p.use('authbridge', strategy)
  const app = express()
  for (const m of middleware) app.use(m)
  const handler = (req, res) =>
    p.authenticate('authbridge', { session: false }, (err, user, info) => {
      if (err) return res.status(500).json({ error: String(err && err.message) })
      res.status(user ? 200 : 401).json(user ? { sub: user.sub } : { code: info && info.code })
    })(req, res)
  app.get('/me', handler)
  app.post('/me', handler)
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  t.after(() => new Promise((r) => server.close(r)))
  const base = `http://127.0.0.1:${server.address().port}`
  return { base, call: (opts) => call(base, opts) }
}

/** A request as a browser page at `origin` sends it (no origin: a server or a script). */
async function call(base, { origin, cookie: c, bearer, body } = {}) {
  const headers = {}
  if (origin) headers.origin = origin
  if (c) headers.cookie = c
  if (bearer) headers.authorization = `Bearer ${bearer}`
  if (body) headers['content-type'] = 'application/json'
  const res = await fetch(`${base}/me`, {
    method: body ? 'POST' : 'GET',
    headers,
    body: body && JSON.stringify(body),
    signal: AbortSignal.timeout(10000),
  })
  return [res.status, await res.json()]
}

const REFUSED = [401, { code: 'ERR_ORIGIN_NOT_ALLOWED' }]
const ok = (sub) => [200, { sub }]

describe('finding 6: the session cookie taken by an explicit extractor gets the Origin rule', { concurrency: true }, () => {
  const extractors = {
    'ExtractJwt.fromSessionCookie()': () => ExtractJwt.fromSessionCookie(),
    'fromExtractors([fromAuthHeaderAsBearerToken(), fromSessionCookie()])': () =>
      ExtractJwt.fromExtractors([ExtractJwt.fromAuthHeaderAsBearerToken(), ExtractJwt.fromSessionCookie()]),
    'fromExtractors([fromSessionCookie(), fromAuthHeaderAsBearerToken()])': () =>
      ExtractJwt.fromExtractors([ExtractJwt.fromSessionCookie(), ExtractJwt.fromAuthHeaderAsBearerToken()]),
    "the app's own function reading the Cookie header": () => customCookieExtractor(COOKIE),
  }

  for (const [label, extractor] of Object.entries(extractors)) {
    test(`${label}: a cross-site page riding the cookie is refused; same origin, listed origins and scripts pass`, async (t) => {
      const session = await sessionToken({ sub: 'victim' })
      const jar = `theme=dark; ${COOKIE}=${session}`
      const options = { jwtFromRequest: extractor(), secretOrKey: JWT_SECRET, algorithms: ['HS256'], authjs: { secret: AUTH_SECRET } }
      const open = await expressApp(t, new Strategy(options, (claims, done) => done(null, claims)))
      // The attack: another site, and another port of the same host (same site).
      assert.deepEqual(await open.call({ origin: EVIL, cookie: jar }), REFUSED)
      assert.deepEqual(await open.call({ origin: 'http://127.0.0.1:1', cookie: jar }), REFUSED)
      assert.deepEqual(await open.call({ origin: FRONT, cookie: jar }), REFUSED)
      // The user's own pages, and clients that are not pages.
      assert.deepEqual(await open.call({ origin: open.base, cookie: jar }), ok('victim'))
      assert.deepEqual(await open.call({ cookie: jar }), ok('victim'))
      if (label.includes('fromExtractors')) {
        // A Bearer token is never attached by the browser on its own: any origin may send one.
        assert.deepEqual(await open.call({ origin: EVIL, bearer: accessToken('api-client') }), ok('api-client'))
      }
      if (label.startsWith('fromExtractors([fromAuth')) {
        // Also with the cookie riding along (credentials: 'include'): the Bearer token is the one.
        assert.deepEqual(await open.call({ origin: EVIL, bearer: accessToken('api-client'), cookie: jar }), ok('api-client'))
      }

      // allowedOrigins: the listed front end passes, others are still refused.
      const listed = await expressApp(t, new Strategy({ ...options, allowedOrigins: [FRONT, /^https:\/\/[a-z]+\.example\.org$/] }, (c, done) => done(null, c)))
      assert.deepEqual(await listed.call({ origin: FRONT, cookie: jar }), ok('victim'))
      assert.deepEqual(await listed.call({ origin: 'https://app.example.org', cookie: jar }), ok('victim'))
      assert.deepEqual(await listed.call({ origin: EVIL, cookie: jar }), REFUSED)
      // A list replaces the same-origin default (as with the default sources).
      assert.deepEqual(await listed.call({ origin: listed.base, cookie: jar }), REFUSED)
      const any = await expressApp(t, new Strategy({ ...options, allowedOrigins: '*' }, (c, done) => done(null, c)))
      assert.deepEqual(await any.call({ origin: EVIL, cookie: jar }), ok('victim'))
    })
  }

  test('the cors middleware allowed the origin with credentials: that answer stands, other pages are refused', async (t) => {
    const session = await sessionToken({ sub: 'victim' })
    const jar = `${COOKIE}=${session}`
    const strategy = new Strategy(
      { jwtFromRequest: ExtractJwt.fromExtractors([ExtractJwt.fromAuthHeaderAsBearerToken(), ExtractJwt.fromSessionCookie()]), authjs: { secret: AUTH_SECRET } },
      (claims, done) => done(null, claims),
    )
    const app = await expressApp(t, strategy, [cors({ origin: [FRONT], credentials: true })])
    assert.deepEqual(await app.call({ origin: FRONT, cookie: jar }), ok('victim'))
    assert.deepEqual(await app.call({ origin: 'http://front.example:3001', cookie: jar }), REFUSED)
    assert.deepEqual(await app.call({ origin: 'http://evil.front.example:3000', cookie: jar }), REFUSED)
    // CORS without credentials says nothing about cookies: the same-origin rule decides.
    const noCreds = await expressApp(t, strategy, [cors({ origin: [FRONT] })])
    assert.deepEqual(await noCreds.call({ origin: FRONT, cookie: jar }), REFUSED)
  })

  test('chunked session cookie (name.0, name.1) through fromSessionCookie is refused the same way', async (t) => {
    const session = await sessionToken({ sub: 'big-victim', profile: crypto.randomBytes(3000).toString('base64url') })
    assert.ok(session.length > CHUNK_SIZE, `a session of ${session.length} characters needs two chunks`)
    const jar = `${COOKIE}.1=${session.slice(CHUNK_SIZE)}; theme=dark; ${COOKIE}.0=${session.slice(0, CHUNK_SIZE)}`
    const strategy = new Strategy(
      { jwtFromRequest: ExtractJwt.fromExtractors([ExtractJwt.fromAuthHeaderAsBearerToken(), ExtractJwt.fromSessionCookie()]), authjs: { secret: AUTH_SECRET } },
      (claims, done) => done(null, claims),
    )
    const app = await expressApp(t, strategy)
    assert.deepEqual(await app.call({ origin: EVIL, cookie: jar }), REFUSED)
    assert.deepEqual(await app.call({ origin: app.base, cookie: jar }), ok('big-victim'))
  })

  test('an access token (JWS) kept in a cookie of its own, jwt only (no authjs), with secretOrKey or secretOrKeyProvider', async (t) => {
    const token = accessToken('cookie-user')
    const jar = `access_token=${token}; theme=dark`
    const fixed = await expressApp(
      t,
      new Strategy({ jwtFromRequest: customCookieExtractor('access_token'), secretOrKey: JWT_SECRET, algorithms: ['HS256'] }, (c, done) => done(null, c)),
    )
    assert.deepEqual(await fixed.call({ origin: EVIL, cookie: jar }), REFUSED)
    assert.deepEqual(await fixed.call({ origin: fixed.base, cookie: jar }), ok('cookie-user'))
    const provided = await expressApp(
      t,
      new Strategy(
        {
          jwtFromRequest: ExtractJwt.fromSessionCookie('access_token'),
          secretOrKeyProvider: (req, raw, done) => setImmediate(() => done(null, JWT_SECRET)),
          algorithms: ['HS256'],
        },
        (c, done) => done(null, c),
      ),
    )
    assert.deepEqual(await provided.call({ origin: EVIL, cookie: jar }), REFUSED)
    assert.deepEqual(await provided.call({ origin: provided.base, cookie: jar }), ok('cookie-user'))
    assert.deepEqual(await provided.call({ cookie: jar }), ok('cookie-user'))
  })

  test('tokens from the Authorization header, the body or the query stay free of the rule, cookies or not', async (t) => {
    const session = await sessionToken({ sub: 'victim' })
    const jar = `${COOKIE}=${session}`
    const token = accessToken('api-client')
    const options = {
      jwtFromRequest: ExtractJwt.fromExtractors([
        ExtractJwt.fromAuthHeaderAsBearerToken(),
        ExtractJwt.fromBodyField('token'),
        ExtractJwt.fromUrlQueryParameter('token'),
      ]),
      secretOrKey: JWT_SECRET,
      algorithms: ['HS256'],
      authjs: { secret: AUTH_SECRET },
    }
    const app = await expressApp(t, new Strategy(options, (c, done) => done(null, c)), [express.json()])
    assert.deepEqual(await app.call({ origin: EVIL, bearer: token, cookie: jar }), ok('api-client'))
    assert.deepEqual(await app.call({ origin: EVIL, body: { token }, cookie: jar }), ok('api-client'))
    const res = await fetch(`${app.base}/me?token=${token}`, { headers: { origin: EVIL, cookie: jar }, signal: AbortSignal.timeout(10000) })
    assert.deepEqual([res.status, await res.json()], ok('api-client'))
    // The page that sends the session token itself as a Bearer token holds it: not the
    // browser's doing, even when the cookie rides along with the same token.
    const both = await expressApp(
      t,
      new Strategy({ ...options, jwtFromRequest: ExtractJwt.fromExtractors([ExtractJwt.fromSessionCookie(), ExtractJwt.fromAuthHeaderAsBearerToken()]) }, (c, done) => done(null, c)),
    )
    assert.deepEqual(await both.call({ origin: EVIL, bearer: session, cookie: jar }), ok('victim'))
  })
})

describe('finding 6: the refusal is the one of the default cookie path', () => {
  test('fail() gets the same Error (name, message, code, source, fingerprint) and req.authbridgeError', async () => {
    const { request, run } = require('./helpers/strategy.js')
    const session = await sessionToken({ sub: 'victim' })
    const headers = { cookie: `${COOKIE}=${session}`, origin: EVIL, host: 'api.example' }
    const shape = (r) => {
      const { name, message, code, source, fingerprint, reason } = r.info
      return { kind: r.kind, name, message, code, source, fingerprint, reason, req: r.req.authbridgeError }
    }
    const byDefault = shape(await run(new Strategy({ authjs: { secret: AUTH_SECRET } }), request({ headers })))
    assert.equal(byDefault.code, 'ERR_ORIGIN_NOT_ALLOWED')
    assert.equal(byDefault.source, 'cookie')
    assert.match(byDefault.fingerprint, /^[\w-]{16}$/)
    for (const jwtFromRequest of [
      ExtractJwt.fromSessionCookie(),
      ExtractJwt.fromExtractors([ExtractJwt.fromAuthHeaderAsBearerToken(), ExtractJwt.fromSessionCookie()]),
      customCookieExtractor(COOKIE),
    ]) {
      const explicit = await run(new Strategy({ jwtFromRequest, authjs: { secret: AUTH_SECRET } }, (c, done) => done(null, c)), request({ headers }))
      assert.deepEqual(shape(explicit), byDefault)
      assert.ok(!String(explicit.info.message + explicit.info.reason).includes(session.slice(-20)), 'the token is never in the message')
    }
  })
})

describe('finding 6 through a real Nest app: PassportStrategy(Strategy) and AuthGuard', () => {
  test('fromExtractors([Bearer, fromSessionCookie()]) behind enableCors: the other page is refused, the front end and Bearer pass', async (t) => {
    const { NestFactory } = require('@nestjs/core')
    const { Controller, Get, Injectable, Module, Req, UnauthorizedException, UseGuards } = require('@nestjs/common')
    const { PassportModule, PassportStrategy, AuthGuard } = require('@nestjs/passport')

    class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
      constructor() {
        super({
          jwtFromRequest: ExtractJwt.fromExtractors([ExtractJwt.fromAuthHeaderAsBearerToken(), ExtractJwt.fromSessionCookie()]),
          secretOrKey: JWT_SECRET,
          algorithms: ['HS256'],
          authjs: { secret: AUTH_SECRET },
        })
      }
      validate(claims) {
        return { sub: claims.sub }
      }
    }
    Injectable()(JwtStrategy)
    // The refusal's code in the 401 body, so that the test sees why.
    class Guard extends AuthGuard('jwt') {
      handleRequest(err, user, info) {
        if (err || !user) throw new UnauthorizedException(info && info.code)
        return user
      }
    }
    Injectable()(Guard)
    class MeController {
      me(req) {
        return { sub: req.user.sub }
      }
    }
    Controller()(MeController)
    const proto = MeController.prototype
    Object.defineProperty(proto, 'me', Reflect.decorate([UseGuards(Guard), Get('me')], proto, 'me', Object.getOwnPropertyDescriptor(proto, 'me')))
    Req()(proto, 'me', 0)
    class AppModule {}
    Module({ imports: [PassportModule], controllers: [MeController], providers: [JwtStrategy] })(AppModule)

    const app = await NestFactory.create(AppModule, { logger: false, abortOnError: false })
    app.enableCors({ origin: FRONT, credentials: true })
    await app.listen(0, '127.0.0.1')
    t.after(() => app.close())
    const base = `http://127.0.0.1:${app.getHttpServer().address().port}`
    const get = async (opts) => {
      const [status, body] = await call(base, opts)
      return status === 200 ? [status, body] : [status, body.message]
    }

    const jar = `${COOKIE}=${await sessionToken({ sub: 'victim' })}`
    assert.deepEqual(await get({ origin: EVIL, cookie: jar }), [401, 'ERR_ORIGIN_NOT_ALLOWED'])
    assert.deepEqual(await get({ origin: 'http://front.example:3001', cookie: jar }), [401, 'ERR_ORIGIN_NOT_ALLOWED'])
    assert.deepEqual(await get({ origin: FRONT, cookie: jar }), ok('victim'))
    assert.deepEqual(await get({ origin: base, cookie: jar }), ok('victim'))
    assert.deepEqual(await get({ cookie: jar }), ok('victim'))
    assert.deepEqual(await get({ origin: EVIL, bearer: accessToken('api-client') }), ok('api-client'))
    assert.deepEqual(await get({ origin: EVIL, bearer: accessToken('api-client'), cookie: jar }), ok('api-client'))
    // No token at all is still 'No auth token', whatever the origin.
    assert.deepEqual(await get({ origin: EVIL }), [401, 'ERR_TOKEN_MISSING'])
  })
})
