'use strict'

// The in-memory RevocationList (one node, no Redis): every verification path refuses a
// revoked token with ERR_TOKEN_REVOKED after signature and claims pass, the verified-token
// cache included; socketIoAuth closes the sockets a change revokes after `auth_revoked`.
// Tokens come from jsonwebtoken and @auth/core; sockets are real Socket.IO over loopback.

const { describe, test } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const crypto = require('node:crypto')

const { Server } = require('socket.io')
const { io: ioClient } = require('socket.io-client')
const jsonwebtoken = require('jsonwebtoken')

const { RevocationList, JwtVerifier, AuthJsSession, HandshakeAuthenticator } = require('..')
const { socketIoAuth } = require('../js/socket.io/index.js')
const { Strategy } = require('../js/passport/index.js')
const { throwsCode } = require('./helpers/assert.js')
const { next } = require('./helpers/sio.js')

const JWT_SECRET = crypto.randomBytes(32).toString('hex')
const AUTH_SECRET = crypto.randomBytes(32).toString('base64')
const COOKIE = 'authjs.session-token'
const nowSec = () => Math.floor(Date.now() / 1000)

const access = (sub, claims = {}, options = {}) =>
  jsonwebtoken.sign({ sub, ...claims }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '15m', jwtid: crypto.randomUUID(), ...options })

async function session(claims) {
  const { encode } = await import('@auth/core/jwt')
  return encode({ token: claims, secret: AUTH_SECRET, salt: COOKIE })
}

const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'))


describe('RevocationList', () => {
  test('jti until exp, subject before T, no iat counts as before; change events; bad input', () => {
    let now = 1_000_000
    const list = new RevocationList({ now: () => now, subjectTtl: 3600 })
    const changes = []
    const listener = (c) => changes.push(c)
    assert.equal(list.on('change', listener), list)
    list.revokeToken('t1', now + 100)
    list.revokeSubject('u1', now - 10)
    assert.deepEqual(
      changes.map((c) => [c.type, c.jti ?? c.sub, c.exp ?? c.before]),
      [
        ['token', 't1', now + 100],
        ['subject', 'u1', now - 10],
      ],
    )
    assert.ok(changes[1].version > changes[0].version)
    assert.equal(list.isRevoked({ jti: 't1', sub: 'x', iat: now }), true)
    assert.equal(list.isRevoked({ jti: 't2', sub: 'x', iat: now }), false)
    assert.equal(list.isRevoked({ sub: 'u1', iat: now - 11 }), true)
    assert.equal(list.isRevoked({ sub: 'u1', iat: now - 10 }), false)
    assert.equal(list.isRevoked({ sub: 'u1' }), true, 'no iat: issued before')
    assert.equal(list.refusal({ sub: 'u1' }), 'ERR_TOKEN_REVOKED')
    assert.equal(list.refusal({ sub: 'u2' }), null)
    assert.deepEqual(list.size(), { tokens: 1, subjects: 1 })
    // Revoking again with an earlier bound changes nothing, and says nothing.
    list.revokeSubject('u1', now - 20)
    assert.equal(changes.length, 2)
    // Default before: now.
    list.revokeSubject('u3')
    assert.equal(changes[2].before, now)
    // Entries end: the jti at its exp, the subject after subjectTtl.
    now += 101
    assert.equal(list.isRevoked({ jti: 't1' }), false)
    assert.equal(list.prune(), 1)
    now += 3600
    assert.equal(list.prune(), 2)
    assert.deepEqual(list.entries(), [])
    list.off('change', listener)
    list.revokeSubject('u4')
    assert.equal(changes.filter((c) => c.type === 'subject').length, 2, 'no event after off')

    throwsCode(() => list.revokeToken('', now + 5), 'ERR_INVALID_OPTIONS', 'empty jti')
    throwsCode(() => list.revokeToken('a', 'soon'), 'ERR_INVALID_OPTIONS', 'exp not a number')
    throwsCode(() => list.revokeToken(7.5, now + 5), 'ERR_INVALID_OPTIONS', 'jti not a string or an integer')
    throwsCode(() => list.revokeToken({ id: 7 }, now + 5), 'ERR_INVALID_OPTIONS', 'jti an object')
    throwsCode(() => list.revokeSubject('u', NaN), 'ERR_INVALID_OPTIONS', 'NaN before')
    throwsCode(() => list.isRevoked('u'), 'ERR_INVALID_OPTIONS', 'claims not an object')
    throwsCode(() => list.on('revoked', () => {}), 'ERR_INVALID_OPTIONS', 'unknown event')
    throwsCode(() => new RevocationList({ subjectTtl: -1 }), 'ERR_INVALID_OPTIONS', 'negative subjectTtl')
    throwsCode(() => new JwtVerifier({ algorithms: ['HS256'], key: JWT_SECRET, revocation: { isRevoked: () => true } }), 'ERR_INVALID_OPTIONS', 'not a list')
  })

  test('replace() is all or nothing, and stale mode refuses everything', () => {
    const list = new RevocationList()
    list.revokeToken('keep', nowSec() + 60)
    throwsCode(() => list.replace([{ jti: 'a', exp: nowSec() + 60 }, { sub: 'u' }]), 'ERR_INVALID_OPTIONS', 'incomplete entry')
    assert.deepEqual(list.entries().map((e) => e.jti), ['keep'])
    list.replace([{ sub: 'u', before: nowSec() }])
    assert.deepEqual(list.size(), { tokens: 0, subjects: 1 })
    const verifier = new JwtVerifier({ algorithms: ['HS256'], key: JWT_SECRET, revocation: list })
    const t = access('other')
    assert.equal(verifier.verify(t).sub, 'other')
    list.setStale(true)
    assert.equal(list.stale, true)
    throwsCode(() => verifier.verify(t), 'ERR_REVOCATION_STALE')
    assert.equal(list.refusal(claimsOf(t)), 'ERR_REVOCATION_STALE')
    list.setStale(false)
    assert.equal(verifier.verify(t).sub, 'other')
  })

  test('JwtVerifier (with and without the cache), AuthJsSession, HandshakeAuthenticator, Strategy', async () => {
    const list = new RevocationList()
    for (const cache of [false, true]) {
      list.replace([])
      const v = new JwtVerifier({ algorithms: ['HS256'], key: JWT_SECRET, cache, revocation: list })
      const a = access('ada')
      const b = access('ada')
      assert.equal(v.verify(a).sub, 'ada')
      assert.equal(v.verify(a).sub, 'ada')
      list.revokeToken(claimsOf(a).jti, claimsOf(a).exp)
      throwsCode(() => v.verify(a), 'ERR_TOKEN_REVOKED', `jti, cache ${cache}`)
      assert.equal(v.verify(b).sub, 'ada', 'another token of the same user')
      list.revokeSubject('ada', nowSec() + 1)
      throwsCode(() => v.verify(b), 'ERR_TOKEN_REVOKED', `subject, cache ${cache}`)
      const later = access('ada', { iat: nowSec() + 2 })
      assert.equal(v.verify(later).sub, 'ada', 'issued after the revocation')
      // A bad signature is still a bad signature, revoked or not.
      throwsCode(() => v.verify(b.slice(0, -2) + (b.endsWith('AA') ? 'BB' : 'AA')), 'ERR_JWS_SIGNATURE_INVALID')
    }

    list.replace([])
    const s = new AuthJsSession({ secret: AUTH_SECRET, revocation: list })
    const cookieToken = await session({ sub: 'zoe', name: 'Zoë' })
    const claims = s.decode(cookieToken)
    assert.equal(typeof claims.jti, 'string', '@auth/core sets jti')
    list.revokeToken(claims.jti, claims.exp)
    throwsCode(() => s.decode(cookieToken), 'ERR_TOKEN_REVOKED')
    throwsCode(() => s.fromCookieHeader(`${COOKIE}=${cookieToken}`), 'ERR_TOKEN_REVOKED')

    const h = new HandshakeAuthenticator({ jwt: { algorithms: ['HS256'], key: JWT_SECRET }, authjs: { secret: AUTH_SECRET }, revocation: list })
    throwsCode(() => h.authenticate({ headers: { cookie: `${COOKIE}=${cookieToken}` } }), 'ERR_TOKEN_REVOKED')
    const eve = access('eve')
    assert.equal(h.authenticate({ auth: { token: eve } }).claims.sub, 'eve')
    list.revokeSubject('eve', nowSec() + 1)
    const err = throwsCode(() => h.authenticate({ auth: { token: eve } }), 'ERR_TOKEN_REVOKED')
    assert.equal(err.source, 'auth')
    assert.ok(!err.message.includes(eve) && err.fingerprint.length === 16, 'never the token')
    throwsCode(() => h.verifyToken(eve), 'ERR_TOKEN_REVOKED')

    const strategy = new Strategy({ jwt: { algorithms: ['HS256'], key: JWT_SECRET }, revocation: list })
    const outcome = await new Promise((resolve) => {
      strategy.fail = (info, status) => resolve({ info, status })
      strategy.success = (user) => resolve({ user })
      strategy.authenticate({ headers: { authorization: `Bearer ${eve}` } })
    })
    // The drop-in Strategy gives fail() an Error, as passport-jwt does (passport answers 401).
    assert.ok(outcome.info instanceof Error, 'fail() gets an Error')
    assert.deepEqual([outcome.info.code, outcome.info.message], ['ERR_TOKEN_REVOKED', 'jwt revoked'])
  })

  test('JwtService (JwtModule drop-in) refuses a revoked token', async () => {
    const { JwtService } = require('../js/nest/jwt.js')
    const list = new RevocationList()
    const svc = new JwtService({ secret: JWT_SECRET, verifyOptions: { algorithms: ['HS256'] }, revocation: list })
    const t = access('kim')
    assert.equal(svc.verify(t).sub, 'kim')
    list.revokeSubject('kim', nowSec() + 1)
    assert.throws(() => svc.verify(t), (e) => e.code === 'ERR_TOKEN_REVOKED' && e.name === 'JsonWebTokenError')
  })
})

describe('socketIoAuth and revocation', () => {
  async function server(t, options, settings) {
    const httpServer = http.createServer()
    const io = new Server(httpServer)
    io.use(socketIoAuth(options, settings))
    io.on('connection', (socket) => socket.emit('welcome', socket.data.user.sub))
    await new Promise((r) => httpServer.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${httpServer.address().port}`
    const clients = []
    t.after(async () => {
      for (const c of clients) c.close()
      io.close()
      await new Promise((r) => httpServer.close(r))
    })
    const connect = (token) => {
      const c = ioClient(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true })
      clients.push(c)
      return new Promise((resolve) => {
        c.once('welcome', () => resolve({ c, ok: true }))
        c.once('connect_error', (err) => resolve({ c, ok: false, code: err.data && err.data.code }))
      })
    }
    return { io, connect }
  }

  test('a revoked subject: auth_revoked then disconnect; refused on reconnect; a newer token connects', async (t) => {
    const list = new RevocationList()
    const { connect } = await server(t, { jwt: { algorithms: ['HS256'], key: JWT_SECRET }, revocation: list })
    const ada1 = await connect(access('ada'))
    const ada2 = await connect(access('ada'))
    const bob = await connect(access('bob'))
    assert.ok(ada1.ok && ada2.ok && bob.ok)
    const revoked1 = next(ada1.c, 'auth_revoked')
    const revoked2 = next(ada2.c, 'auth_revoked')
    const gone1 = next(ada1.c, 'disconnect')
    let bobRevoked = false
    bob.c.on('auth_revoked', () => (bobRevoked = true))
    list.revokeSubject('ada', nowSec() + 1)
    assert.deepEqual((await revoked1)[0], { code: 'ERR_TOKEN_REVOKED' })
    assert.deepEqual((await revoked2)[0], { code: 'ERR_TOKEN_REVOKED' })
    assert.equal((await gone1)[0], 'io server disconnect')
    assert.equal(bob.c.connected, true)
    // Both of ada's sockets were told and closed in the same change; bob was not told.
    assert.equal(bobRevoked, false)

    const again = await connect(access('ada', { iat: nowSec() - 5 }))
    assert.deepEqual([again.ok, again.code], [false, 'ERR_TOKEN_REVOKED'])
    const fresh = await connect(access('ada', { iat: nowSec() + 2 }))
    assert.equal(fresh.ok, true, 'a token issued after the sign-out connects')
  })

  test('a stale list with onStale refuse closes every socket with ERR_REVOCATION_STALE, and refuses new ones until fresh', async (t) => {
    const list = new RevocationList()
    const { connect } = await server(t, { jwt: { algorithms: ['HS256'], key: JWT_SECRET }, revocation: list })
    const a = await connect(access('ivy'))
    assert.ok(a.ok)
    const told = next(a.c, 'auth_revoked')
    const gone = next(a.c, 'disconnect')
    list.setStale(true)
    assert.deepEqual((await told)[0], { code: 'ERR_REVOCATION_STALE' })
    await gone
    assert.equal((await connect(access('ivy'))).code, 'ERR_REVOCATION_STALE')
    list.setStale(false)
    assert.equal((await connect(access('ivy'))).ok, true)
  })

  test('one jti: only that socket is closed; auth_refresh with a revoked token is refused', async (t) => {
    const list = new RevocationList()
    const h = new HandshakeAuthenticator({ jwt: { algorithms: ['HS256'], key: JWT_SECRET }, revocation: list })
    const { connect } = await server(t, h, { revocation: list })
    const t1 = access('cy')
    const t2 = access('cy')
    const a = await connect(t1)
    const b = await connect(t2)
    assert.ok(a.ok && b.ok)
    const revoked = next(a.c, 'auth_revoked')
    const gone = next(a.c, 'disconnect')
    list.revokeToken(claimsOf(t1).jti, claimsOf(t1).exp)
    assert.deepEqual((await revoked)[0], { code: 'ERR_TOKEN_REVOKED' })
    await gone
    assert.equal(b.c.connected, true)
    const reply = await b.c.timeout(5000).emitWithAck('auth_refresh', { token: t1 })
    assert.deepEqual(reply, { ok: false, code: 'ERR_TOKEN_REVOKED' })
    assert.equal((await connect(t1)).code, 'ERR_TOKEN_REVOKED')
  })
})

describe('connection state recovery and revocation', () => {
  const { connected, refused, wire } = require('./helpers/sio.js')
  const { useOnAllNamespaces } = require('../js/socket.io/index.js')

  test("a revoked user's recovering socket is refused, and reads no missed packet", async (t) => {
    const list = new RevocationList()
    const httpServer = http.createServer()
    const io = new Server(httpServer, { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } })
    useOnAllNamespaces(io, socketIoAuth({ jwt: { algorithms: ['HS256'], key: JWT_SECRET }, revocation: list }))
    await new Promise((r) => httpServer.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${httpServer.address().port}`
    const clients = []
    t.after(async () => {
      for (const c of clients) c.disconnect()
      await new Promise((r) => io.close(() => r()))
      httpServer.closeAllConnections()
    })
    const token = access('gil')
    const recovering = (tok) => {
      const c = ioClient(url, { transports: ['websocket'], reconnection: true, reconnectionDelay: 20, reconnectionDelayMax: 50, randomizationFactor: 0, auth: { token: tok } })
      clients.push(c)
      return c
    }
    // A control: the same dance without a revocation recovers.
    const other = recovering(access('hal'))
    await connected(other)
    const client = recovering(token)
    await connected(client)
    const packets = wire(client)
    // A broadcast gives both a recovery offset; then their transports drop.
    const got = Promise.all([next(client, 'news'), next(other, 'news')])
    io.emit('news', 'offset')
    await got
    const closed = Promise.all([next(client, 'disconnect'), next(other, 'disconnect')])
    client.io.engine.close()
    other.io.engine.close()
    await closed
    // Signed out while away; a packet is sent meanwhile.
    list.revokeSubject('gil', nowSec() + 1)
    io.emit('news', 'missed-while-away')
    const err = await refused(client)
    assert.deepEqual(err.data, { code: 'ERR_TOKEN_REVOKED' })
    assert.equal(client.connected, false)
    await connected(other)
    assert.equal(other.recovered, true, 'the control recovered')
    assert.ok(!packets.map((d) => d[1]).includes('missed-while-away'), 'the refused client read a missed packet')
  })
})

test('socketIoAuth: a revocation that is not a RevocationList is ERR_INVALID_OPTIONS', () => {
  throwsCode(() => socketIoAuth({ jwt: { algorithms: ['HS256'], key: JWT_SECRET } }, { revocation: { on() {} } }), 'ERR_INVALID_OPTIONS')
})
