'use strict'

// authbridge/socket.io end to end: a real Socket.IO 4.8 server on 127.0.0.1 (port 0) and
// real socket.io-client connections, with tokens made by the libraries apps use:
// Auth.js session cookies by @auth/core's encode (chunked by @auth/core's own
// SessionStore), access tokens by jsonwebtoken as a NextAuth session callback mints them.
// Every test closes its server and clients (t.after), every wait has a timeout.

const { describe, test } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const crypto = require('node:crypto')
const path = require('node:path')
const { pathToFileURL } = require('node:url')
const { setTimeout: sleep } = require('node:timers/promises')

const { Server } = require('socket.io')
const { io: ioClient, Manager } = require('socket.io-client')
const jsonwebtoken = require('jsonwebtoken')

const { JwtSigner } = require('..')
const { socketIoAuth, useOnAllNamespaces } = require('../js/socket.io/index.js')
const keys = require('./helpers/keys.js')

// ---------------------------------------------------------------------------
// Secrets, tokens
// ---------------------------------------------------------------------------

const JWT_SECRET = crypto.randomBytes(32).toString('hex')
const OTHER_SECRET = crypto.randomBytes(32).toString('hex')
const AUTH_SECRET = crypto.randomBytes(32).toString('base64')
const COOKIE = 'authjs.session-token'
const CHUNK_SIZE = 3936 // @auth/core: ALLOWED_COOKIE_SIZE 4096 - ESTIMATED_EMPTY_COOKIE_SIZE 160
const DAY_MS = 24 * 3600 * 1000

const nowSec = () => Math.floor(Date.now() / 1000)
const fingerprint = (token) => crypto.createHash('sha256').update(token).digest('base64url').slice(0, 16)
const expOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url')).exp

/** An access token as a NextAuth session callback mints it. */
const accessToken = (sub = 'user-1', options = {}, secret = JWT_SECRET) =>
  jsonwebtoken.sign({ sub, email: `${sub}@example.com` }, secret, { algorithm: 'HS256', expiresIn: '15m', ...options })

/** An Auth.js session token, by @auth/core's encode. */
async function sessionToken(claims = {}, maxAge) {
  const { encode } = await import('@auth/core/jwt')
  return encode({ token: { sub: 'user-1', name: 'Ada Lovelace', ...claims }, secret: AUTH_SECRET, salt: COOKIE, ...(maxAge ? { maxAge } : {}) })
}

/** Splits a cookie value exactly as @auth/core's SessionStore does, by its own code. */
async function authCoreChunks(name, value) {
  const url = pathToFileURL(path.join(path.dirname(require.resolve('@auth/core/jwt')), 'lib', 'utils', 'cookie.js')).href
  const { SessionStore } = await import(url)
  const store = new SessionStore({ name, options: {} }, {}, { debug() {}, error() {}, warn() {} })
  return store.chunk(value, {}).map((c) => ({ name: c.name, value: c.value }))
}

/** HS256 signed by hand with `secret` (any bytes, e.g. an RSA public key PEM). */
function hmacToken(claims, secret, alg = 'HS256') {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const input = `${b64({ alg, typ: 'JWT' })}.${b64(claims)}`
  const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg]
  return `${input}.${crypto.createHmac(hash, secret).update(input).digest('base64url')}`
}

// ---------------------------------------------------------------------------
// Bounded waits
// ---------------------------------------------------------------------------

// Bounded waits for client sockets: next, connected, refused, record.
const { next, connected, refused, record } = require('./helpers/sio.js')

// ---------------------------------------------------------------------------
// Server fixture
// ---------------------------------------------------------------------------

const DEFAULT_OPTIONS = () => ({ jwt: { algorithms: ['HS256'], key: JWT_SECRET }, authjs: { secret: AUTH_SECRET } })

/**
 * A Socket.IO server on 127.0.0.1:0 with the middleware on every namespace, '/' and
 * '/chat' with connection handlers; closed (with every client made by `connect`) after
 * the test.
 */
async function startServer(t, { options = DEFAULT_OPTIONS(), settings = {} } = {}) {
  const httpServer = http.createServer()
  const io = new Server(httpServer)
  const failures = []
  const successes = []
  const clients = []
  t.after(async () => {
    for (const c of clients) c.disconnect()
    await new Promise((resolve) => io.close(() => resolve()))
    httpServer.closeAllConnections()
  })

  io.of('/chat') // exists before the middleware is installed
  useOnAllNamespaces(
    io,
    socketIoAuth(options, {
      ...settings,
      onFailure: (info) => failures.push(info),
      onSuccess: (info) => successes.push(info),
    }),
  )
  const accepted = []
  io.on('connection', (s) => accepted.push(s))
  io.of('/chat').on('connection', (s) => accepted.push(s))

  await new Promise((resolve, reject) => {
    httpServer.once('error', reject)
    httpServer.listen(0, '127.0.0.1', resolve)
  })
  const { port } = httpServer.address()
  const url = `http://127.0.0.1:${port}`

  /** A client socket (websocket unless told, no reconnection, its own connection). */
  const connect = (nsp = '/', opts = {}) => {
    const socket = ioClient(url + nsp, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: 3000, ...opts })
    clients.push(socket)
    return socket
  }
  /** A multiplexed connection: several namespaces over one Engine.IO connection. */
  const manager = (opts = {}) => {
    const m = new Manager(url, { transports: ['websocket'], reconnection: false, timeout: 3000, ...opts })
    const socket = (nsp, sopts) => {
      const s = m.socket(nsp, sopts)
      clients.push(s)
      return s
    }
    return { manager: m, socket }
  }
  /** The server side of a connected client socket. */
  const serverSocket = (client, nsp = '/') => {
    const s = io.of(nsp).sockets.get(client.id)
    assert.ok(s, `no server socket ${client.id} in ${nsp}`)
    return s
  }
  return { io, url, port, connect, manager, serverSocket, failures, successes, accepted }
}

const assertNoTokenIn = (info, token) => {
  const text = JSON.stringify(info)
  assert.ok(!text.includes(token), `the token leaked into ${text}`)
  // Nor any long piece of it (a signature, a payload).
  for (const part of String(token).split('.').filter((p) => p.length >= 16)) assert.ok(!text.includes(part))
}

// ---------------------------------------------------------------------------
// 1. Auth.js session cookie
// ---------------------------------------------------------------------------

describe('Auth.js session cookie (Cookie header)', () => {
  for (const transports of [['websocket'], undefined]) {
    const label = transports ? 'websocket' : 'default transports (polling, then upgrade)'
    test(`connects and receives a broadcast: ${label}`, async (t) => {
      const srv = await startServer(t)
      const token = await sessionToken({ sub: 'user-42', name: 'Grace Hopper' })
      const client = srv.connect('/', { transports: transports || ['polling', 'websocket'], extraHeaders: { cookie: `theme=dark; ${COOKIE}=${token}` } })
      await connected(client)

      const s = srv.serverSocket(client)
      assert.equal(s.data.user.sub, 'user-42')
      assert.equal(s.data.user.name, 'Grace Hopper')
      assert.equal(typeof s.data.user.exp, 'number')
      assert.deepEqual(s.data.auth, { kind: 'authjs', source: 'cookie', expiresAt: s.data.user.exp * 1000 })
      assert.deepEqual(srv.successes, [{ kind: 'authjs', source: 'cookie', sub: 'user-42', namespace: '/' }])

      const news = next(client, 'news')
      srv.io.emit('news', { n: 1 })
      assert.deepEqual(await news, [{ n: 1 }])
    })
  }

  test('a chunked session (.0/.1 of 3936 chars, by @auth/core) in shuffled order among other cookies', async (t) => {
    const srv = await startServer(t)
    const blob = crypto.randomBytes(2750).toString('hex') // 5500 chars
    const token = await sessionToken({ sub: 'user-big', name: 'Big Session', blob })
    const chunks = await authCoreChunks(COOKIE, token)
    assert.equal(chunks.length, 2, `token of ${token.length} chars`)
    assert.deepEqual(chunks.map((c) => c.name), [`${COOKIE}.0`, `${COOKIE}.1`])
    assert.equal(chunks[0].value.length, CHUNK_SIZE)
    assert.equal(chunks[0].value + chunks[1].value, token)

    const cookie = [
      'theme=dark',
      `${chunks[1].name}=${chunks[1].value}`,
      'authjs.csrf-token=abc%7Cdef',
      `${chunks[0].name}=${chunks[0].value}`,
      'authjs.callback-url=http%3A%2F%2Flocalhost%3A3000',
    ].join('; ')
    const client = srv.connect('/', { extraHeaders: { cookie } })
    await connected(client)
    const s = srv.serverSocket(client)
    assert.equal(s.data.user.sub, 'user-big')
    assert.equal(s.data.user.name, 'Big Session')
    assert.equal(s.data.user.blob, blob)
    assert.deepEqual(s.data.auth, { kind: 'authjs', source: 'cookie', expiresAt: s.data.user.exp * 1000 })

    const news = next(client, 'news')
    srv.io.emit('news', 'big')
    assert.deepEqual(await news, ['big'])
  })
})

// ---------------------------------------------------------------------------
// 2. HS256 access tokens
// ---------------------------------------------------------------------------

describe('HS256 access token', () => {
  const cases = [
    ['auth: { token }', (tok) => ({ auth: { token: tok } }), 'auth'],
    ["auth: { token: 'Bearer ' + token }", (tok) => ({ auth: { token: `Bearer ${tok}` } }), 'auth'],
    ['Authorization: Bearer header', (tok) => ({ extraHeaders: { authorization: `Bearer ${tok}` } }), 'header'],
  ]
  for (const [label, opts, source] of cases) {
    test(`${label} connects (source '${source}', kind 'jwt')`, async (t) => {
      const srv = await startServer(t)
      const token = accessToken('user-7')
      const client = srv.connect('/', opts(token))
      await connected(client)
      const s = srv.serverSocket(client)
      assert.equal(s.data.user.sub, 'user-7')
      assert.equal(s.data.user.email, 'user-7@example.com')
      assert.deepEqual(s.data.auth, { kind: 'jwt', source, expiresAt: expOf(token) * 1000 })
      assert.deepEqual(srv.successes, [{ kind: 'jwt', source, sub: 'user-7', namespace: '/' }])
      const news = next(client, 'news')
      srv.io.emit('news', source)
      assert.deepEqual(await news, [source])
    })
  }
})

// ---------------------------------------------------------------------------
// 3. Refusals
// ---------------------------------------------------------------------------

describe('refused handshakes', () => {
  test('missing / expired / forged / wrong alg / non-string token: Unauthorized with the code, no broadcast, no token in onFailure', async (t) => {
    const srv = await startServer(t)
    const expired = accessToken('user-1', { expiresIn: -60 })
    const forged = accessToken('user-1', {}, OTHER_SECRET)
    const hs512 = jsonwebtoken.sign({ sub: 'user-1' }, JWT_SECRET, { algorithm: 'HS512', expiresIn: '15m' })
    const cases = [
      { name: 'no token', opts: {}, code: 'ERR_TOKEN_MISSING', token: null },
      { name: 'expired', opts: { auth: { token: expired } }, code: 'ERR_JWT_EXPIRED', token: expired },
      { name: 'forged signature', opts: { auth: { token: forged } }, code: 'ERR_JWS_SIGNATURE_INVALID', token: forged },
      { name: 'HS512 when HS256 is pinned', opts: { auth: { token: hs512 } }, code: 'ERR_JWS_ALG_NOT_ALLOWED', token: hs512 },
      { name: 'auth.token = 42', opts: { auth: { token: 42 } }, code: 'ERR_TOKEN_MALFORMED', token: null },
      { name: 'forged, in the header', opts: { extraHeaders: { authorization: `Bearer ${forged}` } }, code: 'ERR_JWS_SIGNATURE_INVALID', token: forged, source: 'header' },
    ]

    const good = srv.connect('/', { auth: { token: accessToken('user-ok') } })
    await connected(good)
    const goodNews = record(good)

    const refusedClients = []
    for (const c of cases) {
      const before = srv.failures.length
      const client = srv.connect('/', c.opts)
      const got = record(client)
      const err = await refused(client)
      assert.equal(err.message, 'Unauthorized', c.name)
      assert.deepEqual(err.data, { code: c.code }, c.name)
      assert.equal(client.connected, false)
      refusedClients.push({ c, got })

      assert.equal(srv.failures.length, before + 1, `${c.name}: onFailure called once`)
      const info = srv.failures.at(-1)
      assert.equal(info.code, c.code, c.name)
      assert.equal(info.namespace, '/')
      if (c.token) {
        assert.equal(info.source, c.source || 'auth', c.name)
        assert.match(info.fingerprint, /^[A-Za-z0-9_-]{16}$/)
        assert.equal(info.fingerprint, fingerprint(c.token), c.name)
        assertNoTokenIn(info, c.token)
      } else if (c.code === 'ERR_TOKEN_MISSING') {
        const { message, ...rest } = info
        assert.deepEqual(rest, { code: c.code, source: null, fingerprint: null, namespace: '/' })
        assert.match(message, /^no token found; looked in handshake\.auth\.token, /)
      }
    }
    assert.equal(srv.accepted.length, 1, 'only the good client reached a connection handler')

    // A broadcast after the refusals: the good client gets it, no refused one does.
    const news = next(good, 'news')
    srv.io.emit('news', 'after-refusals')
    srv.io.of('/chat').emit('news', 'chat-after-refusals')
    assert.deepEqual(await news, ['after-refusals'])
    await sleep(150)
    assert.deepEqual(goodNews, [['after-refusals']])
    for (const { c, got } of refusedClients) assert.deepEqual(got, [], `${c.name} received a broadcast`)
  })

  test('a refused namespace on a live multiplexed connection receives no broadcast', async (t) => {
    const srv = await startServer(t)
    const { socket } = srv.manager()
    const root = socket('/', { auth: { token: accessToken('user-1') } })
    await connected(root)
    const chat = socket('/chat', { auth: { token: accessToken('user-1', {}, OTHER_SECRET) } })
    const chatNews = record(chat)
    const err = await refused(chat)
    assert.equal(err.message, 'Unauthorized')
    assert.deepEqual(err.data, { code: 'ERR_JWS_SIGNATURE_INVALID' })
    assert.equal(root.connected, true, 'the shared connection stays up for /')
    assert.equal(srv.io.of('/chat').sockets.size, 0)

    const news = next(root, 'news')
    srv.io.of('/chat').emit('news', 'chat')
    srv.io.emit('news', 'root')
    assert.deepEqual(await news, ['root'])
    await sleep(150)
    assert.deepEqual(chatNews, [])
  })

  test('alg confusion: HS256 signed with the RS256 public key PEM as secret → ERR_JWS_ALG_NOT_ALLOWED', async (t) => {
    const { publicPem, privateKey } = keys.rsa()
    const srv = await startServer(t, { options: { jwt: { algorithms: ['RS256'], key: publicPem } } })
    const claims = { sub: 'admin', exp: nowSec() + 600 }

    // The real RS256 token is accepted (the server is configured right)...
    const input = `${Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
    const rs256 = `${input}.${crypto.sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`
    const ok = srv.connect('/', { auth: { token: rs256 } })
    await connected(ok)
    assert.deepEqual(srv.serverSocket(ok).data.auth, { kind: 'jwt', source: 'auth', expiresAt: claims.exp * 1000 })

    // ...the confused one is not.
    const confused = hmacToken(claims, publicPem)
    const client = srv.connect('/', { auth: { token: confused } })
    const got = record(client)
    const err = await refused(client)
    assert.equal(err.message, 'Unauthorized')
    assert.deepEqual(err.data, { code: 'ERR_JWS_ALG_NOT_ALLOWED' })
    const info = srv.failures.at(-1)
    assert.equal(info.code, 'ERR_JWS_ALG_NOT_ALLOWED')
    assert.equal(info.fingerprint, fingerprint(confused))
    assertNoTokenIn(info, confused)

    const news = next(ok, 'news')
    srv.io.emit('news', 'x')
    await news
    await sleep(100)
    assert.deepEqual(got, [])
  })
})

// ---------------------------------------------------------------------------
// 4. Every namespace
// ---------------------------------------------------------------------------

describe('namespaces', () => {
  test("'/chat' is protected exactly like '/'", async (t) => {
    const srv = await startServer(t)
    const session = await sessionToken({ sub: 'user-c', name: 'Chat User' })
    const jwt = accessToken('user-c')

    for (const [opts, code] of [
      [{}, 'ERR_TOKEN_MISSING'],
      [{ auth: { token: accessToken('user-c', {}, OTHER_SECRET) } }, 'ERR_JWS_SIGNATURE_INVALID'],
      [{ extraHeaders: { cookie: `${COOKIE}=${session.slice(0, -4)}AAAA` } }, null],
    ]) {
      const err = await refused(srv.connect('/chat', opts))
      assert.equal(err.message, 'Unauthorized')
      if (code) assert.deepEqual(err.data, { code })
      else assert.match(err.data.code, /^ERR_/)
      assert.equal(srv.failures.at(-1).namespace, '/chat')
    }

    for (const [opts, kind, source] of [
      [{ extraHeaders: { cookie: `${COOKIE}=${session}` } }, 'authjs', 'cookie'],
      [{ auth: { token: jwt } }, 'jwt', 'auth'],
      [{ extraHeaders: { authorization: `Bearer ${jwt}` } }, 'jwt', 'header'],
    ]) {
      const client = srv.connect('/chat', opts)
      await connected(client)
      const s = srv.serverSocket(client, '/chat')
      assert.equal(s.data.user.sub, 'user-c')
      assert.equal(s.data.auth.kind, kind)
      assert.equal(s.data.auth.source, source)
      assert.equal(srv.successes.at(-1).namespace, '/chat')
      const news = next(client, 'news')
      srv.io.of('/chat').emit('news', kind + source)
      assert.deepEqual(await news, [kind + source])
    }
  })

  test("a namespace created after the middleware ('/late') is protected", async (t) => {
    const srv = await startServer(t)
    srv.io.of('/late').on('connection', () => {})
    const err = await refused(srv.connect('/late'))
    assert.deepEqual(err.data, { code: 'ERR_TOKEN_MISSING' })
    const client = srv.connect('/late', { auth: { token: accessToken('user-l') } })
    await connected(client)
    assert.deepEqual(srv.serverSocket(client, '/late').data.auth.kind, 'jwt')
    assert.equal(srv.serverSocket(client, '/late').data.user.sub, 'user-l')
  })

  test('a dynamic namespace (io.of(/^\\/dyn-\\w+$/)) is protected', async (t) => {
    const srv = await startServer(t)
    const parent = srv.io.of(/^\/dyn-\w+$/)
    parent.on('connection', () => {})
    const err = await refused(srv.connect('/dyn-abc'))
    assert.equal(err.message, 'Unauthorized')
    assert.deepEqual(err.data, { code: 'ERR_TOKEN_MISSING' })
    const bad = await refused(srv.connect('/dyn-abc', { auth: { token: accessToken('u', { expiresIn: -10 }) } }))
    assert.deepEqual(bad.data, { code: 'ERR_JWT_EXPIRED' })

    const client = srv.connect('/dyn-xyz', { extraHeaders: { cookie: `${COOKIE}=${await sessionToken({ sub: 'user-d' })}` } })
    await connected(client)
    const s = srv.serverSocket(client, '/dyn-xyz')
    assert.equal(s.data.user.sub, 'user-d')
    assert.equal(s.data.auth.kind, 'authjs')
    const news = next(client, 'news')
    parent.emit('news', 'dyn')
    assert.deepEqual(await news, ['dyn'])
  })

  test('a dynamic child namespace runs the middleware once per handshake', async (t) => {
    // The child copies its parent's middleware (ParentNamespace#createChild) AND the
    // 'new_namespace' listener of useOnAllNamespaces adds it again.
    const srv = await startServer(t)
    srv.io.of(/^\/dyn-\w+$/).on('connection', () => {})
    const client = srv.connect('/dyn-once', { auth: { token: accessToken('user-once') } })
    await connected(client)
    const refreshHandlers = srv.serverSocket(client, '/dyn-once').listeners('auth_refresh').length
    const runs = { onSuccess: srv.successes.length, authRefreshHandlers: refreshHandlers }
    assert.deepEqual(runs, { onSuccess: 1, authRefreshHandlers: 1 }, `one handshake on a dynamic child: ${JSON.stringify(runs)}`)
  })
})

// ---------------------------------------------------------------------------
// 5. Expiry
// ---------------------------------------------------------------------------

describe('expiry', { concurrency: true }, () => {
  test("a token expiring in ~2 s: 'auth_expired' then 'io server disconnect'", async (t) => {
    const srv = await startServer(t)
    const token = accessToken('user-e', { expiresIn: 2 })
    const exp = expOf(token)
    const client = srv.connect('/', { auth: { token } })
    const events = []
    client.on('auth_expired', (p) => events.push(['auth_expired', p, Date.now()]))
    const disconnected = next(client, 'disconnect', 4000)
    await connected(client)
    const [reason] = await disconnected
    const at = Date.now()
    assert.equal(reason, 'io server disconnect')
    assert.equal(events.length, 1, 'auth_expired before the disconnect')
    assert.deepEqual(events[0][1], { code: 'ERR_JWT_EXPIRED' })
    assert.ok(at >= exp * 1000, `closed ${exp * 1000 - at} ms before exp`)
    assert.ok(at < exp * 1000 + 1000, `closed ${at - exp * 1000} ms after exp`)
    assert.equal(srv.io.of('/').sockets.size, 0)
  })

  test('auth_refresh before exp extends the connection past the old exp', async (t) => {
    const srv = await startServer(t)
    const signer = new JwtSigner({ algorithm: 'HS256', key: JWT_SECRET, expiresIn: 2 })
    const token = signer.sign({ sub: 'user-r', email: 'r@example.com' })
    const oldExp = expOf(token)
    const client = srv.connect('/', { auth: { token } })
    const expired = record(client, 'auth_expired')
    await connected(client)

    const fresh = accessToken('user-r', { expiresIn: '15m' })
    const ack = await client.timeout(2000).emitWithAck('auth_refresh', { token: fresh })
    assert.deepEqual(ack, { ok: true, expiresAt: expOf(fresh) * 1000 })
    const s = srv.serverSocket(client)
    assert.equal(s.data.auth.expiresAt, expOf(fresh) * 1000)
    assert.equal(s.data.auth.source, 'auth')
    assert.equal(s.data.user.exp, expOf(fresh))

    await sleep(Math.max(0, oldExp * 1000 - Date.now()) + 700)
    assert.equal(client.connected, true, 'still connected past the old exp')
    assert.deepEqual(expired, [])
  })

  test("a refresh for another sub or with a bad signature is refused; the old expiry stands", async (t) => {
    const srv = await startServer(t)
    const token = accessToken('alice', { expiresIn: 2 })
    const oldExp = expOf(token)
    const client = srv.connect('/', { auth: { token } })
    const expired = record(client, 'auth_expired')
    const disconnected = next(client, 'disconnect', 4500)
    await connected(client)
    const refresh = (tok) => client.timeout(2000).emitWithAck('auth_refresh', { token: tok })

    const mallory = accessToken('mallory')
    const r1 = await refresh(mallory)
    assert.equal(r1.ok, false)
    assert.equal(r1.code, 'ERR_JWT_CLAIM_INVALID')

    const forged = accessToken('alice', {}, OTHER_SECRET)
    assert.deepEqual(await refresh(forged), { ok: false, code: 'ERR_JWS_SIGNATURE_INVALID' })
    const info = srv.failures.at(-1)
    assert.equal(info.code, 'ERR_JWS_SIGNATURE_INVALID')
    assert.equal(info.source, 'refresh')
    assert.equal(info.fingerprint, fingerprint(forged))
    assertNoTokenIn(info, forged)

    const r3 = await refresh(42)
    assert.equal(r3.ok, false)
    assert.match(r3.code, /^ERR_/)

    const s = srv.serverSocket(client)
    assert.equal(s.data.user.sub, 'alice')
    assert.equal(s.data.auth.expiresAt, oldExp * 1000)

    const [reason] = await disconnected
    const at = Date.now()
    assert.equal(reason, 'io server disconnect')
    assert.equal(expired.length, 1)
    assert.ok(at >= oldExp * 1000 && at < oldExp * 1000 + 1000, `closed ${at - oldExp * 1000} ms from the old exp`)
  })

  test('a 30-day Auth.js session (the @auth/core default maxAge) stays connected: no timer overflow', async (t) => {
    const srv = await startServer(t)
    const token = await sessionToken({ sub: 'user-30d' })
    const client = srv.connect('/', { extraHeaders: { cookie: `${COOKIE}=${token}` } })
    const expired = record(client, 'auth_expired')
    await connected(client)
    const s = srv.serverSocket(client)
    const ahead = s.data.auth.expiresAt - Date.now()
    assert.ok(Math.abs(ahead - 30 * DAY_MS) < 60_000, `expires ${ahead / DAY_MS} days ahead`)
    assert.ok(ahead > 2 ** 31 - 1, 'beyond the setTimeout limit')
    await sleep(1500)
    assert.equal(client.connected, true)
    assert.equal(s.connected, true)
    assert.deepEqual(expired, [])
  })

  test('expiry: false keeps a connection open past its token exp', async (t) => {
    const srv = await startServer(t, { settings: { expiry: false } })
    const token = accessToken('user-noexp', { expiresIn: 2 })
    const exp = expOf(token)
    const client = srv.connect('/', { auth: { token } })
    const expired = record(client, 'auth_expired')
    await connected(client)
    assert.equal(srv.serverSocket(client).data.auth.expiresAt, exp * 1000)
    await sleep(Math.max(0, exp * 1000 - Date.now()) + 600)
    assert.equal(client.connected, true)
    assert.deepEqual(expired, [])
    const news = next(client, 'news')
    srv.io.emit('news', 'still here')
    assert.deepEqual(await news, ['still here'])
  })
})
