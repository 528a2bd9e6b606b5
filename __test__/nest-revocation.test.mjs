// RevocationModule and RevocationService in real Nest application contexts: forRoot
// (in memory) and forRootAsync from configuration with a Redis store (a private
// redis-server; that part is skipped with the reason when it is missing, failed under CI),
// whose subscriber connection is opened on init and closed on application shutdown.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import 'reflect-metadata'
import { NestFactory } from '@nestjs/core'
import { Injectable, Module } from '@nestjs/common'
import { RevocationModule, RevocationService } from 'authbridge/nest'

const require = createRequire(import.meta.url)
const { RevocationList, JwtVerifier } = require('authbridge')
const { startRedis, redisSkip } = require('./helpers/redis.js')
const jwt = require('jsonwebtoken')

const SECRET = 'nest-revocation-test-secret-' + 'z'.repeat(16)
const nowSec = () => Math.floor(Date.now() / 1000)

describe('RevocationModule', () => {
  test('forRoot: one RevocationService with one list, used by a verifier', async () => {
    const app = await NestFactory.createApplicationContext(RevocationModule.forRoot({ subjectTtl: 120 }), { logger: false })
    try {
      const svc = app.get(RevocationService)
      assert.ok(svc.list instanceof RevocationList)
      assert.equal(svc.list.subjectTtl, 120)
      assert.equal(svc.store, null)
      const v = new JwtVerifier({ algorithms: ['HS256'], key: SECRET, revocation: svc.list })
      const t = jwt.sign({ sub: 'ada' }, SECRET, { expiresIn: '5m' })
      assert.equal(v.verify(t).sub, 'ada')
      await svc.revokeSubject('ada', nowSec() + 1)
      assert.equal(svc.isRevoked({ sub: 'ada', iat: nowSec() }), true)
      assert.throws(() => v.verify(t), { code: 'ERR_TOKEN_REVOKED' })
      await svc.revokeToken('j-1', nowSec() + 60)
      assert.equal(svc.isRevoked({ jti: 'j-1' }), true)
    } finally {
      await app.close()
    }
    assert.throws(() => RevocationModule.forRootAsync({}), { code: 'ERR_INVALID_OPTIONS' })
  })

  test('forRootAsync with Redis: the store starts on init, syncs two apps, and closes on shutdown', { skip: redisSkip() }, async () => {
    const redis = await startRedis()
    const IORedis = require('ioredis')
    const clients = []
    const makeApp = async () => {
      const client = new IORedis({ host: '127.0.0.1', port: redis.port })
      client.on('error', () => {})
      clients.push(client)
      class Config {
        redis() {
          return { client, prefix: 'nestrev:' }
        }
      }
      Injectable()(Config)
      class ConfigModule {}
      Module({ providers: [Config], exports: [Config] })(ConfigModule)
      return NestFactory.createApplicationContext(
        RevocationModule.forRootAsync({ imports: [ConfigModule], inject: [Config], useFactory: async (c) => ({ redis: c.redis() }) }),
        { logger: false },
      )
    }
    const a = await makeApp()
    const b = await makeApp()
    try {
      await Promise.all([a.init(), b.init()])
      const sa = a.get(RevocationService)
      const sb = b.get(RevocationService)
      assert.ok(sa.store && sb.store, 'the stores started on init')
      const seen = new Promise((resolve) => sb.list.on('change', (c) => c.type === 'subject' && resolve(c)))
      await sa.revokeSubject('bob')
      assert.equal((await seen).sub, 'bob')
      assert.equal(sb.isRevoked({ sub: 'bob' }), true)
      const subscribers = async () => (await clients[0].call('PUBSUB', 'NUMSUB', '{nestrev:}changes'))[1]
      assert.equal(await subscribers(), 2)
      await b.close()
      assert.equal(sb.store, null)
      assert.equal(await subscribers(), 1, 'the closed app unsubscribed')
    } finally {
      await a.close()
      for (const c of clients) c.disconnect()
      await redis.stop()
    }
  })
})
