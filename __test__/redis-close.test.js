'use strict'

// authbridge/redis: close() returns although Redis stopped answering while a check was under
// way (a real redis-server stopped with SIGSTOP: its connections stay open, nothing is
// answered; a network partition looks the same), with node-redis v5 and ioredis. Before, close()
// waited for that check, and so for ever; the subscriber connection was then never closed and
// kept the process alive.
// Needs redis-server (apt-get install redis-server); skipped with that reason otherwise,
// failed under CI.

const { describe, test, before, after } = require('node:test')
const assert = require('node:assert/strict')

const { createClient } = require('redis')
const IORedis = require('ioredis')

const { redisRevocation } = require('../js/redis/index.js')
const { startRedis, redisSkip } = require('./helpers/redis.js')

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Resolves with `promise`, or rejects after ms. */
function within(promise, ms, what) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

describe('authbridge/redis close() when Redis stops answering', { skip: redisSkip() }, () => {
  let server
  const clients = []
  before(async () => {
    server = await startRedis()
  })
  after(async () => {
    if (!server) return
    process.kill(server.pid, 'SIGCONT')
    for (const c of clients) {
      try {
        if (typeof c.destroy === 'function') c.destroy()
        else c.disconnect()
      } catch {
        // closed already
      }
    }
    await server.stop()
  })

  const connect = {
    async 'node-redis'() {
      const c = createClient({ url: server.url })
      c.on('error', () => {})
      await c.connect()
      return c
    },
    async ioredis() {
      const c = new IORedis(server.url)
      c.on('error', () => {})
      return c
    },
  }

  for (const [name, make] of Object.entries(connect)) {
    test(`${name}: a check waiting on a stopped Redis does not hold close()`, async () => {
      const client = await make()
      clients.push(client)
      const s = await redisRevocation({ client, prefix: `stop-${name}:`, resyncInterval: 0.2, maxStaleness: 5 })
      await s.revokeSubject('ada')
      process.kill(server.pid, 'SIGSTOP')
      let check
      try {
        check = s.resync() // its script is sent and never answered while the server is stopped
        await sleep(100)
        await within(s.close(), 5000, 'close() while a check waits on a stopped Redis')
      } finally {
        process.kill(server.pid, 'SIGCONT')
      }
      const closedAt = s.status()
      // The check ends once Redis answers again, and records nothing after close().
      await within(check, 5000, 'the check, once Redis answers')
      assert.equal(s.status().lastSync, closedAt.lastSync)
      assert.equal(s.status().epoch, closedAt.epoch)
      assert.equal(s.list.isRevoked({ sub: 'ada', iat: Math.floor(Date.now() / 1000) - 5 }), true)
    })
  }
})
