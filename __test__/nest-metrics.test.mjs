// authbridge/metrics/nest in a real Nest app (Express, on loopback): AuthbridgeObservabilityModule
// serves the prom-client registry at /metrics (scraped over HTTP after a known mix of tokens
// checked by authbridge's JwtService), and @nestjs/terminus's /health, fed by
// AuthbridgeHealthIndicator, goes 503 with the reason when the revocation list synced through
// a real redis-server goes stale (the server stopped), and back to 200 when Redis returns; and
// while a RemoteJwks cannot refresh from its identity provider (a real HTTP server answering 502).

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import 'reflect-metadata'
import { NestFactory } from '@nestjs/core'
import { Module, Controller, Get, Headers, Inject, UnauthorizedException } from '@nestjs/common'
import { TerminusModule, HealthCheckService, HealthCheck } from '@nestjs/terminus'
import { RevocationModule, JwtModule, JwtService } from 'authbridge/nest'
import { RemoteJwks } from 'authbridge'
import http from 'node:http'
import { AuthbridgeObservabilityModule, AuthbridgeHealthIndicator } from 'authbridge/metrics/nest'

const require = createRequire(import.meta.url)
const promClient = require('prom-client')
const jwt = require('jsonwebtoken')
const IORedis = require('ioredis')
const { startRedis, redisSkip } = require('./helpers/redis.js')

const SECRET = 'nest-metrics-test-secret-' + 'q'.repeat(16)
const FORGED = 'another-secret-entirely-' + 'x'.repeat(16)

async function until(what, fn, ms = 20000) {
  const deadline = Date.now() + ms
  for (;;) {
    if (await fn()) return
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** The terminus health controller of the apps below. */
function healthController() {
  class HealthController {
    constructor(health, indicator) {
      this.health = health
      this.indicator = indicator
    }
    check() {
      return this.health.check([() => this.indicator.isHealthy()])
    }
  }
  Controller()(HealthController)
  Inject(HealthCheckService)(HealthController, undefined, 0)
  Inject(AuthbridgeHealthIndicator)(HealthController, undefined, 1)
  const hp = HealthController.prototype
  const d = Object.getOwnPropertyDescriptor(hp, 'check')
  Get('health')(hp, 'check', d)
  HealthCheck()(hp, 'check', d)
  return HealthController
}

function appModule(registry, client) {
  class MeController {
    constructor(jwtService) {
      this.jwt = jwtService
    }
    me(authorization) {
      const token = typeof authorization === 'string' ? authorization.replace(/^Bearer /, '') : ''
      try {
        return { sub: this.jwt.verify(token).sub }
      } catch {
        throw new UnauthorizedException()
      }
    }
  }
  Controller()(MeController)
  Inject(JwtService)(MeController, undefined, 0)
  const mp = MeController.prototype
  Get('me')(mp, 'me', Object.getOwnPropertyDescriptor(mp, 'me'))
  Headers('authorization')(mp, 'me', 0)

  const HealthController = healthController()

  class AppModule {}
  Module({
    imports: [
      TerminusModule,
      JwtModule.register({ secret: SECRET, signOptions: { algorithm: 'HS256' } }),
      RevocationModule.forRoot({ redis: { client, prefix: 'metrics-test:', resyncInterval: 0.2, maxStaleness: 1 } }),
      AuthbridgeObservabilityModule.forRoot({ prometheus: { registry } }),
    ],
    controllers: [MeController, HealthController],
  })(AppModule)
  return AppModule
}

describe('AuthbridgeObservabilityModule in a Nest app', () => {
  test('/metrics after a mix of tokens; /health 503 while Redis is down, 200 again after', { skip: redisSkip() }, async (t) => {
    const redis = await startRedis()
    const client = new IORedis({ host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: 1, retryStrategy: () => 100 })
    client.on('error', () => {})
    const registry = new promClient.Registry()
    const app = await NestFactory.create(appModule(registry, client), { logger: false })
    await app.listen(0, '127.0.0.1')
    let server = redis
    t.after(async () => {
      await app.close()
      client.disconnect()
      await server.stop()
    })
    const base = await app.getUrl()
    const get = (p, headers = {}) => fetch(base.replace('[::1]', '127.0.0.1') + p, { headers })

    // The mix: 3 good tokens, 2 forged, 1 expired.
    const good = ['ada', 'bob', 'cy'].map((sub) => jwt.sign({ sub }, SECRET, { expiresIn: '5m' }))
    const forged = ['eve', 'mal'].map((sub) => jwt.sign({ sub }, FORGED, { expiresIn: '5m' }))
    const expired = jwt.sign({ sub: 'old', exp: Math.floor(Date.now() / 1000) - 600 }, SECRET)
    for (const tk of good) assert.equal((await get('/me', { authorization: `Bearer ${tk}` })).status, 200)
    for (const tk of [...forged, expired]) assert.equal((await get('/me', { authorization: `Bearer ${tk}` })).status, 401)

    const res = await get('/metrics')
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type'), /^text\/plain/)
    const text = await res.text()
    assert.match(text, /authbridge_auth_outcomes_total\{kind="jwt",source="",transport="call",outcome="accepted",code=""\} 3/)
    assert.match(text, /authbridge_auth_outcomes_total\{kind="jwt",source="",transport="call",outcome="refused",code="ERR_JWS_SIGNATURE_INVALID"\} 2/)
    assert.match(text, /authbridge_auth_outcomes_total\{kind="jwt",source="",transport="call",outcome="refused",code="ERR_JWT_EXPIRED"\} 1/)
    assert.match(text, /authbridge_revocation_sync_stale\{store="\{metrics-test:\}"\} 0/)
    for (const tk of [...good, ...forged, expired]) assert.equal(text.includes(tk.split('.')[2]), false, 'a token in /metrics')

    const healthy = await get('/health')
    assert.equal(healthy.status, 200)
    assert.equal((await healthy.json()).info.authbridge.status, 'up')

    // Redis stops: the sync goes stale after maxStaleness (1 s), /health answers 503 with why.
    await redis.stop()
    let body
    await until('/health goes 503', async () => {
      const r = await get('/health')
      if (r.status !== 503) return false
      body = await r.json()
      return true
    })
    assert.equal(body.error.authbridge.status, 'down')
    assert.match(body.error.authbridge.reasons[0], /revocation list \{metrics-test:\} is stale \(last synced \d+ s ago\)/)
    assert.match(await (await get('/metrics')).text(), /authbridge_revocation_sync_stale\{store="\{metrics-test:\}"\} 1/)

    // Redis is back on the same port: the sync resumes and /health is 200 again.
    server = await startRedis(redis.port)
    await until('/health back to 200', async () => (await get('/health')).status === 200, 30000)
    assert.match(await (await get('/metrics')).text(), /authbridge_revocation_sync_stale\{store="\{metrics-test:\}"\} 0/)
  })
})

describe('AuthbridgeHealthIndicator and the identity provider', () => {
  test('/health 503 while the key set cannot refresh (the identity provider down), 200 again after', async (t) => {
    const { generateKeyPair, exportJWK } = await import('jose')
    const { publicKey } = await generateKeyPair('ES256')
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }
    let down = false
    const idp = http.createServer((req, res) => {
      if (down) {
        res.writeHead(502)
        return res.end()
      }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ keys: [jwk] }))
    })
    await new Promise((r) => idp.listen(0, '127.0.0.1', r))
    const jwks = new RemoteJwks({ jwksUri: `http://127.0.0.1:${idp.address().port}/.well-known/jwks.json`, allowHttp: true, staleWhileError: 0, cooldown: 0 })
    class AppModule {}
    Module({ imports: [TerminusModule, AuthbridgeObservabilityModule.forRoot({ health: { jwks: [jwks] } })], controllers: [healthController()] })(AppModule)
    const app = await NestFactory.create(AppModule, { logger: false })
    await app.listen(0, '127.0.0.1')
    t.after(async () => {
      jwks.close()
      await app.close()
      idp.closeAllConnections?.()
      await new Promise((r) => idp.close(r))
    })
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1') + '/health'
    await jwks.ready()
    assert.equal((await fetch(url)).status, 200)
    down = true
    await assert.rejects(jwks.refresh(), { code: 'ERR_JWKS_FETCH_FAILED' })
    const r = await fetch(url)
    assert.equal(r.status, 503)
    const body = await r.json()
    assert.match(body.error.authbridge.reasons[0], /key set http:\/\/127\.0\.0\.1:\d+\/\.well-known\/jwks\.json is stale: 1 refreshes failed in a row \(ERR_JWKS_FETCH_FAILED: .*502/)
    assert.equal(body.error.authbridge.jwks[0].keys, 1)
    down = false
    await jwks.refresh()
    assert.equal((await fetch(url)).status, 200)
  })
})
