// Two nodes of the example Nest app (examples/nest-app through examples/cluster/node.mjs),
// each a child process, behind a real private redis-server: Socket.IO broadcasts go
// through @socket.io/redis-adapter, sign-outs (POST /sign-out) through authbridge/redis.
// Then the same two nodes on a real 3-master Redis Cluster (REDIS_CLUSTER): the sharded
// adapter (createShardedAdapter) and the revocation store on a node-redis cluster client.
// Clients are socket.io-client over loopback with access tokens from jsonwebtoken.
// Needs redis-server (apt-get install redis-server) and `tsc -p examples/nest-app`
// (npm test does it); skipped with the reason when redis-server is missing, failed under CI.

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { fork } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { io } from 'socket.io-client'

const require = createRequire(import.meta.url)
const sio = require('./helpers/sio.js')
const jwt = require('jsonwebtoken')
const { startRedis, startCluster, redisSkip, clusterSkip } = require('./helpers/redis.js')

const skip = redisSkip()
const NODE_SCRIPT = fileURLToPath(new URL('../examples/cluster/node.mjs', import.meta.url))
const AUTH_SECRET = crypto.randomBytes(32).toString('hex')
const JWT_SECRET = crypto.randomBytes(32).toString('hex')
const RESYNC_INTERVAL = 1 // seconds: the bound on a lost pub/sub message
const WAIT_MS = 8000 // generous: a loaded 2-core machine
const nowSec = () => Math.floor(Date.now() / 1000)
const access = (sub, claims = {}) => jwt.sign({ sub, ...claims }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '15m', jwtid: crypto.randomUUID() })

/** The next `event` of `emitter` (its arguments), or a rejection after ms. */
const waitFor = (emitter, event, ms = WAIT_MS) => sio.next(emitter, event, ms)

/** A node of the example app; `redis` is a URL, or { cluster: [urls] } for a Redis Cluster. */
function startNode(redis) {
  const where = typeof redis === 'string' ? { REDIS_URL: redis } : { REDIS_CLUSTER: redis.cluster.join(',') }
  const child = fork(NODE_SCRIPT, [], {
    env: { ...process.env, AUTH_SECRET, JWT_SECRET, ...where, RESYNC_INTERVAL: String(RESYNC_INTERVAL), MAX_STALENESS: '30' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('a node did not start')), 30000)
    child.once('exit', (code) => reject(new Error(`a node exited at start (${code})`)))
    child.on('message', (m) => {
      if (m && m.ready) {
        clearTimeout(timer)
        resolve({ child, url: m.ready })
      }
    })
  })
}

async function stopNode(node) {
  if (!node || node.child.exitCode !== null) return
  const exited = waitFor(node.child, 'exit', 15000).catch(() => node.child.kill('SIGKILL'))
  node.child.send({ close: true })
  await exited
}

describe('two Nest nodes behind Redis', { skip }, () => {
  let redis
  let A
  let B
  const sockets = []

  before(async () => {
    redis = await startRedis()
    ;[A, B] = await Promise.all([startNode(redis.url), startNode(redis.url)])
  })
  after(async () => {
    for (const s of sockets) s.close()
    await Promise.all([stopNode(A), stopNode(B)])
    if (redis) await redis.stop()
  })

  /** Connects to a node: resolves { s, ok, code } on welcome or connect_error. */
  function connect(node, token) {
    const s = io(node.url, { auth: token ? { token } : {}, transports: ['websocket'], reconnection: false, forceNew: true })
    sockets.push(s)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no welcome nor connect_error')), WAIT_MS)
      s.once('welcome', () => {
        clearTimeout(timer)
        resolve({ s, ok: true })
      })
      s.once('connect_error', (err) => {
        clearTimeout(timer)
        resolve({ s, ok: false, code: err.data && err.data.code })
      })
    })
  }

  async function signOut(node, token, scope) {
    const res = await fetch(`${node.url}/sign-out${scope ? `?scope=${scope}` : ''}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(WAIT_MS),
    })
    return res.status
  }

  test('a broadcast from node A reaches the authenticated clients on node B, never an unauthenticated socket', async () => {
    const onB = await connect(B, access('ada'))
    const onA = await connect(A, access('bob'))
    const anon = await connect(B, null)
    assert.deepEqual([onB.ok, onA.ok, anon.ok, anon.code], [true, true, false, 'ERR_TOKEN_MISSING'])
    let anonGot = 0
    anon.s.onAny(() => anonGot++)
    const gotB = waitFor(onB.s, 'news')
    const gotA = waitFor(onA.s, 'news')
    A.child.send({ broadcast: { event: 'news', data: { n: 1 } } })
    assert.deepEqual(await gotB, [{ n: 1 }])
    assert.deepEqual(await gotA, [{ n: 1 }])
    assert.equal(anonGot, 0)
    assert.equal(anon.s.connected, false)
  })

  test('sign-out on A: the user\'s socket on B gets auth_revoked and is closed; the token is refused on both nodes; a newer token is accepted', async (t) => {
    const token = access('cy')
    const onB = await connect(B, token)
    const alsoOnA = await connect(A, token)
    const bystander = await connect(B, access('dee'))
    assert.ok(onB.ok && alsoOnA.ok && bystander.ok)
    const revoked = waitFor(onB.s, 'auth_revoked')
    const closed = waitFor(onB.s, 'disconnect')
    const closedOnA = waitFor(alsoOnA.s, 'auth_revoked')
    const t0 = Date.now()
    assert.equal(await signOut(A, token), 204)
    assert.deepEqual((await revoked)[0], { code: 'ERR_TOKEN_REVOKED' })
    const latency = Date.now() - t0
    assert.equal((await closed)[0], 'io server disconnect')
    t.diagnostic(`sign-out on A to auth_revoked on B: ${latency} ms (required: under 1000 ms)`)
    assert.deepEqual((await closedOnA)[0], { code: 'ERR_TOKEN_REVOKED' }, 'the same token on the node that signed out')
    assert.equal(bystander.s.connected, true)

    for (const node of [A, B]) {
      const again = await connect(node, token)
      assert.deepEqual([again.ok, again.code], [false, 'ERR_TOKEN_REVOKED'])
    }
    const newer = access('cy', { iat: nowSec() + 1 })
    for (const node of [A, B]) assert.equal((await connect(node, newer)).ok, true, 'issued after the sign-out')
  })

  test('revoking one jti (sign-out ?scope=token on B) refuses only that token, on A too', async () => {
    const t1 = access('eve')
    const t2 = access('eve')
    const s1 = await connect(A, t1)
    const s2 = await connect(A, t2)
    assert.ok(s1.ok && s2.ok)
    const revoked = waitFor(s1.s, 'auth_revoked')
    assert.equal(await signOut(B, t1, 'token'), 204)
    assert.deepEqual((await revoked)[0], { code: 'ERR_TOKEN_REVOKED' })
    assert.equal((await connect(A, t1)).code, 'ERR_TOKEN_REVOKED')
    assert.equal((await connect(B, t2)).ok, true)
    assert.equal(s2.s.connected, true)
  })

  test('a lost message: with the subscribers killed, B still closes the socket once it has resynced', async () => {
    const token = access('fox')
    const onB = await connect(B, token)
    assert.ok(onB.ok)
    const revoked = waitFor(onB.s, 'auth_revoked', (RESYNC_INTERVAL + 8) * 1000)
    const { createClient } = require('redis')
    const admin = createClient({ url: redis.url })
    admin.on('error', () => {})
    await admin.connect()
    try {
      await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub'])
      assert.equal(await signOut(A, token), 204)
    } finally {
      await admin.close()
    }
    assert.deepEqual((await revoked)[0], { code: 'ERR_TOKEN_REVOKED' })
    assert.equal((await connect(B, token)).code, 'ERR_TOKEN_REVOKED')
  })

  test('shutdown: node B closes its Redis connections (client, revocation subscriber, adapter pub and sub) and exits by itself', async () => {
    const { createClient } = require('redis')
    const admin = createClient({ url: redis.url })
    admin.on('error', () => {})
    await admin.connect()
    try {
      const count = async () => (await admin.sendCommand(['CLIENT', 'LIST'])).trim().split('\n').length
      const before = await count()
      const exited = waitFor(B.child, 'exit', 15000)
      B.child.send({ close: true })
      const [code, signal] = await exited
      assert.deepEqual([code, signal], [0, null])
      // The server may take a moment to notice closed connections: poll it.
      const deadline = Date.now() + WAIT_MS
      while ((await count()) > before - 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      assert.equal(await count(), before - 4)
    } finally {
      await admin.close()
    }
  })
})

describe('two Nest nodes on a 3-master Redis Cluster (sharded adapter)', { skip: clusterSkip(), timeout: 180000 }, () => {
  let cluster
  let A
  let B
  const sockets = []

  before(async () => {
    cluster = await startCluster(3)
    const urls = cluster.nodes.map((n) => n.url)
    ;[A, B] = await Promise.all([startNode({ cluster: urls }), startNode({ cluster: urls })])
  }, { timeout: 90000 })
  after(async () => {
    for (const s of sockets) s.close()
    await Promise.all([stopNode(A), stopNode(B)])
    if (cluster) await cluster.stop()
  }, { timeout: 60000 })

  function connect(node, token) {
    const s = io(node.url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true })
    sockets.push(s)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no welcome nor connect_error')), WAIT_MS)
      s.once('welcome', () => {
        clearTimeout(timer)
        resolve({ s, ok: true })
      })
      s.once('connect_error', (err) => {
        clearTimeout(timer)
        resolve({ s, ok: false, code: err.data && err.data.code })
      })
    })
  }

  test('a broadcast from A reaches B (sharded adapter); sign-out on A closes the socket on B; the token is refused on both', async () => {
    const token = access('ada')
    const onB = await connect(B, token)
    const bystander = await connect(B, access('bob'))
    assert.ok(onB.ok && bystander.ok)
    const news = waitFor(onB.s, 'news')
    A.child.send({ broadcast: { event: 'news', data: { n: 2 } } })
    assert.deepEqual(await news, [{ n: 2 }])

    const revoked = waitFor(onB.s, 'auth_revoked')
    const closed = waitFor(onB.s, 'disconnect')
    const res = await fetch(`${A.url}/sign-out`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(WAIT_MS) })
    assert.equal(res.status, 204)
    assert.deepEqual((await revoked)[0], { code: 'ERR_TOKEN_REVOKED' })
    assert.equal((await closed)[0], 'io server disconnect')
    assert.equal(bystander.s.connected, true)
    for (const node of [A, B]) assert.equal((await connect(node, token)).code, 'ERR_TOKEN_REVOKED')
  })
})
