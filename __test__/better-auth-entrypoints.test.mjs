// Better Auth sessions in every entry point (issue 24 items 2-4), against real better-auth 1.7:
// sign-up and sign-in through auth.handler (memory adapter, e-mail and password), the
// Set-Cookie headers it answers with sent by real clients over loopback: a Socket.IO
// handshake, the Nest AuthenticatedSocketAdapter, a passport route on Express, authbridge/ws
// and authbridge/graphql-ws; revocation by user and by session closing sockets; expiry of
// the cookie cache; sessions only the database knows through `lookupSession` (the memory
// adapter's own findSession, and Better Auth's secondary storage in a real redis-server read
// by betterAuthRedisLookup).

import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { createRequire } from 'node:module'
import 'reflect-metadata'
import { betterAuth } from 'better-auth'
import { memoryAdapter } from 'better-auth/adapters/memory'
import { makeAuth, memoryDb, signUp, signIn, cookieHeader, getSession, SECRET, PASSWORD } from './helpers/better-auth.mjs'

const require = createRequire(import.meta.url)
const { Server } = require('socket.io')
const { io: ioClient } = require('socket.io-client')
const { HandshakeAuthenticator, RevocationList, BetterAuthSession, betterAuthRedisLookup } = require('../js/index.js')
const { socketIoAuth } = require('../js/socket.io/index.js')
const { wsVerifyClient, watchConnection } = require('../js/ws/index.js')
const { Strategy } = require('../js/passport/index.js')
const { connected, refused, next } = require('./helpers/sio.js')
const wsh = require('./helpers/ws.js')
const { startRedis, redisSkip } = require('./helpers/redis.js')

const db = memoryDb()
const EMAIL = 'grace@example.com'
const OTHER = 'linus@example.com'
let userId

/** The session_token cookie alone (no cookie cache: a session only the database knows). */
const tokenOnly = (header) => header.split('; ').filter((p) => /session_token=/.test(p)).join('; ')

/** Signs in; { header, session, user } (better-auth's own getSession for that header). */
async function login(options = {}, email = EMAIL) {
  const { auth, baseURL } = makeAuth({ db, ...options })
  const { setCookies } = await signIn(auth, baseURL, email)
  const header = cookieHeader(setCookies)
  const theirs = await getSession(auth, header)
  assert.ok(theirs, 'better-auth accepts its own cookie')
  return { auth, baseURL, header, session: theirs.session, user: theirs.user }
}

/** An HTTP server with Socket.IO guarded by socketIoAuth(options, settings); 'who' answers socket.data. */
async function sioServer(t, options, settings = {}) {
  const httpServer = http.createServer()
  const io = new Server(httpServer)
  const failures = []
  io.use(socketIoAuth(options, { ...settings, onFailure: (i) => failures.push(i) }))
  io.on('connection', (socket) => {
    socket.on('who', (ack) => ack({ user: socket.data.user, auth: socket.data.auth }))
  })
  await new Promise((r) => httpServer.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${httpServer.address().port}`
  const clients = []
  t.after(async () => {
    for (const c of clients) c.close()
    io.close()
    httpServer.closeAllConnections?.()
  })
  const client = (cookie) => {
    const c = ioClient(url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie } })
    clients.push(c)
    return c
  }
  return { client, failures }
}

const who = (c) => c.timeout(3000).emitWithAck('who')

before(async () => {
  const { auth, baseURL } = makeAuth({ db })
  const r = await signUp(auth, baseURL, { email: EMAIL, name: 'Grace Hopper' })
  userId = r.body.user.id
  await signUp(auth, baseURL, { email: OTHER, name: 'Linus' })
})

describe('Better Auth through the Socket.IO handshake', () => {
  for (const strategy of ['compact', 'jwt', 'jwe']) {
    test(`${strategy} cookie cache: admitted, claims shaped as Auth.js's (sub, sid, jti, name, email), no session token in them`, async (t) => {
      const { header, session, user } = await login({ strategy })
      const { client } = await sioServer(t, { betterAuth: { secret: SECRET } })
      const c = await connected(client(`theme=dark; ${header}`))
      const { user: claims, auth } = await who(c)
      assert.equal(auth.kind, 'better-auth')
      assert.equal(auth.source, 'cookie')
      assert.equal(claims.sub, user.id)
      assert.equal(claims.sub, userId)
      assert.equal(claims.sid, session.id)
      assert.equal(claims.jti, session.id)
      assert.equal(claims.email, EMAIL)
      assert.equal(claims.name, 'Grace Hopper')
      assert.equal(claims.user.id, user.id)
      assert.equal(claims.session.id, session.id)
      assert.equal(claims.session.userId, user.id)
      assert.equal(claims.session.token, undefined, 'the session token is no claim')
      assert.equal(claims.iat, new Date(session.createdAt).getTime() / 1000)
      // exp: the earlier of the cache's expiry and the session's; the socket's expiresAt follows it.
      assert.ok(claims.exp <= new Date(session.expiresAt).getTime() / 1000 + 1e-9)
      assert.equal(auth.expiresAt, claims.exp * 1000)
    })
  }

  test('refusals: another secret (ERR_JWS_SIGNATURE_INVALID), a token without its cache on the sync path (ERR_SESSION_LOOKUP_REQUIRED)', async (t) => {
    const { header } = await login()
    const { client, failures } = await sioServer(t, { betterAuth: { secret: 'another-secret-0123456789abcdefghijklmnop' } })
    const e1 = await refused(client(header))
    assert.equal(e1.data.code, 'ERR_JWS_SIGNATURE_INVALID')
    const s2 = await sioServer(t, { betterAuth: { secret: SECRET } })
    const e2 = await refused(s2.client(tokenOnly(header)))
    assert.equal(e2.data.code, 'ERR_SESSION_LOOKUP_REQUIRED')
    assert.equal(s2.failures[0].source, 'cookie')
    const fp = s2.failures[0].fingerprint
    assert.ok(typeof fp === 'string' && fp.length >= 8 && !header.includes(fp), 'a fingerprint, never the token')
    assert.equal(failures[0].code, 'ERR_JWS_SIGNATURE_INVALID')
  })

  test('the cookie cache value as auth.token is routed to Better Auth (compact, jwe by its 43-character kid next to authjs)', async () => {
    const authjs = { secret: 'an-authjs-secret-0123456789abcdefghijklmn' }
    const a = new HandshakeAuthenticator({ betterAuth: { secret: SECRET }, authjs })
    for (const strategy of ['compact', 'jwe']) {
      const { header, user } = await login({ strategy })
      const data = decodeURIComponent(header.split('; ').find((p) => p.startsWith('better-auth.session_data=')).split('=').slice(1).join('='))
      const r = a.authenticate({ auth: { token: data } })
      assert.deepEqual([r.kind, r.source, r.claims.sub], ['better-auth', 'auth', user.id], strategy)
      const v = a.verifyToken(data)
      assert.deepEqual([v.kind, v.claims.sub], ['better-auth', user.id])
    }
    assert.equal(a.clockTolerance('better-auth'), 0)
    assert.equal(new HandshakeAuthenticator({ betterAuth: { secret: SECRET, strategy: 'jwe' } }).clockTolerance('better-auth'), 15)
    assert.ok(Math.abs(a.now('better-auth') - Date.now() / 1000) < 5)
    // Options of an authenticator's betterAuth are refused by the standalone decoder, not ignored
    // (revocation is its own option too: __test__/better-auth-nest.test.mjs).
    assert.throws(() => new BetterAuthSession({ secret: SECRET, lookupSession: async () => null }), { code: 'ERR_INVALID_OPTIONS' })
  })
})

  test('auth_refresh with a fresh cookie-cache value of the same user; another user\'s is refused', async (t) => {
    const { header } = await login()
    const { client } = await sioServer(t, { betterAuth: { secret: SECRET } })
    const c = await connected(client(header))
    const before = await who(c)
    const dataOf = (h) => decodeURIComponent(h.split('; ').find((p) => p.startsWith('better-auth.session_data=')).split('=').slice(1).join('='))
    await new Promise((r) => setTimeout(r, 20))
    const fresh = await login()
    const ok = await c.timeout(3000).emitWithAck('auth_refresh', { token: dataOf(fresh.header) })
    assert.equal(ok.ok, true, JSON.stringify(ok))
    const after = await who(c)
    assert.equal(after.user.sub, before.user.sub)
    assert.equal(after.user.sid, fresh.session.id)
    assert.equal(after.auth.kind, 'better-auth')
    const other = await login({}, OTHER)
    assert.deepEqual(await c.timeout(3000).emitWithAck('auth_refresh', { token: dataOf(other.header) }), { ok: false, code: 'ERR_JWT_CLAIM_INVALID' })
  })

describe('revocation and lifetime', () => {
  test('revokeToken(session.id) closes that session\'s socket only; revokeSubject(user.id) closes the rest, and a later sign-in connects', async (t) => {
    const list = new RevocationList()
    const one = await login()
    const two = await login()
    assert.notEqual(one.session.id, two.session.id)
    const { client } = await sioServer(t, { betterAuth: { secret: SECRET, revocation: list } })
    const c1 = await connected(client(one.header))
    const c2 = await connected(client(two.header))
    const revoked1 = next(c1, 'auth_revoked')
    const gone1 = next(c1, 'disconnect')
    list.revokeToken(one.session.id, new Date(one.session.expiresAt).getTime() / 1000)
    assert.deepEqual((await revoked1)[0], { code: 'ERR_TOKEN_REVOKED' })
    await gone1
    assert.equal(c2.connected, true, 'the other session stays')
    assert.equal((await who(c2)).user.sid, two.session.id)
    // That session is refused at the handshake too.
    assert.equal((await refused(client(one.header))).data.code, 'ERR_TOKEN_REVOKED')

    const revoked2 = next(c2, 'auth_revoked')
    list.revokeSubject(userId)
    assert.deepEqual((await revoked2)[0], { code: 'ERR_TOKEN_REVOKED' })
    assert.equal((await refused(client(two.header))).data.code, 'ERR_TOKEN_REVOKED')
    // A session created after the revocation is another matter.
    await new Promise((r) => setTimeout(r, 20))
    const three = await login()
    const c3 = await connected(client(three.header))
    assert.equal((await who(c3)).user.sub, userId)
    // Another user is untouched throughout.
    const other = await login({}, OTHER)
    await connected(client(other.header))
  })

  test('a Better Auth sign-out closes the socket: databaseHooks.session.delete.after revokes the session id', async (t) => {
    const list = new RevocationList()
    const baseURL = 'http://localhost:3000'
    const auth = betterAuth({
      baseURL,
      secret: SECRET,
      database: memoryAdapter(db),
      emailAndPassword: { enabled: true },
      session: { cookieCache: { enabled: true, strategy: 'compact' } },
      // The recipe of README "Better Auth": every deleted session (sign-out, revokeSession,
      // revokeSessions) is revoked by its id until it would have expired.
      databaseHooks: {
        session: { delete: { after: async (session) => list.revokeToken(session.id, new Date(session.expiresAt).getTime() / 1000) } },
      },
      logger: { disabled: true },
      telemetry: { enabled: false },
    })
    const header = cookieHeader((await signIn(auth, baseURL, EMAIL)).setCookies)
    const other = cookieHeader((await signIn(auth, baseURL, EMAIL)).setCookies)
    const { client } = await sioServer(t, { betterAuth: { secret: SECRET, revocation: list } })
    const c = await connected(client(header))
    const c2 = await connected(client(other))
    const revoked = next(c, 'auth_revoked')
    const res = await auth.handler(new Request(`${baseURL}/api/auth/sign-out`, { method: 'POST', headers: { cookie: header, origin: baseURL } }))
    assert.equal(res.status, 200)
    assert.deepEqual((await revoked)[0], { code: 'ERR_TOKEN_REVOKED' })
    assert.equal(c2.connected, true, 'the user\'s other session stays')
    // revokeSessions deletes the rest: closed as well.
    const revoked2 = next(c2, 'auth_revoked')
    await auth.api.revokeSessions({ headers: new Headers({ cookie: other }) })
    assert.deepEqual((await revoked2)[0], { code: 'ERR_TOKEN_REVOKED' })
  })

  test('a socket never outlives its cookie cache: closed with auth_expired at the cache\'s expiry', async (t) => {
    const { header } = await login({ maxAge: 2 })
    const { client } = await sioServer(t, { betterAuth: { secret: SECRET } })
    const c = await connected(client(header))
    const { auth } = await who(c)
    const expired = next(c, 'auth_expired', 6000)
    const [payload] = await expired
    assert.deepEqual(payload, { code: 'ERR_JWT_EXPIRED' })
    assert.ok(Date.now() >= auth.expiresAt - 5, `closed ${auth.expiresAt - Date.now()} ms before the expiry`)
    await new Promise((r) => setTimeout(r, 50))
    assert.equal(c.connected, false)
  })
})

describe('lookupSession: sessions only the database knows', () => {
  test('with lookupSession, a socket at its cache\'s expiry is re-checked instead of closed, every lookupMaxAge, and closed once its session is gone', async (t) => {
    const { auth, header, session } = await login({ maxAge: 1 })
    const ctx = await auth.$context
    const calls = []
    const lookupSession = async (token) => {
      calls.push(Date.now())
      return ctx.internalAdapter.findSession(token)
    }
    const { client } = await sioServer(t, { betterAuth: { secret: SECRET, lookupSession, lookupMaxAge: 1 } })
    const c = await connected(client(header))
    const first = await who(c)
    assert.equal(first.user.sid, session.id)
    assert.equal(calls.length, 0, 'admitted by its cookie cache')
    const expired = []
    c.on('auth_expired', (p) => expired.push(p))
    // Past the cache's expiry (1 s) and one renewal (1 s more): still connected, renewed twice.
    while (calls.length < 2) await new Promise((r) => setTimeout(r, 100))
    const later = await who(c)
    assert.equal(c.connected, true)
    assert.equal(later.user.sid, session.id)
    assert.ok(later.auth.expiresAt > first.auth.expiresAt, 'a later exp')
    assert.ok(later.auth.expiresAt <= Date.now() + 1500, 'capped at the next re-check')
    assert.deepEqual(expired, [])
    // Signed out: the next re-check finds nothing, and closes it.
    const revoked = next(c, 'auth_revoked', 5000)
    const res = await auth.handler(new Request('http://localhost:3000/api/auth/sign-out', { method: 'POST', headers: { cookie: header, origin: 'http://localhost:3000' } }))
    assert.equal(res.status, 200)
    assert.deepEqual((await revoked)[0], { code: 'ERR_TOKEN_REVOKED' })
    assert.deepEqual(expired, [])
  })

  test('memory adapter: the token without its cache is looked up (once within lookupMaxAge), checked and shaped as a cache; a signed-out session is refused', async (t) => {
    const { auth, header, session, user } = await login()
    const ctx = await auth.$context
    const calls = []
    const lookupSession = async (token) => {
      calls.push(token)
      return ctx.internalAdapter.findSession(token)
    }
    const options = { betterAuth: { secret: SECRET, lookupSession } }
    const { client, failures } = await sioServer(t, options)
    const c = await connected(client(tokenOnly(header)))
    const { user: claims, auth: where } = await who(c)
    assert.deepEqual([where.kind, where.source, claims.sub, claims.sid, claims.email], ['better-auth', 'cookie', user.id, session.id, EMAIL])
    assert.equal(claims.session.token, undefined)
    // Until lookupSession is to be asked again (lookupMaxAge, default 300 s), within the session's expiry.
    assert.ok(Math.abs(where.expiresAt - (Date.now() + 300_000)) < 5000, `${where.expiresAt - Date.now()} ms`)
    assert.ok(where.expiresAt < new Date(session.expiresAt).getTime())
    assert.deepEqual(calls, [session.token], 'called with the verified session token')
    await connected(client(tokenOnly(header)))
    assert.equal(calls.length, 1, 'kept for lookupMaxAge')
    // A tampered token never reaches lookupSession.
    const tampered = tokenOnly(header).replace(/session_token=./, (m) => m.slice(0, -1) + (m.endsWith('A') ? 'B' : 'A'))
    assert.equal((await refused(client(tampered))).data.code, 'ERR_JWS_SIGNATURE_INVALID')
    assert.equal(calls.length, 1)

    // Sign-out deletes the session: with nothing kept (lookupMaxAge: 0) it is refused.
    const fresh = await sioServer(t, { betterAuth: { secret: SECRET, lookupSession, lookupMaxAge: 0 } })
    await connected(fresh.client(tokenOnly(header)))
    const res = await auth.handler(new Request('http://localhost:3000/api/auth/sign-out', { method: 'POST', headers: { cookie: header, origin: 'http://localhost:3000' } }))
    assert.equal(res.status, 200)
    assert.equal((await refused(fresh.client(tokenOnly(header)))).data.code, 'ERR_TOKEN_REVOKED')
    assert.equal(fresh.failures.at(-1).source, 'cookie')
    assert.equal(failures.length, 1)

    // The sync path says a lookup is needed; the async one does it.
    const a = new HandshakeAuthenticator({ betterAuth: { secret: SECRET, lookupSession: async () => ({ session: { ...session, expiresAt: new Date(Date.now() - 1000) }, user }) } })
    assert.throws(() => a.authenticate({ headers: { cookie: tokenOnly(header) } }), { code: 'ERR_SESSION_LOOKUP_REQUIRED' })
    await assert.rejects(a.authenticateAsync({ headers: { cookie: tokenOnly(header) } }), { code: 'ERR_JWT_EXPIRED' })
    const other = new HandshakeAuthenticator({ betterAuth: { secret: SECRET, lookupSession: async () => ({ session: { ...session, token: 'another' }, user }) } })
    await assert.rejects(other.authenticateAsync({ headers: { cookie: tokenOnly(header) } }), { code: 'ERR_JWT_CLAIM_INVALID' })
    assert.throws(() => new HandshakeAuthenticator({ betterAuth: { secret: SECRET, lookupSession: 'no' } }), { code: 'ERR_INVALID_OPTIONS' })
  })
})

describe('Better Auth with secondaryStorage in Redis: betterAuthRedisLookup and the passport Strategy', { skip: redisSkip() }, () => {
  let server, client, auth
  const baseURL = 'http://localhost:3000'
  before(async () => {
    server = await startRedis()
    const { createClient } = require('redis')
    client = createClient({ url: server.url })
    await client.connect()
    auth = betterAuth({
      baseURL,
      secret: SECRET,
      database: memoryAdapter(memoryDb()),
      emailAndPassword: { enabled: true },
      secondaryStorage: {
        get: (k) => client.get(k),
        set: (k, v, ttl) => (ttl ? client.set(k, v, { EX: ttl }) : client.set(k, v)),
        delete: (k) => client.del(k),
      },
      session: { cookieCache: { enabled: true, strategy: 'compact' } },
      logger: { disabled: true },
      telemetry: { enabled: false },
    })
    await signUp(auth, baseURL, { email: EMAIL, name: 'Grace Hopper', password: PASSWORD })
  })
  after(async () => {
    await client?.quit()
    await server?.stop()
  })

  /** An Express app with GET /me behind passport and this Strategy. */
  async function app(t, options) {
    const express = require('express')
    const passport = require('passport')
    const p = new passport.Passport()
    p.use(new Strategy(options, (claims, done) => done(null, claims)))
    const e = express()
    e.use(p.initialize())
    e.get('/me', p.authenticate('jwt', { session: false }), (req, res) => res.json({ user: req.user, where: req.authbridge }))
    const s = await new Promise((r) => {
      const srv = e.listen(0, '127.0.0.1', () => r(srv))
    })
    t.after(() => new Promise((r) => s.close(r)))
    return (cookie) => fetch(`http://127.0.0.1:${s.address().port}/me`, { headers: { cookie } })
  }

  test('a passport route: the cookie cache; the token alone through betterAuthRedisLookup; sign-out and revokeSessions refuse it', async (t) => {
    const { setCookies } = await signIn(auth, baseURL, EMAIL)
    const header = cookieHeader(setCookies)
    const theirs = await getSession(auth, header)
    const keys = await client.keys('*')
    assert.ok(keys.includes(theirs.session.token), 'better-auth wrote the session under its token')

    const get = await app(t, { betterAuth: { secret: SECRET, lookupSession: betterAuthRedisLookup({ client }), lookupMaxAge: 0 } })
    let r = await get(header)
    assert.equal(r.status, 200)
    let body = await r.json()
    assert.deepEqual([body.user.sub, body.user.sid, body.where.kind, body.where.source], [theirs.user.id, theirs.session.id, 'better-auth', 'cookie'])
    r = await get(tokenOnly(header))
    assert.equal(r.status, 200)
    body = await r.json()
    assert.deepEqual([body.user.sub, body.user.sid, body.user.email, body.where.kind], [theirs.user.id, theirs.session.id, EMAIL, 'better-auth'])
    assert.equal(body.user.session.token, undefined)

    // Without lookupSession the route refuses what only the storage knows.
    const bare = await app(t, { betterAuth: { secret: SECRET } })
    assert.equal((await bare(tokenOnly(header))).status, 401)

    // revokeSessions writes revoked-sessions-before-<userId>: a second session, then all revoked.
    const second = cookieHeader((await signIn(auth, baseURL, EMAIL)).setCookies)
    assert.equal((await get(tokenOnly(second))).status, 200)
    const out = await auth.handler(new Request(`${baseURL}/api/auth/sign-out`, { method: 'POST', headers: { cookie: header, origin: baseURL } }))
    assert.equal(out.status, 200)
    assert.equal((await get(tokenOnly(header))).status, 401, 'signed out: gone from the storage')
    assert.equal((await get(tokenOnly(second))).status, 200, 'the other session lives')
    await auth.api.revokeSessions({ headers: new Headers({ cookie: second }) })
    assert.equal((await get(tokenOnly(second))).status, 401, 'revokeSessions: refused')
  })

  test('betterAuthRedisLookup reads the key layout better-auth writes (prefix, revoked-sessions-before)', async () => {
    const { setCookies } = await signIn(auth, baseURL, EMAIL)
    const theirs = await getSession(auth, cookieHeader(setCookies))
    const lookup = betterAuthRedisLookup({ client })
    const found = JSON.parse(await lookup(theirs.session.token))
    assert.equal(found.session.id, theirs.session.id)
    assert.equal(found.user.id, theirs.user.id)
    assert.equal(await lookup('no-such-token'), null)
    assert.equal(await betterAuthRedisLookup({ client, prefix: 'other:' })(theirs.session.token), null)
    assert.throws(() => betterAuthRedisLookup({}), { code: 'ERR_INVALID_OPTIONS' })
    await client.set(`revoked-sessions-before-${theirs.user.id}`, String(Date.now() + 1000))
    assert.equal(await lookup(theirs.session.token), null)
    await client.del(`revoked-sessions-before-${theirs.user.id}`)
  })
})

describe('Better Auth in authbridge/ws, the Nest adapter and authbridge/graphql-ws', () => {
  test('passport with the stock Bearer extractor: a cookie-cache value as Authorization: Bearer', async (t) => {
    const express = require('express')
    const passport = require('passport')
    const { ExtractJwt } = require('../js/passport/index.js')
    const { header, user } = await login({ strategy: 'jwe' })
    const p = new passport.Passport()
    p.use(new Strategy({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), betterAuth: { secret: SECRET } }, (claims, done) => done(null, claims)))
    const e = express()
    e.get('/me', p.authenticate('jwt', { session: false }), (req, res) => res.json({ sub: req.user.sub, where: req.authbridge }))
    const s = await new Promise((r) => {
      const srv = e.listen(0, '127.0.0.1', () => r(srv))
    })
    t.after(() => new Promise((r) => s.close(r)))
    const data = decodeURIComponent(header.split('; ').find((p) => p.startsWith('better-auth.session_data=')).split('=').slice(1).join('='))
    const r = await fetch(`http://127.0.0.1:${s.address().port}/me`, { headers: { authorization: `Bearer ${data}` } })
    assert.equal(r.status, 200)
    assert.deepEqual(await r.json(), { sub: user.id, where: { kind: 'better-auth', source: null } })
    const bad = await fetch(`http://127.0.0.1:${s.address().port}/me`, { headers: { authorization: `Bearer ${data.slice(0, -2)}xx` } })
    assert.equal(bad.status, 401)
  })

  test('authbridge/ws: the cookie admits the upgrade, ws.data.user is the session\'s claims', async (t) => {
    const { WebSocketServer } = require('ws')
    const { header, user, session } = await login()
    const httpServer = http.createServer()
    const wss = new WebSocketServer({ server: httpServer, verifyClient: wsVerifyClient({ betterAuth: { secret: SECRET } }) })
    wss.on('connection', (ws, req) => {
      if (!watchConnection(ws, req)) return
      ws.send(JSON.stringify({ sub: ws.data.user.sub, sid: ws.data.user.sid, kind: ws.data.auth.kind, source: ws.data.auth.source }))
    })
    const url = `ws://127.0.0.1:${await wsh.listen(t, httpServer, wss)}/`
    const c = await wsh.open(url, { headers: { cookie: header } })
    t.after(() => c.ws.terminate())
    assert.deepEqual(await wsh.nextMessage(c.ws), { sub: user.id, sid: session.id, kind: 'better-auth', source: 'cookie' })
    const err = await wsh.open(url, { headers: { cookie: tokenOnly(header) } }).then(() => assert.fail('admitted'), (e) => e)
    assert.equal(err.status, 401)
  })

  test('AuthenticatedSocketAdapter (Nest): a gateway sees the Better Auth session', async (t) => {
    const { NestFactory } = require('@nestjs/core')
    const { Module } = require('@nestjs/common')
    const { WebSocketGateway } = require('@nestjs/websockets')
    const { AuthenticatedSocketAdapter } = require('../js/nest/index.js')
    const { header, user } = await login()
    class Gateway {
      handleConnection(client) {
        client.emit('welcome', { sub: client.data.user.sub, kind: client.data.auth.kind, email: client.data.user.email })
      }
    }
    WebSocketGateway()(Gateway)
    class AppModule {}
    Module({ providers: [Gateway] })(AppModule)
    const app = await NestFactory.create(AppModule, { logger: false, abortOnError: false })
    app.useWebSocketAdapter(new AuthenticatedSocketAdapter(app, { betterAuth: { secret: SECRET } }))
    await app.listen(0, '127.0.0.1')
    t.after(() => app.close())
    const url = `http://127.0.0.1:${app.getHttpServer().address().port}`
    const c = ioClient(url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: header } })
    t.after(() => c.close())
    const welcome = next(c, 'welcome')
    await connected(c)
    assert.deepEqual((await welcome)[0], { sub: user.id, kind: 'better-auth', email: EMAIL })
    const bad = ioClient(url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: tokenOnly(header) } })
    t.after(() => bad.close())
    assert.equal((await refused(bad)).data.code, 'ERR_SESSION_LOOKUP_REQUIRED')
  })

  test('authbridge/graphql-ws (Apollo on Express): a subscription authenticated by the cookie, with lookupSession', async (t) => {
    const { NestFactory } = require('@nestjs/core')
    const { Module, UseGuards } = require('@nestjs/common')
    const { GraphQLModule, Resolver, Subscription, Context } = require('@nestjs/graphql')
    const { ApolloDriver } = require('@nestjs/apollo')
    const { createClient } = require('graphql-ws')
    const { WebSocket } = require('ws')
    const { graphqlWsAuth } = require('../js/graphql-ws/index.js')
    const { auth, header, user } = await login()
    const ctx = await auth.$context
    const gql = graphqlWsAuth({ betterAuth: { secret: SECRET, lookupSession: (token) => ctx.internalAdapter.findSession(token) } })
    class AppResolver {
      me(c) {
        return c.user.sub
      }
      ticks(c) {
        const label = `${c.user.sub}/${c.auth.kind}`
        return (async function* () {
          for (let n = 0; ; n++) {
            yield { ticks: `${label}:${n}` }
            await new Promise((r) => setTimeout(r, 30))
          }
        })()
      }
    }
    Resolver()(AppResolver)
    const proto = AppResolver.prototype
    const { Query } = require('@nestjs/graphql')
    Object.defineProperty(proto, 'me', Reflect.decorate([UseGuards(gql.GqlAuthGuard), Query('me')], proto, 'me', Object.getOwnPropertyDescriptor(proto, 'me')))
    Context()(proto, 'me', 0)
    Object.defineProperty(proto, 'ticks', Reflect.decorate([UseGuards(gql.GqlAuthGuard), Subscription('ticks')], proto, 'ticks', Object.getOwnPropertyDescriptor(proto, 'ticks')))
    Context()(proto, 'ticks', 0)
    class AppModule {}
    const typeDefs = 'type Query { me: String }\ntype Subscription { ticks: String }'
    Module({ imports: [GraphQLModule.forRoot({ driver: ApolloDriver, typeDefs, subscriptions: { 'graphql-ws': { ...gql } } })], providers: [AppResolver] })(AppModule)
    const app = await NestFactory.create(AppModule, { logger: false, abortOnError: false })
    await app.listen(0, '127.0.0.1')
    t.after(() => app.close())
    const url = `ws://127.0.0.1:${app.getHttpServer().address().port}/graphql`
    const events = []
    for (const cookie of [header, tokenOnly(header)]) {
      class HeaderSocket extends WebSocket {
        constructor(address, protocols) {
          super(address, protocols, { headers: { cookie } })
        }
      }
      const client = createClient({ url, webSocketImpl: HeaderSocket, lazy: true, retryAttempts: 0 })
      t.after(() => client.dispose())
      const got = await new Promise((resolve, reject) => {
        const seen = []
        const timer = setTimeout(() => reject(new Error('no ticks')), 6000)
        const stop = client.subscribe({ query: 'subscription { ticks }' }, {
          next: (v) => {
            seen.push(v.data && v.data.ticks)
            if (seen.length === 2) {
              clearTimeout(timer)
              stop()
              resolve(seen)
            }
          },
          error: (e) => {
            clearTimeout(timer)
            reject(new Error(`subscription error ${e && e.code} ${e && e.reason}`))
          },
          complete: () => {},
        })
      })
      events.push(got)
    }
    assert.deepEqual(events, [
      [`${user.id}/better-auth:0`, `${user.id}/better-auth:1`],
      [`${user.id}/better-auth:0`, `${user.id}/better-auth:1`],
    ])
  })
})
