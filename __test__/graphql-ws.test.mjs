// authbridge/graphql-ws in real Nest GraphQL apps: @nestjs/graphql with the Apollo driver
// (graphql-ws's useServer) on Express, and with the Mercurius driver on Fastify (Mercurius
// is Fastify-only). Real graphql-ws clients over `ws` on loopback; tokens from jsonwebtoken
// and @auth/core. A subscription's events reach only an authenticated connection, which is
// closed at expiry (4401) and on revocation (4403); queries go through GqlAuthGuard.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import 'reflect-metadata'

const require = createRequire(import.meta.url)
const h = require('./helpers/ws.js')
const WebSocket = require('ws')
const { createClient } = require('graphql-ws')
const { RevocationList } = require('..')
const { graphqlWsAuth } = require('../js/graphql-ws/index.js')

const { NestFactory } = require('@nestjs/core')
const { Module, UseGuards } = require('@nestjs/common')
const { GraphQLModule, Resolver, Query, Subscription, Context } = require('@nestjs/graphql')
const { ApolloDriver } = require('@nestjs/apollo')
const { MercuriusDriver } = require('@nestjs/mercurius')
const { FastifyAdapter } = require('@nestjs/platform-fastify')
const { ExpressAdapter } = require('@nestjs/platform-express')

const typeDefs = 'type Query { me: String }\ntype Subscription { ticks: String }'

/** The resolver class: `me` behind the GqlAuthGuard, `ticks` emitting `${sub}:${n}` every 50 ms. */
function resolverClass(Guard) {
  class AppResolver {
    me(ctx) {
      return `${ctx.user.sub}/${ctx.auth.source}`
    }
    ticks(ctx) {
      const sub = ctx.user.sub
      return (async function* () {
        for (let n = 0; ; n++) {
          yield { ticks: `${sub}:${n}` }
          await new Promise((r) => setTimeout(r, 50))
        }
      })()
    }
  }
  Resolver()(AppResolver)
  const proto = AppResolver.prototype
  Object.defineProperty(proto, 'me', Reflect.decorate([UseGuards(Guard), Query('me')], proto, 'me', Object.getOwnPropertyDescriptor(proto, 'me')))
  Context()(proto, 'me', 0)
  Object.defineProperty(proto, 'ticks', Reflect.decorate([UseGuards(Guard), Subscription('ticks')], proto, 'ticks', Object.getOwnPropertyDescriptor(proto, 'ticks')))
  Context()(proto, 'ticks', 0)
  return AppResolver
}

const DRIVERS = [
  [
    'Apollo on Express',
    () => new ExpressAdapter(),
    (auth) => ({ driver: ApolloDriver, typeDefs, subscriptions: { 'graphql-ws': { ...auth } } }),
  ],
  [
    'Mercurius on Fastify',
    () => new FastifyAdapter(),
    (auth) => ({ driver: MercuriusDriver, typeDefs, subscription: { ...auth.mercurius, fullWsTransport: false } }),
  ],
]

async function boot(t, platform, config, settings = {}) {
  const failures = []
  const auth = graphqlWsAuth(h.options(), { ...settings, onFailure: (i) => failures.push(i) })
  const AppResolver = resolverClass(auth.GqlAuthGuard)
  class AppModule {}
  Module({ imports: [GraphQLModule.forRoot(config(auth))], providers: [AppResolver] })(AppModule)
  const app = await NestFactory.create(AppModule, platform(), { logger: false, abortOnError: false })
  await app.listen(0, '127.0.0.1')
  t.after(() => app.close())
  const port = app.getHttpServer().address().port
  return { http: `http://127.0.0.1:${port}/graphql`, url: `ws://127.0.0.1:${port}/graphql`, origin: `http://127.0.0.1:${port}`, failures, auth }
}

/** A graphql-ws client whose WebSocket sends `headers` (and `origin`) on the upgrade. */
function gqlClient(t, url, { connectionParams, headers, origin } = {}) {
  class HeaderSocket extends WebSocket {
    constructor(address, protocols) {
      super(address, protocols, { headers, origin })
    }
  }
  const closes = []
  const client = createClient({ url, webSocketImpl: HeaderSocket, connectionParams, lazy: true, retryAttempts: 0, on: { closed: (e) => closes.push({ code: e.code, reason: e.reason }) } })
  t.after(() => client.dispose())
  return { client, closes }
}

/**
 * Subscribes to `ticks`; resolves once `n` events arrived ({ events }), or when the
 * subscription ended ({ events, error: { code, reason } }); rejects after `ms`.
 */
function ticks({ client }, n = 2, ms = 6000) {
  return new Promise((resolve, reject) => {
    const events = []
    const timer = setTimeout(() => reject(new Error(`no end after ${ms} ms (${events.length} events)`)), ms)
    const done = (v) => {
      clearTimeout(timer)
      resolve(v)
    }
    const unsubscribe = client.subscribe(
      { query: 'subscription { ticks }' },
      {
        next: (v) => {
          events.push(v.data && v.data.ticks)
          if (n !== Infinity && events.length >= n) {
            unsubscribe()
            done({ events })
          }
        },
        error: (e) => done({ events, error: { code: e && e.code, reason: e && e.reason } }),
        complete: () => done({ events }),
      },
    )
  })
}

async function query(url, headers = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: '{ me }' }) })
  const body = await res.json()
  const err = body.errors && body.errors[0]
  return err ? { error: err.message } : { me: body.data.me }
}

for (const [name, platform, config] of DRIVERS) {
  describe(`authbridge/graphql-ws: ${name}`, () => {
    test('events only when authenticated: connectionParams token / authorization, header, cookie; refusals close 4401 / 4403 with the code', async (t) => {
      const app = await boot(t, platform, config)
      const byToken = await ticks(gqlClient(t, app.url, { connectionParams: { token: h.accessToken('alice') } }))
      assert.deepEqual(byToken.events, ['alice:0', 'alice:1'])
      const byAuthorization = await ticks(gqlClient(t, app.url, { connectionParams: { authorization: `Bearer ${h.accessToken('bob')}` } }))
      assert.deepEqual(byAuthorization.events, ['bob:0', 'bob:1'])
      const byHeader = await ticks(gqlClient(t, app.url, { headers: { authorization: `Bearer ${h.accessToken('carol')}` } }))
      assert.deepEqual(byHeader.events, ['carol:0', 'carol:1'])
      const cookie = `${h.COOKIE}=${await h.sessionToken({ sub: 'ada' })}`
      const byCookie = await ticks(gqlClient(t, app.url, { headers: { cookie }, origin: app.origin }))
      assert.deepEqual(byCookie.events, ['ada:0', 'ada:1'])

      const none = await ticks(gqlClient(t, app.url))
      assert.deepEqual(none, { events: [], error: { code: 4401, reason: 'ERR_TOKEN_MISSING' } })
      const expired = await ticks(gqlClient(t, app.url, { connectionParams: { token: h.accessToken('alice', { expiresIn: -5 }) } }))
      assert.deepEqual(expired, { events: [], error: { code: 4401, reason: 'ERR_JWT_EXPIRED' } })
      const evil = await ticks(gqlClient(t, app.url, { headers: { cookie }, origin: 'https://evil.example' }))
      assert.deepEqual(evil, { events: [], error: { code: 4403, reason: 'ERR_ORIGIN_NOT_ALLOWED' } })
      assert.deepEqual(
        app.failures.map((f) => [f.code, f.transport]),
        [
          ['ERR_TOKEN_MISSING', 'graphql-ws'],
          ['ERR_JWT_EXPIRED', 'graphql-ws'],
          ['ERR_ORIGIN_NOT_ALLOWED', 'graphql-ws'],
        ],
      )
    })

    test('closed at expiry (4401, a token expiring in 2 s) and on revocation (4403)', async (t) => {
      const revocation = new RevocationList()
      const app = await boot(t, platform, config, { revocation })
      const short = ticks(gqlClient(t, app.url, { connectionParams: { token: h.accessToken('alice', { expiresIn: 2 }) } }), Infinity, 8000)
      const banned = ticks(gqlClient(t, app.url, { connectionParams: { token: h.accessToken('mallory') } }), Infinity, 8000)
      const bystander = gqlClient(t, app.url, { connectionParams: { token: h.accessToken('bob') } })
      // Let both receive events, then revoke mallory.
      await new Promise((r) => setTimeout(r, 300))
      revocation.revokeSubject('mallory')
      const b = await banned
      assert.ok(b.events.length >= 2 && b.events.every((e) => e.startsWith('mallory:')), JSON.stringify(b.events))
      assert.deepEqual(b.error, { code: 4403, reason: 'ERR_TOKEN_REVOKED' })
      const s = await short
      assert.ok(s.events.length >= 10, `events until exp, got ${s.events.length}`)
      assert.deepEqual(s.error, { code: 4401, reason: 'ERR_JWT_EXPIRED' })
      // Both closed connections are out of the watch's indexes.
      assert.deepEqual({ ...app.auth.watch.stats(), sweeps: 0, slices: 0, longestSliceMs: 0 }, { connections: 0, jti: 0, sub: 0, identity: 0, sid: 0, sweeps: 0, slices: 0, longestSliceMs: 0 })
      assert.deepEqual((await ticks(bystander)).events, ['bob:0', 'bob:1'])
    })

    test('a 30-day session subscription stays open: its expiry timer is armed, not fired', async (t) => {
      const app = await boot(t, platform, config)
      const cookie = `${h.COOKIE}=${await h.sessionToken({ sub: 'ada' }, 30 * h.DAY_S)}`
      const c = gqlClient(t, app.url, { headers: { cookie } })
      const running = ticks(c, Infinity, 10000)
      await new Promise((r) => setTimeout(r, 600))
      assert.equal(app.auth.watch.stats().connections, 1)
      const [entry] = app.auth.watch.entries.values()
      assert.ok(entry.due && entry.due.timer !== null, 'the expiry timer is armed')
      // A naive setTimeout(close, 30 days) would have fired after 1 ms: the connection is open.
      assert.deepEqual(c.closes, [])
      await c.client.dispose()
      const { events } = await running
      assert.ok(events.length >= 5 && events.every((e) => e.startsWith('ada:')), JSON.stringify(events))
    })

    test('GqlAuthGuard on a query: Authorization header and same-origin cookie pass; none and another Origin are refused', async (t) => {
      const app = await boot(t, platform, config)
      assert.deepEqual(await query(app.http, { authorization: `Bearer ${h.accessToken('alice')}` }), { me: 'alice/header' })
      const cookie = `${h.COOKIE}=${await h.sessionToken({ sub: 'ada' })}`
      assert.deepEqual(await query(app.http, { cookie, origin: app.origin }), { me: 'ada/cookie' })
      assert.deepEqual(await query(app.http), { error: 'ERR_TOKEN_MISSING' })
      assert.deepEqual(await query(app.http, { cookie, origin: 'https://evil.example' }), { error: 'ERR_ORIGIN_NOT_ALLOWED' })
      assert.deepEqual(await query(app.http, { authorization: `Bearer ${h.accessToken('x', { expiresIn: -5 })}` }), { error: 'ERR_JWT_EXPIRED' })
    })
  })
}

describe('authbridge/graphql-ws: upgrades refused before the WebSocket opens, when the app asks (Mercurius verifyClient)', () => {
  const config = (auth) => ({ driver: MercuriusDriver, typeDefs, subscription: { ...auth.mercurius, verifyClient: auth.verifyClient, fullWsTransport: false } })
  test('no header or cookie token: 401 { code } before 101; a header or cookie token subscribes', async (t) => {
    const app = await boot(t, () => new FastifyAdapter(), config)
    const refused = await h.open(app.url).then(
      () => assert.fail('expected a refusal'),
      (e) => e,
    )
    assert.equal(refused.status, 401)
    assert.deepEqual(refused.body, { code: 'ERR_TOKEN_MISSING' })
    const cookie = `${h.COOKIE}=${await h.sessionToken({ sub: 'ada' })}`
    const evil = await h.open(app.url, { headers: { cookie }, origin: 'https://evil.example' }).then(
      () => assert.fail('expected a refusal'),
      (e) => e,
    )
    assert.equal(evil.status, 403)
    assert.deepEqual(evil.body, { code: 'ERR_ORIGIN_NOT_ALLOWED' })
    // connectionParams alone no longer get in: the upgrade carries no token.
    const byParams = await ticks(gqlClient(t, app.url, { connectionParams: { token: h.accessToken('alice') } }))
    assert.deepEqual(byParams.events, [])
    assert.ok(byParams.error, 'the subscription failed')
    assert.deepEqual((await ticks(gqlClient(t, app.url, { headers: { authorization: `Bearer ${h.accessToken('carol')}` } }))).events, ['carol:0', 'carol:1'])
    assert.deepEqual((await ticks(gqlClient(t, app.url, { headers: { cookie } }))).events, ['ada:0', 'ada:1'])
    assert.deepEqual(app.failures.map((f) => f.code).slice(0, 3), ['ERR_TOKEN_MISSING', 'ERR_ORIGIN_NOT_ALLOWED', 'ERR_TOKEN_MISSING'])
  })
})

describe('authbridge/graphql-ws: a revocation written through Redis on another node', () => {
  const { startRedis, redisSkip } = require('./helpers/redis.js')
  const skip = redisSkip()
  for (const [name, platform, config] of DRIVERS) {
    test(`${name}: node B revokes the subject, node A closes its subscription with 4403`, { skip }, async (t) => {
      const { createClient: createRedisClient } = require('redis')
      const { redisRevocation } = require('../js/redis/index.js')
      const redis = await startRedis()
      t.after(() => redis.stop())
      const clients = []
      const connect = async () => {
        const c = createRedisClient({ url: redis.url })
        c.on('error', () => {})
        await c.connect()
        clients.push(c)
        return c
      }
      const prefix = `gqlws${Date.now()}:`
      const nodeA = await redisRevocation({ client: await connect(), prefix })
      const nodeB = await redisRevocation({ client: await connect(), prefix })
      t.after(async () => {
        await nodeA.close()
        await nodeB.close()
        for (const c of clients) await c.close().catch(() => c.destroy())
      })
      const app = await boot(t, platform, config, { revocation: nodeA.list })
      const running = ticks(gqlClient(t, app.url, { connectionParams: { token: h.accessToken('mallory') } }), Infinity, 8000)
      const bystander = ticks(gqlClient(t, app.url, { connectionParams: { token: h.accessToken('bob') } }), 3)
      // Revoke once both subscriptions are live and ticking (bob's three events came on the
      // same schedule as mallory's), not after a fixed sleep that a loaded machine outruns.
      const bob = await bystander
      await nodeB.revokeSubject('mallory')
      const r = await running
      assert.ok(r.events.length >= 2, JSON.stringify(r.events))
      assert.deepEqual(r.error, { code: 4403, reason: 'ERR_TOKEN_REVOKED' })
      assert.deepEqual(bob.events, ['bob:0', 'bob:1', 'bob:2'])
      // And the token is refused on node A from now on.
      const again = await ticks(gqlClient(t, app.url, { connectionParams: { token: h.accessToken('mallory') } }))
      assert.deepEqual(again, { events: [], error: { code: 4403, reason: 'ERR_TOKEN_REVOKED' } })
    })
  }
})
