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

const { socketIoAuth, useOnAllNamespaces } = require('../js/socket.io/index.js')
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
    const { AuthenticatedSocketAdapter } = require('../js/nest/index.js')

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

// ---------------------------------------------------------------------------
// Finding 5: cookie-authenticated handshakes from any Origin (cross-site WebSocket hijacking)
// ---------------------------------------------------------------------------

describe('finding 5: the Origin of a cookie-sourced handshake', { concurrency: true }, () => {
  const { HandshakeAuthenticator } = require('..')

  test('HandshakeAuthenticator: default same-origin (Host), allowedOrigins as strings, RegExps, functions, "*"', async () => {
    const session = await sessionToken({ sub: 'victim' })
    const cookie = `${COOKIE}=${session}`
    const host = 'api.example.com'
    const hs = (origin, extra = {}) => ({ headers: { cookie, host, ...(origin ? { origin } : {}) }, ...extra })
    const refusedWith = (a, h, code = 'ERR_ORIGIN_NOT_ALLOWED') => {
      assert.throws(() => a.authenticate(h), (e) => {
        assert.equal(e.code, code)
        assert.equal(e.source, 'cookie')
        assert.equal(typeof e.fingerprint, 'string')
        assert.ok(!e.message.includes(session))
        return true
      })
    }
    const def = new HandshakeAuthenticator({ authjs: { secret: AUTH_SECRET } })
    assert.equal(def.originRule, 'same-origin')
    assert.equal(def.authenticate(hs('https://api.example.com', { secure: true })).claims.sub, 'victim')
    assert.equal(def.authenticate(hs(null)).claims.sub, 'victim', 'no Origin: not a browser page')
    refusedWith(def, hs('https://api.example.com:8443', { secure: true }))
    // The scheme is compared too (issue 22, O02; __test__/attacks-o02.test.mjs over real servers).
    refusedWith(def, hs('https://api.example.com'))
    refusedWith(def, hs('http://api.example.com', { secure: true }))
    refusedWith(def, hs('https://evil.example.com')) // another subdomain of the site
    refusedWith(def, hs('null'))
    refusedWith(def, { headers: { cookie, origin: 'https://api.example.com' } }) // no Host: cannot be same-origin
    // An attacker-chosen Origin never reaches the decoder: the bad-session page learns nothing.
    refusedWith(def, { headers: { cookie: `${COOKIE}=garbage`, host, origin: 'https://evil.example.com' } })

    // Tokens the browser does not send on its own are not concerned.
    const both = new HandshakeAuthenticator({ authjs: { secret: AUTH_SECRET } })
    assert.equal(both.authenticate({ auth: { token: session }, headers: { origin: 'https://evil.example.com', host } }).source, 'auth')
    assert.equal(both.authenticate({ headers: { authorization: `Bearer ${session}`, origin: 'https://evil.example.com', host } }).source, 'header')

    const forms = [
      ['string', 'https://app.example.com'],
      ['list', ['https://other.example', 'https://APP.example.com:443/']],
      ['RegExp', /^https:\/\/app\.example\.com$/],
      ['function', (o) => o === 'https://app.example.com'],
      ['list of mixed', [/^https:\/\/nope\./, (o) => o.startsWith('https:') && new URL(o).host === 'app.example.com']],
    ]
    for (const [label, allowedOrigins] of forms) {
      const a = new HandshakeAuthenticator({ authjs: { secret: AUTH_SECRET }, allowedOrigins })
      assert.equal(a.originRule, 'list', label)
      assert.equal(a.authenticate(hs('https://app.example.com')).claims.sub, 'victim', label)
      refusedWith(a, hs('https://api.example.com'), undefined) // same-origin no longer implied
      refusedWith(a, hs('https://app.example.com.evil.example'))
      refusedWith(a, hs('http://app.example.com'))
    }
    const truthy = new HandshakeAuthenticator({ authjs: { secret: AUTH_SECRET }, allowedOrigins: () => 1 })
    refusedWith(truthy, hs('https://app.example.com')) // only `true` allows
    const any = new HandshakeAuthenticator({ authjs: { secret: AUTH_SECRET }, allowedOrigins: '*' })
    assert.equal(any.originRule, 'any')
    assert.equal(any.authenticate(hs('https://evil.example.com')).claims.sub, 'victim')

    // The caller's verdict (what the middleware passes) decides when given.
    assert.equal(def.authenticate(hs('https://app.example.com'), true).claims.sub, 'victim')
    refusedWith({ authenticate: (h) => def.authenticate(h, false) }, hs('https://api.example.com'))

    for (const bad of [42, 'not an origin', 'app.example.com', ['*'], [{}], { test: 1 }]) {
      assert.throws(() => new HandshakeAuthenticator({ authjs: { secret: AUTH_SECRET }, allowedOrigins: bad }), { code: 'ERR_INVALID_OPTIONS' }, JSON.stringify(bad))
    }
    assert.throws(() => def.authenticate(hs('https://api.example.com'), 'yes'), { code: 'ERR_INVALID_OPTIONS' })
  })

  /** A browser page at `origin` whose cookie jar holds the victim's session for this host. */
  const page = (srv, origin, cookie, extra = {}) =>
    srv.connect('/', { extraHeaders: { cookie, ...(origin ? { origin } : {}) }, ...extra })

  test('Socket.IO without cors: a page on another port of the same host is refused; the same origin connects', async (t) => {
    const srv = await startServer(t)
    const cookie = `${COOKIE}=${await sessionToken({ sub: 'victim' })}`
    const err = await refused(page(srv, `http://127.0.0.1:${srv.port + 1}`, cookie))
    assert.equal(err.message, 'Unauthorized')
    assert.deepEqual(err.data, { code: 'ERR_ORIGIN_NOT_ALLOWED' })
    assert.equal(srv.failures.at(-1).source, 'cookie')
    assert.equal(srv.accepted.length, 0)
    for (const transports of [['websocket'], ['polling']]) {
      const e2 = await refused(page(srv, 'http://localhost.evil.example', cookie, { transports }))
      assert.deepEqual(e2.data, { code: 'ERR_ORIGIN_NOT_ALLOWED' }, transports[0])
    }
    await connected(page(srv, `http://127.0.0.1:${srv.port}`, cookie))
    await connected(page(srv, null, cookie)) // a non-browser client sends no Origin
    // An access token in auth.token from another origin is not a cookie: accepted.
    await connected(srv.connect('/', { auth: { token: accessToken('u') }, extraHeaders: { origin: 'http://evil.example' } }))
  })

  test("Socket.IO with cors.origin: the default follows it (string, list, RegExp, function); settings.allowedOrigins overrides", async (t) => {
    const cookie = `${COOKIE}=${await sessionToken({ sub: 'victim' })}`
    const corsForms = [
      ['string', 'http://app.example:3000'],
      ['list', ['http://other.example', 'http://app.example:3000']],
      ['RegExp', /^http:\/\/app\.example:3000$/],
      ['function', (origin, cb) => setImmediate(() => cb(null, origin === 'http://app.example:3000'))],
    ]
    for (const [label, origin] of corsForms) {
      const srv = await startServer(t, { serverOptions: { cors: { origin, credentials: true } } })
      await connected(page(srv, 'http://app.example:3000', cookie))
      const err = await refused(page(srv, 'http://app.example:3001', cookie))
      assert.deepEqual(err.data, { code: 'ERR_ORIGIN_NOT_ALLOWED' }, label)
      // The server's own origin is not implied once cors names the front end.
      const own = await refused(page(srv, `http://127.0.0.1:${srv.port}`, cookie))
      assert.deepEqual(own.data, { code: 'ERR_ORIGIN_NOT_ALLOWED' }, label)
    }
    // cors.origin true (every page) is not an allow list for cookies: same-origin applies.
    const open = await startServer(t, { serverOptions: { cors: { origin: true, credentials: true } } })
    assert.deepEqual((await refused(page(open, 'http://evil.example', cookie))).data, { code: 'ERR_ORIGIN_NOT_ALLOWED' })
    await connected(page(open, `http://127.0.0.1:${open.port}`, cookie))

    const srv = await startServer(t, {
      serverOptions: { cors: { origin: 'http://app.example:3000' } },
      settings: { allowedOrigins: [/^https:\/\/[a-z]+\.example\.org$/] },
    })
    await connected(page(srv, 'https://www.example.org', cookie))
    assert.deepEqual((await refused(page(srv, 'http://app.example:3000', cookie))).data, { code: 'ERR_ORIGIN_NOT_ALLOWED' })
    assert.throws(() => socketIoAuth(OPTIONS(), { allowedOrigins: 'nope' }), { code: 'ERR_INVALID_OPTIONS' })
  })

  test('an authenticator with its own allowedOrigins keeps them whatever cors says', async (t) => {
    const authenticator = new HandshakeAuthenticator({ ...OPTIONS(), allowedOrigins: 'https://app.example.org' })
    const srv = await startServer(t, { options: authenticator, serverOptions: { cors: { origin: 'http://app.example:3000' } } })
    const cookie = `${COOKIE}=${await sessionToken({ sub: 'victim' })}`
    await connected(page(srv, 'https://app.example.org', cookie))
    assert.deepEqual((await refused(page(srv, 'http://app.example:3000', cookie))).data, { code: 'ERR_ORIGIN_NOT_ALLOWED' })
  })

  test('passport Strategy: a cookie-authenticated request from another origin fails with ERR_ORIGIN_NOT_ALLOWED', async (t) => {
    const passport = require('passport')
    const { Strategy } = require('../js/passport/index.js')
    const session = await sessionToken({ sub: 'victim' })
    const results = []
    const run = (strategy, headers) =>
      new Promise((resolve) => {
        const s = Object.create(strategy)
        s.success = (user) => resolve({ ok: true, user })
        s.fail = (info, status) => resolve({ ok: false, info, status })
        s.error = (err) => resolve({ ok: false, err })
        s.authenticate({ headers })
      })
    const server = http.createServer((req, res) => {
      const strategy = new Strategy({ authjs: { secret: AUTH_SECRET } })
      const p = new passport.Passport()
      p.use('authbridge', strategy)
      p.authenticate('authbridge', { session: false }, (err, user, info) => {
        results.push(info)
        res.writeHead(user ? 200 : 401, { 'content-type': 'application/json' })
        res.end(JSON.stringify(user ? { sub: user.sub } : { code: info && info.code }))
      })(req, res, () => {})
    })
    await new Promise((r) => server.listen(0, '127.0.0.1', r))
    t.after(() => new Promise((r) => server.close(r)))
    const { port } = server.address()
    const get = async (origin) => {
      const headers = { cookie: `${COOKIE}=${session}` }
      if (origin) headers.origin = origin
      const res = await new Promise((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: '/me', headers }, resolve).on('error', reject)
      })
      let body = ''
      for await (const chunk of res) body += chunk
      return { status: res.statusCode, body: JSON.parse(body) }
    }
    assert.deepEqual(await get(`http://127.0.0.1:${port}`), { status: 200, body: { sub: 'victim' } })
    assert.deepEqual(await get(null), { status: 200, body: { sub: 'victim' } })
    assert.deepEqual(await get(`http://127.0.0.1:${port + 1}`), { status: 401, body: { code: 'ERR_ORIGIN_NOT_ALLOWED' } })
    const allowed = new Strategy({ authjs: { secret: AUTH_SECRET }, allowedOrigins: ['http://front.example'] })
    const ok = await run(allowed, { cookie: `${COOKIE}=${session}`, origin: 'http://front.example', host: 'api.example' })
    assert.equal(ok.ok, true)
    const no = await run(allowed, { cookie: `${COOKIE}=${session}`, origin: 'http://evil.example', host: 'api.example' })
    // As passport-jwt, fail() gets the Error alone; passport answers 401 (checked over HTTP above).
    assert.deepEqual([no.ok, no.info.code, no.info instanceof Error], [false, 'ERR_ORIGIN_NOT_ALLOWED', true])
    assert.ok(results.length >= 3)
  })
})

// ---------------------------------------------------------------------------
// auth_refresh needs a subject on both sides
// ---------------------------------------------------------------------------

describe('auth_refresh between tokens without sub', { concurrency: true }, () => {
  const noSub = (options = {}) => jsonwebtoken.sign({ role: 'user' }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '15m', ...options })

  test('two tokens that both lack sub: the refresh is refused (undefined === undefined is no identity)', async (t) => {
    const srv = await startServer(t)
    const token = noSub({ expiresIn: 60 })
    const client = srv.connect('/', { auth: { token } })
    await connected(client)
    // The attack: a token without sub (another user's, a service token) to extend the session.
    const ack = await client.timeout(5000).emitWithAck('auth_refresh', { token: noSub({ expiresIn: '1h' }) })
    assert.deepEqual(ack, { ok: false, code: 'ERR_JWT_CLAIM_INVALID' })
    const s = srv.io.of('/').sockets.get(client.id)
    assert.equal(s.data.auth.expiresAt, expOf(token) * 1000)
    // From a sub to no sub, and the reverse: refused too.
    const withSub = srv.connect('/', { auth: { token: accessToken('alice') } })
    await connected(withSub)
    assert.deepEqual(await withSub.timeout(5000).emitWithAck('auth_refresh', { token: noSub() }), { ok: false, code: 'ERR_JWT_CLAIM_INVALID' })
    assert.deepEqual(await client.timeout(5000).emitWithAck('auth_refresh', { token: accessToken('alice') }), { ok: false, code: 'ERR_JWT_CLAIM_INVALID' })
    // The same sub still refreshes.
    const fresh = accessToken('alice', { expiresIn: '1h' })
    assert.deepEqual(await withSub.timeout(5000).emitWithAck('auth_refresh', { token: fresh }), { ok: true, expiresAt: expOf(fresh) * 1000 })
  })

  test('an explicit identity option: tokens without sub refresh when the identity matches', async (t) => {
    const identity = (claims) => claims.uid
    const srv = await startServer(t, { settings: { identity } })
    const mk = (uid, expiresIn) => jsonwebtoken.sign({ uid }, JWT_SECRET, { algorithm: 'HS256', expiresIn })
    const client = srv.connect('/', { auth: { token: mk('u-1', 60) } })
    await connected(client)
    assert.deepEqual(await client.timeout(5000).emitWithAck('auth_refresh', { token: mk('u-2', '1h') }), { ok: false, code: 'ERR_JWT_CLAIM_INVALID' })
    assert.deepEqual(await client.timeout(5000).emitWithAck('auth_refresh', { token: noSub() }), { ok: false, code: 'ERR_JWT_CLAIM_INVALID' })
    const fresh = mk('u-1', '1h')
    assert.deepEqual(await client.timeout(5000).emitWithAck('auth_refresh', { token: fresh }), { ok: true, expiresAt: expOf(fresh) * 1000 })
    assert.throws(() => socketIoAuth(OPTIONS(), { identity: 'sub' }), { code: 'ERR_INVALID_OPTIONS' })
  })
})

// ---------------------------------------------------------------------------
// Finding 1: a public key given as an HMAC secret, in every form, at every entry point
// ---------------------------------------------------------------------------

describe('finding 1: public keys in every form are never HMAC secrets', () => {
  const fs = require('node:fs')
  const os = require('node:os')
  const path = require('node:path')
  const { execFileSync } = require('node:child_process')
  const { JwtVerifier, HandshakeAuthenticator } = require('..')
  const { JwtService } = require('../js/nest/jwt.js')

  const sshString = (b) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(b.length)
    return Buffer.concat([len, b])
  }
  const hmacToken = (claims, secret) => {
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
    const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`
    return `${input}.${crypto.createHmac('sha256', secret).update(input).digest('base64url')}`
  }

  /** Every form of a public key an attacker can know, as it may sit in an env variable or a file. */
  function forms() {
    const ed = crypto.generateKeyPairSync('ed25519').publicKey
    const der = ed.export({ type: 'spki', format: 'der' })
    const pem = ed.export({ type: 'spki', format: 'pem' })
    const jwk = JSON.stringify(ed.export({ format: 'jwk' }))
    const raw = Buffer.from(JSON.parse(jwk).x, 'base64url')
    const blob = Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(raw)])
    const openssh = `ssh-ed25519 ${blob.toString('base64')} deploy@ci`
    const rfc4716 = `---- BEGIN SSH2 PUBLIC KEY ----\nComment: "deploy@ci"\n${blob.toString('base64').replace(/.{1,70}/g, '$&\n')}---- END SSH2 PUBLIC KEY ----\n`
    const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey
    const rsaPem = rsa.export({ type: 'spki', format: 'pem' })
    const rsaDer = rsa.export({ type: 'spki', format: 'der' })
    return [
      ['Ed25519 SPKI, unarmored base64 (60 chars)', der.toString('base64')],
      ['Ed25519 SPKI, base64url', der.toString('base64url')],
      ['base64 of a whole PEM (Kubernetes secret style)', Buffer.from(pem).toString('base64')],
      ['base64 of a whole RSA PEM', Buffer.from(rsaPem).toString('base64')],
      ['BOM + JWK', `\uFEFF${jwk}`],
      ['BOM + JWK Set', `\uFEFF${JSON.stringify({ keys: [JSON.parse(jwk)] })}`],
      ['hex DER', der.toString('hex')],
      ['hex RSA DER', rsaDer.toString('hex')],
      ['RFC 4716 SSH2 block', rfc4716],
      ['OpenSSH line', openssh],
      ['base64 of an OpenSSH line', Buffer.from(openssh).toString('base64')],
    ]
  }

  const claims = () => ({ sub: 'admin', exp: Math.floor(Date.now() / 1000) + 600 })
  const FORMS = forms()

  /** Runs `fn`; the code it throws, or 'accepted'. */
  const outcome = (fn) => {
    try {
      fn()
      return 'accepted'
    } catch (e) {
      return e && e.code
    }
  }

  for (const [label, secret] of FORMS) {
    test(`${label}: refused by JwtVerifier, verifyJws, HandshakeAuthenticator, JwtService, JwtSigner and sign(); the forged token never verifies`, () => {
      const forged = hmacToken(claims(), secret)
      for (const key of [secret, Buffer.from(secret)]) {
        const kind = typeof key === 'string' ? 'string' : 'Buffer'
        assert.equal(outcome(() => new JwtVerifier({ algorithms: ['HS256'], key }).verify(forged)), 'ERR_INVALID_KEY', `JwtVerifier (${kind})`)
        assert.equal(outcome(() => new HandshakeAuthenticator({ jwt: { algorithms: ['HS256'], key } }).authenticate({ auth: { token: forged } })), 'ERR_INVALID_KEY', `HandshakeAuthenticator (${kind})`)
        assert.equal(outcome(() => new JwtService({ secret: key, verifyOptions: { algorithms: ['HS256'] } }).verify(forged)), 'ERR_INVALID_KEY', `JwtService({ secret }) (${kind})`)
        const service = new JwtService({ verifyOptions: { algorithms: ['HS256'] } })
        assert.equal(outcome(() => service.verify(forged, { secret: key })), 'ERR_INVALID_KEY', `JwtService.verify(token, { secret }) (${kind})`)
        assert.equal(outcome(() => require('..').verifyJws(forged, { algorithms: ['HS256'], key })), 'ERR_INVALID_KEY', `verifyJws (${kind})`)
        // Signing side: a public key is never an HMAC signing secret either.
        assert.equal(outcome(() => new (require('..').JwtSigner)({ algorithm: 'HS256', key }).sign({ sub: 'x' })), 'ERR_INVALID_KEY', `JwtSigner (${kind})`)
        assert.equal(outcome(() => require('..').sign({ sub: 'x' }, key, { algorithm: 'HS256' })), 'ERR_INVALID_KEY', `sign() (${kind})`)
      }
    })
  }

  test('CLI verify --key-file: every form is refused with ERR_INVALID_KEY (exit 1), the forged token is not printed', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authbridge-keys-'))
    try {
      for (const [label, secret] of FORMS) {
        const file = path.join(dir, 'key')
        fs.writeFileSync(file, `${secret}\n`)
        const forged = hmacToken(claims(), secret)
        let status = 0
        let stdout = ''
        let stderr = ''
        try {
          stdout = execFileSync(process.execPath, [path.join(__dirname, '..', 'bin', 'authbridge.js'), 'verify', '--alg', 'HS256', '--key-file', file, forged], { encoding: 'utf8', stdio: 'pipe' })
        } catch (e) {
          status = e.status
          stdout = e.stdout
          stderr = e.stderr
        }
        assert.equal(status, 1, label)
        assert.match(stderr, /^ERR_INVALID_KEY: /, label)
        assert.equal(stdout, '', label)
        assert.ok(!stderr.includes(forged.split('.')[2]), label)
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  test('control: real HMAC secrets in the same encodings still work', () => {
    const raw = crypto.randomBytes(32)
    for (const secret of [raw.toString('hex'), raw.toString('base64'), raw.toString('base64url'), 'a-plain-hs256-secret-of-32-bytes!!']) {
      const token = hmacToken(claims(), secret)
      assert.equal(new JwtVerifier({ algorithms: ['HS256'], key: secret }).verify(token).sub, 'admin', secret)
    }
  })
})

// ---------------------------------------------------------------------------
// Finding 4 and the CLI's output: no raw token, no forged lines
// ---------------------------------------------------------------------------

describe('finding 4: the CLI never prints a session token, nor a forged line', () => {
  const path = require('node:path')
  const { spawnSync } = require('node:child_process')
  const BIN = path.join(__dirname, '..', 'bin', 'authbridge.js')
  const OTHER_SECRET = crypto.randomBytes(32).toString('base64')
  const run = (args) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, AUTH_SECRET: OTHER_SECRET }, encoding: 'utf8', timeout: 30_000 })
    assert.equal(r.error, undefined)
    return { code: r.status, out: `${r.stdout}\n${r.stderr}` }
  }

  test('authjs with a pasted session token next to ";" or "=": the hint lists cookie names only', async () => {
    const token = await sessionToken({ sub: 'victim' })
    const pieces = token.split('.').filter((p) => p.length >= 16)
    for (const arg of [`${token};`, `${token}; theme=dark`, `theme=dark; ${token}`, `${token}=`, `x=1; ${token}=; y=2`, `${token.replace(/\./g, '')}=1`]) {
      const r = run(['authjs', arg])
      assert.equal(r.code, 1, arg.slice(0, 20))
      assert.ok(!r.out.includes(token), 'the whole token was printed')
      for (const p of pieces) assert.ok(!r.out.includes(p), `a token segment was printed: ${r.out}`)
      assert.match(r.out, /no session cookie named authjs\.session-token/)
    }
    // Real names are still listed, as a hint.
    const r = run(['authjs', `theme=dark; __Secure-authjs.session-token=${token}`])
    assert.match(r.out, /found __Secure-authjs\.session-token: add --secure-cookie/)
    assert.ok(!r.out.includes(token))
    const r2 = run(['authjs', `theme=dark; ${token};`])
    assert.match(r2.out, /cookies present: theme\)/)
  })

  test('inspect: a newline or other control character in alg / enc / kid / typ cannot forge output lines', () => {
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
    const evil = 'HS256\nAuth.js session: yes (alg dir; decode it with `authbridge authjs`)\r\x1b[2K\tverified: yes'
    const headers = [
      { alg: evil, typ: 'JWT' },
      { alg: 'HS256', kid: evil },
      { alg: 'dir', enc: evil },
      { alg: 'HS256', typ: evil },
    ]
    for (const header of headers) {
      const token = header.alg === 'dir' ? `${b64(header)}..${'A'.repeat(22)}.${'B'.repeat(22)}.${'C'.repeat(22)}` : `${b64(header)}.${b64({ sub: 'x' })}.${'s'.repeat(43)}`
      const r = run(['inspect', token])
      const lines = r.out.split('\n')
      assert.equal(lines.filter((l) => l.startsWith('Auth.js session:')).length, 1, `a forged line in:\n${r.out}`)
      assert.ok(!lines.some((l) => l.startsWith('verified:')), r.out)
      assert.ok(!/[\r\t\x1b]/.test(r.out), 'a raw control character reached the terminal')
      assert.ok(!lines.some((l) => /^Auth\.js session: yes/.test(l) && header.alg !== 'dir'), r.out)
    }
  })
})

// ---------------------------------------------------------------------------
// Argument errors: every public function answers a bad argument with an ERR_ code
// naming the argument, never napi's InvalidArg
// ---------------------------------------------------------------------------

describe('bad arguments to every public function', () => {
  const addon = require('..')
  const { JwtVerifier, JwtSigner, AuthJsSession, HandshakeAuthenticator } = addon
  const KEY = crypto.randomBytes(32).toString('hex')
  const verifier = new JwtVerifier({ algorithms: ['HS256'], key: KEY })
  const jwksVerifier = new JwtVerifier({ algorithms: ['HS256'], jwks: { keys: [{ kty: 'oct', k: Buffer.from(KEY).toString('base64url') }] } })
  const signer = new JwtSigner({ algorithm: 'HS256', key: KEY })
  const session = new AuthJsSession({ secret: AUTH_SECRET })
  const authenticator = new HandshakeAuthenticator(OPTIONS())
  const signOptions = { algorithm: 'HS256' }
  const BAD = [undefined, null, 42, true, Symbol('s'), 10n, () => {}, [], ['a']]
  const calls = {
    'new JwtVerifier(options)': [(v) => new JwtVerifier(v), /options/],
    'verifier.verify(token)': [(v) => verifier.verify(v), /token/],
    'verifier.verifyComplete(token)': [(v) => verifier.verifyComplete(v), /token/],
    'verifier.setJwks(jwks)': [(v) => jwksVerifier.setJwks(v), /jwks/],
    'verifyJws(token, options)': [(v) => addon.verifyJws(v, { algorithms: ['HS256'], key: KEY }), /token/],
    'verifyJws(token, options) options': [(v) => addon.verifyJws('a.b.c', v), /options/],
    'new JwtSigner(options)': [(v) => new JwtSigner(v), /options/],
    'signer.sign(claims)': [(v) => signer.sign(v), /claims/],
    'sign(claims, key, options)': [(v) => addon.sign(v, KEY, signOptions), /claims/],
    'sign(claims, key, options) options': [(v) => addon.sign({ sub: 'x' }, KEY, v), /options/],
    'new AuthJsSession(options)': [(v) => new AuthJsSession(v), /options/],
    'session.decode(token)': [(v) => session.decode(v), /token/],
    'session.encode(claims)': [(v) => session.encode(v), /claims/],
    'session.encode(claims, options)': [(v) => (v === undefined || v === null ? session.encode({}, 7) : session.encode({ sub: 'x' }, v)), /options/],
    'session.fromCookieHeader(header)': [(v) => session.fromCookieHeader(v), /token|header/],
    'session.fromHeaders(headers)': [(v) => session.fromHeaders(v), /headers/],
    'new HandshakeAuthenticator(options)': [(v) => new HandshakeAuthenticator(v), /options/],
    'authenticator.authenticate(handshake)': [(v) => authenticator.authenticate(v), /handshake/],
    'authenticator.verifyToken(token)': [(v) => authenticator.verifyToken(v), /token/],
    'authenticator.clockTolerance(kind)': [(v) => authenticator.clockTolerance(v), /kind/],
    'decodeUnverified(token)': [(v) => addon.decodeUnverified(v), /token/],
  }
  for (const [name, [call, names]] of Object.entries(calls)) {
    test(name, () => {
      for (const v of BAD) {
        let error = null
        try {
          call(v)
        } catch (e) {
          error = e
        }
        const shown = typeof v === 'symbol' ? 'a symbol' : typeof v === 'bigint' ? 'a bigint' : typeof v === 'function' ? 'a function' : JSON.stringify(v)
        // Arrays are objects: some calls accept them as lists or objects and then refuse
        // their content with another code; they must still not be InvalidArg.
        if (error === null) {
          assert.ok(Array.isArray(v), `${name} accepted ${shown}`)
          continue
        }
        assert.notEqual(error.code, 'InvalidArg', `${name}(${shown}): napi's InvalidArg`)
        assert.match(String(error.code), /^ERR_/, `${name}(${shown}): ${error.code} ${error.message}`)
        if (!Array.isArray(v)) {
          assert.ok(['ERR_INVALID_OPTIONS', 'ERR_TOKEN_MALFORMED'].includes(error.code), `${name}(${shown}): ${error.code} ${error.message}`)
          assert.match(error.message, names, `${name}(${shown}): the message names the argument: ${error.message}`)
        }
      }
    })
  }
})

describe('finding 5 through a real Nest app (AuthenticatedSocketAdapter)', () => {
  async function bootNest(t, gatewayOptions, adapterOptions, adapterSettings) {
    require('reflect-metadata')
    const { NestFactory } = require('@nestjs/core')
    const { Module } = require('@nestjs/common')
    const { WebSocketGateway, WebSocketServer } = require('@nestjs/websockets')
    const { AuthenticatedSocketAdapter } = require('../js/nest/index.js')
    const seen = []
    class Gateway {
      handleConnection(client) {
        seen.push(client.data.user && client.data.user.sub)
      }
    }
    WebSocketServer()(Gateway.prototype, 'server')
    WebSocketGateway(gatewayOptions)(Gateway)
    class AppModule {}
    Module({ providers: [Gateway] })(AppModule)
    const app = await NestFactory.create(AppModule, { logger: false })
    app.useWebSocketAdapter(new AuthenticatedSocketAdapter(app, adapterOptions, adapterSettings))
    await app.listen(0, '127.0.0.1')
    const clients = []
    t.after(async () => {
      for (const c of clients) c.disconnect()
      await app.close()
    })
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1')
    const page = (origin, cookie) => {
      const c = ioClient(url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 5000, extraHeaders: { cookie, origin } })
      clients.push(c)
      return c
    }
    return { page, seen, url }
  }

  test("the gateway's cors.origin is the default; a page on another port is refused and never reaches the gateway", async (t) => {
    const cookie = `${COOKIE}=${await sessionToken({ sub: 'victim' })}`
    const nest = await bootNest(t, { cors: { origin: ['http://front.example:3000'], credentials: true } }, OPTIONS())
    await connected(nest.page('http://front.example:3000', cookie))
    const err = await refused(nest.page('http://front.example:3001', cookie))
    assert.deepEqual(err.data, { code: 'ERR_ORIGIN_NOT_ALLOWED' })
    assert.deepEqual(nest.seen, ['victim'])
  })

  test('allowedOrigins on the adapter (settings) and on its options', async (t) => {
    const cookie = `${COOKIE}=${await sessionToken({ sub: 'victim' })}`
    const a = await bootNest(t, {}, OPTIONS(), { allowedOrigins: [/^https:\/\/app\.example\.org$/] })
    await connected(a.page('https://app.example.org', cookie))
    assert.deepEqual((await refused(a.page(a.url, cookie))).data, { code: 'ERR_ORIGIN_NOT_ALLOWED' })
    const b = await bootNest(t, {}, { ...OPTIONS(), allowedOrigins: 'https://app.example.org' })
    await connected(b.page('https://app.example.org', cookie))
    assert.deepEqual((await refused(b.page('https://evil.example.org', cookie))).data, { code: 'ERR_ORIGIN_NOT_ALLOWED' })
  })
})

describe('finding 5 over HTTP: passport Strategy behind express and the cors middleware', () => {
  test("the app's CORS answer (with credentials) is the default; other pages of the site are refused", async (t) => {
    const express = require('express')
    const cors = require('cors')
    const passport = require('passport')
    const { Strategy } = require('../js/passport/index.js')
    const session = await sessionToken({ sub: 'victim' })
    const p = new passport.Passport()
    p.use('authbridge', new Strategy({ authjs: { secret: AUTH_SECRET } }))
    const app = express()
    app.use(cors({ origin: ['http://front.example:3000'], credentials: true }))
    app.get('/me', (req, res) =>
      p.authenticate('authbridge', { session: false }, (err, user, info) => {
        res.status(user ? 200 : 401).json(user ? { sub: user.sub } : { code: info && info.code })
      })(req, res),
    )
    const server = app.listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    t.after(() => new Promise((r) => server.close(r)))
    const base = `http://127.0.0.1:${server.address().port}`
    const get = async (origin) => {
      const headers = { cookie: `${COOKIE}=${session}` }
      if (origin) headers.origin = origin
      const res = await fetch(`${base}/me`, { headers })
      return [res.status, await res.json()]
    }
    assert.deepEqual(await get('http://front.example:3000'), [200, { sub: 'victim' }])
    assert.deepEqual(await get(base), [200, { sub: 'victim' }]) // same origin
    assert.deepEqual(await get(null), [200, { sub: 'victim' }]) // no Origin: not a page
    assert.deepEqual(await get('http://front.example:3001'), [401, { code: 'ERR_ORIGIN_NOT_ALLOWED' }])
    assert.deepEqual(await get('http://evil.front.example:3000'), [401, { code: 'ERR_ORIGIN_NOT_ALLOWED' }])
  })
})

// ---------------------------------------------------------------------------
// Attack classes that held, kept as regressions across every entry point
// ---------------------------------------------------------------------------

describe('attack classes that held', () => {
  const addon = require('..')
  const { JwtVerifier, AuthJsSession, HandshakeAuthenticator } = addon
  const { JwtService } = require('../js/nest/jwt.js')
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const nowSec = () => Math.floor(Date.now() / 1000)
  const codeOf = (fn) => {
    try {
      fn()
      return 'accepted'
    } catch (e) {
      return e && e.code
    }
  }

  test('20 MB inputs: refused by size at every entry point, before any parsing', () => {
    const huge = `${'A'.repeat(10 * 1024 * 1024)}.${'B'.repeat(10 * 1024 * 1024)}.x`
    const verifier = new JwtVerifier({ algorithms: ['HS256'], key: JWT_SECRET })
    const session = new AuthJsSession({ secret: AUTH_SECRET })
    const authenticator = new HandshakeAuthenticator(OPTIONS())
    const service = new JwtService({ secret: JWT_SECRET, verifyOptions: { algorithms: ['HS256'] } })
    const rows = {
      'JwtVerifier.verify': () => verifier.verify(huge),
      'JwtVerifier.verifyComplete': () => verifier.verifyComplete(huge),
      verifyJws: () => addon.verifyJws(huge, { algorithms: ['HS256'], key: JWT_SECRET }),
      'AuthJsSession.decode': () => session.decode(huge),
      'AuthJsSession.fromCookieHeader': () => session.fromCookieHeader(`${COOKIE}=${huge}`),
      'AuthJsSession.fromHeaders': () => session.fromHeaders({ cookie: `${COOKIE}=${huge}` }),
      'authenticate (auth.token)': () => authenticator.authenticate({ auth: { token: huge } }),
      'authenticate (Authorization)': () => authenticator.authenticate({ headers: { authorization: `Bearer ${huge}` } }),
      'authenticate (cookie)': () => authenticator.authenticate({ headers: { cookie: `${COOKIE}=${huge}` } }),
      verifyToken: () => authenticator.verifyToken(huge),
    }
    for (const [name, fn] of Object.entries(rows)) assert.equal(codeOf(fn), 'ERR_TOKEN_TOO_LARGE', name)
    assert.equal(codeOf(() => service.verify(huge)), 'ERR_TOKEN_TOO_LARGE', 'JwtService.verify')
    const report = addon.inspect(huge)
    assert.match(String(report.error), /ERR_TOKEN_TOO_LARGE/)
  })

  test("alg 'none' (any case) and RS256 to HS256 with the PEM, the JWK and the JWK Set as secret: refused everywhere", () => {
    const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
    const pem = publicKey.export({ type: 'spki', format: 'pem' })
    const jwk = { ...publicKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid: 'k1' }
    const claims = { sub: 'admin', exp: nowSec() + 600 }
    const hs = (secret, header = { alg: 'HS256', typ: 'JWT' }) => {
      const input = `${b64(header)}.${b64(claims)}`
      return `${input}.${crypto.createHmac('sha256', secret).update(input).digest('base64url')}`
    }
    const forged = [
      ...['none', 'None', 'NONE', 'nOnE'].map((alg) => [`alg ${alg}`, `${b64({ alg, typ: 'JWT' })}.${b64(claims)}.`]),
      ['HS256 with the PEM', hs(pem)],
      ['HS256 with the PEM without its last newline', hs(pem.trimEnd())],
      ['HS256 with the JWK as JSON', hs(JSON.stringify(jwk))],
      ['HS256 with the JWK Set as JSON', hs(JSON.stringify({ keys: [jwk] }))],
      ['HS256 with the kid of the JWK', hs(pem, { alg: 'HS256', kid: 'k1' })],
    ]
    const input = `${b64({ alg: 'RS256', kid: 'k1' })}.${b64(claims)}`
    const genuine = `${input}.${crypto.sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`
    const keySources = [['key (PEM)', { key: pem }], ['jwk', { jwk }], ['jwks', { jwks: { keys: [jwk] } }]]
    for (const [sourceName, source] of keySources) {
      const verifier = new JwtVerifier({ algorithms: ['RS256'], ...source })
      const authenticator = new HandshakeAuthenticator({ jwt: { algorithms: ['RS256'], ...source } })
      assert.equal(verifier.verify(genuine).sub, 'admin', sourceName)
      for (const [name, token] of forged) {
        const where = `${name}, ${sourceName}`
        assert.equal(codeOf(() => verifier.verify(token)), 'ERR_JWS_ALG_NOT_ALLOWED', `JwtVerifier: ${where}`)
        assert.equal(codeOf(() => addon.verifyJws(token, { algorithms: ['RS256'], ...source })), 'ERR_JWS_ALG_NOT_ALLOWED', `verifyJws: ${where}`)
        assert.equal(codeOf(() => authenticator.authenticate({ auth: { token } })), 'ERR_JWS_ALG_NOT_ALLOWED', `authenticate: ${where}`)
        assert.equal(codeOf(() => authenticator.verifyToken(token)), 'ERR_JWS_ALG_NOT_ALLOWED', `verifyToken: ${where}`)
      }
    }
    const service = new JwtService({ publicKey: pem, verifyOptions: { algorithms: ['RS256'] } })
    for (const [name, token] of forged) assert.equal(codeOf(() => service.verify(token)), 'ERR_JWS_ALG_NOT_ALLOWED', `JwtService: ${name}`)
    // And a verifier configured for HS256 never takes the public key as its secret.
    for (const key of [pem, JSON.stringify(jwk), JSON.stringify({ keys: [jwk] })]) {
      assert.equal(codeOf(() => new JwtVerifier({ algorithms: ['HS256'], key })), 'ERR_INVALID_KEY')
    }
  })
})

describe('bad arguments to the JS glue', () => {
  test('socketIoAuth, useOnAllNamespaces, expiresAtOf, Strategy: ERR_INVALID_OPTIONS naming the argument, no TypeError from inside', () => {
    const { expiresAtOf } = require('../js/socket.io/index.js')
    const { Strategy } = require('../js/passport/index.js')
    const io = new Server() // not attached to any HTTP server: nothing to close
    {
      const mw = socketIoAuth(OPTIONS())
      for (const v of [undefined, null, 42, 'x', {}, []]) {
        assert.throws(() => useOnAllNamespaces(v, mw), (e) => e.code === 'ERR_INVALID_OPTIONS' && /io/.test(e.message), String(v))
        assert.throws(() => useOnAllNamespaces(io, v), (e) => e.code === 'ERR_INVALID_OPTIONS' && /middleware/.test(e.message), String(v))
        assert.throws(() => socketIoAuth(v), { code: 'ERR_INVALID_OPTIONS' })
        assert.equal(expiresAtOf(v), null)
        assert.throws(() => new Strategy(v), { code: 'ERR_INVALID_OPTIONS' })
      }
      for (const v of [42, 'x', [], true]) {
        assert.throws(() => socketIoAuth(OPTIONS(), v), (e) => e.code === 'ERR_INVALID_OPTIONS' && /settings/.test(e.message), String(v))
      }
    }
  })
})

describe('ROCA (Wycheproof JWK test 7): refused as a JWK, a JWK Set and a PEM', () => {
  test('every way of giving the key is ERR_INVALID_KEY; the genuine signature never verifies', () => {
    const { JwtVerifier, HandshakeAuthenticator, verifyJws } = require('..')
    const file = require('./fixtures/wycheproof/json_web_key_test.json')
    const group = file.testGroups.find((g) => g.tests.some((t) => t.tcId === 7))
    const t = group.tests.find((x) => x.tcId === 7)
    const jwk = group.public.keys[0]
    const pem = crypto.createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' }).export({ type: 'spki', format: 'pem' })
    const pkcs1 = crypto.createPublicKey(pem).export({ type: 'pkcs1', format: 'pem' })
    // The signature is genuine: node:crypto verifies it with the same key.
    const [h, p, sig] = t.jws.split('.')
    assert.ok(crypto.verify('sha256', Buffer.from(`${h}.${p}`), pem, Buffer.from(sig, 'base64url')))
    const sources = [['jwk', { jwk }], ['jwks', { jwks: { keys: [jwk] } }], ['SPKI PEM', { key: pem }], ['PKCS#1 PEM', { key: pkcs1 }]]
    for (const [name, source] of sources) {
      assert.throws(() => new JwtVerifier({ algorithms: ['RS256'], ...source }), { code: 'ERR_INVALID_KEY' }, name)
      assert.throws(() => new HandshakeAuthenticator({ jwt: { algorithms: ['RS256'], ...source } }), { code: 'ERR_INVALID_KEY' }, name)
      assert.throws(() => verifyJws(t.jws, { algorithms: ['RS256'], ...source }), { code: 'ERR_INVALID_KEY' }, name)
    }
    assert.throws(() => new JwtVerifier({ algorithms: ['RS256'], key: pem }), /ROCA/)
  })
})
