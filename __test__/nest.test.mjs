// The NestJS example (examples/nest-app, built by tsc into examples/nest-app/dist) booted
// for real: AuthenticatedSocketAdapter in front of two gateways ('/' and '/chat', the
// second one created by Nest on the same Socket.IO server), and GET /me behind
// passport's AuthGuard('jwt') with authbridge/passport. Tokens come from the real
// libraries a Next.js front end uses: Auth.js sessions from @auth/core/jwt, HS256
// access tokens from jsonwebtoken (15 min, as a NextAuth session callback mints them).
// Clients are real socket.io-client sockets over WebSocket.
//
// Needs `tsc -p examples/nest-app` first (npm test does it).

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { createRequire } from 'node:module'
import { io } from 'socket.io-client'
import { encode } from '@auth/core/jwt'
import { ChatGateway, createApp, EventsGateway } from '../examples/nest-app/dist/main.mjs'

const require = createRequire(import.meta.url)
const jwt = require('jsonwebtoken')

// ---------------------------------------------------------------------------
// Secrets and tokens
// ---------------------------------------------------------------------------

const rand = (n = 16) => crypto.randomBytes(n).toString('hex')
const AUTH_SECRET = `auth-secret-${rand()}`
const JWT_SECRET = `jwt-secret-${rand()}`
const OTHER_AUTH_SECRET = `other-app-auth-secret-${rand()}`
const SALT = 'authjs.session-token'
const CHUNK_SIZE = 3936 // @auth/core: ALLOWED_COOKIE_SIZE 4096 - ESTIMATED_EMPTY_COOKIE_SIZE 160
const WAIT_MS = 3000 // upper bound of every single wait
const SETTLE_MS = 250 // time given to a packet that must NOT arrive

const nowSec = () => Math.floor(Date.now() / 1000)
const b64u = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
const blob = (n) => crypto.randomBytes(n).toString('base64url').slice(0, n)

const SESSION_USER = { sub: 'ada-42', name: 'Ada Lovelace', email: 'ada@example.com' }
const ACCESS_USER = { sub: 'bob-7', email: 'bob@example.com' }
const BIG_SUB = 'big-session-user'

/** Everything a test may need, minted once in before(). */
const T = {}

async function mintTokens() {
  T.session = await encode({ token: SESSION_USER, secret: AUTH_SECRET, salt: SALT })
  T.access = jwt.sign(ACCESS_USER, JWT_SECRET, { algorithm: 'HS256', expiresIn: '15m' })
  T.expired = jwt.sign({ ...ACCESS_USER, exp: nowSec() - 120 }, JWT_SECRET, { algorithm: 'HS256' })
  T.forged = jwt.sign({ sub: 'admin' }, `guessed-${rand()}`, { algorithm: 'HS256', expiresIn: '15m' })
  T.algNone = `${b64u({ alg: 'none', typ: 'JWT' })}.${b64u({ sub: 'admin', exp: nowSec() + 900 })}.`
  T.hs512 = jwt.sign({ sub: 'admin' }, JWT_SECRET, { algorithm: 'HS512', expiresIn: '15m' })
  T.otherSession = await encode({ token: { sub: 'intruder' }, secret: OTHER_AUTH_SECRET, salt: SALT })
  // A session too big for one cookie: @auth/core splits it into .0, .1 of 3936 chars.
  T.big = await encode({ token: { sub: BIG_SUB, name: 'Big', profile: blob(3600) }, secret: AUTH_SECRET, salt: SALT })
  assert.ok(T.big.length > CHUNK_SIZE && T.big.length <= 2 * CHUNK_SIZE, `big token of ${T.big.length} chars should make 2 chunks`)
  T.bigCookie = `theme=dark; ${SALT}.1=${T.big.slice(CHUNK_SIZE)}; ${SALT}.0=${T.big.slice(0, CHUNK_SIZE)}`
}

/** The refusals, each with the code and the token source onFailure must report. */
const REFUSALS = () => [
  { name: 'no token', opts: {}, code: 'ERR_TOKEN_MISSING', source: null, token: null },
  { name: 'expired', opts: { auth: { token: T.expired } }, code: 'ERR_JWT_EXPIRED', source: 'auth', token: T.expired },
  { name: 'forged', opts: { auth: { token: T.forged } }, code: 'ERR_JWS_SIGNATURE_INVALID', source: 'auth', token: T.forged },
  { name: 'alg none', opts: { auth: { token: T.algNone } }, code: 'ERR_JWS_ALG_NOT_ALLOWED', source: 'auth', token: T.algNone },
  { name: 'HS512', opts: { extraHeaders: { authorization: `Bearer ${T.hs512}` } }, code: 'ERR_JWS_ALG_NOT_ALLOWED', source: 'header', token: T.hs512 },
  {
    name: 'other AUTH_SECRET',
    opts: { extraHeaders: { cookie: `${SALT}=${T.otherSession}` } },
    code: 'ERR_JWE_NO_MATCHING_SECRET',
    source: 'cookie',
    token: T.otherSession,
  },
]

// ---------------------------------------------------------------------------
// The application
// ---------------------------------------------------------------------------

let app
let url
const failures = []
let onFailureHook = null

// Which sockets reached EventsGateway.handleConnection (Nest binds the prototype method
// at init, so it is wrapped before createApp and restored in after()).
const connectionsSeen = []
const originalHandleConnection = EventsGateway.prototype.handleConnection

before(
  async () => {
    await mintTokens()
    EventsGateway.prototype.handleConnection = function (socket) {
      connectionsSeen.push(socket.handshake.query.client)
      return originalHandleConnection.call(this, socket)
    }
    app = await createApp(
      { authSecret: AUTH_SECRET, jwtSecret: JWT_SECRET },
      {
        onFailure: (info) => {
          failures.push(info)
          if (onFailureHook) onFailureHook(info)
        },
      },
    )
    await app.listen(0, '127.0.0.1')
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1')
  },
  { timeout: 20000 },
)

after(
  async () => {
    for (const c of clients) c.socket.close()
    if (app) await withTimeout(app.close(), 5000, 'app.close()')
    EventsGateway.prototype.handleConnection = originalHandleConnection
  },
  { timeout: 10000 },
)

// ---------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------

const clients = []
let clientCounter = 0

function withTimeout(promise, ms, what) {
  let timer
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timeout after ${ms} ms: ${what}`)), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/**
 * Opens a socket and resolves once it is connected or refused (never rejects, bounded).
 * Records every packet its Manager decodes (whatever the namespace state), and every
 * event the socket surfaces, so that "got nothing" is checked below the Socket layer.
 */
function connect(nsp, opts = {}, name = nsp) {
  const label = `c${++clientCounter}-${name.replace(/\W+/g, '_')}`
  const socket = io(url + nsp, {
    ...opts,
    query: { client: label },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  })
  const client = { label, nsp, socket, packets: [], events: [], waiters: [] }
  clients.push(client)
  socket.io.on('packet', (p) => client.packets.push({ type: p.type, nsp: p.nsp, data: p.data }))
  socket.onAny((event, ...args) => {
    client.events.push({ event, args })
    for (const w of client.waiters.slice()) w()
  })
  client.result = new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ ok: false, timeout: true }), WAIT_MS)
    socket.once('connect', () => {
      clearTimeout(timer)
      resolve({ ok: true })
    })
    socket.once('connect_error', (err) => {
      clearTimeout(timer)
      resolve({ ok: false, err })
    })
  })
  return client
}

/** Resolves with the args of the first `event` the client received (now or later), bounded. */
function waitEvent(client, event, ms = WAIT_MS) {
  const find = () => client.events.find((e) => e.event === event)
  const found = find()
  if (found) return Promise.resolve(found.args)
  return withTimeout(
    new Promise((resolve) => {
      const check = () => {
        const e = find()
        if (e) {
          client.waiters.splice(client.waiters.indexOf(check), 1)
          resolve(e.args)
        }
      }
      client.waiters.push(check)
    }),
    ms,
    `${client.label} waiting for '${event}'`,
  )
}

async function accepted(nsp, opts, name) {
  const c = connect(nsp, opts, name)
  const r = await c.result
  assert.ok(r.ok, `${name} on ${nsp} should connect: ${r.timeout ? 'timeout' : r.err && r.err.message} ${r.err && r.err.data ? JSON.stringify(r.err.data) : ''}`)
  return c
}

function closeAll(list) {
  for (const c of list) c.socket.close()
}

/** No EVENT/ACK/CONNECT packet of any namespace ever reached this client: only its CONNECT_ERROR. */
function assertGotNothing(c, why) {
  assert.deepEqual(c.events, [], `${c.label}: ${why}: surfaced events`)
  const other = c.packets.filter((p) => p.type !== 4 /* CONNECT_ERROR */)
  assert.deepEqual(other, [], `${c.label}: ${why}: packets other than CONNECT_ERROR`)
  assert.equal(c.packets.length, 1, `${c.label}: exactly one CONNECT_ERROR packet`)
}

/**
 * Connects every refusal on `nsp` while broadcasts are sent (before, during from inside
 * onFailure, and after the handshakes), with an authenticated control client listening.
 * Returns the refused clients.
 */
async function refuseAll(nsp, broadcast, control) {
  failures.length = 0
  const cases = REFUSALS()
  let during = 0
  onFailureHook = () => broadcast('news', { when: 'during', n: ++during })
  let refused
  try {
    refused = cases.map((rc) => Object.assign(connect(nsp, rc.opts, rc.name), { rc }))
    broadcast('news', { when: 'while-connecting' })
    const results = await Promise.all(refused.map((c) => c.result))
    broadcast('news', { when: 'after' })

    results.forEach((r, i) => {
      const { rc } = refused[i]
      assert.equal(r.ok, false, `${rc.name} on ${nsp} must be refused`)
      assert.ok(!r.timeout, `${rc.name} on ${nsp}: no connect_error within ${WAIT_MS} ms`)
      assert.equal(r.err.message, 'Unauthorized', `${rc.name} on ${nsp}`)
      assert.deepEqual(r.err.data, { code: rc.code }, `${rc.name} on ${nsp}`)
    })
  } finally {
    onFailureHook = null
  }

  // onFailure: one call per refusal, same code, this namespace, the right source; never the token.
  assert.equal(failures.length, cases.length, `onFailure calls on ${nsp}: ${JSON.stringify(failures)}`)
  const key = (f) => `${f.code}|${f.source ?? null}|${f.namespace}`
  assert.deepEqual(failures.map(key).sort(), cases.map((rc) => `${rc.code}|${rc.source}|${nsp}`).sort())
  for (const f of failures) {
    const text = JSON.stringify(f)
    for (const rc of cases) if (rc.token) assert.ok(!text.includes(rc.token), `onFailure must not carry the token (${rc.name})`)
    if (f.source) assert.equal(typeof f.fingerprint, 'string')
  }

  // The control client gets every broadcast; the refused ones get none of them.
  const expected = 2 + during
  await withTimeout(
    (async () => {
      while (control.events.filter((e) => e.event === 'news').length < expected) await sleep(10)
    })(),
    WAIT_MS,
    `control client on ${nsp} receiving ${expected} broadcasts`,
  )
  assert.equal(during, cases.length, 'a broadcast was sent from inside each refusal')
  await sleep(SETTLE_MS)
  for (const c of refused) assertGotNothing(c, `refused (${c.rc.name}) on ${nsp}`)
  return refused
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

describe('NestJS app: AuthenticatedSocketAdapter + passport, real tokens', { timeout: 30000 }, () => {
  test("1. session cookie on '/': welcome, whoami (cookie), broadcast; a chunked session connects", async () => {
    const list = []
    try {
      const c = await accepted('/', { extraHeaders: { cookie: `theme=dark; ${SALT}=${T.session}` } }, 'session cookie')
      list.push(c)
      const [welcome] = await waitEvent(c, 'welcome')
      assert.deepEqual(welcome, { sub: SESSION_USER.sub, kind: 'authjs' })
      const who = await withTimeout(c.socket.timeout(WAIT_MS).emitWithAck('whoami'), WAIT_MS + 500, 'whoami')
      assert.deepEqual(who, { sub: SESSION_USER.sub, kind: 'authjs', source: 'cookie' })

      const big = await accepted('/', { extraHeaders: { cookie: T.bigCookie } }, 'chunked session')
      list.push(big)
      assert.deepEqual((await waitEvent(big, 'welcome'))[0], { sub: BIG_SUB, kind: 'authjs' })
      const bigWho = await withTimeout(big.socket.timeout(WAIT_MS).emitWithAck('whoami'), WAIT_MS + 500, 'whoami')
      assert.deepEqual(bigWho, { sub: BIG_SUB, kind: 'authjs', source: 'cookie' })

      const payload = { text: `hello ${rand(4)}` }
      app.get(EventsGateway).broadcast('news', payload)
      assert.deepEqual(await waitEvent(c, 'news'), [payload])
      assert.deepEqual(await waitEvent(big, 'news'), [payload])
    } finally {
      closeAll(list)
    }
  })

  test('2. HS256 access token in auth.token and in the Authorization header', async () => {
    const list = []
    try {
      for (const [name, opts, source] of [
        ['auth.token', { auth: { token: T.access } }, 'auth'],
        ['authorization', { extraHeaders: { authorization: `Bearer ${T.access}` } }, 'header'],
      ]) {
        const c = await accepted('/', opts, name)
        list.push(c)
        assert.deepEqual((await waitEvent(c, 'welcome'))[0], { sub: ACCESS_USER.sub, kind: 'jwt' })
        const who = await withTimeout(c.socket.timeout(WAIT_MS).emitWithAck('whoami'), WAIT_MS + 500, 'whoami')
        assert.deepEqual(who, { sub: ACCESS_USER.sub, kind: 'jwt', source }, name)
      }
    } finally {
      closeAll(list)
    }
  })

  test("3. refusals on '/': codes, onFailure, no broadcast while they tried", async () => {
    const list = []
    try {
      const control = await accepted('/', { auth: { token: T.access } }, 'control')
      list.push(control)
      await waitEvent(control, 'welcome')
      const gw = app.get(EventsGateway)
      const refused = await refuseAll('/', (e, d) => gw.broadcast(e, d), control)
      list.push(...refused)
    } finally {
      closeAll(list)
    }
  })

  test("4. '/chat' (ChatGateway) is protected like '/'; accepted clients chat, refused get nothing", async () => {
    const list = []
    try {
      const a = await accepted('/chat', { extraHeaders: { cookie: `${SALT}=${T.session}` } }, 'chat cookie')
      const b = await accepted('/chat', { auth: { token: T.access } }, 'chat auth')
      const h = await accepted('/chat', { extraHeaders: { authorization: `Bearer ${T.access}` } }, 'chat header')
      const root = await accepted('/', { auth: { token: T.access } }, 'root only')
      list.push(a, b, h, root)
      const chatters = [a, b, h]

      const chat = app.get(ChatGateway)
      const refused = await refuseAll('/chat', (e, d) => chat.broadcast(e, d), a)
      list.push(...refused)

      // Messages: from each kind of client, to every accepted chat client.
      const text1 = `hi from ada ${rand(4)}`
      a.socket.emit('message', text1)
      const text2 = `hi from bob ${rand(4)}`
      b.socket.emit('message', text2)
      for (const c of chatters) {
        await withTimeout(
          (async () => {
            while (c.events.filter((e) => e.event === 'message').length < 2) await sleep(10)
          })(),
          WAIT_MS,
          `${c.label} receiving 2 chat messages`,
        )
        const got = c.events.filter((e) => e.event === 'message').map((e) => e.args[0])
        assert.deepEqual(
          got.sort((x, y) => x.text.localeCompare(y.text)),
          [
            { from: SESSION_USER.sub, text: text1 },
            { from: ACCESS_USER.sub, text: text2 },
          ].sort((x, y) => x.text.localeCompare(y.text)),
          c.label,
        )
      }
      // A refused client cannot send: its emit is only buffered client-side, and nobody gets it.
      refused[0].socket.emit('message', 'sneaky')
      await sleep(SETTLE_MS)
      for (const c of chatters) assert.equal(c.events.filter((e) => e.event === 'message').length, 2, `${c.label}: nothing from a refused client`)
      for (const c of refused) assertGotNothing(c, `refused (${c.rc.name}) on /chat after chatting`)
      // Namespaces stay apart: a '/' client sees no chat message nor chat broadcast.
      assert.deepEqual(
        root.events.map((e) => e.event),
        ['welcome'],
      )
      // Server side, '/chat' holds exactly the accepted sockets.
      assert.equal(chat.server.sockets.size, chatters.length)
    } finally {
      closeAll(list)
    }
  })

  test('5. HTTP GET /me through passport AuthGuard(jwt)', async () => {
    const me = async (headers) => {
      const res = await withTimeout(fetch(`${url}/me`, { headers, signal: AbortSignal.timeout(WAIT_MS) }), WAIT_MS + 500, 'GET /me')
      const body = await res.text()
      return { status: res.status, body: body ? JSON.parse(body) : null }
    }
    assert.equal((await me({})).status, 401, 'no token')
    assert.equal((await me({ authorization: `Bearer ${T.forged}` })).status, 401, 'forged Bearer')
    assert.equal((await me({ authorization: `Bearer ${T.expired}` })).status, 401, 'expired Bearer')
    assert.equal((await me({ authorization: `Bearer ${T.algNone}` })).status, 401, 'alg none Bearer')
    assert.equal((await me({ authorization: `Bearer ${T.hs512}` })).status, 401, 'HS512 Bearer')
    assert.equal((await me({ cookie: `${SALT}=${T.otherSession}` })).status, 401, 'session of another AUTH_SECRET')
    assert.equal((await me({ cookie: `${SALT}=not-a-jwe` })).status, 401, 'garbage session cookie')

    const bySession = await me({ cookie: `theme=dark; ${SALT}=${T.session}` })
    assert.equal(bySession.status, 200)
    assert.deepEqual(bySession.body, { id: SESSION_USER.sub, email: SESSION_USER.email, name: SESSION_USER.name })

    const byChunks = await me({ cookie: T.bigCookie })
    assert.equal(byChunks.status, 200)
    assert.equal(byChunks.body.id, BIG_SUB)

    const byBearer = await me({ authorization: `Bearer ${T.access}` })
    assert.equal(byBearer.status, 200)
    assert.deepEqual(byBearer.body, { id: ACCESS_USER.sub, email: ACCESS_USER.email, name: null })
  })

  test("6. the gateway never saw a refused socket (handleConnection, 'welcome')", async () => {
    const list = []
    try {
      const ok = await accepted('/', { auth: { token: T.access } }, 'seen')
      list.push(ok)
      await waitEvent(ok, 'welcome')
      const refused = REFUSALS().map((rc) => Object.assign(connect('/', rc.opts, `unseen ${rc.name}`), { rc }))
      list.push(...refused)
      for (const c of refused) assert.equal((await c.result).ok, false, c.rc.name)
      await sleep(SETTLE_MS)

      assert.ok(connectionsSeen.includes(ok.label), 'handleConnection ran for the accepted socket')
      // Every client ever refused on '/' in this file (tests 3 and 6): handleConnection never ran,
      // and none of them ever got 'welcome' (or any packet but its CONNECT_ERROR).
      const everRefused = clients.filter((c) => c.rc && c.nsp === '/')
      assert.ok(everRefused.length >= 2 * REFUSALS().length)
      for (const c of everRefused) {
        assert.ok(!connectionsSeen.includes(c.label), `handleConnection ran for refused ${c.label}`)
        assert.ok(!c.events.some((e) => e.event === 'welcome'), `${c.label} got 'welcome'`)
        assertGotNothing(c, 'refused')
      }
      // And every socket handleConnection saw was one that connected.
      const acceptedLabels = new Set(clients.filter((c) => !c.rc).map((c) => c.label))
      for (const label of connectionsSeen) assert.ok(acceptedLabels.has(label), `handleConnection for unknown ${label}`)
    } finally {
      closeAll(list)
    }
  })
})
