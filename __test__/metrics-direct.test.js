'use strict'

// authbridge/metrics for the entry points an app calls itself (issue 25): HandshakeAuthenticator
// called directly (transport 'direct' of authbridge.auth.outcomes, counted natively) and the bare
// verifiers (JwtVerifier, AuthJsSession, BetterAuthSession: authbridge.verifier.outcomes), read
// with the real @opentelemetry/sdk-metrics (a MetricReader's collect()) and a real prom-client
// Registry; the authbridge:check channel carries the direct checks with their fingerprints.
// Then the same authenticator and verifiers behind the integrations (Socket.IO over loopback,
// ws over loopback, the passport Strategy, JwtService): their checks are counted once, under
// their own transport, and the direct counters do not move. Counters are process-wide and
// only grow, so every assertion is on the difference between two collections.

const { describe, test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const crypto = require('node:crypto')
const dc = require('node:diagnostics_channel')
const jsonwebtoken = require('jsonwebtoken')
const { Server } = require('socket.io')
const { io: ioClient } = require('socket.io-client')
const { WebSocketServer } = require('ws')
const { MeterProvider, MetricReader, AggregationTemporality } = require('@opentelemetry/sdk-metrics')
const promClient = require('prom-client')

const { HandshakeAuthenticator, JwtVerifier, AuthJsSession, BetterAuthSession, tokenFingerprint } = require('..')
const { socketIoAuth } = require('../js/socket.io/index.js')
const { wsVerifyClient } = require('../js/ws/index.js')
const { Strategy, ExtractJwt } = require('../js/passport/index.js')
const { JwtService } = require('../js/nest/jwt-service.js')
const metrics = require('../js/metrics/index.js')
const h = require('./helpers/ws.js')
const { run, request } = require('./helpers/strategy.js')

const now = () => Math.floor(Date.now() / 1000)
const FORGED_SECRET = crypto.randomBytes(32).toString('hex')
const forged = (sub = 'mallory') => jsonwebtoken.sign({ sub }, FORGED_SECRET, { algorithm: 'HS256', expiresIn: '15m' })
const expired = () => jsonwebtoken.sign({ sub: 'late', exp: now() - 600, iat: now() - 1200 }, h.JWT_SECRET, { algorithm: 'HS256' })

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE })
  }
  async onForceFlush() {}
  async onShutdown() {}
}

const reader = new TestReader()
const registry = new promClient.Registry()
let otel, prom
const events = []
const onCheck = (e) => events.push(e)

/** The counts of one metric now, from both backends: Map of a series key to its value. */
async function snapshot() {
  const { resourceMetrics, errors } = await reader.collect()
  assert.deepEqual(errors, [])
  const out = { otel: new Map(), prom: new Map() }
  for (const sm of resourceMetrics.scopeMetrics) {
    for (const m of sm.metrics) {
      if (m.descriptor.name !== 'authbridge.auth.outcomes' && m.descriptor.name !== 'authbridge.verifier.outcomes') continue
      for (const p of m.dataPoints) {
        const a = p.attributes
        const key = [m.descriptor.name === 'authbridge.auth.outcomes' ? 'outcomes' : 'verifier', a['authbridge.transport'] || '', a['authbridge.kind'] || '', a['authbridge.source'] || '', a['error.type'] || ''].join('|')
        out.otel.set(key, p.value)
      }
    }
  }
  for (const m of await registry.getMetricsAsJSON()) {
    if (m.name !== 'authbridge_auth_outcomes_total' && m.name !== 'authbridge_verifier_outcomes_total') continue
    for (const v of m.values) {
      const l = v.labels
      const key = [m.name === 'authbridge_auth_outcomes_total' ? 'outcomes' : 'verifier', l.transport || '', l.kind || '', l.source || '', l.code || ''].join('|')
      out.prom.set(key, v.value)
    }
  }
  return out
}

/** The series that changed between two snapshots, per backend, as { key: delta } (both backends must agree). */
function delta(a, b, prefix) {
  const per = {}
  for (const backend of ['otel', 'prom']) {
    const d = {}
    for (const [k, v] of b[backend]) {
      if (!k.startsWith(prefix)) continue
      const diff = v - (a[backend].get(k) || 0)
      if (diff !== 0) d[k.slice(prefix.length)] = diff
    }
    per[backend] = d
  }
  assert.deepEqual(per.prom, per.otel, 'OpenTelemetry and prom-client count the same')
  return per.otel
}

before(() => {
  otel = metrics.openTelemetryMetrics({ meterProvider: new MeterProvider({ readers: [reader] }), traces: false })
  prom = metrics.prometheusMetrics({ registry })
  assert.equal(otel.metrics, true)
  dc.subscribe(metrics.channels.check, onCheck)
})

after(() => {
  dc.unsubscribe(metrics.channels.check, onCheck)
  otel.close()
  prom.close()
})

describe('HandshakeAuthenticator called directly', () => {
  test("each outcome is counted once as transport 'direct' (kind, source, code), and published with its fingerprint", async () => {
    const auth = new HandshakeAuthenticator(h.options())
    const session = await h.sessionToken({ sub: 'carol' })
    const bad = [forged('m1'), forged('m2'), expired(), forged('m3')]
    const good = [h.accessToken('alice'), h.accessToken('bob'), h.accessToken('dave'), h.accessToken('erin')]
    const before = await snapshot()
    events.length = 0
    assert.equal(auth.authenticate({ auth: { token: good[0] } }).kind, 'jwt')
    assert.equal(auth.authenticate({ headers: { authorization: `Bearer ${good[1]}` } }).source, 'header')
    assert.equal(auth.authenticate({ headers: { cookie: `${h.COOKIE}=${session}` } }).kind, 'authjs')
    assert.throws(() => auth.authenticate({ auth: { token: bad[0] } }), { code: 'ERR_JWS_SIGNATURE_INVALID' })
    assert.throws(() => auth.authenticate({ auth: { token: bad[1] } }), { code: 'ERR_JWS_SIGNATURE_INVALID' })
    assert.throws(() => auth.authenticate({}), { code: 'ERR_TOKEN_MISSING' })
    assert.throws(() => auth.verifyToken(bad[2]), { code: 'ERR_JWT_EXPIRED' })
    assert.equal(auth.verifyToken(good[2]).kind, 'jwt')
    assert.equal((await auth.authenticateAsync({ auth: { token: good[3] } })).source, 'auth')
    await assert.rejects(auth.verifyTokenAsync(bad[3]), { code: 'ERR_JWS_SIGNATURE_INVALID' })
    const after = await snapshot()
    assert.deepEqual(delta(before, after, 'outcomes|direct|'), {
      'jwt|auth|': 2,
      'jwt|header|': 1,
      'authjs|cookie|': 1,
      '|auth|ERR_JWS_SIGNATURE_INVALID': 2,
      '||ERR_TOKEN_MISSING': 1,
      '||ERR_JWT_EXPIRED': 1,
      'jwt||': 1,
      '||ERR_JWS_SIGNATURE_INVALID': 1,
    })
    // Nothing else was counted for these calls: no integration, no bare verifier.
    assert.deepEqual(delta(before, after, 'verifier|'), {})
    assert.equal(events.length, 10)
    for (const e of events) assert.equal(e.transport, 'direct')
    assert.deepEqual(
      events.filter((e) => e.code).map((e) => [e.code, e.source, e.fingerprint]),
      [
        ['ERR_JWS_SIGNATURE_INVALID', 'auth', tokenFingerprint(bad[0])],
        ['ERR_JWS_SIGNATURE_INVALID', 'auth', tokenFingerprint(bad[1])],
        ['ERR_TOKEN_MISSING', null, null],
        ['ERR_JWT_EXPIRED', null, tokenFingerprint(bad[2])],
        ['ERR_JWS_SIGNATURE_INVALID', null, tokenFingerprint(bad[3])],
      ],
    )
    const text = JSON.stringify(events) + (await registry.metrics())
    for (const t of [...good, ...bad, session]) assert.ok(!text.includes(t), 'no token in an event or a label')
  })
})

describe('the same authenticator and verifiers behind the integrations', () => {
  let httpServer, io, wsHttp, wss
  const clients = []
  after(async () => {
    for (const c of clients) c()
    if (io) io.close()
    if (wss) {
      for (const c of wss.clients) c.terminate()
      await new Promise((r) => wss.close(r))
    }
    for (const s of [httpServer, wsHttp]) {
      if (!s) continue
      s.closeAllConnections?.()
      await new Promise((r) => s.close(r))
    }
  })

  test('Socket.IO, ws, passport and JwtService count under their transport, the direct counters do not move', async () => {
    const auth = new HandshakeAuthenticator(h.options())
    httpServer = http.createServer()
    io = new Server(httpServer)
    io.use(socketIoAuth(auth))
    await new Promise((r) => httpServer.listen(0, '127.0.0.1', r))
    const sioUrl = `http://127.0.0.1:${httpServer.address().port}`
    wsHttp = http.createServer()
    wss = new WebSocketServer({ server: wsHttp, verifyClient: wsVerifyClient(auth) })
    await new Promise((r) => wsHttp.listen(0, '127.0.0.1', r))
    const wsUrl = `ws://127.0.0.1:${wsHttp.address().port}/`
    const sio = (token) =>
      new Promise((resolve) => {
        const c = ioClient(sioUrl, { auth: { token }, transports: ['websocket'], forceNew: true, reconnection: false })
        clients.push(() => c.close())
        c.once('connect', () => resolve(true))
        c.once('connect_error', (err) => resolve(err.data && err.data.code))
      })
    const strategy = new Strategy({ secretOrKey: h.JWT_SECRET, algorithms: ['HS256'], jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken() }, (p, done) => done(null, p))
    const jwt = new JwtService({ secret: h.JWT_SECRET, verifyOptions: { algorithms: ['HS256'] } })

    const before = await snapshot()
    events.length = 0
    assert.equal(await sio(h.accessToken('alice')), true)
    assert.equal(await sio(forged()), 'ERR_JWS_SIGNATURE_INVALID')
    const { ws } = await h.open(wsUrl, { headers: { authorization: `Bearer ${h.accessToken('bob')}` } })
    clients.push(() => ws.terminate())
    await assert.rejects(h.open(wsUrl, { headers: { authorization: `Bearer ${expired()}` } }), (err) => err.status === 401)
    assert.equal((await run(strategy, request({ headers: { authorization: `Bearer ${h.accessToken('carol')}` } }))).kind, 'success')
    assert.equal((await run(strategy, request({ headers: { authorization: `Bearer ${forged()}` } }))).kind, 'fail')
    assert.equal(jwt.verify(h.accessToken('dave')).sub, 'dave')
    assert.equal(jwt.verify(h.accessToken('dave'), { complete: true }).payload.sub, 'dave')
    assert.throws(() => jwt.verify(forged()))
    const after = await snapshot()

    const counted = delta(before, after, 'outcomes|')
    const total = (transport, code) => Object.entries(counted).filter(([k]) => k.startsWith(`${transport}|`) && (code === null ? k.endsWith('|') : k.endsWith(`|${code}`))).reduce((n, [, v]) => n + v, 0)
    assert.equal(total('socket.io', null), 1)
    assert.equal(total('socket.io', 'ERR_JWS_SIGNATURE_INVALID'), 1)
    assert.equal(total('ws', null), 1)
    assert.equal(total('ws', 'ERR_JWT_EXPIRED'), 1)
    assert.equal(total('http', null), 1)
    assert.equal(total('http', 'ERR_JWS_SIGNATURE_INVALID'), 1)
    assert.equal(total('call', null), 2)
    assert.equal(total('call', 'ERR_JWS_SIGNATURE_INVALID'), 1)
    assert.deepEqual(Object.keys(counted).filter((k) => k.startsWith('direct|')), [], 'no direct count for an integration')
    assert.equal(Object.values(counted).reduce((n, v) => n + v, 0), 9, 'one count per check')
    // JwtService's verifiers are JwtVerifiers: not counted again as bare verifiers.
    assert.deepEqual(delta(before, after, 'verifier|'), {})
    assert.equal(events.filter((e) => e.transport === 'direct').length, 0)
    assert.equal(events.length, 9)
  })
})

describe('the bare verifiers called directly', () => {
  test('JwtVerifier: verify, verifyComplete and their async variants are each counted once', async () => {
    const v = new JwtVerifier({ algorithms: ['HS256'], key: h.JWT_SECRET })
    const before = await snapshot()
    v.verify(h.accessToken('a'))
    assert.throws(() => v.verifyComplete(forged()), { code: 'ERR_JWS_SIGNATURE_INVALID' })
    await v.verifyAsync(h.accessToken('b'))
    await assert.rejects(v.verifyCompleteAsync(expired()), { code: 'ERR_JWT_EXPIRED' })
    assert.equal(v.verifyComplete(h.accessToken('c')).payload.sub, 'c')
    const after = await snapshot()
    assert.deepEqual(delta(before, after, 'verifier|'), { '|jwt||': 3, '|jwt||ERR_JWS_SIGNATURE_INVALID': 1, '|jwt||ERR_JWT_EXPIRED': 1 })
    assert.deepEqual(delta(before, after, 'outcomes|'), {})
  })

  test('AuthJsSession: decode, fromCookieHeader and fromHeaders are counted; finding no cookie is not', async () => {
    const s = new AuthJsSession({ secret: h.AUTH_SECRET })
    const token = await h.sessionToken({ sub: 'carol' })
    const before = await snapshot()
    assert.equal(s.decode(token).sub, 'carol')
    assert.equal(s.fromCookieHeader(`${h.COOKIE}=${token}`).sub, 'carol')
    assert.equal(s.fromHeaders({ cookie: `${h.COOKIE}=${token}` }).sub, 'carol')
    assert.equal(s.fromCookieHeader('theme=dark'), null)
    assert.equal(s.fromHeaders({}), null)
    const tampered = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA')
    assert.throws(() => s.decode(tampered), { code: 'ERR_JWE_DECRYPTION_FAILED' })
    const after = await snapshot()
    assert.deepEqual(delta(before, after, 'verifier|'), { '|authjs||': 3, '|authjs||ERR_JWE_DECRYPTION_FAILED': 1 })
  })

  test('BetterAuthSession: decode and decodeCookieHeader are counted; finding no cookie is not', async () => {
    const { makeAuth, memoryDb, signUp, signIn, cookieHeader, SECRET } = await import('./helpers/better-auth.mjs')
    const { auth, baseURL } = makeAuth({ db: memoryDb() })
    await signUp(auth, baseURL, { email: 'ada@example.com', name: 'Ada' })
    const header = cookieHeader((await signIn(auth, baseURL, 'ada@example.com')).setCookies)
    const data = decodeURIComponent(header.split('; ').find((p) => p.startsWith('better-auth.session_data=')).split('=').slice(1).join('='))
    const ba = new BetterAuthSession({ secret: SECRET })
    const before = await snapshot()
    assert.equal(ba.decode(data).user.email, 'ada@example.com')
    assert.equal(ba.decodeCookieHeader(header).user.email, 'ada@example.com')
    assert.equal(ba.decodeCookieHeader('theme=dark'), null)
    assert.throws(() => ba.decode(data.slice(0, -3) + (data.endsWith('AAA') ? 'BBB' : 'AAA')), (err) => typeof err.code === 'string')
    const after = await snapshot()
    const d = delta(before, after, 'verifier|')
    assert.equal(d['|betterauth||'], 2)
    assert.equal(Object.entries(d).filter(([k]) => k !== '|betterauth||').reduce((n, [, v]) => n + v, 0), 1, JSON.stringify(d))
  })
})
