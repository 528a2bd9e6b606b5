// The Nest adapters' edges (issue 23): AuthenticatedSocketAdapter detaches its connection
// watch from the revocation lists on app.close() (the lists may outlive the app, as
// AuthenticatedWsAdapter already does), and AuthenticatedWsAdapter authenticates a gateway
// declared with its own `ws` WebSocketServer (`options.server`), or refuses a `server` that is
// not one with ERR_INVALID_OPTIONS. Real Nest apps, real socket.io-client and `ws` clients over
// loopback, tokens from jsonwebtoken.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import http from 'node:http'
import 'reflect-metadata'

const require = createRequire(import.meta.url)
const h = require('./helpers/ws.js')
const { WebSocketServer } = require('ws')
const { io: ioClient } = require('socket.io-client')
const { RevocationList } = require('..')
const { AuthenticatedSocketAdapter, AuthenticatedWsAdapter } = require('../js/nest/index.js')
const { watchOf } = require('../js/socket.io/index.js')

const { NestFactory } = require('@nestjs/core')
const { Module } = require('@nestjs/common')
const { WebSocketGateway, SubscribeMessage, ConnectedSocket } = require('@nestjs/websockets')

/** A gateway class answering `whoami` with the client's claims (Socket.IO: the ack; ws: a message). */
function gateway(port, options) {
  class Gateway {
    whoami(client) {
      return { event: 'whoami', data: { sub: client.data.user.sub, source: client.data.auth.source } }
    }
  }
  WebSocketGateway(port, options)(Gateway)
  const proto = Gateway.prototype
  Object.defineProperty(proto, 'whoami', Reflect.decorate([SubscribeMessage('whoami')], proto, 'whoami', Object.getOwnPropertyDescriptor(proto, 'whoami')))
  ConnectedSocket()(proto, 'whoami', 0)
  return Gateway
}

async function nestApp(t, Gateway, makeAdapter) {
  class AppModule {}
  Module({ providers: [Gateway] })(AppModule)
  const app = await NestFactory.create(AppModule, { logger: false, abortOnError: false })
  const adapter = makeAdapter(app)
  app.useWebSocketAdapter(adapter)
  let closing = null
  const close = () => (closing ??= app.close())
  t.after(close)
  return { app, adapter, close }
}

/** Counts the watch's revocation changes (its 'change' listener calls watch.changed). */
function countChanges(watch) {
  const counter = { calls: 0 }
  watch.changed = () => counter.calls++
  return counter
}

test('AuthenticatedSocketAdapter: app.close() detaches its watch from a revocation list that outlives the app', async (t) => {
  const revocation = new RevocationList()
  const { app, adapter, close } = await nestApp(t, gateway(0, {}), (a) => new AuthenticatedSocketAdapter(a, h.options(), { revocation }))
  await app.listen(0, '127.0.0.1')
  const url = `http://127.0.0.1:${app.getHttpServer().address().port}`
  const socket = ioClient(url, { auth: { token: h.accessToken('alice') }, transports: ['websocket'], reconnection: false, forceNew: true })
  t.after(() => socket.close())
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('connect_error', reject)
  })
  const watch = watchOf(adapter.authMiddleware)
  assert.ok(watch, 'the adapter has a connection watch')
  assert.equal(watch.stats().connections, 1)
  const counter = countChanges(watch)
  revocation.revokeSubject('someone')
  assert.equal(counter.calls, 1, 'listening while the app runs')
  await close()
  revocation.revokeSubject('someone-else')
  assert.equal(counter.calls, 1, 'no longer listening after app.close()')
  assert.equal(watch.stats().connections, 0, 'the watch forgot its sockets')
})

// Nest 12's @nestjs/websockets drops a gateway decorator's `server` before it calls the adapter
// (SocketServerProvider.createSocketServer), so these call the adapter as WsAdapter's callers
// that do pass one would: create(port, { server }) and then bindClientConnect(server, cb).
async function wsAdapterWithOwnServer(t, settings, serverOptions = {}) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', ...serverOptions })
  await new Promise((resolve) => wss.once('listening', resolve))
  t.after(() => {
    for (const c of wss.clients) c.terminate()
    return new Promise((resolve) => wss.close(() => resolve()))
  })
  const { app, adapter, close } = await nestApp(t, gateway(0, {}), (a) => new AuthenticatedWsAdapter(a, h.options(), settings))
  await app.init()
  const server = adapter.create(8080, { server: wss })
  assert.equal(server, wss, 'the app\'s own server is used as it is')
  const seen = []
  adapter.bindClientConnect(server, (client) => {
    seen.push(client.data.user.sub)
    client.send(JSON.stringify({ event: 'hello', data: { sub: client.data.user.sub, source: client.data.auth.source } }))
  })
  return { wss, adapter, close, seen, url: `ws://127.0.0.1:${wss.address().port}/` }
}

test("AuthenticatedWsAdapter: a server given as options.server is authenticated (before the upgrade); its own verifyClient runs after", async (t) => {
  const asked = []
  const revocation = new RevocationList()
  const failures = []
  const g = await wsAdapterWithOwnServer(t, { revocation, onFailure: (i) => failures.push(i.code) }, {
    verifyClient: (info) => {
      asked.push(info.req.headers['x-tenant'])
      return info.req.headers['x-tenant'] !== 'globex'
    },
  })
  const { ws } = await h.open(g.url, { headers: { authorization: `Bearer ${h.accessToken('alice')}`, 'x-tenant': 'acme' } })
  t.after(() => ws.terminate())
  assert.deepEqual((await h.nextMessage(ws, (m) => m.event === 'hello')).data, { sub: 'alice', source: 'header' })

  const missing = await h.open(g.url).then(() => assert.fail('admitted without a token'), (e) => e)
  assert.equal(missing.status, 401)
  assert.deepEqual(missing.body, { code: 'ERR_TOKEN_MISSING' })
  const tenant = await h.open(g.url, { headers: { authorization: `Bearer ${h.accessToken('bob')}`, 'x-tenant': 'globex' } }).then(() => assert.fail('the server refused it'), (e) => e)
  assert.equal(tenant.status, 401)
  // authbridge first: the server's own check never saw the tokenless upgrade.
  assert.deepEqual(asked, ['acme', 'globex'])
  assert.deepEqual(failures, ['ERR_TOKEN_MISSING'])
  assert.deepEqual(g.seen, ['alice'])

  // Guarded once: a second create() with the same server does not chain authbridge twice.
  const guarded = g.wss.options.verifyClient
  g.adapter.create(8080, { server: g.wss })
  assert.equal(g.wss.options.verifyClient, guarded)

  // Watched as the adapter's own servers: closed on revocation.
  revocation.revokeSubject('alice')
  assert.deepEqual(await h.closed(ws, 3000), { code: 4403, reason: 'ERR_TOKEN_REVOKED' })
  await g.close()
  assert.equal(g.adapter.verifyClient.watch.stats().connections, 0)
})

test('AuthenticatedWsAdapter: a server already guarded by an authbridge/ws verifyClient keeps it (not authenticated twice)', async (t) => {
  const { wsVerifyClient } = require('../js/ws/index.js')
  const own = wsVerifyClient(h.options())
  t.after(() => own.watch.close())
  const g = await wsAdapterWithOwnServer(t, {}, { verifyClient: own })
  assert.equal(g.wss.options.verifyClient, own)
  const { ws } = await h.open(g.url, { headers: { authorization: `Bearer ${h.accessToken('carol')}` } })
  t.after(() => ws.terminate())
  assert.equal((await h.nextMessage(ws, (m) => m.event === 'hello')).data.sub, 'carol')
  assert.equal(own.watch.stats().connections, 1, "watched by the server's own verifyClient's watch")
  assert.equal(g.adapter.verifyClient.watch.stats().connections, 0)
})

test("AuthenticatedWsAdapter: an options.server that is not a ws WebSocketServer is ERR_INVALID_OPTIONS", async (t) => {
  const { app, adapter } = await nestApp(t, gateway(0, {}), (a) => new AuthenticatedWsAdapter(a, h.options()))
  await app.init()
  for (const server of [http.createServer(), { on() {} }]) {
    assert.throws(
      () => adapter.create(8080, { server }),
      (err) => err.code === 'ERR_INVALID_OPTIONS' && /`server` option must be a `ws` WebSocketServer/.test(err.message),
    )
  }
})
