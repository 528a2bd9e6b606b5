'use strict'

// authbridge/redis against a real, private redis-server (started on a free port, no
// persistence, stopped by its PID): node-redis v5 and ioredis clients, two "nodes" (two
// stores, two lists) kept the same; entries trimmed past their lifetime; a lost pub/sub
// message caught up from the change log without a full load; Redis SIGKILLed and back empty
// under onStale 'accept' and 'refuse' (every node keeps and writes back what it holds);
// malformed entries skipped (R09); a direct revocation on the list kept (R12).
// Key layout (issue 21): sorted sets {prefix}revoked:jti / {prefix}revoked:sub and the
// stream {prefix}log instead of one key per entry: the tests read those.
// Needs redis-server (apt-get install redis-server); skipped with that reason otherwise,
// failed under CI.

const { describe, test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')

const { createClient } = require('redis')
const IORedis = require('ioredis')
const jsonwebtoken = require('jsonwebtoken')

const { JwtVerifier, RevocationList } = require('..')
const { redisRevocation, _internals } = require('../js/redis/index.js')
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
    assert.equal(Number(await c.zScore('{test1:}revoked:jti', jti)), exp, 'the entry is in the sorted set, scored by exp')
    // Past its lifetime the entry is trimmed by the next write or check (here: a write).
    await poll(async () => {
      await a.revokeSubject('trim-trigger')
      return (await c.zScore('{test1:}revoked:jti', jti)) === null
    }, 10000, 'the jti entry is trimmed after exp')

    // A node started later loads everything at start.
    const late = await store(ioredis())
    assert.equal(late.list.isRevoked(claimsOf(old)), true)
    assert.equal(late.list.isRevoked(claimsOf(keep)), false)
    assert.equal(late.list.size().subjects, 2)
    assert.equal(late.status().fullLoads, 1)
    // A numeric id is keyed by its decimal text (R01's rule).
    await late.revokeSubject(42)
    await until(a.list, 'change', () => a.list.isRevoked({ sub: '42' }), 5000, 'numeric subject on A')
    await assert.rejects(a.revokeToken('', 5), { code: 'ERR_INVALID_OPTIONS' })
    await assert.rejects(a.revokeToken(1.5, nowSec() + 60), { code: 'ERR_INVALID_OPTIONS' })
    await assert.rejects(a.revokeSubject('x', -1), { code: 'ERR_INVALID_OPTIONS' })
    await assert.rejects(redisRevocation({ client: c, maxStaleness: 5, resyncInterval: 10 }), { code: 'ERR_INVALID_OPTIONS' })
    await assert.rejects(redisRevocation({ client: c, onStale: 'maybe' }), { code: 'ERR_INVALID_OPTIONS' })
    await assert.rejects(redisRevocation({ client: c, prefix: 'a{b}' }), { code: 'ERR_INVALID_OPTIONS' })
  })

  test('an unsupported client is ERR_INVALID_OPTIONS naming what was passed; a failed first load throws with the real error as cause', async () => {
    await assert.rejects(redisRevocation({ client: {} }), (err) => err.code === 'ERR_INVALID_OPTIONS' && /got a Object/.test(err.message))
    await assert.rejects(redisRevocation({ client: new Map() }), (err) => err.code === 'ERR_INVALID_OPTIONS' && /got a Map/.test(err.message))
    await assert.rejects(redisRevocation({ client: null }), (err) => err.code === 'ERR_INVALID_OPTIONS' && /got null/.test(err.message))
    await assert.rejects(redisRevocation({ client: 'redis://x' }), (err) => err.code === 'ERR_INVALID_OPTIONS' && /got string/.test(err.message))
    // The log key holds a string: every script fails with WRONGTYPE, which must reach the caller.
    const c = await nodeRedis()
    await c.set('{test0:}log', 'not a stream')
    for (const client of [c, ioredis()]) {
      await assert.rejects(redisRevocation({ client, prefix: 'test0:' }), (err) => {
        assert.equal(err.code, 'ERR_REVOCATION_STALE')
        assert.ok(err.cause instanceof Error, 'cause is the Redis error')
        assert.match(err.cause.message, /WRONGTYPE/)
        assert.match(err.message, /WRONGTYPE/)
        return true
      })
    }
  })

  test('a lost message (subscribers killed): B catches up from the log, without a full load', async () => {
    const a = await store(await nodeRedis(), { prefix: 'test2:' })
    const resyncInterval = 1
    const b = await store(ioredis(), { prefix: 'test2:', resyncInterval, maxStaleness: 30 })
    const token = access('dan')
    const admin = await nodeRedis()
    const loads = b.status().fullLoads
    // Kill every subscriber connection, then revoke at once: B's subscriber is down or
    // reconnecting, so the published message may never reach it.
    const killed = await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub'])
    assert.ok(Number(killed) >= 2, `killed the subscribers (${killed})`)
    await a.revokeSubject('dan')
    await until(b.list, 'change', () => b.list.isRevoked(claimsOf(token)), (resyncInterval + 5) * 1000, 'B caught up')
    assert.equal(b.status().fullLoads, loads, 'no full load')
  })

  test('a lost message while subscribed: the next message reveals the gap (or the periodic check finds it); caught up from the log, no full load; a log trimmed past the node\'s position is a full load', async () => {
    const prefix = 'test5:'
    const a = await store(await nodeRedis(), { prefix })
    const b = await store(ioredis(), { prefix, resyncInterval: 0.5, maxStaleness: 30 })
    const c = await nodeRedis()
    const keys = ['{test5:}revoked:jti', '{test5:}revoked:sub', '{test5:}log', '{test5:}epoch']
    // A change written through the store's own script with no wake-up published: a lost message.
    const hidden = (sub) => c.sendCommand(['EVAL', _internals.WRITE_SCRIPT, '4', ...keys, String(nowSec()), String(b.list.subjectTtl), '10000', '{test5:}changes', '', 'e', 'x', 's', String(nowSec()), sub])
    const loads = b.status().fullLoads
    const catchUps = b.status().catchUps
    await hidden('hid1')
    await a.revokeSubject('after1')
    await until(b.list, 'change', () => b.list.isRevoked({ sub: 'hid1' }) && b.list.isRevoked({ sub: 'after1' }), 5000, 'B caught up both')
    assert.equal(b.status().fullLoads, loads, 'no full load')
    assert.ok(b.status().catchUps > catchUps, 'a catch-up from the log')
    // A lost LAST message: nothing follows it; the periodic check (every 0.5 s) finds it.
    await hidden('hid2')
    await until(b.list, 'change', () => b.list.isRevoked({ sub: 'hid2' }), 5000, 'B found the last lost message')
    assert.equal(b.status().fullLoads, loads, 'still no full load')
    // The log trimmed past B's position: B cannot prove it missed nothing, so it loads (merges) everything.
    await c.sendCommand(['XTRIM', '{test5:}log', 'MAXLEN', '0'])
    await hidden('hid3')
    await a.revokeSubject('after3')
    await until(b.list, 'change', () => b.list.isRevoked({ sub: 'hid3' }) && b.list.isRevoked({ sub: 'after3' }), 5000, 'B loaded after the gap')
    assert.equal(b.status().fullLoads, loads + 1, 'one full load')
    for (const sub of ['hid1', 'after1', 'hid2']) assert.equal(b.list.isRevoked({ sub }), true, `${sub} kept (merge, not replace)`)
  })

  test('a resync that finds nothing new reads nothing else and changes nothing', async () => {
    const a = await store(await nodeRedis(), { prefix: 'test6:' })
    for (let i = 0; i < 50; i++) await a.revokeSubject(`u${i}`)
    // In sync: its own wake-ups have all arrived (the node is at the log's last entry).
    const c = await nodeRedis()
    await poll(async () => (await c.sendCommand(['XREVRANGE', '{test6:}log', '+', '-', 'COUNT', '1']))[0][0] === a.status().lastId, 5000, 'A at the end of the log')
    const before = { ...a.status() }
    const version = a.list.version
    let changes = 0
    a.list.on('change', () => changes++)
    assert.equal(await a.resync(), true)
    const after = a.status()
    assert.deepEqual([after.fullLoads, after.catchUps, after.applied], [before.fullLoads, before.catchUps, before.applied])
    assert.equal(a.list.version, version)
    assert.equal(changes, 0)
  })

  test('a resync that finds nothing new costs the same at 16x the entries (growth ratio, not wall clock)', async () => {
    const c = await nodeRedis()
    const fill = `for i = 1, tonumber(ARGV[2]) do redis.call('ZADD', KEYS[1], ARGV[1], 'id-' .. i) end return 1`
    const costAt = async (n, prefix) => {
      await c.sendCommand(['EVAL', fill, '1', `{${prefix}}revoked:jti`, String(nowSec() + 3600), String(n)])
      const s = await store(await nodeRedis(), { prefix })
      assert.equal(s.list.size().tokens, n)
      const times = []
      for (let i = 0; i < 60; i++) {
        const t = process.hrtime.bigint()
        await s.resync()
        times.push(Number(process.hrtime.bigint() - t))
      }
      times.sort((x, y) => x - y)
      return times[30]
    }
    const small = await costAt(2000, 'test11a:')
    const large = await costAt(32000, 'test11b:')
    assert.ok(large / small < 4, `median resync ${small} ns at 2,000 entries, ${large} ns at 32,000: ratio ${(large / small).toFixed(2)}`)
  })

  test('R09: malformed entries in Redis (negative, infinite, empty or oversized id, unknown log type) are skipped and reported; the rest loads', async () => {
    const c = await nodeRedis()
    const future = nowSec() + 600
    await c.sendCommand(['ZADD', '{test7:}revoked:sub', '-5', 'mallory', String(nowSec()), 'good-sub', '+inf', 'forever'])
    await c.sendCommand(['ZADD', '{test7:}revoked:jti', String(future), '', String(future), 'x'.repeat(2000), String(future), 'good-jti'])
    const a = await store(ioredis(), { prefix: 'test7:' })
    assert.equal(a.list.isRevoked({ sub: 'good-sub', iat: nowSec() - 10 }), true)
    assert.equal(a.list.isRevoked({ jti: 'good-jti' }), true)
    assert.equal(a.list.isRevoked({ sub: 'mallory', iat: 1 }), false)
    assert.deepEqual(a.list.size(), { tokens: 1, subjects: 1 })
    assert.ok(a.status().skipped >= 3, `skipped ${a.status().skipped}`)
    assert.equal(a.status().stale, false)
    // Later loads report what they skip through 'error', and still succeed.
    const errors = []
    a.on('error', (e) => errors.push(e))
    assert.equal(await a.resync({ full: true }), true)
    assert.ok(errors.some((e) => e.code === 'ERR_REVOCATION_ENTRY_INVALID' && e.skipped >= 3), 'reported')
    // A malformed log entry (another writer) costs only itself; the next change still arrives.
    const top = await c.sendCommand(['XREVRANGE', '{test7:}log', '+', '-', 'COUNT', '1'])
    const prev = top.length ? top[0][0] : '0-0'
    await c.sendCommand(['XADD', '{test7:}log', '*', 'p', prev, 'e', a.status().epoch, 't', 'q', 'x', 'oops', 'i', 'z'])
    const b = await store(await nodeRedis(), { prefix: 'test7:' })
    await b.revokeSubject('after-bad')
    await until(a.list, 'change', () => a.list.isRevoked({ sub: 'after-bad' }), 5000, 'the change after the malformed entry')
    assert.ok(errors.some((e) => e.code === 'ERR_REVOCATION_ENTRY_INVALID' && /log/.test(e.message)), 'the log entry was reported')
  })

  test('R12: a revocation made directly on the synced list survives resyncs and catch-ups (merge, never replace)', async () => {
    const a = await store(await nodeRedis(), { prefix: 'test8:' })
    const b = await store(ioredis(), { prefix: 'test8:' })
    b.list.revokeSubject('local-only')
    b.list.revokeToken('local-jti', nowSec() + 600)
    await a.revokeSubject('shared')
    await until(b.list, 'change', () => b.list.isRevoked({ sub: 'shared' }), 5000, 'shared on B')
    assert.equal(await b.resync(), true)
    assert.equal(await b.resync({ full: true }), true)
    assert.equal(b.list.isRevoked({ sub: 'local-only' }), true, 'kept after a full load')
    assert.equal(b.list.isRevoked({ jti: 'local-jti' }), true)
    // It stays on that node (it never went through Redis).
    assert.equal(a.list.isRevoked({ sub: 'local-only' }), false)
  })

  test('Redis SIGKILLed and back empty: onStale accept keeps the last list, refuse refuses all; both resync; every node keeps and writes back every revocation', async () => {
    const opts = { prefix: 'test3:', resyncInterval: 0.3, maxStaleness: 1 }
    const a = await store(await nodeRedis(), opts)
    const accept = await store(ioredis(), { ...opts, onStale: 'accept' })
    const refuse = await store(await nodeRedis(), { ...opts, onStale: 'refuse' })
    const banned = access('eve')
    const ok = access('fay')
    const jtiToken = access('gil')
    await a.revokeSubject('eve')
    await accept.revokeToken(claimsOf(jtiToken).jti, claimsOf(jtiToken).exp)
    for (const s of [accept, refuse]) await until(s.list, 'change', () => s.list.isRevoked(claimsOf(banned)) && s.list.isRevoked(claimsOf(jtiToken)), 5000, 'revocations seen')
    // A direct revocation on one node's list: written back after the new incarnation (README, R12).
    refuse.list.revokeSubject('direct')
    const vAccept = new JwtVerifier({ algorithms: ['HS256'], key: JWT_SECRET, revocation: accept.list })
    const vRefuse = new JwtVerifier({ algorithms: ['HS256'], key: JWT_SECRET, revocation: refuse.list })

    const staleAccept = new Promise((r) => accept.on('stale', r))
    const staleRefuse = until(refuse.list, 'change', () => refuse.list.stale, 15000, 'refuse store went stale')
    const port = redis.port
    await redis.kill()
    await within(staleAccept, 15000, 'accept store went stale')
    await staleRefuse
    assert.equal(accept.status().stale, true)
    // accept: the last list still refuses what it refused, and accepts the rest.
    throwsCode(() => vAccept.verify(banned), 'ERR_TOKEN_REVOKED')
    assert.equal(vAccept.verify(ok).sub, 'fay')
    // refuse: everything, with its own code.
    throwsCode(() => vRefuse.verify(ok), 'ERR_REVOCATION_STALE')
    throwsCode(() => vRefuse.verify(banned), 'ERR_REVOCATION_STALE')

    // Back, empty (this test server keeps nothing on disk).
    // Listen before Redis is back: the store may resync as soon as the port opens.
    const synced = new Promise((r) => refuse.on('synced', r))
    const acceptSynced = new Promise((r) => accept.on('synced', r))
    redis = await startRedis(port)
    await within(synced, 30000, 'refuse store synced')
    assert.equal(refuse.list.stale, false)
    assert.equal(vRefuse.verify(ok).sub, 'fay')
    await within(acceptSynced, 30000, 'accept store synced')
    assert.equal(accept.status().stale, false)
    // Nothing forgotten: every node still refuses, and Redis has them again (written back).
    for (const s of [a, accept, refuse]) {
      assert.equal(s.list.isRevoked(claimsOf(banned)), true)
      assert.equal(s.list.isRevoked(claimsOf(jtiToken)), true)
    }
    throwsCode(() => vRefuse.verify(banned), 'ERR_TOKEN_REVOKED')
    throwsCode(() => vAccept.verify(jtiToken), 'ERR_TOKEN_REVOKED')
    const c = await nodeRedis()
    await poll(async () => (await c.zScore('{test3:}revoked:sub', 'eve')) !== null && (await c.zScore('{test3:}revoked:sub', 'direct')) !== null, 10000, 'written back to Redis')
    assert.ok([a, accept, refuse].some((s) => s.status().incarnations >= 1))
    const late = await store(ioredis(), opts)
    assert.equal(late.list.isRevoked(claimsOf(banned)), true, 'a node started after the restart loads them')
    assert.equal(late.list.isRevoked(claimsOf(jtiToken)), true)
    await until(a.list, 'change', () => a.list.isRevoked({ sub: 'direct' }), 5000, 'the direct revocation reached the other nodes after the write-back')
    // Writes flow again, to every node.
    await a.revokeSubject('fay')
    for (const s of [accept, refuse]) await until(s.list, 'change', () => s.list.isRevoked(claimsOf(ok)), 5000, 'new revocation after the outage')
    throwsCode(() => vRefuse.verify(ok), 'ERR_TOKEN_REVOKED')
    assert.deepEqual(unhandled, [], 'no unhandled rejection')
  })

  test('a log whose last id went backwards (a failover to a replica that missed writes) is a new incarnation: the node writes back and loads', async () => {
    const prefix = 'test9:'
    const a = await store(await nodeRedis(), { prefix, resyncInterval: 0.3, maxStaleness: 30 })
    const b = await store(ioredis(), { prefix, resyncInterval: 0.3, maxStaleness: 30 })
    await a.revokeSubject('kept-1')
    await a.revokeSubject('kept-2')
    await until(b.list, 'change', () => b.list.isRevoked({ sub: 'kept-2' }), 5000, 'B has both')
    // What a replica that missed the last write looks like: the last entry and its effect gone.
    const c = await nodeRedis()
    const [[lastId]] = await c.sendCommand(['XREVRANGE', '{test9:}log', '+', '-', 'COUNT', '1'])
    await c.sendCommand(['XDEL', '{test9:}log', lastId])
    await c.sendCommand(['ZREM', '{test9:}revoked:sub', 'kept-2'])
    await poll(async () => (await c.zScore('{test9:}revoked:sub', 'kept-2')) !== null, 10000, 'written back')
    assert.ok(a.status().incarnations + b.status().incarnations >= 1)
    for (const s of [a, b]) assert.equal(s.list.isRevoked({ sub: 'kept-2' }), true)
  })

  test('a write that fails (its connection killed) is written again after the next successful check', async () => {
    const prefix = 'test10:'
    const c = createClient({ url: redis.url, disableOfflineQueue: true, socket: { reconnectStrategy: () => 200 } })
    c.on('error', () => {})
    await c.connect()
    cleanups.push(async () => {
      if (c.isOpen) await c.close().catch(() => c.destroy())
    })
    const a = await store(c, { prefix, resyncInterval: 0.3, maxStaleness: 30 })
    const b = await store(ioredis(), { prefix })
    const admin = await nodeRedis()
    const id = await c.sendCommand(['CLIENT', 'ID'])
    await admin.sendCommand(['CLIENT', 'KILL', 'ID', String(id)])
    await assert.rejects(a.revokeSubject('retried'), 'the write fails: no connection, no offline queue')
    assert.equal(a.list.isRevoked({ sub: 'retried' }), true, 'the writing node has it at once')
    await until(b.list, 'change', () => b.list.isRevoked({ sub: 'retried' }), 10000, 'written again after reconnecting')
  })

  test('connectToRedis: an unsupported client is ERR_INVALID_OPTIONS naming what was passed', async () => {
    const http = require('node:http')
    const { AuthenticatedSocketAdapter } = require('../js/nest/index.js')
    const adapter = new AuthenticatedSocketAdapter(http.createServer(), { jwt: { algorithms: ['HS256'], key: JWT_SECRET } })
    await assert.rejects(adapter.connectToRedis(new Map()), (err) => err.code === 'ERR_INVALID_OPTIONS' && /got a Map/.test(err.message))
    await assert.rejects(adapter.connectToRedis(undefined), (err) => err.code === 'ERR_INVALID_OPTIONS' && /got undefined/.test(err.message))
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
