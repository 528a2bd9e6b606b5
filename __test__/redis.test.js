'use strict'

// authbridge/redis against a real, private redis-server (started on a free port, no
// persistence, stopped by its PID): node-redis v5 and ioredis clients, two "nodes" (two
// stores, two lists) kept the same; keys expiring with their tokens; a lost pub/sub message
// caught by the resync; Redis down and back under onStale 'accept' and 'refuse'.
// Needs redis-server (apt-get install redis-server); skipped with that reason otherwise,
// failed under CI.

const { describe, test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')

const { createClient } = require('redis')
const IORedis = require('ioredis')
const jsonwebtoken = require('jsonwebtoken')

const { JwtVerifier, RevocationList } = require('..')
const { redisRevocation } = require('../js/redis.js')
const { startRedis, redisSkip } = require('./helpers/redis.js')
const { throwsCode } = require('./helpers/assert.js')

const skip = redisSkip()
const JWT_SECRET = crypto.randomBytes(32).toString('hex')
const nowSec = () => Math.floor(Date.now() / 1000)
const access = (sub, options = {}) => jsonwebtoken.sign({ sub }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '15m', jwtid: crypto.randomUUID(), ...options })
const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'))

/** Resolves when `predicate()` holds, checked now and after each event of `emitter`; rejects after ms. */
function until(emitter, event, predicate, ms, what) {
  return new Promise((resolve, reject) => {
    if (predicate()) return resolve()
    const timer = setTimeout(() => {
      emitter.off(event, on)
      reject(new Error(`timed out after ${ms} ms: ${what}`))
    }, ms)
    const on = () => {
      if (!predicate()) return
      clearTimeout(timer)
      emitter.off(event, on)
      resolve()
    }
    emitter.on(event, on)
  })
}

/** Resolves with `promise`, or rejects after ms (a lost event fails the test instead of hanging it). */
function within(promise, ms, what) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Polls an async condition every 100 ms (for state outside the process, such as key expiry). */
async function poll(fn, ms, what) {
  const deadline = Date.now() + ms
  for (;;) {
    if (await fn()) return
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('authbridge/redis', { skip }, () => {
  let redis
  const cleanups = []
  const unhandled = []
  const onUnhandled = (reason) => unhandled.push(reason)

  before(async () => {
    process.on('unhandledRejection', onUnhandled)
    redis = await startRedis()
  })
  after(async () => {
    // Each cleanup is bounded: a client stuck reconnecting must not keep the file open.
    for (const c of cleanups.reverse()) await within(Promise.resolve().then(c), 5000, 'cleanup').catch(() => {})
    if (redis) await redis.stop()
    process.off('unhandledRejection', onUnhandled)
  }, { timeout: 60000 })

  async function nodeRedis() {
    const c = createClient({ url: redis.url, socket: { reconnectStrategy: () => 100 } })
    c.on('error', () => {})
    await c.connect()
    cleanups.push(async () => {
      if (c.isOpen) await c.close().catch(() => c.destroy())
    })
    return c
  }
  function ioredis() {
    const c = new IORedis({ host: '127.0.0.1', port: redis.port, retryStrategy: () => 100, maxRetriesPerRequest: null })
    c.on('error', () => {})
    cleanups.push(async () => c.disconnect())
    return c
  }
  async function store(client, options = {}) {
    const s = await redisRevocation({ client, prefix: options.prefix || 'test1:', ...options })
    cleanups.push(() => s.close())
    return s
  }

  test('two nodes (node-redis and ioredis): subject and jti revocations reach the other node; keys expire with the token', async () => {
    const a = await store(await nodeRedis())
    const b = await store(ioredis())
    const vb = new JwtVerifier({ algorithms: ['HS256'], key: JWT_SECRET, revocation: b.list })
    const old = access('ada')
    const keep = access('bob')
    assert.equal(vb.verify(old).sub, 'ada')
    await a.revokeSubject('ada')
    await until(b.list, 'change', () => b.list.isRevoked(claimsOf(old)), 5000, 'subject revocation on B')
    throwsCode(() => vb.verify(old), 'ERR_TOKEN_REVOKED')
    assert.equal(vb.verify(keep).sub, 'bob')
    // Issued a second after the revocation: accepted.
    const later = jsonwebtoken.sign({ sub: 'ada', iat: nowSec() + 1 }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '15m' })
    assert.equal(vb.verify(later).sub, 'ada')

    // One jti: only that token; its key lives until the token's exp, then is gone.
    const short = access('cy', { expiresIn: 2 })
    const other = access('cy')
    const { jti, exp } = claimsOf(short)
    await b.revokeToken(jti, exp)
    await until(a.list, 'change', () => a.list.isRevoked(claimsOf(short)), 5000, 'jti revocation on A')
    const va = new JwtVerifier({ algorithms: ['HS256'], key: JWT_SECRET, revocation: a.list })
    throwsCode(() => va.verify(short), 'ERR_TOKEN_REVOKED')
    assert.equal(va.verify(other).sub, 'cy')
    const c = await nodeRedis()
    const ttl = await c.pTTL(`test1:revoked:jti:${jti}`)
    assert.ok(ttl > 0 && ttl <= 3000, `the key expires with the token (PTTL ${ttl})`)
    await poll(async () => (await c.exists(`test1:revoked:jti:${jti}`)) === 0, 10000, 'the jti key is gone after exp')

    // A node started later loads everything at start; a key no store wrote is skipped.
    await c.set('test1:revoked:jti:', String(nowSec() + 600))
    await c.set('test1:revoked:sub:' + 'x'.repeat(2000), String(nowSec()))
    await c.set('test1:revoked:sub:not-a-number', 'soon')
    const late = await store(ioredis())
    assert.equal(late.list.isRevoked(claimsOf(old)), true)
    assert.equal(late.list.isRevoked(claimsOf(keep)), false)
    assert.equal(late.list.size().subjects, 1)
    await assert.rejects(a.revokeToken('', 5), { code: 'ERR_INVALID_OPTIONS' })
    await assert.rejects(redisRevocation({ client: {} }), { code: 'ERR_INVALID_OPTIONS' })
    await assert.rejects(redisRevocation({ client: c, maxStaleness: 5, resyncInterval: 10 }), { code: 'ERR_INVALID_OPTIONS' })
    await assert.rejects(redisRevocation({ client: c, onStale: 'maybe' }), { code: 'ERR_INVALID_OPTIONS' })
  })

  test('a lost message: B refuses the token once it has resynced, within resyncInterval', async () => {
    const a = await store(await nodeRedis(), { prefix: 'test2:' })
    const resyncInterval = 1
    const b = await store(ioredis(), { prefix: 'test2:', resyncInterval, maxStaleness: 30 })
    const token = access('dan')
    const admin = await nodeRedis()
    // Kill every subscriber connection, then revoke at once: B's subscriber is down or
    // reconnecting, so the published message may never reach it.
    const killed = await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub'])
    assert.ok(Number(killed) >= 2, `killed the subscribers (${killed})`)
    const t0 = Date.now()
    await a.revokeSubject('dan')
    await until(b.list, 'change', () => b.list.isRevoked(claimsOf(token)), (resyncInterval + 5) * 1000, 'B resynced')
    assert.ok(Date.now() - t0 < (resyncInterval + 5) * 1000)
  })

  test('Redis down and back: onStale accept keeps the last list, refuse refuses all; both resync; nothing crashes', async () => {
    const opts = { prefix: 'test3:', resyncInterval: 0.3, maxStaleness: 1 }
    const a = await store(await nodeRedis(), opts)
    const accept = await store(ioredis(), { ...opts, onStale: 'accept' })
    const refuse = await store(await nodeRedis(), { ...opts, onStale: 'refuse' })
    const banned = access('eve')
    const ok = access('fay')
    await a.revokeSubject('eve')
    for (const s of [accept, refuse]) await until(s.list, 'change', () => s.list.isRevoked(claimsOf(banned)), 5000, 'revocation seen')
    const vAccept = new JwtVerifier({ algorithms: ['HS256'], key: JWT_SECRET, revocation: accept.list })
    const vRefuse = new JwtVerifier({ algorithms: ['HS256'], key: JWT_SECRET, revocation: refuse.list })

    const staleAccept = new Promise((r) => accept.on('stale', r))
    const staleRefuse = until(refuse.list, 'change', () => refuse.list.stale, 15000, 'refuse store went stale')
    const port = redis.port
    await redis.stop()
    await within(staleAccept, 15000, 'accept store went stale')
    await staleRefuse
    assert.equal(accept.status().stale, true)
    // accept: the last list still refuses what it refused, and accepts the rest.
    throwsCode(() => vAccept.verify(banned), 'ERR_TOKEN_REVOKED')
    assert.equal(vAccept.verify(ok).sub, 'fay')
    // refuse: everything, with its own code.
    throwsCode(() => vRefuse.verify(ok), 'ERR_REVOCATION_STALE')
    throwsCode(() => vRefuse.verify(banned), 'ERR_REVOCATION_STALE')

    // Back (an empty instance: this test server keeps nothing on disk).
    // Listen before Redis is back: the store may resync as soon as the port opens.
    const synced = new Promise((r) => refuse.on('synced', r))
    redis = await startRedis(port)
    await within(synced, 30000, 'refuse store synced')
    assert.equal(refuse.list.stale, false)
    assert.equal(vRefuse.verify(ok).sub, 'fay')
    await until(accept.list, 'change', () => !accept.status().stale, 15000, 'accept store synced')
    // Writes flow again, to every node.
    await a.revokeSubject('fay')
    for (const s of [accept, refuse]) await until(s.list, 'change', () => s.list.isRevoked(claimsOf(ok)), 5000, 'new revocation after the outage')
    throwsCode(() => vRefuse.verify(ok), 'ERR_TOKEN_REVOKED')
    assert.deepEqual(unhandled, [], 'no unhandled rejection')
  })

  test('close() stops syncing and leaves the given client open', async () => {
    const c = await nodeRedis()
    const list = new RevocationList()
    const s = await redisRevocation({ client: c, list, prefix: 'test4:' })
    assert.equal(s.list, list)
    await s.close()
    assert.equal(c.isOpen, true)
    const other = await store(ioredis(), { prefix: 'test4:' })
    await other.revokeSubject('gus')
    // The closed store's list hears nothing more: a round trip through Redis proves the
    // message was published before we look.
    await c.ping()
    await new Promise((r) => setTimeout(r, 200))
    assert.equal(list.isRevoked({ sub: 'gus' }), false)
  })
})
