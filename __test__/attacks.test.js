'use strict'

// Attacks that once succeeded (issue 11), each written as the attack: the recovering
// client, the slow middleware, the cross-site page, the forged token, the CLI call. Each
// failed before its fix and passes after it. A real Socket.IO 4.8 server on 127.0.0.1
// (port 0), real socket.io-client connections, tokens from jsonwebtoken and @auth/core.

const { describe, test } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const crypto = require('node:crypto')

const { Server } = require('socket.io')
const { io: ioClient } = require('socket.io-client')
const jsonwebtoken = require('jsonwebtoken')

const { socketIoAuth, useOnAllNamespaces } = require('../js/socket.io.js')
const { next, connected, refused, record, wire } = require('./helpers/sio.js')

const JWT_SECRET = crypto.randomBytes(32).toString('hex')
const AUTH_SECRET = crypto.randomBytes(32).toString('base64')
const COOKIE = 'authjs.session-token'

const expOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url')).exp
const accessToken = (sub = 'user-1', options = {}) =>
  jsonwebtoken.sign({ sub }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '15m', ...options })

async function sessionToken(claims = {}) {
  const { encode } = await import('@auth/core/jwt')
  return encode({ token: { sub: 'user-1', ...claims }, secret: AUTH_SECRET, salt: COOKIE })
}

const OPTIONS = () => ({ jwt: { algorithms: ['HS256'], key: JWT_SECRET }, authjs: { secret: AUTH_SECRET } })

/**
 * A Socket.IO server on 127.0.0.1:0. `serverOptions` go to `new Server`; `install(io, mw)`
 * installs the middleware (default: useOnAllNamespaces). Closed after the test.
 */
async function startServer(t, { serverOptions = {}, settings = {}, install, options = OPTIONS() } = {}) {
  const httpServer = http.createServer()
  const io = new Server(httpServer, serverOptions)
  const failures = []
  const clients = []
  t.after(async () => {
    for (const c of clients) c.disconnect()
    await new Promise((resolve) => io.close(() => resolve()))
    httpServer.closeAllConnections()
  })
  const mw = socketIoAuth(options, { ...settings, onFailure: (info) => failures.push(info) })
  if (install) install(io, mw)
  else useOnAllNamespaces(io, mw)
  const accepted = []
  io.on('connection', (s) => accepted.push(s))
  await new Promise((resolve, reject) => {
    httpServer.once('error', reject)
    httpServer.listen(0, '127.0.0.1', resolve)
  })
  const { port } = httpServer.address()
  const url = `http://127.0.0.1:${port}`
  const connect = (nsp = '/', opts = {}) => {
    const socket = ioClient(url + nsp, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: 5000, ...opts })
    clients.push(socket)
    return socket
  }
  return { io, url, port, connect, failures, accepted }
}

// ---------------------------------------------------------------------------
// Finding 2: connection state recovery skipped authentication
// ---------------------------------------------------------------------------

const RECOVERY = () => ({ connectionStateRecovery: { maxDisconnectionDuration: 60_000 } })

/**
 * A client that can recover: reconnects at once, and sends `box.auth` (changeable between
 * attempts) as its handshake auth. `box.auth = {}` is the attacker dropping its token.
 */
function recoveringClient(srv, box, opts = {}) {
  return srv.connect('/', {
    reconnection: true,
    reconnectionDelay: 20,
    reconnectionDelayMax: 50,
    randomizationFactor: 0,
    auth: (cb) => cb(box.auth),
    ...opts,
  })
}

/** Gives the client a recovery offset (a broadcast it received), then drops its transport. */
async function blip(srv, client, label) {
  const got = next(client, 'news')
  srv.io.emit('news', `offset-${label}`)
  await got
  const closed = next(client, 'disconnect')
  client.io.engine.close()
  const [reason] = await closed
  assert.ok(['transport close', 'forced close'].includes(reason), reason)
}

describe('finding 2: connection state recovery authenticates again', { concurrency: true }, () => {
  const installs = [
    ['useOnAllNamespaces', undefined],
    ['io.use()', (io, mw) => io.use(mw)],
  ]
  for (const [label, install] of installs) {
    test(`${label}: a client that drops its transport and comes back without a token is refused, and reads no missed packet`, async (t) => {
      const srv = await startServer(t, { serverOptions: RECOVERY(), install })
      const box = { auth: { token: accessToken('victim') } }
      const client = recoveringClient(srv, box)
      await connected(client)
      const packets = wire(client)
      await blip(srv, client, 'a')

      box.auth = {} // the attack: no token on the recovering handshake
      srv.io.emit('news', 'missed-while-away')
      const err = await refused(client)
      assert.equal(err.message, 'Unauthorized')
      assert.deepEqual(err.data, { code: 'ERR_TOKEN_MISSING' })
      assert.equal(client.connected, false)
      assert.equal(srv.io.of('/').sockets.size, 0)
      assert.equal(srv.failures.at(-1).code, 'ERR_TOKEN_MISSING')

      // Neither the packet missed during the blip nor a later broadcast reached the wire.
      srv.io.emit('news', 'after-refusal')
      const ok = srv.connect('/', { auth: { token: accessToken('other') } })
      await connected(ok)
      const last = next(ok, 'news')
      srv.io.emit('news', 'fence')
      await last
      const seen = packets.map((d) => d[1])
      assert.ok(!seen.includes('missed-while-away'), `a refused client read ${JSON.stringify(seen)}`)
      assert.ok(!seen.includes('after-refusal'))
    })
  }

  test('a recovered socket with its token keeps its missed packets, and its expiry is armed again', async (t) => {
    const srv = await startServer(t, { serverOptions: RECOVERY() })
    const token = accessToken('user-r', { expiresIn: 4 })
    const exp = expOf(token)
    const box = { auth: { token } }
    const client = recoveringClient(srv, box)
    await connected(client)
    const expired = record(client, 'auth_expired')
    const news = record(client)
    await blip(srv, client, 'b')
    srv.io.emit('news', 'missed-while-away')
    await next(client, 'connect')
    assert.equal(client.recovered, true, 'the session was recovered')
    await new Promise((resolve) => setImmediate(resolve))
    const s = srv.io.of('/').sockets.get(client.id)
    assert.equal(s.recovered, true)
    assert.equal(s.data.user.sub, 'user-r')

    // Recovery still delivers what was missed...
    if (!news.some((a) => a[0] === 'missed-while-away')) await next(client, 'news')
    assert.ok(news.some((a) => a[0] === 'missed-while-away'), JSON.stringify(news))

    // ...and the recovered socket is closed at its token's exp like any other.
    box.auth = {}
    const [reason] = await next(client, 'disconnect', 8000)
    const at = Date.now()
    assert.equal(reason, 'io server disconnect')
    assert.equal(expired.length, 1)
    assert.deepEqual(expired[0][0], { code: 'ERR_JWT_EXPIRED' }) // (with recovery on, Socket.IO appends an offset)
    assert.ok(at >= exp * 1000 && at < exp * 1000 + 2000, `closed ${at - exp * 1000} ms from exp`)
  })

  test('repeated blips with an expired token do not keep a session alive', async (t) => {
    const srv = await startServer(t, { serverOptions: RECOVERY(), settings: { expiry: false } })
    const token = accessToken('user-x', { expiresIn: 2 })
    const box = { auth: { token } }
    const client = recoveringClient(srv, box)
    await connected(client)
    // Wait past exp (expiry timers off: only the handshake can refuse it).
    while (Date.now() <= expOf(token) * 1000 + 50) await new Promise((r) => setTimeout(r, 100))
    await blip(srv, client, 'c')
    const err = await refused(client)
    assert.deepEqual(err.data, { code: 'ERR_JWT_EXPIRED' })
    assert.equal(srv.io.of('/').sockets.size, 0)
  })

  test("skipMiddlewares turned back on by the app: the 'connect' hook authenticates the recovered socket and disconnects it", async (t) => {
    const srv = await startServer(t, { serverOptions: RECOVERY() })
    assert.equal(srv.io.opts.connectionStateRecovery.skipMiddlewares, false, 'useOnAllNamespaces turned skipMiddlewares off')
    const box = { auth: { token: accessToken('user-s') } }
    const client = recoveringClient(srv, box)
    await connected(client)
    const packets = wire(client)
    srv.io.opts.connectionStateRecovery.skipMiddlewares = true
    await blip(srv, client, 'd')
    box.auth = {}
    srv.io.emit('news', 'missed-while-away')
    const [reason] = await next(client, 'disconnect', 8000)
    assert.equal(reason, 'io server disconnect')
    assert.equal(srv.failures.at(-1).code, 'ERR_TOKEN_MISSING')
    assert.equal(srv.io.of('/').sockets.size, 0)
    assert.ok(!packets.some((d) => d[1] === 'missed-while-away'), 'the missed packet was held back')
  })
})


// ---------------------------------------------------------------------------
// Finding 3: the expiry timer was lost when exp passed before the socket connected
// ---------------------------------------------------------------------------

describe('finding 3: a deadline that passes while later middleware runs', { concurrency: true }, () => {
  /** A later middleware that holds the handshake until `gate` resolves (an async user lookup). */
  const slowMiddleware = (gate) => (socket, nextFn) => {
    gate.then(() => nextFn(), nextFn)
  }

  /** Resolves once the wall clock is past `ms` (polling in 50 ms steps; no fixed sleep). */
  const until = async (ms) => {
    while (Date.now() <= ms) await new Promise((r) => setTimeout(r, 50))
  }

  test('access token: the socket is closed at once when it connects after exp', async (t) => {
    const token = accessToken('user-slow', { expiresIn: 2 })
    const exp = expOf(token)
    const gate = until(exp * 1000 + 300)
    const srv = await startServer(t, { install: (io, mw) => useOnAllNamespaces(io, mw) })
    srv.io.use(slowMiddleware(gate))
    const client = srv.connect('/', { auth: { token } })
    const expired = record(client, 'auth_expired')
    const news = record(client)
    const disconnected = next(client, 'disconnect', 10_000)
    await connected(client, 10_000)
    const [reason] = await disconnected
    assert.equal(reason, 'io server disconnect')
    assert.deepEqual(expired, [[{ code: 'ERR_JWT_EXPIRED' }]])
    assert.ok(Date.now() >= exp * 1000)
    assert.equal(srv.io.of('/').sockets.size, 0)
    srv.io.emit('news', 'after exp')
    await new Promise((r) => setTimeout(r, 100))
    assert.deepEqual(news, [])
  })

  test('Auth.js session cookie: closed at once when it connects after exp + tolerance', async (t) => {
    // The tolerance is 1 s here (15 s by default) so that the test waits 2 to 3 s.
    const srv = await startServer(t, { options: { authjs: { secret: AUTH_SECRET, clockTolerance: 1 } } })
    const { encode } = await import('@auth/core/jwt')
    const session = await encode({ token: { sub: 'user-15' }, secret: AUTH_SECRET, salt: COOKIE, maxAge: 1 })
    let exp = null
    srv.io.use((socket, nextFn) => {
      exp = socket.data.auth.expiresAt
      until(exp + 1000 + 300).then(() => nextFn())
    })
    const client = srv.connect('/', { extraHeaders: { cookie: `${COOKIE}=${session}` } })
    const expired = record(client, 'auth_expired')
    const disconnected = next(client, 'disconnect', 10_000)
    await connected(client, 10_000)
    const [reason] = await disconnected
    assert.equal(reason, 'io server disconnect')
    assert.deepEqual(expired, [[{ code: 'ERR_JWT_EXPIRED' }]])
    assert.equal(typeof exp, 'number')
    assert.ok(Date.now() >= exp + 1000)
  })
})

// ---------------------------------------------------------------------------
// Finding 2 through Nest: a gateway with connectionStateRecovery behind the adapter
// ---------------------------------------------------------------------------

describe('finding 2 through a real Nest app (AuthenticatedSocketAdapter, gateway option)', () => {
  test('a recovering client without a token is refused; with its token it recovers', async (t) => {
    require('reflect-metadata')
    const { NestFactory } = require('@nestjs/core')
    const { Module } = require('@nestjs/common')
    const { WebSocketGateway, WebSocketServer } = require('@nestjs/websockets')
    const { AuthenticatedSocketAdapter } = require('../js/nest.js')

    const seen = []
    class RecoveringGateway {
      handleConnection(client) {
        seen.push({ sub: client.data.user && client.data.user.sub, recovered: client.recovered })
      }
    }
    WebSocketServer()(RecoveringGateway.prototype, 'server')
    WebSocketGateway({ connectionStateRecovery: { maxDisconnectionDuration: 60_000 } })(RecoveringGateway)
    class AppModule {}
    Module({ providers: [RecoveringGateway] })(AppModule)

    const app = await NestFactory.create(AppModule, { logger: false })
    app.useWebSocketAdapter(new AuthenticatedSocketAdapter(app, OPTIONS()))
    await app.listen(0, '127.0.0.1')
    const clients = []
    t.after(async () => {
      for (const c of clients) c.disconnect()
      await app.close()
    })
    const server = app.get(RecoveringGateway).server
    assert.equal(server.opts.connectionStateRecovery.skipMiddlewares, false)
    const url = await app.getUrl()
    const srv = {
      io: server,
      connect: (nsp, opts) => {
        const c = ioClient(url.replace('[::1]', '127.0.0.1') + nsp, { transports: ['websocket'], forceNew: true, timeout: 5000, ...opts })
        clients.push(c)
        return c
      },
    }

    // With its token: recovered, authenticated again.
    const box = { auth: { token: accessToken('nest-user') } }
    const client = recoveringClient(srv, box)
    await connected(client)
    await blip(srv, client, 'n1')
    await next(client, 'connect')
    assert.equal(client.recovered, true)
    assert.deepEqual(seen.at(-1), { sub: 'nest-user', recovered: true })

    // Without it: refused, and the gateway never sees the socket.
    const before = seen.length
    await blip(srv, client, 'n2')
    box.auth = {}
    const err = await refused(client)
    assert.deepEqual(err.data, { code: 'ERR_TOKEN_MISSING' })
    assert.equal(seen.length, before)
  })
})
