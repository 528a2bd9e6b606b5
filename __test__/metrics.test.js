'use strict'

// authbridge/metrics (issue 25) with the real libraries: @opentelemetry/sdk-metrics read by a
// MetricReader's collect(), @opentelemetry/sdk-trace-base's in-memory span exporter, and a
// prom-client Registry, after a known mix of accepted and refused tokens on every transport:
// Socket.IO (socket.io-client), plain WebSocket (ws), graphql-ws (graphql-ws's client and
// useServer), the passport Strategy and JwtService, plus the bare JwtVerifier (native
// counters). Tokens come from jsonwebtoken and @auth/core. Every server is real, on loopback.

const { describe, test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const crypto = require('node:crypto')
const { spawnSync } = require('node:child_process')
const path = require('node:path')
const dc = require('node:diagnostics_channel')
const jsonwebtoken = require('jsonwebtoken')
const { Server } = require('socket.io')
const { io: ioClient } = require('socket.io-client')
const WebSocket = require('ws')
const { WebSocketServer } = require('ws')
const { createClient } = require('graphql-ws')
const { useServer } = require('graphql-ws/use/ws')
const { buildSchema } = require('graphql')
const { MeterProvider, MetricReader, AggregationTemporality } = require('@opentelemetry/sdk-metrics')
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base')
const promClient = require('prom-client')

const { JwtVerifier, RevocationList, RemoteJwks, AuthJsSession, BetterAuthSession } = require('..')
const { socketIoAuth } = require('../js/socket.io/index.js')
const { wsVerifyClient, watchConnection } = require('../js/ws/index.js')
const { graphqlWsAuth } = require('../js/graphql-ws/index.js')
const { Strategy, ExtractJwt } = require('../js/passport/index.js')
const metrics = require('../js/metrics/index.js')
const h = require('./helpers/ws.js')
const { run, request } = require('./helpers/strategy.js')

const ROOT = path.join(__dirname, '..')
const now = () => Math.floor(Date.now() / 1000)
const FORGED_SECRET = crypto.randomBytes(32).toString('hex')

/** The mix each transport gets: 2 access tokens, 1 session, 2 forged, 1 expired, 1 missing. */
async function mix() {
  return {
    accepted: [h.accessToken('alice'), h.accessToken('bob'), await h.sessionToken({ sub: 'carol' })],
    refused: [
      [jsonwebtoken.sign({ sub: 'mallory' }, FORGED_SECRET, { algorithm: 'HS256', expiresIn: '15m' }), 'ERR_JWS_SIGNATURE_INVALID'],
      [jsonwebtoken.sign({ sub: 'mallory2' }, FORGED_SECRET, { algorithm: 'HS256', expiresIn: '15m' }), 'ERR_JWS_SIGNATURE_INVALID'],
      [jsonwebtoken.sign({ sub: 'late', exp: now() - 600, iat: now() - 1200 }, h.JWT_SECRET, { algorithm: 'HS256' }), 'ERR_JWT_EXPIRED'],
      [undefined, 'ERR_TOKEN_MISSING'],
    ],
  }
}
const EXPECTED = [
  { kind: 'jwt', code: null, n: 2 },
  { kind: 'authjs', code: null, n: 1 },
  { code: 'ERR_JWS_SIGNATURE_INVALID', n: 2 },
  { code: 'ERR_JWT_EXPIRED', n: 1 },
  { code: 'ERR_TOKEN_MISSING', n: 1 },
]

/** A MetricReader whose collect() the test calls (cumulative). */
class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE })
  }
  async onForceFlush() {}
  async onShutdown() {}
}

async function collect(reader) {
  const { resourceMetrics, errors } = await reader.collect()
  assert.deepEqual(errors, [])
  const out = new Map()
  for (const sm of resourceMetrics.scopeMetrics) for (const m of sm.metrics) out.set(m.descriptor.name, m)
  return out
}

/** Sum of a counter's points whose attributes include `match`. */
function sumOf(metric, match) {
  if (!metric) return 0
  let n = 0
  for (const p of metric.dataPoints) {
    if (Object.entries(match).every(([k, v]) => p.attributes[k] === v)) n += typeof p.value === 'number' ? p.value : p.value.count
  }
  return n
}

let sio, wsS, gql
const clients = []

async function socketIoServer(settings = {}) {
  const httpServer = http.createServer()
  const io = new Server(httpServer)
  io.use(socketIoAuth(h.options(), settings))
  await new Promise((r) => httpServer.listen(0, '127.0.0.1', r))
  return { io, httpServer, url: `http://127.0.0.1:${httpServer.address().port}` }
}

function sioConnect(url, token) {
  return new Promise((resolve) => {
    const c = ioClient(url, { auth: token === undefined ? {} : { token }, transports: ['websocket'], forceNew: true, reconnection: false })
    clients.push(() => c.close())
    c.once('connect', () => resolve({ ok: true, c }))
    c.once('connect_error', (err) => resolve({ ok: false, code: err.data && err.data.code }))
  })
}

async function wsServer(settings = {}) {
  const httpServer = http.createServer()
  const wss = new WebSocketServer({ server: httpServer, verifyClient: wsVerifyClient(h.options(), settings) })
  wss.on('connection', (ws, req) => watchConnection(ws, req))
  await new Promise((r) => httpServer.listen(0, '127.0.0.1', r))
  return { wss, httpServer, url: `ws://127.0.0.1:${httpServer.address().port}/` }
}

async function wsConnect(url, token) {
  const headers = token === undefined ? {} : { authorization: `Bearer ${token}` }
  try {
    const { ws } = await h.open(url, { headers })
    clients.push(() => ws.terminate())
    return { ok: true, ws }
  } catch (err) {
    return { ok: false, code: err.body && err.body.code }
  }
}

async function gqlServer() {
  const httpServer = http.createServer()
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql' })
  const schema = buildSchema('type Query { me: String }')
  const auth = graphqlWsAuth(h.options())
  const cleanup = useServer({ schema, roots: { query: { me: () => 'x' } }, ...auth }, wss)
  await new Promise((r) => httpServer.listen(0, '127.0.0.1', r))
  return { wss, httpServer, cleanup, url: `ws://127.0.0.1:${httpServer.address().port}/graphql` }
}

function gqlConnect(url, token) {
  return new Promise((resolve) => {
    const client = createClient({ url, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0, connectionParams: token === undefined ? {} : { token }, onNonLazyError: () => {} })
    clients.push(() => client.dispose())
    client.on('connected', () => resolve({ ok: true }))
    client.on('closed', (e) => resolve({ ok: false, code: e && e.reason }))
  })
}

async function closeServer(s) {
  if (s.io) s.io.close()
  if (s.cleanup) await s.cleanup.dispose()
  if (s.wss) {
    for (const c of s.wss.clients) c.terminate()
    await new Promise((r) => s.wss.close(r))
  }
  s.httpServer.closeAllConnections?.()
  await new Promise((r) => s.httpServer.close(r))
}

/** Runs the mix through `connect(url, token)`, asserting each outcome. */
async function runMix(connect, url) {
  const m = await mix()
  for (const t of m.accepted) assert.equal((await connect(url, t)).ok, true)
  for (const [t, code] of m.refused) {
    const r = await connect(url, t)
    assert.equal(r.ok, false)
    assert.equal(r.code, code)
  }
  return m
}

describe('authbridge/metrics with no SDK', () => {
  test('nothing is loaded, nothing is subscribed, nothing is counted', () => {
    // A fresh process: @opentelemetry/api is installed, but no SDK is registered.
    const script = `
      const metrics = require('./js/metrics/index.js')
      const dc = require('node:diagnostics_channel')
      const loaded = () => Object.keys(require.cache).filter((f) => /@opentelemetry|prom-client/.test(f)).length
      const before = loaded()
      const m = metrics.openTelemetryMetrics()
      const subs = Object.values(metrics.channels).some((n) => dc.channel(n).hasSubscribers)
      const { JwtVerifier } = require('.')
      process.stdout.write(JSON.stringify({ before, enabled: m.enabled, subs }))
    `
    const r = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' })
    assert.equal(r.status, 0, r.stderr)
    const out = JSON.parse(r.stdout)
    assert.equal(out.before, 0, 'requiring authbridge/metrics loads no peer')
    assert.equal(out.enabled, false)
    assert.equal(out.subs, false, 'without an SDK nobody listens: the entry points publish nothing')
  })
})

describe('authbridge/metrics after a known mix on every transport', () => {
  const reader = new TestReader()
  const meterProvider = new MeterProvider({ readers: [reader] })
  const spans = new InMemorySpanExporter()
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] })
  const registry = new promClient.Registry()
  let otel, prom
  const tokens = []
  let nativeBefore

  before(async () => {
    otel = metrics.openTelemetryMetrics({ meterProvider, tracerProvider })
    prom = metrics.prometheusMetrics({ registry })
    nativeBefore = metrics.nativeCounts()
    sio = await socketIoServer()
    wsS = await wsServer()
    gql = await gqlServer()
    for (const [connect, url] of [
      [sioConnect, sio.url],
      [wsConnect, wsS.url],
      [gqlConnect, gql.url],
    ]) {
      const m = await runMix(connect, url)
      tokens.push(...m.accepted, ...m.refused.map(([t]) => t).filter(Boolean))
    }
    // passport (transport 'http'): the same mix.
    const strategy = new Strategy({ secretOrKey: h.JWT_SECRET, algorithms: ['HS256'], jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken() }, (p, done) => done(null, p))
    const m = await mix()
    for (const t of m.accepted.slice(0, 2)) assert.equal((await run(strategy, request({ headers: { authorization: `Bearer ${t}` } }))).kind, 'success')
    for (const [t] of m.refused) assert.equal((await run(strategy, request({ headers: t ? { authorization: `Bearer ${t}` } : {} }))).kind, 'fail')
    // The bare verifier: 3 accepted, 2 forged (counted natively).
    const v = new JwtVerifier({ algorithms: ['HS256'], key: h.JWT_SECRET })
    for (const t of m.accepted.slice(0, 2)) v.verify(t)
    v.verify(h.accessToken('dave'))
    for (const [t] of m.refused.slice(0, 2)) assert.throws(() => v.verify(t), { code: 'ERR_JWS_SIGNATURE_INVALID' })
    tokens.push(...m.accepted, ...m.refused.map(([t]) => t).filter(Boolean))
  })

  after(async () => {
    for (const c of clients) c()
    for (const s of [sio, wsS, gql]) if (s) await closeServer(s)
    otel.close()
    prom.close()
  })

  test('OpenTelemetry: outcomes per transport equal the mix', async () => {
    const got = await collect(reader)
    const outcomes = got.get('authbridge.auth.outcomes')
    assert.ok(outcomes, 'authbridge.auth.outcomes is exported')
    assert.equal(outcomes.descriptor.unit, '{outcome}')
    for (const transport of ['socket.io', 'ws', 'graphql-ws']) {
      for (const e of EXPECTED) {
        const match = { 'authbridge.transport': transport, 'authbridge.outcome': e.code ? 'refused' : 'accepted' }
        if (e.kind) match['authbridge.kind'] = e.kind
        if (e.code) match['error.type'] = e.code
        assert.equal(sumOf(outcomes, match), e.n, `${transport} ${e.kind || ''} ${e.code || 'accepted'}`)
      }
      assert.equal(sumOf(outcomes, { 'authbridge.transport': transport }), 7)
    }
    // passport: 2 accepted JWTs (Bearer header), the 4 refusals.
    assert.equal(sumOf(outcomes, { 'authbridge.transport': 'http', 'authbridge.outcome': 'accepted', 'authbridge.kind': 'jwt' }), 2)
    assert.equal(sumOf(outcomes, { 'authbridge.transport': 'http', 'error.type': 'ERR_JWS_SIGNATURE_INVALID' }), 2)
    assert.equal(sumOf(outcomes, { 'authbridge.transport': 'http', 'error.type': 'ERR_JWT_EXPIRED' }), 1)
    assert.equal(sumOf(outcomes, { 'authbridge.transport': 'http', 'error.type': 'ERR_TOKEN_MISSING' }), 1)
    // One handshake time per WebSocket handshake, in seconds.
    const hs = got.get('authbridge.handshake.duration')
    assert.equal(hs.descriptor.unit, 's')
    for (const transport of ['socket.io', 'ws', 'graphql-ws']) {
      assert.equal(sumOf(hs, { 'authbridge.transport': transport }), 7, transport)
      assert.equal(sumOf(hs, { 'authbridge.transport': transport, 'error.type': 'ERR_JWS_SIGNATURE_INVALID' }), 2, transport)
    }
    for (const p of hs.dataPoints) assert.ok(p.value.max < 5, 'a handshake takes seconds at most, not milliseconds counted as seconds')
    // Connections held now: the 3 admitted on each transport.
    const conns = got.get('authbridge.connection.count')
    for (const transport of ['socket.io', 'ws', 'graphql-ws']) assert.equal(sumOf(conns, { 'authbridge.transport': transport }), 3, transport)
  })

  test('OpenTelemetry: the bare verifier is counted natively, read on collection', async () => {
    const got = await collect(reader)
    const v = got.get('authbridge.verifier.outcomes')
    const base = (code) => (nativeBefore.find((c) => c.verifier === 'jwt' && c.code === code) || { count: 0 }).count
    assert.equal(sumOf(v, { 'authbridge.kind': 'jwt', 'authbridge.outcome': 'accepted' }) - base(null), 3)
    assert.equal(sumOf(v, { 'authbridge.kind': 'jwt', 'error.type': 'ERR_JWS_SIGNATURE_INVALID' }) - base('ERR_JWS_SIGNATURE_INVALID'), 2)
  })

  test('native counters of AuthJsSession#decode and BetterAuthSession#decode', async () => {
    const count = (verifier, code) => (metrics.nativeCounts().find((c) => c.verifier === verifier && c.code === code) || { count: 0 }).count
    const before = [count('authjs', null), count('authjs', 'ERR_JWE_NO_MATCHING_SECRET'), count('betterauth', 'ERR_TOKEN_MALFORMED')]
    const session = new AuthJsSession({ secret: h.AUTH_SECRET })
    const good = await h.sessionToken({ sub: 'gina' })
    assert.equal(session.decode(good).sub, 'gina')
    assert.equal(session.decode(good).sub, 'gina')
    const other = new AuthJsSession({ secret: crypto.randomBytes(32).toString('base64') })
    assert.throws(() => other.decode(good), { code: 'ERR_JWE_NO_MATCHING_SECRET' })
    assert.throws(() => new BetterAuthSession({ secret: 'b'.repeat(32) }).decode('not-a-cookie'), { code: 'ERR_TOKEN_MALFORMED' })
    assert.deepEqual(
      [count('authjs', null) - before[0], count('authjs', 'ERR_JWE_NO_MATCHING_SECRET') - before[1], count('betterauth', 'ERR_TOKEN_MALFORMED') - before[2]],
      [2, 1, 1],
    )
    const got = await collect(reader)
    assert.ok(sumOf(got.get('authbridge.verifier.outcomes'), { 'authbridge.kind': 'betterauth', 'error.type': 'ERR_TOKEN_MALFORMED' }) >= 1)
  })

  test('no label, attribute or span holds a token', async () => {
    const got = await collect(reader)
    const text = JSON.stringify([...got.values()].map((m) => m.dataPoints.map((p) => p.attributes))) + JSON.stringify(spans.getFinishedSpans().map((s) => [s.name, s.attributes, s.status, s.events]))
    const promText = await registry.metrics()
    assert.ok(tokens.length >= 20)
    for (const t of tokens) {
      // Any part of a token (its header, payload or signature) would be a leak.
      for (const part of t.split('.').filter((p) => p.length >= 16)) {
        assert.equal(text.includes(part), false, 'an OpenTelemetry attribute holds a token part')
        assert.equal(promText.includes(part), false, 'a Prometheus label holds a token part')
      }
    }
    assert.doesNotMatch(text + promText, /eyJ[A-Za-z0-9_-]{8,}/)
  })

  test('traces: one span per handshake, the code on failure', () => {
    const hs = spans.getFinishedSpans().filter((s) => s.name === 'authbridge.handshake')
    assert.equal(hs.length, 21)
    const failed = hs.filter((s) => s.status.code === 2)
    assert.equal(failed.length, 12)
    assert.deepEqual([...new Set(failed.map((s) => s.attributes['error.type']))].sort(), ['ERR_JWS_SIGNATURE_INVALID', 'ERR_JWT_EXPIRED', 'ERR_TOKEN_MISSING'])
    for (const s of hs) assert.ok(['socket.io', 'ws', 'graphql-ws'].includes(s.attributes['authbridge.transport']))
  })

  test('prom-client: the registry text after the same mix', async () => {
    const text = await registry.metrics()
    const line = (name, labels) => {
      const re = new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm')
      let n = 0
      for (const m of text.matchAll(re)) {
        const l = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]))
        if (Object.entries(labels).every(([k, v]) => l[k] === v)) n += Number(m[2])
      }
      return n
    }
    for (const transport of ['socket.io', 'ws', 'graphql-ws']) {
      assert.equal(line('authbridge_auth_outcomes_total', { transport, outcome: 'accepted', kind: 'jwt' }), 2, transport)
      assert.equal(line('authbridge_auth_outcomes_total', { transport, outcome: 'accepted', kind: 'authjs' }), 1, transport)
      assert.equal(line('authbridge_auth_outcomes_total', { transport, code: 'ERR_JWS_SIGNATURE_INVALID' }), 2, transport)
      assert.equal(line('authbridge_auth_outcomes_total', { transport, code: 'ERR_JWT_EXPIRED' }), 1, transport)
      assert.equal(line('authbridge_auth_outcomes_total', { transport, code: 'ERR_TOKEN_MISSING' }), 1, transport)
      assert.equal(line('authbridge_handshake_duration_seconds_count', { transport }), 7, transport)
      assert.equal(line('authbridge_connections', { transport }), 3, transport)
    }
    assert.equal(line('authbridge_auth_outcomes_total', { transport: 'http', code: 'ERR_JWS_SIGNATURE_INVALID' }), 2)
    assert.match(text, /# TYPE authbridge_verifier_outcomes_total counter/)
    assert.ok(line('authbridge_verifier_outcomes_total', { kind: 'jwt', code: 'ERR_JWS_SIGNATURE_INVALID' }) >= 2)
  })

  test('close(): unsubscribed and unregistered', async () => {
    const p2 = metrics.prometheusMetrics({ registry: new promClient.Registry() })
    p2.close()
    assert.equal((await p2.registry.metrics()).trim(), '')
  })
})

describe('lifetime events and gauges of the shared connection watch', () => {
  test('ws: revoked and expired connections are counted once each, with their code', async (t) => {
    const registry = new promClient.Registry()
    const prom = metrics.prometheusMetrics({ registry })
    const seen = []
    const listen = (e) => seen.push(e)
    dc.subscribe('authbridge:lifetime', listen)
    const list = new RevocationList()
    const s = await wsServer({ revocation: list })
    t.after(async () => {
      dc.unsubscribe('authbridge:lifetime', listen)
      prom.close()
      await closeServer(s)
    })
    const a = await wsConnect(s.url, h.accessToken('erin'))
    const b = await wsConnect(s.url, jsonwebtoken.sign({ sub: 'frank', exp: now() + 1 }, h.JWT_SECRET, { algorithm: 'HS256' }))
    assert.equal(a.ok && b.ok, true)
    const closedA = h.closed(a.ws)
    list.revokeSubject('erin')
    assert.equal((await closedA).reason, 'ERR_TOKEN_REVOKED')
    assert.equal((await h.closed(b.ws, 5000)).reason, 'ERR_JWT_EXPIRED')
    assert.deepEqual(
      seen.map((e) => [e.event, e.transport, e.kind, e.code]).sort(),
      [
        ['expired', 'ws', 'jwt', 'ERR_JWT_EXPIRED'],
        ['revoked', 'ws', 'jwt', 'ERR_TOKEN_REVOKED'],
      ],
    )
    const text = await registry.metrics()
    assert.match(text, /authbridge_connection_events_total\{event="revoked",transport="ws",kind="jwt",code="ERR_TOKEN_REVOKED"\} 1/)
    assert.match(text, /authbridge_connection_events_total\{event="expired",transport="ws",kind="jwt",code="ERR_JWT_EXPIRED"\} 1/)
    assert.match(text, /authbridge_revocation_entries\{store="local",type="subject"\} 1/)
  })
})

describe('lifetime events on Socket.IO: auth_refresh', () => {
  test('a refresh of the same identity is counted as refreshed, another identity as refresh_refused', async (t) => {
    const seen = []
    const listen = (e) => seen.push(e)
    dc.subscribe('authbridge:lifetime', listen)
    const s = await socketIoServer()
    t.after(async () => {
      dc.unsubscribe('authbridge:lifetime', listen)
      for (const c of clients.splice(0)) c()
      await closeServer(s)
    })
    const { ok, c } = await sioConnect(s.url, h.accessToken('hana'))
    assert.equal(ok, true)
    const ack = (tk) => new Promise((resolve) => c.emit('auth_refresh', { token: tk }, resolve))
    assert.equal((await ack(h.accessToken('hana'))).ok, true)
    const refused = await ack(h.accessToken('ivan'))
    assert.equal(refused.ok, false)
    assert.deepEqual(
      seen.map((e) => [e.event, e.transport, e.kind, e.code]),
      [
        ['refreshed', 'socket.io', 'jwt', null],
        ['refresh_refused', 'socket.io', 'jwt', refused.code],
      ],
    )
  })
})

describe('remote key sets: refresh counter, span, gauges and health', () => {
  test('an identity provider going down: failures counted, health down with the reason, back up', async (t) => {
    const { generateKeyPair, exportJWK } = await import('jose')
    const { publicKey } = await generateKeyPair('RS256')
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }
    let down = false
    const idp = http.createServer((req, res) => {
      if (down) {
        res.writeHead(503)
        return res.end()
      }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ keys: [jwk] }))
    })
    await new Promise((r) => idp.listen(0, '127.0.0.1', r))
    const registry = new promClient.Registry()
    const prom = metrics.prometheusMetrics({ registry })
    const spans = new InMemorySpanExporter()
    const otel = metrics.openTelemetryMetrics({ tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }) })
    const uri = `http://127.0.0.1:${idp.address().port}/jwks.json?secret=never-a-label`
    const jwks = new RemoteJwks({ jwksUri: uri, allowHttp: true, staleWhileError: 0, cooldown: 0 })
    t.after(async () => {
      jwks.close()
      prom.close()
      otel.close()
      idp.closeAllConnections?.()
      await new Promise((r) => idp.close(r))
    })
    await jwks.ready()
    assert.equal(metrics.health({ jwks: [jwks] }).status, 'up')
    down = true
    await assert.rejects(jwks.refresh(), { code: 'ERR_JWKS_FETCH_FAILED' })
    const h1 = metrics.health({ jwks: [jwks] })
    assert.equal(h1.status, 'down')
    assert.match(h1.reasons[0], /stale: 1 refreshes failed in a row \(ERR_JWKS_FETCH_FAILED/)
    assert.doesNotMatch(JSON.stringify(h1), /never-a-label/)
    const text = await registry.metrics()
    const label = `jwks="http://127.0.0.1:${idp.address().port}/jwks.json"`
    assert.match(text, new RegExp(`authbridge_jwks_refreshes_total\\{${label},outcome="failed",code="ERR_JWKS_FETCH_FAILED"\\} 1`))
    assert.match(text, new RegExp(`authbridge_jwks_refresh_failures\\{${label}\\} 1`))
    assert.match(text, new RegExp(`authbridge_jwks_keys\\{${label}\\} 1`))
    assert.match(text, new RegExp(`authbridge_jwks_stale\\{${label}\\} 1`))
    assert.doesNotMatch(text, /never-a-label/)
    const refreshSpans = spans.getFinishedSpans().filter((s) => s.name === 'authbridge.jwks.refresh')
    assert.deepEqual(
      refreshSpans.map((s) => s.attributes['error.type'] || null),
      [null, 'ERR_JWKS_FETCH_FAILED'],
    )
    down = false
    await jwks.refresh()
    assert.equal(metrics.health({ jwks: [jwks] }).status, 'up')
    assert.match(await registry.metrics(), new RegExp(`authbridge_jwks_refresh_failures\\{${label}\\} 0`))
  })
})
