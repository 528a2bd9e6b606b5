'use strict'

// authbridge/ws end to end: a real `ws` 8 server on 127.0.0.1 (port 0) and real `ws` clients,
// tokens from jsonwebtoken (access tokens) and @auth/core's encode (session cookies).
// Every test closes its server and clients (t.after), every wait has a timeout.

const { describe, test } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const { setTimeout: sleep } = require('node:timers/promises')
const { WebSocketServer } = require('ws')

const { RevocationList, HandshakeAuthenticator } = require('..')
const { wsVerifyClient, watchConnection, watchOf, CLOSE_EXPIRED, CLOSE_REVOKED } = require('../js/ws/index.js')
const { MAX_TIMER_MS } = require('../js/core/timers.js')
const h = require('./helpers/ws.js')

/**
 * An HTTP server with a WebSocketServer guarded by wsVerifyClient (or, with
 * `noServer`, by verifyClient.handleUpgrade), echoing `{ sub }` of ws.data.user.
 */
async function server(t, { options = h.options(), settings = {}, noServer = false } = {}) {
  const verifyClient = wsVerifyClient(options, settings)
  const httpServer = http.createServer()
  const seen = []
  const onConnection = (ws, req, admittedAlready) => {
    if (!admittedAlready && !watchConnection(ws, req)) return
    seen.push(ws)
    ws.on('message', (d) => {
      const text = String(d)
      if (text.includes('auth_refresh')) return
      ws.send(JSON.stringify({ echo: text, sub: ws.data.user.sub, kind: ws.data.auth.kind, source: ws.data.auth.source }))
    })
    ws.send(JSON.stringify({ hello: ws.data.user.sub }))
  }
  let wss
  if (noServer) {
    wss = new WebSocketServer({ noServer: true })
    httpServer.on('upgrade', (req, socket, head) => verifyClient.handleUpgrade(wss, req, socket, head, (ws) => onConnection(ws, req, true)))
  } else {
    wss = new WebSocketServer({ server: httpServer, verifyClient })
    wss.on('connection', (ws, req) => onConnection(ws, req, false))
  }
  await new Promise((r) => httpServer.listen(0, '127.0.0.1', r))
  const port = httpServer.address().port
  t.after(async () => {
    for (const c of wss.clients) c.terminate()
    await new Promise((r) => wss.close(r))
    httpServer.closeAllConnections?.()
    await new Promise((r) => httpServer.close(r))
  })
  return { url: `ws://127.0.0.1:${port}/socket`, origin: `http://127.0.0.1:${port}`, verifyClient, wss, seen }
}

async function client(t, url, wsOptions) {
  const c = await h.open(url, wsOptions)
  t.after(() => c.ws.terminate())
  return c
}

async function refusal(url, wsOptions) {
  const err = await h.open(url, wsOptions).then(
    () => assert.fail('expected the upgrade to be refused'),
    (e) => e,
  )
  assert.ok(err.status, `expected an HTTP refusal, got ${err.message}`)
  return err
}

for (const noServer of [false, true]) {
  const shape = noServer ? 'handleUpgrade (noServer)' : 'verifyClient'
  describe(`authbridge/ws upgrade authentication, ${shape}`, () => {
    test('Authorization header: admitted, ws.data = { user, auth }', async (t) => {
      const s = await server(t, { noServer })
      const token = h.accessToken('alice')
      const { ws } = await client(t, s.url, { headers: { authorization: `Bearer ${token}` } })
      const hello = await h.nextMessage(ws, (m) => m.hello)
      assert.equal(hello.hello, 'alice')
      ws.send('ping')
      const echo = await h.nextMessage(ws, (m) => m.echo)
      assert.deepEqual(echo, { echo: 'ping', sub: 'alice', kind: 'jwt', source: 'header' })
      assert.equal(s.seen[0].data.auth.expiresAt, JSON.parse(Buffer.from(token.split('.')[1], 'base64url')).exp * 1000)
      assert.equal(watchOf(s.verifyClient).stats().connections, 1)
    })

    test('no token: 401 before the WebSocket opens, JSON body { code }, onFailure told', async (t) => {
      const failures = []
      const s = await server(t, { noServer, settings: { onFailure: (i) => failures.push(i) } })
      const err = await refusal(s.url)
      assert.equal(err.status, 401)
      assert.match(err.contentType, /application\/json/)
      assert.deepEqual(err.body, { code: 'ERR_TOKEN_MISSING' })
      assert.equal(s.seen.length, 0)
      assert.equal(failures.length, 1)
      assert.equal(failures[0].code, 'ERR_TOKEN_MISSING')
      assert.equal(failures[0].transport, 'ws')
    })

    test('a bad token: 401 with its code, the fingerprint reported, never the token', async (t) => {
      const failures = []
      const s = await server(t, { noServer, settings: { onFailure: (i) => failures.push(i) } })
      const expired = h.accessToken('alice', { expiresIn: -10 })
      const err = await refusal(s.url, { headers: { authorization: `Bearer ${expired}` } })
      assert.equal(err.status, 401)
      assert.deepEqual(err.body, { code: 'ERR_JWT_EXPIRED' })
      assert.equal(failures[0].source, 'header')
      assert.equal(typeof failures[0].fingerprint, 'string')
      assert.ok(!JSON.stringify(failures).includes(expired))
    })

    test('session cookie from the same origin: admitted; from another origin: 403 ERR_ORIGIN_NOT_ALLOWED', async (t) => {
      const s = await server(t, { noServer })
      const cookie = `${h.COOKIE}=${await h.sessionToken({ sub: 'ada' })}`
      const { ws } = await client(t, s.url, { headers: { cookie }, origin: s.origin })
      assert.equal((await h.nextMessage(ws, (m) => m.hello)).hello, 'ada')
      assert.equal(s.seen[0].data.auth.source, 'cookie')
      assert.equal(s.seen[0].data.auth.kind, 'authjs')
      const err = await refusal(s.url, { headers: { cookie }, origin: 'https://evil.example' })
      assert.equal(err.status, 403)
      assert.deepEqual(err.body, { code: 'ERR_ORIGIN_NOT_ALLOWED' })
      // A client with no Origin (a server, a script) is no page: the cookie is taken.
      const script = await client(t, s.url, { headers: { cookie } })
      assert.equal((await h.nextMessage(script.ws, (m) => m.hello)).hello, 'ada')
    })

    test('allowedOrigins: another page allowed by the setting', async (t) => {
      const s = await server(t, { noServer, settings: { allowedOrigins: ['https://app.example.com'] } })
      const cookie = `${h.COOKIE}=${await h.sessionToken({ sub: 'ada' })}`
      const { ws } = await client(t, s.url, { headers: { cookie }, origin: 'https://app.example.com' })
      assert.equal((await h.nextMessage(ws, (m) => m.hello)).hello, 'ada')
      const err = await refusal(s.url, { headers: { cookie }, origin: 'https://other.example.com' })
      assert.equal(err.status, 403)
      assert.deepEqual(err.body, { code: 'ERR_ORIGIN_NOT_ALLOWED' })
      // A token in Authorization is not concerned by the Origin rule.
      const bearer = await client(t, s.url, { headers: { authorization: `Bearer ${h.accessToken('bob')}` }, origin: 'https://other.example.com' })
      assert.equal((await h.nextMessage(bearer.ws, (m) => m.hello)).hello, 'bob')
    })

    test('query parameter: ignored by default, read where the app opts in (sources)', async (t) => {
      const token = h.accessToken('carol')
      const off = await server(t, { noServer })
      const err = await refusal(`${off.url}?token=${token}`)
      assert.deepEqual(err.body, { code: 'ERR_TOKEN_MISSING' })
      const on = await server(t, { noServer, options: { ...h.options(), sources: ['header', 'cookie', 'query'] } })
      const { ws } = await client(t, `${on.url}?token=${token}`)
      assert.equal((await h.nextMessage(ws, (m) => m.hello)).hello, 'carol')
      assert.equal(on.seen[0].data.auth.source, 'query')
    })
  })
}

describe('authbridge/ws lifetime', () => {
  test('auth_refresh: a token of the same identity extends the socket; another identity is refused', async (t) => {
    const s = await server(t)
    const first = h.accessToken('alice', { expiresIn: 60 })
    const { ws } = await client(t, s.url, { headers: { authorization: `Bearer ${first}` } })
    await h.nextMessage(ws, (m) => m.hello)
    const later = h.accessToken('alice', { expiresIn: 3600 })
    ws.send(JSON.stringify({ type: 'auth_refresh', token: later }))
    const ok = await h.nextMessage(ws, (m) => m.type === 'auth_refreshed')
    const exp = JSON.parse(Buffer.from(later.split('.')[1], 'base64url')).exp
    assert.deepEqual(ok, { type: 'auth_refreshed', ok: true, expiresAt: exp * 1000 })
    assert.equal(s.seen[0].data.auth.expiresAt, exp * 1000)
    // Nest's message shape is answered too.
    ws.send(JSON.stringify({ event: 'auth_refresh', data: { token: h.accessToken('mallory') } }))
    const no = await h.nextMessage(ws, (m) => m.type === 'auth_refreshed')
    assert.deepEqual(no, { type: 'auth_refreshed', ok: false, code: 'ERR_JWT_CLAIM_INVALID' })
    assert.equal(s.seen[0].data.user.sub, 'alice')
    ws.send(JSON.stringify({ type: 'auth_refresh', token: 'not.a.token' }))
    assert.equal((await h.nextMessage(ws, (m) => m.type === 'auth_refreshed')).code, 'ERR_TOKEN_MALFORMED')
    ws.send(JSON.stringify({ type: 'auth_refresh' }))
    assert.equal((await h.nextMessage(ws, (m) => m.type === 'auth_refreshed')).code, 'ERR_TOKEN_MISSING')
    // Still open and still the same user.
    ws.send('after')
    assert.equal((await h.nextMessage(ws, (m) => m.echo)).sub, 'alice')
  })

  test(`closed at expiry with ${CLOSE_EXPIRED} and reason ERR_JWT_EXPIRED (a token expiring in 2 s)`, async (t) => {
    const s = await server(t)
    const token = h.accessToken('alice', { expiresIn: 2 })
    const { ws } = await client(t, s.url, { headers: { authorization: `Bearer ${token}` } })
    await h.nextMessage(ws, (m) => m.hello)
    const started = Date.now()
    const { code, reason } = await h.closed(ws, 6000)
    assert.equal(code, 4401)
    assert.equal(reason, 'ERR_JWT_EXPIRED')
    assert.ok(Date.now() - started >= 500, 'closed at exp, not at once')
    await sleep(20)
    assert.equal(watchOf(s.verifyClient).stats().connections, 0)
  })

  test('sockets whose tokens share an exp share one expiry timer: one leaving early cancels nothing, all close at exp', async (t) => {
    const s = await server(t)
    // The same token three times (the same exp), and a later exp: two due times, two timers.
    const token = h.accessToken('alice', { expiresIn: 2 })
    const later = h.accessToken('bob', { expiresIn: 600 })
    const clients = []
    for (const tok of [token, token, token, later]) {
      const c = await client(t, s.url, { headers: { authorization: `Bearer ${tok}` } })
      await h.nextMessage(c.ws, (m) => m.hello)
      clients.push(c.ws)
    }
    const watch = watchOf(s.verifyClient)
    const entries = [...watch.entries.values()]
    assert.equal(entries.length, 4)
    assert.equal(entries[0].due, entries[1].due, 'one group for one due time')
    assert.equal(entries[0].due, entries[2].due)
    assert.notEqual(entries[0].due, entries[3].due, 'another due time, another group')
    assert.equal(entries[0].due.conns.size, 3)
    const shared = entries[0].due
    // The first one leaves: the group's timer stays for the other two.
    clients[0].close()
    await h.closed(clients[0], 3000)
    await sleep(50)
    assert.equal(shared.conns.size, 2)
    assert.notEqual(shared.timer, null, 'the shared timer still runs for the others')
    const [a, b] = await Promise.all([h.closed(clients[1], 6000), h.closed(clients[2], 6000)])
    assert.deepEqual([a.code, a.reason, b.code, b.reason], [4401, 'ERR_JWT_EXPIRED', 4401, 'ERR_JWT_EXPIRED'])
    await sleep(50)
    assert.equal(shared.timer, null)
    assert.equal(watch.stats().connections, 1, 'the later token is still watched')
    assert.equal([...watch.dueGroups.get('jwt').values()].length, 1, 'only the later due time has a group left')
    // The last one leaves: its group and timer go with it.
    const last = [...watch.entries.values()][0].due
    clients[3].close()
    await h.closed(clients[3], 3000)
    await sleep(50)
    assert.equal(last.timer, null, 'timer cleared when its group empties')
    assert.equal(watch.dueGroups.get('jwt').size, 0)
  })

  test('refresh before expiry keeps the socket open past the first token\'s exp', async (t) => {
    const s = await server(t)
    const { ws } = await client(t, s.url, { headers: { authorization: `Bearer ${h.accessToken('alice', { expiresIn: 2 })}` } })
    await h.nextMessage(ws, (m) => m.hello)
    ws.send(JSON.stringify({ type: 'auth_refresh', token: h.accessToken('alice', { expiresIn: 600 }) }))
    assert.equal((await h.nextMessage(ws, (m) => m.type === 'auth_refreshed')).ok, true)
    await sleep(3000)
    ws.send('still')
    assert.equal((await h.nextMessage(ws, (m) => m.echo)).echo, 'still')
  })

  test(`closed on revocation with ${CLOSE_REVOKED} and the code as reason; the revoked token is refused after`, async (t) => {
    const revocation = new RevocationList()
    const s = await server(t, { settings: { revocation } })
    const token = h.accessToken('alice')
    const other = h.accessToken('bob')
    const a = await client(t, s.url, { headers: { authorization: `Bearer ${token}` } })
    const b = await client(t, s.url, { headers: { authorization: `Bearer ${other}` } })
    await h.nextMessage(a.ws, (m) => m.hello)
    await h.nextMessage(b.ws, (m) => m.hello)
    revocation.revokeSubject('alice')
    const { code, reason } = await h.closed(a.ws, 3000)
    assert.equal(code, 4403)
    assert.equal(reason, 'ERR_TOKEN_REVOKED')
    // bob is untouched.
    b.ws.send('x')
    assert.equal((await h.nextMessage(b.ws, (m) => m.echo)).sub, 'bob')
    const err = await refusal(s.url, { headers: { authorization: `Bearer ${token}` } })
    assert.deepEqual(err.body, { code: 'ERR_TOKEN_REVOKED' })
  })

  test('the authenticator\'s own list is watched too (revokeToken by jti)', async (t) => {
    const revocation = new RevocationList()
    const auth = new HandshakeAuthenticator({ ...h.options(), revocation })
    const s = await server(t, { options: auth })
    const token = h.accessToken('alice')
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url'))
    const { ws } = await client(t, s.url, { headers: { authorization: `Bearer ${token}` } })
    await h.nextMessage(ws, (m) => m.hello)
    revocation.revokeToken(claims.jti, claims.exp)
    assert.deepEqual(await h.closed(ws, 3000), { code: 4403, reason: 'ERR_TOKEN_REVOKED' })
  })

  test('a 30-day Auth.js session stays open: its timer is armed in steps, not fired at once', async (t) => {
    const s = await server(t)
    const cookie = `${h.COOKIE}=${await h.sessionToken({ sub: 'ada' }, 30 * h.DAY_S)}`
    const { ws } = await client(t, s.url, { headers: { cookie } })
    await h.nextMessage(ws, (m) => m.hello)
    const watch = watchOf(s.verifyClient)
    const [entry] = watch.entries.values()
    assert.ok(entry.due && entry.due.timer !== null, 'the expiry timer is armed')
    const expiresAt = s.seen[0].data.auth.expiresAt
    assert.ok(expiresAt - Date.now() > MAX_TIMER_MS, '30 days is beyond one setTimeout')
    // A naive setTimeout(close, 30 days) fires after 1 ms (TimeoutOverflowWarning): not here.
    await sleep(300)
    ws.send('alive')
    assert.equal((await h.nextMessage(ws, (m) => m.echo)).echo, 'alive')
    assert.equal(watch.stats().connections, 1)
  })

  test('a socket not admitted by verifyClient is closed by watchConnection (fail closed)', async (t) => {
    const httpServer = http.createServer()
    const wss = new WebSocketServer({ server: httpServer })
    wss.on('connection', (ws, req) => watchConnection(ws, req))
    await new Promise((r) => httpServer.listen(0, '127.0.0.1', r))
    t.after(async () => {
      for (const c of wss.clients) c.terminate()
      await new Promise((r) => wss.close(r))
      await new Promise((r) => httpServer.close(r))
    })
    const err = await h.open(`ws://127.0.0.1:${httpServer.address().port}/`).then(
      ({ ws }) => h.closed(ws),
      (e) => ({ code: e.closeCode, reason: e.reason }),
    )
    assert.deepEqual(err, { code: 4401, reason: 'ERR_TOKEN_MISSING' })
  })

  test('auth_refresh: another kind is refused, oversized and binary messages are not read, expiry: false arms nothing', async (t) => {
    const s = await server(t)
    const { ws } = await client(t, s.url, { headers: { authorization: `Bearer ${h.accessToken('ada')}` } })
    await h.nextMessage(ws, (m) => m.hello)
    ws.send(JSON.stringify({ type: 'auth_refresh', token: await h.sessionToken({ sub: 'ada' }) }))
    assert.deepEqual(await h.nextMessage(ws, (m) => m.type === 'auth_refreshed'), { type: 'auth_refreshed', ok: false, code: 'ERR_TOKEN_WRONG_KIND' })
    // Over 64 KB, or binary: not an auth_refresh (the app's own listeners get them).
    ws.send(JSON.stringify({ type: 'auth_refresh', token: h.accessToken('ada'), pad: 'x'.repeat(70 * 1024) }))
    ws.send(Buffer.from(JSON.stringify({ type: 'auth_refresh', token: h.accessToken('ada') })), { binary: true })
    ws.send('marker')
    await h.nextMessage(ws, (m) => m.echo === 'marker')
    assert.equal(ws.authbridgeInbox.messages.filter((m) => m.type === 'auth_refreshed').length, 0)

    const off = await server(t, { settings: { expiry: false } })
    const c = await client(t, off.url, { headers: { authorization: `Bearer ${h.accessToken('bob', { expiresIn: 1 })}` } })
    await h.nextMessage(c.ws, (m) => m.hello)
    const [entry] = watchOf(off.verifyClient).entries.values()
    assert.equal(entry.due, null, 'no expiry timer')
    c.ws.send(JSON.stringify({ type: 'auth_refresh', token: h.accessToken('bob') }))
    c.ws.send('after')
    await h.nextMessage(c.ws, (m) => m.echo === 'after')
    assert.equal(c.ws.authbridgeInbox.messages.filter((m) => m.type === 'auth_refreshed').length, 0)
  })

  test('settings are checked', () => {
    assert.throws(() => wsVerifyClient(h.options(), { revocation: {} }), { code: 'ERR_INVALID_OPTIONS' })
    assert.throws(() => wsVerifyClient(h.options(), { identity: 'sub' }), { code: 'ERR_INVALID_OPTIONS' })
    assert.throws(() => wsVerifyClient(h.options(), { allowedOrigins: 'not an origin' }), { code: 'ERR_INVALID_OPTIONS' })
    assert.throws(() => wsVerifyClient(h.options(), { now: 5 }), { code: 'ERR_INVALID_OPTIONS' })
    assert.throws(() => wsVerifyClient(h.options(), { closeCodes: { expired: 1000 } }), { code: 'ERR_INVALID_OPTIONS' })
    assert.throws(() => wsVerifyClient(h.options(), 'x'), { code: 'ERR_INVALID_OPTIONS' })
    assert.throws(() => wsVerifyClient(null), { code: 'ERR_INVALID_OPTIONS' })
  })
})
