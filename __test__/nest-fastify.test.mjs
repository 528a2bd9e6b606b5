// The cookie Origin rule of HTTP routes on both Nest platforms: an origin that Nest's
// enableCors allowed with credentials may use the session cookie, on ExpressAdapter as on
// FastifyAdapter (README "Cookies and Origin"), for the passport Strategy (through
// @nestjs/passport's AuthGuard) and for authbridge/graphql-ws's GqlAuthGuard. Real Nest
// apps on loopback, session cookies from @auth/core, access tokens from jsonwebtoken.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import 'reflect-metadata'

const require = createRequire(import.meta.url)
const h = require('./helpers/ws.js')
const { Strategy } = require('../js/passport/index.js')
const { gqlAuthGuard } = require('../js/graphql-ws/index.js')

const { NestFactory } = require('@nestjs/core')
const { Controller, Get, Injectable, Module, Req, UnauthorizedException, UseGuards } = require('@nestjs/common')
const { PassportModule, PassportStrategy, AuthGuard } = require('@nestjs/passport')
const { FastifyAdapter } = require('@nestjs/platform-fastify')
const { ExpressAdapter } = require('@nestjs/platform-express')

const FRONT = 'https://front.example.com'
const EVIL = 'https://evil.example'

const PLATFORMS = [
  ['Express', () => new ExpressAdapter()],
  ['Fastify', () => new FastifyAdapter()],
]

/** GET /me behind passport's AuthGuard('jwt') on authbridge's Strategy; GET /gql-me behind GqlAuthGuard (as an HTTP guard). */
async function boot(t, platform) {
  class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
    constructor() {
      super(h.options())
    }
    validate(claims) {
      return { sub: claims.sub }
    }
  }
  Injectable()(JwtStrategy)
  class Guard extends AuthGuard('jwt') {
    handleRequest(err, user, info) {
      if (err || !user) throw new UnauthorizedException(info && info.code)
      return user
    }
  }
  Injectable()(Guard)
  const GqlGuard = gqlAuthGuard(h.options())
  class MeController {
    me(req) {
      return { sub: req.user.sub }
    }
    gqlMe(req) {
      return { sub: req.user.sub }
    }
  }
  Controller()(MeController)
  const proto = MeController.prototype
  Object.defineProperty(proto, 'me', Reflect.decorate([UseGuards(Guard), Get('me')], proto, 'me', Object.getOwnPropertyDescriptor(proto, 'me')))
  Req()(proto, 'me', 0)
  Object.defineProperty(proto, 'gqlMe', Reflect.decorate([UseGuards(GqlGuard), Get('gql-me')], proto, 'gqlMe', Object.getOwnPropertyDescriptor(proto, 'gqlMe')))
  Req()(proto, 'gqlMe', 0)
  class AppModule {}
  Module({ imports: [PassportModule], controllers: [MeController], providers: [JwtStrategy] })(AppModule)
  const app = await NestFactory.create(AppModule, platform(), { logger: false, abortOnError: false })
  app.enableCors({ origin: FRONT, credentials: true })
  await app.listen(0, '127.0.0.1')
  t.after(() => app.close())
  return `http://127.0.0.1:${app.getHttpServer().address().port}`
}

async function get(url, headers) {
  const res = await fetch(url, { headers })
  const body = await res.json()
  return res.status === 200 ? [200, body.sub] : [res.status, body.message]
}

for (const [name, platform] of PLATFORMS) {
  describe(`cookie Origin rule with enableCors on ${name}`, () => {
    for (const route of ['me', 'gql-me']) {
      test(`/${route}: the CORS-allowed front end may use the cookie, another page may not`, async (t) => {
        const base = await boot(t, platform)
        const cookie = `${h.COOKIE}=${await h.sessionToken({ sub: 'ada' })}`
        assert.deepEqual(await get(`${base}/${route}`, { cookie, origin: FRONT }), [200, 'ada'])
        const evil = await get(`${base}/${route}`, { cookie, origin: EVIL })
        assert.equal(evil[1], 'ERR_ORIGIN_NOT_ALLOWED')
        assert.ok(evil[0] === 401 || evil[0] === 403)
        // The same origin as the API, and no Origin at all, pass as before.
        assert.deepEqual(await get(`${base}/${route}`, { cookie, origin: base }), [200, 'ada'])
        assert.deepEqual(await get(`${base}/${route}`, { cookie }), [200, 'ada'])
        // A Bearer token is not concerned by the Origin rule.
        assert.deepEqual(await get(`${base}/${route}`, { authorization: `Bearer ${h.accessToken('bob')}`, origin: EVIL }), [200, 'bob'])
      })
    }
  })
}
