// A real OpenID provider (oidc-provider) on 127.0.0.1 issues JWT access tokens (client
// credentials with a resource indicator: RFC 9068 `at+jwt`) and ID tokens. authbridge
// discovers its keys from the issuer, verifies synchronously after ready(), and follows a
// key rotation at the provider through the Socket.IO handshake, the passport Strategy and
// verifyAsync with exactly one extra fetch of the key set.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import crypto from 'node:crypto'
import { once } from 'node:events'
import { createRequire } from 'node:module'

import Provider from 'oidc-provider'
import { Server } from 'socket.io'
import { io as ioClient } from 'socket.io-client'
import passport from 'passport'

const require = createRequire(import.meta.url)
const { JwtVerifier, RemoteJwks } = require('../js/index.js')
const { socketIoAuth } = require('../js/socket.io/index.js')
const { Strategy } = require('../js/passport/index.js')

const RESOURCE = 'urn:authbridge:api'
const CLIENT = { client_id: 'svc', client_secret: crypto.randomBytes(32).toString('hex') }

function signingKey(kid) {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }
}

function makeProvider(issuer, keys) {
  const provider = new Provider(issuer, {
    clients: [
      {
        ...CLIENT,
        grant_types: ['client_credentials', 'authorization_code'],
        response_types: ['code'],
        redirect_uris: ['https://client.example/cb'],
      },
    ],
    jwks: { keys },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: 'api:read', audience: RESOURCE, accessTokenTTL: 600, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
      },
    },
  })
  // oidc-provider logs to stderr on server errors; tests assert on results instead.
  provider.on('server_error', () => {})
  return provider
}

/** The provider behind one loopback server; `rotate` swaps in a provider with new keys. */
async function startIdP(t) {
  const server = http.createServer((req, res) => {
    if (req.url.startsWith('/jwks')) state.jwksFetches++
    state.provider.callback()(req, res)
  })
  const state = { provider: null, jwksFetches: 0, keys: [signingKey('old')] }
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const issuer = `http://127.0.0.1:${server.address().port}`
  state.provider = makeProvider(issuer, state.keys)
  t.after(() => {
    server.closeAllConnections()
    server.close()
  })
  return {
    issuer,
    state,
    /** A new signing key first, the old one kept for tokens in flight (as providers do). */
    rotate() {
      state.keys = [signingKey('new'), ...state.keys]
      state.provider = makeProvider(issuer, state.keys)
    },
    async accessToken() {
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${CLIENT.client_id}:${CLIENT.client_secret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: RESOURCE, scope: 'api:read' }),
      })
      const body = await res.json()
      assert.equal(res.status, 200, JSON.stringify(body))
      return body.access_token
    },
    async idToken() {
      const client = await state.provider.Client.find(CLIENT.client_id)
      const idt = new state.provider.IdToken({ sub: 'user-1' }, { client })
      idt.scope = 'openid'
      idt.set('nonce', 'n')
      return idt.issue({ use: 'idtoken' })
    },
  }
}

function header(token) {
  return JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())
}

describe('oidc-provider', () => {
  test('discovery from the issuer, synchronous verification after ready(), RFC 9068 refuses its ID token', async (t) => {
    const idp = await startIdP(t)
    const jwks = new RemoteJwks({ issuer: idp.issuer, allowHttp: true })
    t.after(() => jwks.close())
    await jwks.ready()
    const at = await idp.accessToken()
    assert.equal(header(at).typ, 'at+jwt')
    const v = new JwtVerifier({ algorithms: ['RS256'], jwks, issuer: idp.issuer, audience: RESOURCE, rfc9068: true })
    const fetches = idp.state.jwksFetches
    const claims = v.verify(at)
    assert.equal(claims.client_id, CLIENT.client_id)
    assert.equal(claims.aud, RESOURCE)
    assert.equal(idp.state.jwksFetches, fetches, 'a known kid: no I/O')

    const idt = await idp.idToken()
    // Without the profile the ID token is a valid JWT from this issuer (audience: the client).
    const plain = new JwtVerifier({ algorithms: ['RS256'], jwks, issuer: idp.issuer, audience: CLIENT.client_id })
    assert.equal(plain.verify(idt).sub, 'user-1')
    // Under RFC 9068 it cannot be replayed as an access token.
    const strict = new JwtVerifier({ algorithms: ['RS256'], jwks, issuer: idp.issuer, audience: CLIENT.client_id, rfc9068: true })
    // (its typ is not at+jwt, and it lacks client_id: the claim check reports the missing claim first)
    assert.notEqual(header(idt).typ, 'at+jwt')
    assert.throws(() => strict.verify(idt), (e) => e.code === 'ERR_JWT_CLAIM_MISSING' && e.claim === 'client_id')
  })

  test('a key rotation at the provider: accepted through the socket handshake, the Strategy and verifyAsync with one extra fetch', async (t) => {
    const idp = await startIdP(t)
    const jwks = new RemoteJwks({ issuer: idp.issuer, allowHttp: true, cooldown: 0 })
    t.after(() => jwks.close())
    const jwt = { algorithms: ['RS256'], jwks, issuer: idp.issuer, audience: RESOURCE, rfc9068: true }
    await jwks.ready()
    const before = await idp.accessToken()
    assert.equal(header(before).kid, 'old')

    // The app: a Socket.IO server and an HTTP route behind passport, one key set.
    const app = http.createServer()
    passport.use('authbridge', new Strategy({ jwt }))
    const guard = passport.authenticate('authbridge', { session: false })
    app.on('request', (req, res) => {
      guard(req, res, (err) => {
        if (err) {
          res.writeHead(500)
          return res.end()
        }
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ sub: req.user.sub }))
      })
    })
    const io = new Server(app)
    io.use(socketIoAuth({ jwt }))
    io.on('connection', (s) => s.emit('hello', s.data.user.client_id))
    app.listen(0, '127.0.0.1')
    await once(app, 'listening')
    const url = `http://127.0.0.1:${app.address().port}`
    t.after(() => {
      io.close()
      app.closeAllConnections()
      app.close()
    })

    idp.rotate()
    const after = await idp.accessToken()
    assert.equal(header(after).kid, 'new')
    const fetches = idp.state.jwksFetches

    // 1. The socket handshake: the middleware waits for the refresh, the client never sees the rotation.
    const socket = ioClient(url, { auth: { token: after }, transports: ['websocket'], reconnection: false })
    t.after(() => socket.close())
    const outcome = await Promise.race([
      once(socket, 'hello').then(([who]) => ({ who })),
      once(socket, 'connect_error').then(([e]) => ({ error: e.data || e.message })),
    ])
    assert.deepEqual(outcome, { who: CLIENT.client_id })

    // 2. The passport Strategy on an HTTP route.
    const res = await fetch(`${url}/me`, { headers: { authorization: `Bearer ${after}` } })
    assert.equal(res.status, 200)
    assert.equal((await res.json()).sub, CLIENT.client_id)

    // 3. verifyAsync.
    const v = new JwtVerifier(jwt)
    assert.equal((await v.verifyAsync(after)).client_id, CLIENT.client_id)
    assert.equal(v.verify(before).client_id, CLIENT.client_id, 'the old key is still published')

    assert.equal(idp.state.jwksFetches - fetches, 1, 'exactly one extra fetch of the key set')
    assert.deepEqual(jwks.status().keyIds.sort(), ['new', 'old'])
  })

  test('a token from the provider before its key set loads: verifyAsync waits for ready', async (t) => {
    const idp = await startIdP(t)
    const at = await idp.accessToken()
    const v = new JwtVerifier({ algorithms: ['RS256'], issuer: idp.issuer, audience: RESOURCE, jwksOptions: { allowHttp: true } })
    t.after(() => v.remoteJwks.close())
    assert.equal((await v.verifyAsync(at)).client_id, CLIENT.client_id)
  })
})
