'use strict'

// The connection watch (js/core/connection-lifetime.js) and its Socket.IO adapter: a revocation
// closes exactly the connections it names (by jti, by subject, across namespaces, after
// auth_refresh, after connection state recovery), a change reads only the connections it
// names, sweeps run in slices and lose no change, a disconnected socket leaves every index;
// and the issue-22 attacks R14 (a list given to the authenticator), R15 (auth_refresh with a
// token revoked in the middleware's list) and S01 (recovery with another user's token).
// Tokens come from jsonwebtoken and @auth/core; sockets are real Socket.IO over loopback.

const { describe, test } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const crypto = require('node:crypto')

const { Server } = require('socket.io')
const { io: ioClient } = require('socket.io-client')
const jsonwebtoken = require('jsonwebtoken')

const { RevocationList, HandshakeAuthenticator } = require('..')
const { socketIoAuth, useOnAllNamespaces, watchOf } = require('../js/socket.io/index.js')
const { ConnectionWatch, clockOf } = require('../js/core/connection-lifetime.js')
const { next, connected, refused, wire } = require('./helpers/sio.js')

const JWT_SECRET = crypto.randomBytes(32).toString('hex')
const AUTH_SECRET = crypto.randomBytes(32).toString('base64')
const COOKIE = 'authjs.session-token'
const JWT = { algorithms: ['HS256'], key: JWT_SECRET }
const nowSec = () => Math.floor(Date.now() / 1000)

const access = (sub, claims = {}) => jsonwebtoken.sign({ sub, ...claims }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '15m', jwtid: crypto.randomUUID() })
const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'))

async function session(claims) {
  const { encode } = await import('@auth/core/jwt')
  return encode({ token: claims, secret: AUTH_SECRET, salt: COOKIE })
}

/** Waits for `fn()` to be true, a turn of the event loop at a time (bounded). */
async function until(fn, ms = 10000) {
  const end = Date.now() + ms
  while (!fn()) {
    if (Date.now() > end) throw new Error('condition not reached')
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** A real Socket.IO server with `middleware` on every namespace; connect(token, nsp, opts). */
async function server(t, middleware, serverOptions = {}) {
  const httpServer = http.createServer()
  const io = new Server(httpServer, serverOptions)
  useOnAllNamespaces(io, middleware)
  for (const name of ['/', '/chat']) io.of(name).on('connection', (socket) => socket.emit('welcome', socket.data.user.sub))
  await new Promise((r) => httpServer.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${httpServer.address().port}`
  const clients = []
  t.after(async () => {
    for (const c of clients) c.disconnect()
    await new Promise((r) => io.close(() => r()))
    httpServer.closeAllConnections()
  })
  const connect = (token, nsp = '/', opts = {}) => {
    const c = ioClient(url + nsp, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true, ...opts })
    clients.push(c)
    c.revoked = []
    c.nspName = nsp
    c.on('auth_revoked', (p) => c.revoked.push(p.code))
    return new Promise((resolve, reject) => {
      c.once('welcome', () => resolve(c))
      c.once('connect_error', (err) => reject(Object.assign(new Error('refused'), { code: err.data && err.data.code })))
    })
  }
  /** The server side of a client socket. */
  const serverSocket = (c) => io.of(c.nspName).sockets.get(c.id)
  return { io, url, clients, connect, serverSocket }
}

// ---------------------------------------------------------------------------
// The watch alone: plain connections (any transport), a real RevocationList
// ---------------------------------------------------------------------------

describe('ConnectionWatch (transport-neutral)', () => {
  /** A plain connection that counts how often its claims are read. */
  function conn(claims, kind = 'jwt') {
    const c = {
      reads: 0,
      closed: false,
      told: [],
      kind,
      get claims() {
        c.reads++
        return claims
      },
      get open() {
        return !c.closed
      },
      notify(what, payload) {
        c.told.push([what, payload.code])
      },
      close() {
        c.closed = true
      },
    }
    return c
  }
  const authenticator = () => new HandshakeAuthenticator({ jwt: JWT })

  test('a change reads only the connections it names; prune and fresh read none; lists apply by kind', () => {
    let now = nowSec()
    const list = new RevocationList({ now: () => now })
    const authjsList = new RevocationList()
    const h = new HandshakeAuthenticator({ jwt: JWT, authjs: { secret: AUTH_SECRET, revocation: authjsList } })
    const watch = new ConnectionWatch({ authenticator: h, revocation: list, expiry: false })
    const iat = now - 10
    const conns = []
    for (const sub of ['ann', 'ben', 'cat']) for (let i = 0; i < 3; i++) conns.push(conn({ sub, jti: `${sub}-${i}`, iat, exp: now + 900 }))
    // A numeric sub (the NestJS docs' { sub: user.userId }) is indexed by its key text.
    const num = conn({ sub: 7, jti: 'num-0', iat, exp: now + 900 })
    for (const c of [...conns, num]) assert.equal(watch.admit(c), true)
    const reset = () => conns.concat(num).forEach((c) => (c.reads = 0))
    const read = () => conns.concat(num).filter((c) => c.reads > 0)

    reset()
    list.revokeToken('ann-1', now + 900)
    assert.deepEqual(read(), [conns[1]])
    assert.deepEqual(conns.filter((c) => c.closed), [conns[1]])
    assert.deepEqual(conns[1].told, [['revoked', 'ERR_TOKEN_REVOKED']])

    reset()
    list.revokeSubject('ben', now)
    assert.deepEqual(read(), conns.slice(3, 6))
    assert.deepEqual(conns.filter((c) => c.closed), [conns[1], ...conns.slice(3, 6)])

    // Looked up by the key '7' (whether the list then refuses { sub: 7 } is the list's rule, issue 22 R01).
    reset()
    list.revokeSubject('7', now)
    assert.deepEqual(read(), [num])

    // A change naming no connection reads none.
    reset()
    list.revokeToken('nobody', now + 1)
    list.revokeSubject('nobody')
    assert.deepEqual(read(), [])

    // 'prune' reads none.
    now += 2
    reset()
    list.prune()
    assert.deepEqual(read(), [])

    // The authjs list going stale sweeps (every connection read) but closes no jwt connection:
    // that list is not their kind's. Its 'fresh' reads none.
    const openBefore = conns.concat(num).filter((c) => !c.closed)
    reset()
    authjsList.setStale(true)
    assert.deepEqual(read(), openBefore)
    assert.deepEqual(conns.concat(num).filter((c) => !c.closed), openBefore)
    reset()
    authjsList.setStale(false)
    assert.deepEqual(read(), [])
    assert.equal(watch.stats().connections, openBefore.length)
    watch.close()
  })

  test('a stale sweep at 50,000 connections runs in slices; changes arriving mid-sweep are not lost', async () => {
    const list = new RevocationList()
    const watch = new ConnectionWatch({ authenticator: authenticator(), revocation: list, expiry: false })
    const exp = nowSec() + 900
    const N = 50000
    const conns = []
    for (let i = 0; i < N; i++) {
      const c = conn({ sub: `u${i % 5000}`, jti: `c-${i}`, iat: nowSec() - 10, exp })
      conns.push(c)
      watch.admit(c)
    }
    // A reload that changed more than a change can name (`overflow`: over 1024 entries): a sweep.
    const others = (tag) => Array.from({ length: 1100 }, (_, k) => ({ jti: `${tag}-${k}`, exp }))
    list.replace([{ jti: `c-${N - 1}`, exp }, ...others('a')])
    // The sweep yields long before its end: 50,000 native checks cannot fit one 2 ms slice.
    assert.equal(watch.sweeping, true, 'the sweep yielded')
    assert.equal(conns[N - 1].closed, false)
    // Mid-sweep: a targeted change is applied at once, and a second reload naming a
    // connection the sweep already passed is swept again.
    list.revokeToken('c-10', exp)
    assert.equal(conns[10].closed, true)
    list.replace([{ jti: `c-${N - 1}`, exp }, { jti: 'c-0', exp }, { jti: 'c-10', exp }, ...others('b')])
    await until(() => !watch.sweeping)
    assert.deepEqual(
      conns.filter((c) => c.closed).map((c) => c.claims.jti),
      ['c-0', 'c-10', `c-${N - 1}`],
    )
    const s = watch.stats()
    assert.equal(s.sweeps, 2)
    assert.ok(s.slices > 2, `slices ${s.slices}`)
    assert.equal(s.connections, N - 3)

    list.setStale(true)
    assert.ok(conns.some((c) => !c.closed), 'stale closes in slices, not all at once')
    await until(() => !watch.sweeping)
    assert.equal(conns.filter((c) => c.closed).length, N)
    assert.ok(conns.slice(1, 9).every((c) => c.told[0][1] === 'ERR_REVOCATION_STALE'))
    assert.deepEqual(watch.stats().connections, 0)
    watch.close()
  })

  test("the contract's 'merge' / 'reload' events (Part LIST): entries read only their connections, overflow sweeps, sid by sid", async () => {
    // The list in this tree emits no 'merge' yet: the events are given to the watch as the
    // contract shapes them; the list itself then decides (here it holds none of these ids).
    const list = new RevocationList()
    const watch = new ConnectionWatch({ authenticator: authenticator(), revocation: list, expiry: false })
    const cs = ['a', 'b', 'c', 'd'].map((x) => conn({ sub: `s-${x}`, jti: `j-${x}`, sid: `sid-${x}` }))
    for (const c of cs) watch.admit(c)
    const reads = () => cs.map((c) => c.reads)
    cs.forEach((c) => (c.reads = 0))
    watch.changed({ type: 'merge', entries: [{ jti: 'j-a' }, { sub: 's-b', before: 1 }], overflow: false, version: 1 })
    assert.deepEqual(reads(), [1, 1, 0, 0])
    watch.changed({ type: 'reload', entries: [{ sid: 'sid-c' }], overflow: false, version: 2 })
    assert.deepEqual(reads(), [1, 1, 1, 0])
    watch.changed({ type: 'session', sid: 'sid-d', version: 3 })
    assert.deepEqual(reads(), [1, 1, 1, 1])
    watch.changed({ type: 'merge', entries: [], overflow: true, version: 4 })
    await until(() => !watch.sweeping)
    assert.deepEqual(reads(), [2, 2, 2, 2])
    assert.equal(cs.filter((c) => c.closed).length, 0)
    watch.close()
  })

  test('a removed connection leaves every index', () => {
    const list = new RevocationList()
    const watch = new ConnectionWatch({ authenticator: authenticator(), revocation: list, expiry: false, identity: (c) => c.uid })
    const cs = [conn({ sub: 'a', jti: 'j1', sid: 's1', uid: 'A' }), conn({ sub: 'a', jti: 'j2', sid: 's1', uid: 'A' }), conn({ sub: 'b', jti: 'j3', uid: 'B' })]
    for (const c of cs) watch.admit(c)
    assert.deepEqual(watch.stats(), { connections: 3, jti: 3, sub: 2, identity: 2, sid: 1, sweeps: 0, slices: 0, longestSliceMs: 0 })
    for (const c of cs) watch.remove(c)
    assert.deepEqual(watch.stats(), { connections: 0, jti: 0, sub: 0, identity: 0, sid: 0, sweeps: 0, slices: 0, longestSliceMs: 0 })
  })

  test('clockOf: the middleware settings first, then the authenticator of the kind, else Date.now', () => {
    assert.equal(clockOf({}, {}), Date.now)
    assert.equal(clockOf({}, { now: () => 7 })(), 7000, '`now` is in seconds, as the decoders\' option')
    const auth = new HandshakeAuthenticator({ jwt: { ...JWT, now: () => 11 }, authjs: { secret: 'x'.repeat(32), now: () => 13 } })
    assert.equal(clockOf(auth)('jwt'), 11000)
    assert.equal(clockOf(auth)('authjs'), 13000)
    assert.equal(clockOf(auth, { now: () => 2 })('authjs'), 2000)
    assert.throws(() => clockOf(auth, { clock: () => 1 }), { code: 'ERR_INVALID_OPTIONS' })
    assert.throws(() => clockOf(auth, { now: 5 }), { code: 'ERR_INVALID_OPTIONS' })
  })
})

// ---------------------------------------------------------------------------
// Socket.IO: exactly the sockets a revocation names
// ---------------------------------------------------------------------------

describe('socketIoAuth: a revocation closes exactly the sockets it names', () => {
  test('several users, several sockets each, two namespaces; after auth_refresh; no index leak', async (t) => {
    const list = new RevocationList()
    const middleware = socketIoAuth({ jwt: JWT }, { revocation: list })
    const { connect, serverSocket } = await server(t, middleware)
    const tokens = {}
    const sockets = {}
    for (const user of ['ann', 'ben', 'cat']) {
      tokens[user] = [access(user), access(user), access(user)]
      sockets[user] = [await connect(tokens[user][0]), await connect(tokens[user][1]), await connect(tokens[user][2], '/chat')]
    }
    const all = Object.values(sockets).flat()
    const open = () => all.filter((c) => c.connected)
    const watch = watchOf(middleware)
    assert.equal(watch.stats().connections, 9)

    // One jti: that socket only (the server closes it inside revokeToken).
    const annGone = next(sockets.ann[0], 'disconnect')
    list.revokeToken(claimsOf(tokens.ann[0]).jti, claimsOf(tokens.ann[0]).exp)
    assert.equal(serverSocket(sockets.ann[0]), undefined)
    await annGone
    assert.deepEqual(sockets.ann[0].revoked, ['ERR_TOKEN_REVOKED'])
    assert.deepEqual(open(), all.filter((c) => c !== sockets.ann[0]))

    // One subject: its sockets on both namespaces.
    const benGone = Promise.all(sockets.ben.map((c) => next(c, 'disconnect')))
    list.revokeSubject('ben', nowSec() + 1)
    await benGone
    assert.deepEqual(sockets.ben.map((c) => c.revoked), [['ERR_TOKEN_REVOKED'], ['ERR_TOKEN_REVOKED'], ['ERR_TOKEN_REVOKED']])
    assert.deepEqual(open(), [...sockets.ann.slice(1), ...sockets.cat])

    // After auth_refresh the socket is indexed by its new token, no longer by the old one.
    const cat = sockets.cat[2]
    const fresh = access('cat')
    assert.deepEqual((await cat.timeout(5000).emitWithAck('auth_refresh', { token: fresh })).ok, true)
    list.revokeToken(claimsOf(tokens.cat[2]).jti, claimsOf(tokens.cat[2]).exp)
    assert.equal(serverSocket(cat).connected, true, 'the old jti no longer names the refreshed socket')
    const catGone = next(cat, 'disconnect')
    list.revokeToken(claimsOf(fresh).jti, claimsOf(fresh).exp)
    await catGone
    assert.deepEqual(cat.revoked, ['ERR_TOKEN_REVOKED'])
    assert.deepEqual(open(), [...sockets.ann.slice(1), ...sockets.cat.slice(0, 2)])
    assert.ok(open().every((c) => c.revoked.length === 0), 'no open socket was told anything')

    // Disconnected sockets leave every index.
    const left = open()
    const serverSide = left.map((c) => serverSocket(c))
    const done = Promise.all(serverSide.map((s) => next(s, 'disconnect')))
    for (const c of left) c.disconnect()
    await done
    assert.deepEqual(watch.stats(), { connections: 0, jti: 0, sub: 0, identity: 0, sid: 0, sweeps: 0, slices: 0, longestSliceMs: 0 })
  })

  test('a socket restored by connection state recovery is indexed by its new token', async (t) => {
    const list = new RevocationList()
    const middleware = socketIoAuth({ jwt: JWT }, { revocation: list })
    const { io, url, clients } = await server(t, middleware, { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } })
    const first = access('dee')
    const c = ioClient(url, { transports: ['websocket'], reconnectionDelay: 20, reconnectionDelayMax: 50, randomizationFactor: 0, auth: { token: first } })
    clients.push(c)
    await connected(c)
    const got = next(c, 'news')
    io.emit('news', 'offset')
    await got
    const dropped = next(c, 'disconnect')
    c.io.engine.close()
    await dropped
    const second = access('dee')
    c.auth.token = second
    await connected(c)
    assert.equal(c.recovered, true)
    const s = io.of('/').sockets.get(c.id)
    assert.equal(claimsOf(second).jti, s.data.user.jti)
    list.revokeToken(claimsOf(first).jti, claimsOf(first).exp)
    assert.equal(s.connected, true, 'the first token no longer names the recovered socket')
    const told = next(c, 'auth_revoked')
    list.revokeToken(claimsOf(second).jti, claimsOf(second).exp)
    assert.equal(s.connected, false)
    assert.deepEqual((await told)[0], { code: 'ERR_TOKEN_REVOKED' })
    c.disconnect()
    await until(() => watchOf(middleware).stats().connections === 0)
  })

  test('a reload with no entries sweeps; stale closes every socket; prune closes none', async (t) => {
    const list = new RevocationList()
    const { connect } = await server(t, socketIoAuth({ jwt: JWT }, { revocation: list }))
    const a = access('eve')
    const ca = await connect(a)
    const cb = await connect(access('fay'))
    list.prune()
    assert.equal(ca.connected && cb.connected, true)
    const gone = next(ca, 'disconnect')
    list.replace([{ jti: claimsOf(a).jti, exp: claimsOf(a).exp }])
    await gone
    assert.deepEqual([ca.revoked, cb.connected], [['ERR_TOKEN_REVOKED'], true])
    const staleGone = next(cb, 'disconnect')
    list.setStale(true)
    await staleGone
    assert.deepEqual(cb.revoked, ['ERR_REVOCATION_STALE'])
  })
})

// ---------------------------------------------------------------------------
// Issue 22, written as the attacks
// ---------------------------------------------------------------------------

describe('issue 22 R14: lists given to the authenticator are watched', () => {
  test("jwt: { revocation }: a revoked user's open socket is closed", async (t) => {
    const list = new RevocationList()
    const { connect } = await server(t, socketIoAuth({ jwt: { ...JWT, revocation: list } }))
    const c = await connect(access('gus'))
    const other = await connect(access('hal'))
    const told = next(c, 'auth_revoked', 3000)
    list.revokeSubject('gus', nowSec() + 1)
    assert.deepEqual((await told)[0], { code: 'ERR_TOKEN_REVOKED' })
    assert.equal(other.connected, true)
  })

  test('authjs: { revocation } on a HandshakeAuthenticator: the session socket is closed; a jwt socket of the same sub is not (that list is not its kind\'s)', async (t) => {
    const list = new RevocationList()
    const h = new HandshakeAuthenticator({ jwt: JWT, authjs: { secret: AUTH_SECRET, revocation: list } })
    const { connect } = await server(t, socketIoAuth(h))
    const s = await connect(await session({ sub: 'ivy', name: 'Ivy' }))
    const j = await connect(access('ivy'))
    const told = next(s, 'auth_revoked', 3000)
    list.revokeSubject('ivy', nowSec() + 1)
    assert.deepEqual((await told)[0], { code: 'ERR_TOKEN_REVOKED' })
    assert.equal(j.connected, true)
    assert.deepEqual(j.revoked, [])
  })
})

describe('issue 22 R15: auth_refresh refuses a token revoked in any list that applies', () => {
  test("socketIoAuth(authenticator, { revocation }): a revoked token neither refreshes nor connects", async (t) => {
    const list = new RevocationList()
    const failures = []
    const { connect } = await server(t, socketIoAuth(new HandshakeAuthenticator({ jwt: JWT }), { revocation: list, onFailure: (i) => failures.push(i) }))
    const stolen = access('jon')
    const c = await connect(access('jon'))
    list.revokeToken(claimsOf(stolen).jti, claimsOf(stolen).exp)
    const reply = await c.timeout(5000).emitWithAck('auth_refresh', { token: stolen })
    assert.deepEqual(reply, { ok: false, code: 'ERR_TOKEN_REVOKED' })
    assert.equal(c.connected, true, 'the socket keeps its own (valid) token')
    assert.deepEqual(failures.map((f) => [f.code, f.source]), [['ERR_TOKEN_REVOKED', 'refresh']])
    assert.ok(!JSON.stringify(failures).includes(stolen.split('.')[2]), 'no token in onFailure')
    await assert.rejects(connect(stolen), (e) => e.code === 'ERR_TOKEN_REVOKED')
  })
})

describe('issue 22 S01: recovery with another user\'s token', () => {
  test("keeps none of the first user's rooms, socket.data or missed packets; the app sees a fresh connection", async (t) => {
    const httpServer = http.createServer()
    const io = new Server(httpServer, { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } })
    useOnAllNamespaces(io, socketIoAuth({ jwt: JWT }))
    const seen = []
    io.on('connection', (socket) => {
      seen.push({ sub: socket.data.user.sub, recovered: socket.recovered, owner: socket.data.owner, rooms: [...socket.rooms] })
      if (!socket.recovered) {
        socket.join(`user:${socket.data.user.sub}`)
        socket.data.owner = socket.data.user.sub
      }
    })
    await new Promise((r) => httpServer.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${httpServer.address().port}`
    const c = ioClient(url, { transports: ['websocket'], reconnectionDelay: 20, reconnectionDelayMax: 50, randomizationFactor: 0, auth: { token: access('kay') } })
    t.after(async () => {
      c.disconnect()
      await new Promise((r) => io.close(() => r()))
      httpServer.closeAllConnections()
    })
    await connected(c)
    const firstId = c.id
    const packets = wire(c)
    const got = next(c, 'news')
    io.to('user:kay').emit('news', 'offset')
    await got
    const dropped = next(c, 'disconnect')
    c.io.engine.close()
    await dropped
    // kay's private message arrives while the client is away; the client comes back as lou.
    io.to('user:kay').emit('news', 'for-kay-only')
    c.auth.token = access('lou')
    await connected(c)
    const s = io.of('/').sockets.get(c.id)
    assert.equal(s.data.user.sub, 'lou')
    assert.equal(s.data.owner, 'lou', "the app set lou up as new, not kay's socket.data")
    assert.ok(!s.rooms.has('user:kay'), "lou is not in kay's room")
    assert.deepEqual([...s.rooms].sort(), [c.id, 'user:lou'].sort())
    assert.notEqual(c.id, firstId, "lou does not get kay's socket id")
    assert.equal(c.recovered, false)
    assert.deepEqual(seen.map((x) => [x.sub, x.recovered]), [['kay', false], ['lou', false]])
    // A later message to kay's room does not reach lou either.
    io.to('user:kay').emit('news', 'for-kay-later')
    io.to('user:lou').emit('news', 'for-lou')
    await next(c, 'news')
    assert.deepEqual(packets.map((d) => d[1]), ['offset', 'for-lou'])

    // The same user recovering keeps everything (the feature itself).
    const idBefore = c.id
    const got2 = next(c, 'news')
    io.emit('news', 'offset-2')
    await got2
    const dropped2 = next(c, 'disconnect')
    c.io.engine.close()
    await dropped2
    io.to('user:lou').emit('news', 'missed-by-lou')
    c.auth.token = access('lou')
    const missed = next(c, 'news')
    await connected(c)
    assert.equal(c.recovered, true)
    assert.equal(c.id, idBefore)
    assert.deepEqual((await missed)[0], 'missed-by-lou')
    assert.equal(io.of('/').sockets.get(c.id).data.owner, 'lou')
  })
})

describe("issue 22 S01 with skipMiddlewares turned back on (the 'connect' hook path)", () => {
  test("the recovered socket of another user leaves the first user's rooms and socket.data", async (t) => {
    const httpServer = http.createServer()
    const io = new Server(httpServer, { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } })
    useOnAllNamespaces(io, socketIoAuth({ jwt: JWT }))
    const seen = []
    io.on('connection', (socket) => {
      seen.push([socket.data.user.sub, socket.recovered])
      if (!socket.recovered) {
        socket.join(`user:${socket.data.user.sub}`)
        socket.data.owner = socket.data.user.sub
      }
    })
    await new Promise((r) => httpServer.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${httpServer.address().port}`
    const c = ioClient(url, { transports: ['websocket'], reconnectionDelay: 20, reconnectionDelayMax: 50, randomizationFactor: 0, auth: { token: access('ned') } })
    t.after(async () => {
      c.disconnect()
      await new Promise((r) => io.close(() => r()))
      httpServer.closeAllConnections()
    })
    await connected(c)
    const packets = wire(c)
    const got = next(c, 'news')
    io.to('user:ned').emit('news', 'offset')
    await got
    const dropped = next(c, 'disconnect')
    c.io.engine.close()
    await dropped
    io.to('user:ned').emit('news', 'for-ned-only')
    // The app turns it back on: the recovered socket reaches 'connect' without the middleware
    // (which would have set it to false again).
    io.opts.connectionStateRecovery.skipMiddlewares = true
    c.auth.token = access('oto')
    await connected(c)
    assert.equal(io.opts.connectionStateRecovery.skipMiddlewares, true, 'the middleware did not run')
    await until(() => seen.length === 2)
    assert.deepEqual(seen, [['ned', false], ['oto', false]])
    const s = [...io.of('/').sockets.values()]
    assert.equal(s.length, 1)
    assert.equal(s[0].data.user.sub, 'oto')
    assert.equal(s[0].data.owner, 'oto')
    assert.ok(!s[0].rooms.has('user:ned'))
    assert.ok(s[0].rooms.has(s[0].id) && io.of('/').sockets.get(s[0].id) === s[0], 'rekeyed in the namespace')
    io.to('user:oto').emit('news', 'for-oto')
    await until(() => packets.length === 2)
    assert.deepEqual(packets.map((d) => d[1]), ['offset', 'for-oto'])
  })
})

describe('expiry follows the app clock', () => {
  test("a clock an hour ahead: the 15-minute token's socket is closed at once with auth_expired", async (t) => {
    const { url, clients } = await server(t, socketIoAuth({ jwt: JWT }, { now: () => Date.now() / 1000 + 3600 }))
    const c = ioClient(url, { auth: { token: access('max') }, transports: ['websocket'], reconnection: false, forceNew: true })
    clients.push(c)
    const expired = next(c, 'auth_expired')
    const gone = next(c, 'disconnect')
    assert.deepEqual((await expired)[0], { code: 'ERR_JWT_EXPIRED' })
    assert.equal((await gone)[0], 'io server disconnect')
  })
})
