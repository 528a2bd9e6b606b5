// AuthenticatedWsAdapter (authbridge/nest on @nestjs/platform-ws) in a real Nest app, booted
// on ExpressAdapter and on FastifyAdapter: gateways on the app's own server (one at '/', one
// at '/chat'), real `ws` clients over loopback, tokens from jsonwebtoken and @auth/core.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import 'reflect-metadata'

const require = createRequire(import.meta.url)
const h = require('./helpers/ws.js')
const { RevocationList } = require('..')
const { AuthenticatedWsAdapter } = require('../js/nest/index.js')

const { NestFactory } = require('@nestjs/core')
const { Module } = require('@nestjs/common')
const { WebSocketGateway, SubscribeMessage, ConnectedSocket, MessageBody } = require('@nestjs/websockets')
const { FastifyAdapter } = require('@nestjs/platform-fastify')
const { ExpressAdapter } = require('@nestjs/platform-express')

/** A gateway class at `path` recording the clients that reached handleConnection. */
function gateway(path, seen, extra = {}) {
  class Gateway {
    handleConnection(client) {
      seen.push({ path, sub: client.data && client.data.user && client.data.user.sub, auth: client.data && client.data.auth })
    }
    whoami(client, body) {
      return { event: 'whoami', data: { path, sub: client.data.user.sub, kind: client.data.auth.kind, body } }
    }
  }
  WebSocketGateway({ path, ...extra })(Gateway)
  const proto = Gateway.prototype
  Object.defineProperty(proto, 'whoami', Reflect.decorate([SubscribeMessage('whoami')], proto, 'whoami', Object.getOwnPropertyDescriptor(proto, 'whoami')))
  ConnectedSocket()(proto, 'whoami', 0)
  MessageBody()(proto, 'whoami', 1)
  return Gateway
}

const PLATFORMS = [
  ['Express', () => new ExpressAdapter()],
  ['Fastify', () => new FastifyAdapter()],
]

async function boot(t, platform, settings = {}, gatewayExtra = {}) {
  const seen = []
  const failures = []
  const Root = gateway('/', seen, gatewayExtra)
  const Chat = gateway('/chat', seen)
  class AppModule {}
  Module({ providers: [Root, Chat] })(AppModule)
  const app = await NestFactory.create(AppModule, platform(), { logger: false, abortOnError: false })
  const adapter = new AuthenticatedWsAdapter(app, h.options(), { ...settings, onFailure: (i) => failures.push(i) })
  app.useWebSocketAdapter(adapter)
  await app.listen(0, '127.0.0.1')
  let closed = null
  const close = () => (closed ??= app.close())
  t.after(close)
  const port = app.getHttpServer().address().port
  return { base: `ws://127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}`, seen, failures, adapter, close }
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

async function whoami(ws, body = 'hi') {
  ws.send(JSON.stringify({ event: 'whoami', data: body }))
  return (await h.nextMessage(ws, (m) => m.event === 'whoami')).data
}

for (const [name, platform] of PLATFORMS) {
  describe(`AuthenticatedWsAdapter on ${name}`, () => {
    test('every gateway: header and cookie admitted with client.data set before handleConnection; refusals before the upgrade', async (t) => {
      const app = await boot(t, platform)
      const bearer = await client(t, `${app.base}/`, { headers: { authorization: `Bearer ${h.accessToken('alice')}` } })
      assert.deepEqual(await whoami(bearer.ws), { path: '/', sub: 'alice', kind: 'jwt', body: 'hi' })
      const cookie = `${h.COOKIE}=${await h.sessionToken({ sub: 'ada' })}`
      const chat = await client(t, `${app.base}/chat`, { headers: { cookie }, origin: app.origin })
      assert.deepEqual(await whoami(chat.ws, 'x'), { path: '/chat', sub: 'ada', kind: 'authjs', body: 'x' })
      assert.deepEqual(
        app.seen.map((s) => [s.path, s.sub, s.auth.source]),
        [
          ['/', 'alice', 'header'],
          ['/chat', 'ada', 'cookie'],
        ],
      )

      const missing = await refusal(`${app.base}/chat`)
      assert.equal(missing.status, 401)
      assert.deepEqual(missing.body, { code: 'ERR_TOKEN_MISSING' })
      const evil = await refusal(`${app.base}/`, { headers: { cookie }, origin: 'https://evil.example' })
      assert.equal(evil.status, 403)
      assert.deepEqual(evil.body, { code: 'ERR_ORIGIN_NOT_ALLOWED' })
      const expired = await refusal(`${app.base}/`, { headers: { authorization: `Bearer ${h.accessToken('alice', { expiresIn: -5 })}` } })
      assert.deepEqual(expired.body, { code: 'ERR_JWT_EXPIRED' })
      assert.equal(app.seen.length, 2, 'no refused client reached a gateway')
      assert.deepEqual(
        app.failures.map((f) => [f.code, f.path]),
        [
          ['ERR_TOKEN_MISSING', '/chat'],
          ['ERR_ORIGIN_NOT_ALLOWED', '/'],
          ['ERR_JWT_EXPIRED', '/'],
        ],
      )
    })

    test('closed at expiry (4401) and on revocation (4403); auth_refresh answered', async (t) => {
      const revocation = new RevocationList()
      const app = await boot(t, platform, { revocation })
      const short = await client(t, `${app.base}/`, { headers: { authorization: `Bearer ${h.accessToken('alice', { expiresIn: 2 })}` } })
      const banned = await client(t, `${app.base}/chat`, { headers: { authorization: `Bearer ${h.accessToken('mallory')}` } })
      const refreshed = await client(t, `${app.base}/chat`, { headers: { authorization: `Bearer ${h.accessToken('carol', { expiresIn: 2 })}` } })
      refreshed.ws.send(JSON.stringify({ event: 'auth_refresh', data: { token: h.accessToken('carol', { expiresIn: 600 }) } }))
      const answer = await h.nextMessage(refreshed.ws, (m) => m.type === 'auth_refreshed')
      assert.equal(answer.ok, true)
      assert.ok(answer.expiresAt > Date.now() + 500_000)

      revocation.revokeSubject('mallory')
      assert.deepEqual(await h.closed(banned.ws, 3000), { code: 4403, reason: 'ERR_TOKEN_REVOKED' })
      assert.deepEqual(await h.closed(short.ws, 6000), { code: 4401, reason: 'ERR_JWT_EXPIRED' })
      // carol's first token has expired too by now; her refreshed socket is still served.
      assert.equal((await whoami(refreshed.ws)).sub, 'carol')

      // app.close() detaches the watch from the list, which outlives the app.
      const watch = app.adapter.verifyClient.watch
      let calls = 0
      watch.changed = () => calls++
      revocation.revokeSubject('someone')
      assert.equal(calls, 1, 'listening while the app runs')
      await app.close()
      revocation.revokeSubject('someone-else')
      assert.equal(calls, 1, 'no longer listening after app.close()')
    })

    test("a gateway's own verifyClient runs after authbridge's", async (t) => {
      const asked = []
      const app = await boot(t, platform, {}, {
        verifyClient: (info) => {
          asked.push(info.req.headers['x-tenant'])
          return info.req.headers['x-tenant'] === 'acme'
        },
      })
      const token = h.accessToken('alice')
      const ok = await client(t, `${app.base}/`, { headers: { authorization: `Bearer ${token}`, 'x-tenant': 'acme' } })
      assert.equal((await whoami(ok.ws)).sub, 'alice')
      const other = await refusal(`${app.base}/`, { headers: { authorization: `Bearer ${token}`, 'x-tenant': 'globex' } })
      assert.equal(other.status, 401)
      // Without a token the gateway's own check is never asked.
      await refusal(`${app.base}/`, { headers: { 'x-tenant': 'acme' } })
      assert.deepEqual(asked, ['acme', 'globex'])
    })
  })
}

// The example's ws gateway (examples/nest-app/src/ws.gateway.mts, built by `tsc -p examples/nest-app`).
describe('examples/nest-app: the ws gateway behind AuthenticatedWsAdapter', () => {
  test('welcome and whoami for an admitted client; refusals before the upgrade', async (t) => {
    const { createWsApp } = await import('../examples/nest-app/dist/main.mjs')
    const failures = []
    const app = await createWsApp({ authSecret: h.AUTH_SECRET, jwtSecret: h.JWT_SECRET }, { onFailure: (i) => failures.push(i.code) })
    await app.listen(0, '127.0.0.1')
    t.after(() => app.close())
    const url = `ws://127.0.0.1:${app.getHttpServer().address().port}/ws`
    const { ws } = await client(t, url, { headers: { cookie: `${h.COOKIE}=${await h.sessionToken({ sub: 'ada' })}` } })
    assert.deepEqual(await h.nextMessage(ws, (m) => m.event === 'welcome'), { event: 'welcome', data: { sub: 'ada', kind: 'authjs' } })
    const me = await whoami(ws, 'x')
    assert.equal(me.sub, 'ada')
    assert.equal(me.source, 'cookie')
    assert.equal(me.body, 'x')
    assert.deepEqual((await refusal(url)).body, { code: 'ERR_TOKEN_MISSING' })
    assert.deepEqual(failures, ['ERR_TOKEN_MISSING'])
  })
})
