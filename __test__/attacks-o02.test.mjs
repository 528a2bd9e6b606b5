// Issue 22, O02, written as the attack: a page at http://api.example.com (plain http: anyone
// on the network can forge it) rides the session cookie into the API that the user reaches
// at https://api.example.com, on the same host and port. The same-origin default compared
// the Origin's host[:port] with the Host header only, so it let that page in. Now the scheme
// is compared too: the request is https when it came over TLS, or when a proxy the app
// trusts (HandshakeOptions.trustProxy; Express's `trust proxy` for the Strategy) says so in
// X-Forwarded-Proto.
//
// Real servers over loopback: Socket.IO 4.8 on node:https (a self-signed certificate made by
// openssl for the test) and on node:http, socket.io-client; express + passport with
// authbridge's Strategy on both. Session tokens from @auth/core's encode.
// Run: node --test __test__/attacks-o02.test.mjs

import { describe, test, before } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { Server } = require('socket.io')
const { io: ioClient } = require('socket.io-client')
const express = require('express')
const passport = require('passport')
const { socketIoAuth, useOnAllNamespaces } = require('../js/socket.io/index.js')
const { Strategy, ExtractJwt } = require('../js/passport/index.js')
const { connected, refused } = require('./helpers/sio.js')

const AUTH_SECRET = crypto.randomBytes(32).toString('base64')
const COOKIE = 'authjs.session-token'
const OPENSSL = 'openssl is not installed: apt-get install openssl (Debian/Ubuntu) or brew install openssl (macOS)'

function opensslSkip() {
  const r = spawnSync('openssl', ['version'], { encoding: 'utf8' })
  if (!r.error && r.status === 0) return false
  if (process.env.CI) throw new Error(`CI is set and ${OPENSSL}`)
  return OPENSSL
}
const skip = opensslSkip()

/** A self-signed certificate for 127.0.0.1, made by openssl in a temporary directory. */
function selfSigned() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authbridge-o02-'))
  try {
    const keyFile = path.join(dir, 'key.pem')
    const certFile = path.join(dir, 'cert.pem')
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile], { encoding: 'utf8' })
    assert.equal(r.status, 0, r.stderr)
    return { key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

let tls
let cookie
before(async () => {
  if (skip) return
  tls = selfSigned()
  const { encode } = await import('@auth/core/jwt')
  cookie = `${COOKIE}=${await encode({ token: { sub: 'victim' }, secret: AUTH_SECRET, salt: COOKIE })}`
})

/** node:https with the test certificate, or node:http; listening on 127.0.0.1:0. */
async function listen(t, secure, handler) {
  const server = secure ? https.createServer({ key: tls.key, cert: tls.cert }, handler) : http.createServer(handler)
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  // Not waited for: an upgraded (WebSocket) connection is closed by io.close(), not by the
  // HTTP server, whatever order the hooks run in.
  t.after(() => {
    server.close()
    server.closeAllConnections()
  })
  const port = server.address().port
  // What the browser sends as Origin for a page on this host and port, per scheme.
  return { server, port, url: `${secure ? 'https' : 'http'}://127.0.0.1:${port}`, page: (scheme) => `${scheme}://127.0.0.1:${port}` }
}

async function socketServer(t, secure, options = {}) {
  const s = await listen(t, secure)
  const io = new Server(s.server)
  const clients = []
  t.after(() => {
    for (const c of clients) c.disconnect()
    io.close()
  })
  useOnAllNamespaces(io, socketIoAuth({ authjs: { secret: AUTH_SECRET }, ...options }))
  const connect = (headers) => {
    const c = ioClient(s.url, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: 5000, ca: tls.cert, extraHeaders: headers })
    clients.push(c)
    return c
  }
  const accepts = async (headers) => {
    const c = await connected(connect(headers))
    c.disconnect()
  }
  const refuses = async (headers) => {
    const err = await refused(connect(headers))
    assert.deepEqual(err.data, { code: 'ERR_ORIGIN_NOT_ALLOWED' })
  }
  return { ...s, accepts, refuses }
}

describe('O02: Socket.IO, the same-origin default compares the scheme', { skip }, () => {
  test('API on https: the https page passes, the http page of the same host and port is refused', async (t) => {
    const srv = await socketServer(t, true)
    await srv.accepts({ cookie, origin: srv.page('https') })
    // The attack: an http page (forged on the network) riding the cookie into the https API.
    await srv.refuses({ cookie, origin: srv.page('http') })
    await srv.refuses({ cookie, origin: srv.page('ws') })
    await srv.accepts({ cookie }) // no Origin: not a browser page
  })

  test('API on http: the http page passes, an https page is refused (no proxy is trusted)', async (t) => {
    const srv = await socketServer(t, false)
    await srv.accepts({ cookie, origin: srv.page('http') })
    await srv.refuses({ cookie, origin: srv.page('https') })
    // X-Forwarded-Proto from a peer nobody said to trust counts for nothing.
    await srv.refuses({ cookie, origin: srv.page('https'), 'x-forwarded-proto': 'https' })
    await srv.accepts({ cookie, origin: srv.page('http'), 'x-forwarded-proto': 'https' })
  })

  test('behind a TLS-terminating proxy (trustProxy): its X-Forwarded-Proto decides', async (t) => {
    const srv = await socketServer(t, false, { trustProxy: true })
    await srv.accepts({ cookie, origin: srv.page('https'), 'x-forwarded-proto': 'https' })
    await srv.accepts({ cookie, origin: srv.page('https'), 'x-forwarded-proto': 'HTTPS, http' }) // the first value, as Express reads it
    // The attack behind the proxy: the http page, the request received over https by the proxy.
    await srv.refuses({ cookie, origin: srv.page('http'), 'x-forwarded-proto': 'https' })
    await srv.accepts({ cookie, origin: srv.page('http'), 'x-forwarded-proto': 'http' })
    await srv.accepts({ cookie, origin: srv.page('http') })

    const seen = []
    const byAddress = await socketServer(t, false, { trustProxy: (address) => (seen.push(address), address === '10.9.9.9') })
    await byAddress.refuses({ cookie, origin: byAddress.page('https'), 'x-forwarded-proto': 'https' })
    assert.ok(seen.some((a) => a.includes('127.0.0.1')), `the predicate got the peer address: ${seen}`)
    const loopback = await socketServer(t, false, { trustProxy: (address) => address.endsWith('127.0.0.1') })
    await loopback.accepts({ cookie, origin: loopback.page('https'), 'x-forwarded-proto': 'https' })
  })

  test('trustProxy must be a boolean or a function', () => {
    assert.throws(() => socketIoAuth({ authjs: { secret: AUTH_SECRET }, trustProxy: 'yes' }), { code: 'ERR_INVALID_OPTIONS' })
  })
})

/** express + passport + the Strategy on GET /me, over https or http: { page, call(headers) -> [status, body] }. */
async function passportApp(t, secure, strategyOptions, configure) {
  const p = new passport.Passport()
  p.use('authbridge', new Strategy(strategyOptions, (claims, done) => done(null, claims)))
  const app = express()
  if (configure) configure(app)
  app.get('/me', (req, res) =>
    p.authenticate('authbridge', { session: false }, (err, user, info) => {
      if (err) return res.status(500).json({ error: String(err.message) })
      res.status(user ? 200 : 401).json(user ? { sub: user.sub } : { code: info && info.code, message: info && info.message })
    })(req, res),
  )
  const s = await listen(t, secure, app)
  const call = (headers) =>
    new Promise((resolve, reject) => {
      const mod = secure ? https : http
      const req = mod.get({ host: '127.0.0.1', port: s.port, path: '/me', headers, ca: tls.cert, agent: false, timeout: 10000 }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c) => (body += c))
        res.on('end', () => resolve([res.statusCode, JSON.parse(body)]))
      })
      req.on('timeout', () => req.destroy(new Error('no answer')))
      req.on('error', reject)
    })
  return { ...s, call }
}

const OK = [200, { sub: 'victim' }]
const refusal = ([status, body]) => [status, body.code]
const REFUSED = [401, 'ERR_ORIGIN_NOT_ALLOWED']

describe('O02: the passport Strategy, the same-origin default compares the scheme', { skip }, () => {
  const setups = {
    'default sources (Bearer, then the session cookie)': () => ({ authjs: { secret: AUTH_SECRET } }),
    'jwtFromRequest: ExtractJwt.fromSessionCookie()': () => ({ jwtFromRequest: ExtractJwt.fromSessionCookie(), authjs: { secret: AUTH_SECRET } }),
  }
  for (const [label, options] of Object.entries(setups)) {
    test(`${label}: on https the http page is refused; on http the https page is`, async (t) => {
      const s = await passportApp(t, true, options())
      assert.deepEqual(await s.call({ cookie, origin: s.page('https') }), OK)
      // The attack.
      assert.deepEqual(refusal(await s.call({ cookie, origin: s.page('http') })), REFUSED)
      assert.deepEqual(await s.call({ cookie }), OK)

      const h = await passportApp(t, false, options())
      assert.deepEqual(await h.call({ cookie, origin: h.page('http') }), OK)
      assert.deepEqual(refusal(await h.call({ cookie, origin: h.page('https') })), REFUSED)
      // Express without `trust proxy`: X-Forwarded-Proto counts for nothing.
      assert.deepEqual(refusal(await h.call({ cookie, origin: h.page('https'), 'x-forwarded-proto': 'https' })), REFUSED)
    })

    test(`${label}: behind a proxy, Express's trust proxy (or trustProxy) makes X-Forwarded-Proto count`, async (t) => {
      const express1 = await passportApp(t, false, options(), (app) => app.set('trust proxy', 'loopback'))
      assert.deepEqual(await express1.call({ cookie, origin: express1.page('https'), 'x-forwarded-proto': 'https' }), OK)
      assert.deepEqual(refusal(await express1.call({ cookie, origin: express1.page('http'), 'x-forwarded-proto': 'https' })), REFUSED)
      assert.deepEqual(await express1.call({ cookie, origin: express1.page('http') }), OK)
      // A proxy Express does not trust (another address): its header is ignored.
      const other = await passportApp(t, false, options(), (app) => app.set('trust proxy', '10.0.0.1'))
      assert.deepEqual(refusal(await other.call({ cookie, origin: other.page('https'), 'x-forwarded-proto': 'https' })), REFUSED)
      // The authenticator's own trustProxy (for a plain node:http request it is the only way).
      const own = await passportApp(t, false, { ...options(), trustProxy: true })
      assert.deepEqual(await own.call({ cookie, origin: own.page('https'), 'x-forwarded-proto': 'https' }), OK)
      assert.deepEqual(refusal(await own.call({ cookie, origin: own.page('http'), 'x-forwarded-proto': 'https' })), REFUSED)
    })
  }

  test('the refusal says why when only the scheme differs', () => {
    const { HandshakeAuthenticator } = require('../js/index.js')
    const a = new HandshakeAuthenticator({ authjs: { secret: AUTH_SECRET } })
    const headers = { cookie, host: 'api.example.com' }
    assert.throws(() => a.authenticate({ headers: { ...headers, origin: 'http://api.example.com' }, secure: true }), (e) => e.code === 'ERR_ORIGIN_NOT_ALLOWED' && e.message.includes('a page served over plain http, while the request came over https'))
    assert.throws(() => a.authenticate({ headers: { ...headers, origin: 'https://api.example.com' } }), (e) => e.code === 'ERR_ORIGIN_NOT_ALLOWED' && e.message.includes('trustProxy'))
    assert.equal(a.authenticate({ headers: { ...headers, origin: 'https://api.example.com' }, secure: true }).claims.sub, 'victim')
  })
})
