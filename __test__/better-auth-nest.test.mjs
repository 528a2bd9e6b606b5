// Better Auth in Nest providers and through its bearer plugin (issue 24, item 2 and the bearer
// plugin), against real better-auth 1.7 (sign-up and sign-in through auth.handler, memory
// adapter): BetterAuthModule / BetterAuthService injected in a controller of a real Nest app on
// Express and on Fastify, fed the Set-Cookie headers better-auth answered with; the bearer
// plugin's set-auth-token sent as `Authorization: Bearer` to a passport route (Nest on Express,
// PassportStrategy, with and without jwtFromRequest) and a Socket.IO handshake, looked up in
// better-auth's own database through lookupSession.

import { describe, test, before } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { createRequire } from 'node:module'
import 'reflect-metadata'
import { bearer } from 'better-auth/plugins'
import { makeAuth, memoryDb, signUp, signIn, cookieHeader, getSession, SECRET } from './helpers/better-auth.mjs'

const require = createRequire(import.meta.url)
const { NestFactory } = require('@nestjs/core')
const { Module, Controller, Get, Req, Injectable, UseGuards, HttpException } = require('@nestjs/common')
const { Server } = require('socket.io')
const { io: ioClient } = require('socket.io-client')
const { HandshakeAuthenticator, RevocationList, BetterAuthSession } = require('../js/index.js')
const { BetterAuthModule, BetterAuthService, RevocationModule, RevocationService } = require('../js/nest/index.js')
const { Strategy, ExtractJwt } = require('../js/passport/index.js')
const { socketIoAuth } = require('../js/socket.io/index.js')
const { connected, refused } = require('./helpers/sio.js')

const db = memoryDb()
const EMAIL = 'ada@example.com'

/** The session_token cookie alone (no cookie cache: a session only the database knows). */
const tokenOnly = (header) => header.split('; ').filter((p) => /session_token=/.test(p)).join('; ')

/** Signs in with a set-up; { auth, header, authToken, session, user } (better-auth's own getSession). */
async function login(options = {}) {
  const { auth, baseURL } = makeAuth({ db, ...options })
  const { setCookies, authToken } = await signIn(auth, baseURL, EMAIL)
  const header = cookieHeader(setCookies)
  const theirs = await getSession(auth, header)
  assert.ok(theirs, 'better-auth accepts its own cookie')
  return { auth, baseURL, header, authToken, session: theirs.session, user: theirs.user }
}

/** lookupSession over better-auth's own database (its internal adapter's findSession). */
async function databaseLookup(auth, calls = []) {
  const ctx = await auth.$context
  return async (token) => {
    calls.push(token)
    return ctx.internalAdapter.findSession(token)
  }
}

before(async () => {
  const { auth, baseURL } = makeAuth({ db })
  await signUp(auth, baseURL, { email: EMAIL, name: 'Ada Lovelace' })
})

/** A Nest app whose controller injects BetterAuthService; GET /me answers decodeRequest, /lookup getSession. */
async function nestApp(t, platform, moduleOptions) {
  class MeController {
    constructor(betterAuth) {
      this.betterAuth = betterAuth
    }

    me(req) {
      try {
        const s = this.betterAuth.decodeRequest(req)
        return s === null ? { session: null } : { userId: s.user.id, sessionId: s.session.id, strategy: s.strategy, email: s.user.email }
      } catch (err) {
        throw new HttpException({ code: err.code }, 401)
      }
    }

    async lookup(req) {
      try {
        const s = await this.betterAuth.getSession(req)
        return s === null ? { session: null } : { userId: s.user.id, sessionId: s.session.id, strategy: s.strategy }
      } catch (err) {
        throw new HttpException({ code: err.code }, 401)
      }
    }
  }
  Controller()(MeController)
  Reflect.defineMetadata('design:paramtypes', [BetterAuthService], MeController)
  for (const [name, path] of [['me', 'me'], ['lookup', 'lookup']]) {
    const d = Object.getOwnPropertyDescriptor(MeController.prototype, name)
    Req()(MeController.prototype, name, 0)
    Get(path)(MeController.prototype, name, d)
  }
  class AppModule {}
  Module({ imports: [BetterAuthModule.forRoot(moduleOptions)], controllers: [MeController] })(AppModule)
  let adapter
  if (platform === 'fastify') {
    const { FastifyAdapter } = require('@nestjs/platform-fastify')
    adapter = new FastifyAdapter()
  }
  const app = adapter ? await NestFactory.create(AppModule, adapter, { logger: false, abortOnError: false }) : await NestFactory.create(AppModule, { logger: false, abortOnError: false })
  await app.listen(0, '127.0.0.1')
  t.after(() => app.close())
  const url = `http://127.0.0.1:${app.getHttpServer().address().port}`
  const get = async (path, cookie) => {
    const r = await fetch(`${url}/${path}`, { headers: cookie ? { cookie } : {} })
    return { status: r.status, body: await r.json() }
  }
  return { app, get }
}

describe('BetterAuthModule / BetterAuthService in a Nest app', () => {
  for (const platform of ['express', 'fastify']) {
    test(`${platform}: decodeRequest reads the cookie cache of every strategy; getSession looks up the rest; revocation refuses`, async (t) => {
      const calls = []
      const { auth: lookupAuth } = makeAuth({ db })
      const list = new RevocationList()
      const { app, get } = await nestApp(t, platform, { secret: SECRET, revocation: list, lookupSession: await databaseLookup(lookupAuth, calls) })
      const service = app.get(BetterAuthService)
      assert.ok(service instanceof BetterAuthService)
      assert.equal(service.dataCookieName, 'better-auth.session_data')

      for (const strategy of ['compact', 'jwt', 'jwe']) {
        const { header, session, user } = await login({ strategy })
        const r = await get('me', header)
        assert.equal(r.status, 200, `${strategy}: ${JSON.stringify(r.body)}`)
        assert.deepEqual(r.body, { userId: user.id, sessionId: session.id, strategy, email: EMAIL })
      }
      // No Better Auth cookie: no session (not an error).
      assert.deepEqual((await get('me', 'theme=dark')).body, { session: null })
      assert.deepEqual((await get('me')).body, { session: null })

      // The token without its cache: the sync path says a lookup is needed, getSession does it.
      const { auth, baseURL, header, session, user } = await login()
      let r = await get('me', tokenOnly(header))
      assert.deepEqual([r.status, r.body.code], [401, 'ERR_SESSION_LOOKUP_REQUIRED'])
      r = await get('lookup', tokenOnly(header))
      assert.deepEqual([r.status, r.body], [200, { userId: user.id, sessionId: session.id, strategy: 'lookup' }])
      assert.deepEqual(calls, [session.token], 'lookupSession called with the verified session token')
      // A tampered token never reaches lookupSession.
      const tampered = tokenOnly(header).replace(/session_token=./, (m) => m.slice(0, -1) + (m.endsWith('A') ? 'B' : 'A'))
      r = await get('lookup', tampered)
      assert.deepEqual([r.status, r.body.code], [401, 'ERR_JWS_SIGNATURE_INVALID'])
      assert.equal(calls.length, 1)
      // Signed out: the database knows no session.
      const out = await auth.handler(new Request(`${baseURL}/api/auth/sign-out`, { method: 'POST', headers: { cookie: header, origin: baseURL } }))
      assert.equal(out.status, 200)
      assert.deepEqual((await get('lookup', tokenOnly(header))).body, { session: null })

      // Revocation by session id, then by user id (sessions created before it).
      const a = await login()
      const b = await login()
      assert.equal((await get('me', a.header)).status, 200)
      list.revokeToken(a.session.id, Math.floor(Date.now() / 1000) + 3600)
      assert.deepEqual(await get('me', a.header), { status: 401, body: { code: 'ERR_TOKEN_REVOKED' } })
      assert.equal((await get('me', b.header)).status, 200, 'the other session lives')
      list.revokeSubject(b.user.id)
      assert.deepEqual(await get('me', b.header), { status: 401, body: { code: 'ERR_TOKEN_REVOKED' } })
    })
  }

  test('forRootAsync, a handshake (Socket.IO shape), a Fetch Headers object; options refused with their code', async (t) => {
    const { header, user } = await login({ strategy: 'jwe' })
    class AppModule {}
    Module({
      imports: [
        RevocationModule.forRoot(),
        BetterAuthModule.forRootAsync({ useFactory: async (r) => ({ secret: SECRET, strategy: 'jwe', revocation: r.list }), inject: [RevocationService] }),
      ],
    })(AppModule)
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false })
    t.after(() => app.close())
    const s = app.get(BetterAuthService)
    assert.equal(s.decodeRequest({ handshake: { headers: { cookie: header } } }).user.id, user.id)
    assert.equal(s.decodeRequest({ headers: new Headers({ cookie: header }) }).user.id, user.id)
    assert.equal(s.decodeRequest({ headers: { cookie: header.split('; ') } }).user.id, user.id, 'a list of Cookie headers is joined')
    // The RevocationService's list, injected into the factory: revokeSubject refuses the session.
    await app.get(RevocationService).revokeSubject(user.id)
    assert.throws(() => s.decodeRequest({ headers: { cookie: header } }), { code: 'ERR_TOKEN_REVOKED' })
    // Pinned to jwe: a compact cache is another strategy.
    const compact = await login()
    assert.throws(() => s.decodeRequest({ headers: { cookie: compact.header } }), { code: 'ERR_TOKEN_WRONG_KIND' })
    assert.throws(() => BetterAuthModule.forRootAsync({}), { code: 'ERR_INVALID_OPTIONS' })
    assert.throws(() => new BetterAuthService({ secret: SECRET, lookupSession: 'no' }), { code: 'ERR_INVALID_OPTIONS' })
    assert.throws(() => new BetterAuthService({ secret: SECRET, lookupMaxAge: 5 }), { code: 'ERR_INVALID_OPTIONS' })
    assert.throws(() => new BetterAuthService({}), { code: 'ERR_INVALID_OPTIONS' })
    // The standalone decoder takes revocation too (by session id).
    const list = new RevocationList()
    const bare = new BetterAuthSession({ secret: SECRET, revocation: list })
    const value = decodeURIComponent(header.split('; ').find((p) => p.startsWith('better-auth.session_data=')).split('=').slice(1).join('='))
    const d = bare.decode(value)
    list.revokeToken(d.session.id, Math.floor(d.expiresAt / 1000))
    assert.throws(() => bare.decode(value), { code: 'ERR_TOKEN_REVOKED' })
    assert.throws(() => bare.decodeCookieHeader(header), { code: 'ERR_TOKEN_REVOKED' })
  })
})

describe('Better Auth\'s bearer plugin: Authorization: Bearer <signed session token>', () => {
  test('the set-auth-token value: better-auth accepts it, the sync paths say a lookup is needed, the async ones look it up', async () => {
    const { auth, authToken, session, user } = await login({ plugins: [bearer()] })
    assert.ok(authToken && authToken.includes('.'), 'set-auth-token is the signed session token')
    // better-auth itself reads it.
    const theirs = await auth.api.getSession({ headers: new Headers({ authorization: `Bearer ${authToken}` }) })
    assert.equal(theirs.user.id, user.id)

    const calls = []
    const a = new HandshakeAuthenticator({ betterAuth: { secret: SECRET, lookupSession: await databaseLookup(auth, calls) } })
    const handshake = { headers: { authorization: `Bearer ${authToken}` } }
    assert.throws(() => a.authenticate(handshake), (e) => e.code === 'ERR_SESSION_LOOKUP_REQUIRED' && e.source === 'header' && !e.message.includes(authToken))
    const r = await a.authenticateAsync(handshake)
    assert.deepEqual([r.kind, r.source, r.claims.sub, r.claims.sid], ['better-auth', 'header', user.id, session.id])
    assert.equal(r.claims.session.token, undefined)
    assert.deepEqual(calls, [session.token])
    // As a token (auth.token, verifyTokenAsync), URL-decoded or not.
    const v = await a.verifyTokenAsync(decodeURIComponent(authToken))
    assert.deepEqual([v.kind, v.claims.sub], ['better-auth', user.id])
    const viaAuth = await a.authenticateAsync({ auth: { token: authToken } })
    assert.deepEqual([viaAuth.source, viaAuth.claims.sub], ['auth', user.id])
    // Another secret's signature, a tampered one: refused before any lookup.
    const dot = authToken.indexOf('.')
    const forged = `${authToken.slice(0, dot)}.${Buffer.from('x'.repeat(32)).toString('base64')}`
    await assert.rejects(a.authenticateAsync({ headers: { authorization: `Bearer ${forged}` } }), { code: 'ERR_JWS_SIGNATURE_INVALID' })
    const other = authToken.slice(0, dot - 1) + (authToken[dot - 1] === 'A' ? 'B' : 'A') + authToken.slice(dot)
    await assert.rejects(a.authenticateAsync({ headers: { authorization: `Bearer ${other}` } }), { code: 'ERR_JWS_SIGNATURE_INVALID' })
    assert.equal(calls.length, 1, 'only the genuine token reached lookupSession, once (kept for lookupMaxAge)')
    // Without lookupSession the async path refuses as the sync one does.
    const bare = new HandshakeAuthenticator({ betterAuth: { secret: SECRET } })
    await assert.rejects(bare.authenticateAsync(handshake), { code: 'ERR_SESSION_LOOKUP_REQUIRED' })
  })

  test('a Socket.IO handshake with the bearer token connects through lookupSession; a signed-out one is refused', async (t) => {
    const { auth, baseURL, header, authToken, user } = await login({ plugins: [bearer()] })
    const httpServer = http.createServer()
    const io = new Server(httpServer)
    io.use(socketIoAuth({ betterAuth: { secret: SECRET, lookupSession: await databaseLookup(auth), lookupMaxAge: 0 } }))
    io.on('connection', (socket) => socket.on('who', (ack) => ack({ sub: socket.data.user.sub, auth: socket.data.auth })))
    await new Promise((r) => httpServer.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${httpServer.address().port}`
    const clients = []
    t.after(() => {
      for (const c of clients) c.close()
      io.close()
      httpServer.closeAllConnections?.()
    })
    const client = (authorization) => {
      const c = ioClient(url, { transports: ['websocket'], reconnection: false, extraHeaders: { authorization } })
      clients.push(c)
      return c
    }
    const c = await connected(client(`Bearer ${authToken}`))
    const me = await c.timeout(3000).emitWithAck('who')
    assert.deepEqual([me.sub, me.auth.kind, me.auth.source], [user.id, 'better-auth', 'header'])
    const out = await auth.handler(new Request(`${baseURL}/api/auth/sign-out`, { method: 'POST', headers: { cookie: header, origin: baseURL } }))
    assert.equal(out.status, 200)
    assert.equal((await refused(client(`Bearer ${authToken}`))).data.code, 'ERR_TOKEN_REVOKED')
  })

  test('a passport route in Nest (Express): the bearer token with and without jwtFromRequest', async (t) => {
    const { PassportStrategy, AuthGuard } = require('@nestjs/passport')
    const { auth, authToken, session, user } = await login({ plugins: [bearer()] })
    const lookupSession = await databaseLookup(auth)
    const port = async (options, name) => {
      class BaStrategy extends PassportStrategy(Strategy, name) {
        constructor() {
          super(options)
        }

        validate(claims) {
          return claims
        }
      }
      Injectable()(BaStrategy)
      class MeController {
        me(req) {
          return { sub: req.user.sub, sid: req.user.sid, where: req.authbridge }
        }
      }
      Controller()(MeController)
      const d = Object.getOwnPropertyDescriptor(MeController.prototype, 'me')
      Req()(MeController.prototype, 'me', 0)
      UseGuards(AuthGuard(name))(MeController.prototype, 'me', d)
      Get('me')(MeController.prototype, 'me', d)
      class AppModule {}
      Module({ controllers: [MeController], providers: [BaStrategy] })(AppModule)
      const app = await NestFactory.create(AppModule, { logger: false, abortOnError: false })
      await app.listen(0, '127.0.0.1')
      t.after(() => app.close())
      const url = `http://127.0.0.1:${app.getHttpServer().address().port}/me`
      return (authorization) => fetch(url, { headers: { authorization } })
    }
    const headers = await port({ betterAuth: { secret: SECRET, lookupSession } }, 'ba-headers')
    const extractor = await port({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), betterAuth: { secret: SECRET, lookupSession } }, 'ba-extractor')
    const noLookup = await port({ betterAuth: { secret: SECRET } }, 'ba-bare')
    for (const [get, source] of [[headers, 'header'], [extractor, null]]) {
      const r = await get(`Bearer ${authToken}`)
      assert.equal(r.status, 200, source)
      assert.deepEqual(await r.json(), { sub: user.id, sid: session.id, where: { kind: 'better-auth', source } })
      const dot = authToken.indexOf('.')
      const forged = `${authToken.slice(0, dot - 1)}${authToken[dot - 1] === 'A' ? 'B' : 'A'}${authToken.slice(dot)}`
      assert.equal((await get(`Bearer ${forged}`)).status, 401)
    }
    assert.equal((await noLookup(`Bearer ${authToken}`)).status, 401, 'without lookupSession: refused (a lookup is needed)')
  })
})
