// The example's GraphQL module (examples/nest-app/src/graphql-app.mts and graphql.resolver.mts,
// built by `tsc -p examples/nest-app`): @nestjs/graphql with the Apollo driver, subscriptions
// over graphql-ws authenticated by authbridge/graphql-ws, a query behind its GqlAuthGuard.
// Real graphql-ws clients over loopback; tokens from jsonwebtoken and @auth/core.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import 'reflect-metadata'

const require = createRequire(import.meta.url)
const h = require('./helpers/ws.js')
const WebSocket = require('ws')
const { createClient } = require('graphql-ws')
const { RevocationService } = require('../js/nest/index.js')

async function boot(t) {
  const { createGraphqlApp } = await import('../examples/nest-app/dist/main.mjs')
  const failures = []
  const app = await createGraphqlApp({ authSecret: h.AUTH_SECRET, jwtSecret: h.JWT_SECRET }, { onFailure: (i) => failures.push(i.code) })
  await app.listen(0, '127.0.0.1')
  t.after(() => app.close())
  const port = app.getHttpServer().address().port
  return { app, failures, http: `http://127.0.0.1:${port}/graphql`, url: `ws://127.0.0.1:${port}/graphql` }
}

/** Subscribes to `ticks` until `n` events ({ events }) or the end ({ events, closed: { code, reason } }). */
function ticks(t, url, { connectionParams, headers, onEvent } = {}, n = 2, ms = 6000) {
  class UpgradeHeaders extends WebSocket {
    constructor(address, protocols) {
      super(address, protocols, { headers })
    }
  }
  const client = createClient({ url, webSocketImpl: UpgradeHeaders, connectionParams, retryAttempts: 0 })
  t.after(() => client.dispose())
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
          events.push(v.data.ticks)
          if (onEvent) onEvent(v.data.ticks)
          if (events.length === n) {
            unsubscribe()
            done({ events })
          }
        },
        error: (e) => done({ events, closed: { code: e && e.code, reason: e && e.reason } }),
        complete: () => done({ events, complete: true }),
      },
    )
  })
}

async function me(url, headers = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: '{ me { sub kind source } }' }) })
  const body = await res.json()
  return body.errors ? { error: body.errors[0].message } : body.data.me
}

test('examples/nest-app GraphQL: subscription events only when authenticated, closed on revocation; the query behind GqlAuthGuard', async (t) => {
  const g = await boot(t)
  assert.deepEqual(await ticks(t, g.url, { connectionParams: { token: h.accessToken('alice') } }), { events: ['alice:0', 'alice:1'] })
  const cookie = `${h.COOKIE}=${await h.sessionToken({ sub: 'ada' })}`
  assert.deepEqual(await ticks(t, g.url, { headers: { cookie } }), { events: ['ada:0', 'ada:1'] })

  const forged = require('jsonwebtoken').sign({ sub: 'admin' }, 'not-the-secret-' + 'x'.repeat(20), { algorithm: 'HS256', expiresIn: '15m' })
  assert.deepEqual(await ticks(t, g.url, { connectionParams: { token: forged } }), { events: [], closed: { code: 4401, reason: 'ERR_JWS_SIGNATURE_INVALID' } })
  assert.deepEqual(await ticks(t, g.url, {}), { events: [], closed: { code: 4401, reason: 'ERR_TOKEN_MISSING' } })

  // A sign-out through the app's RevocationService closes the open subscription connection.
  let firstEvent
  const admitted = new Promise((resolve) => (firstEvent = resolve))
  const running = ticks(t, g.url, { connectionParams: { authorization: `Bearer ${h.accessToken('mallory')}` }, onEvent: firstEvent }, Infinity)
  await admitted
  await g.app.get(RevocationService).revokeSubject('mallory')
  const revoked = await running
  assert.ok(revoked.events.length >= 1 && revoked.events.every((e) => e.startsWith('mallory:')), `events before the revocation: ${revoked.events}`)
  assert.deepEqual(revoked.closed, { code: 4403, reason: 'ERR_TOKEN_REVOKED' })

  assert.deepEqual(await me(g.http, { authorization: `Bearer ${h.accessToken('bob')}` }), { sub: 'bob', kind: 'jwt', source: 'header' })
  assert.deepEqual(await me(g.http, { cookie }), { sub: 'ada', kind: 'authjs', source: 'cookie' })
  assert.deepEqual(await me(g.http), { error: 'ERR_TOKEN_MISSING' })
  assert.deepEqual(g.failures, ['ERR_JWS_SIGNATURE_INVALID', 'ERR_TOKEN_MISSING', 'ERR_TOKEN_MISSING'])
})
