// npm run demo:cluster [-- --cluster]: starts a private redis-server (or a Redis Cluster) and two nodes of the example Nest
// app (examples/cluster/node.mjs, each a child process) sharing it through the Socket.IO
// Redis adapter and authbridge/redis. Ada connects to node B; she signs out on node A;
// node B sends her socket `auth_revoked` and closes it, and her token is refused on both
// nodes. Needs redis-server on the PATH (apt-get install redis-server / brew install redis).
import crypto from 'node:crypto'
import { fork } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { io } from 'socket.io-client'

const require = createRequire(import.meta.url)
const jwt = require('jsonwebtoken')
const { startRedis, startCluster, redisSkip, clusterSkip } = require('../../__test__/helpers/redis.js')

// --cluster: a private three-master Redis Cluster instead of one redis-server (the nodes then
// use node-redis's createCluster and the sharded Socket.IO adapter).
const onCluster = process.argv.includes('--cluster')
const why = onCluster ? clusterSkip() : redisSkip()
if (why) {
  console.log(`demo:cluster needs Redis: ${why}`)
  process.exit(1)
}

const AUTH_SECRET = 'demo-auth-secret-' + 'x'.repeat(24)
const JWT_SECRET = 'demo-access-token-secret-' + 'y'.repeat(16)
const NODE = fileURLToPath(new URL('./node.mjs', import.meta.url))
const log = (...a) => console.log(...a)

const redis = onCluster ? await startCluster(3) : await startRedis()
const redisEnv = onCluster ? { REDIS_CLUSTER: redis.nodes.map((n) => n.url).join(',') } : { REDIS_URL: redis.url }
log(onCluster ? `a Redis Cluster of three masters on ports ${redis.nodes.map((n) => n.port).join(', ')} (nothing saved to disk)` : `redis-server on port ${redis.port} (pid ${redis.pid}, nothing saved to disk)`)

const start = (name) =>
  new Promise((resolve, reject) => {
    const child = fork(NODE, [], { env: { ...process.env, AUTH_SECRET, JWT_SECRET, ...redisEnv }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    child.once('exit', (c) => reject(new Error(`node ${name} exited (${c})`)))
    child.on('message', (m) => m && m.ready && resolve({ name, child, url: m.ready }))
  })
const [A, B] = await Promise.all([start('A'), start('B')])
log(`node A: ${A.url}\nnode B: ${B.url}`)

const token = jwt.sign({ sub: 'user-42', email: 'ada@example.com' }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '15m', jwtid: crypto.randomUUID() })
const connect = (node, tok) =>
  new Promise((resolve) => {
    const s = io(node.url, { auth: { token: tok }, transports: ['websocket'], reconnection: false, forceNew: true })
    s.once('welcome', () => resolve({ s, ok: true }))
    s.once('connect_error', (err) => resolve({ s, ok: false, code: (err.data && err.data.code) || err.message }))
  })

const ada = await connect(B, token)
const bob = await connect(A, jwt.sign({ sub: 'user-7' }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '15m' }))
log(`\nAda connected to node B: ${ada.ok}; Bob connected to node A: ${bob.ok}`)

const news = new Promise((r) => ada.s.once('news', r))
A.child.send({ broadcast: { event: 'news', data: 'hello from node A' } })
log(`a broadcast sent on node A reached Ada on node B: "${await news}"`)

const revoked = new Promise((r) => ada.s.once('auth_revoked', (d) => r({ d, at: Date.now() })))
const closed = new Promise((r) => ada.s.once('disconnect', r))
const t0 = Date.now()
const res = await fetch(`${A.url}/sign-out`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
log(`\nAda signs out on node A: POST /sign-out -> ${res.status}`)
const { d, at } = await revoked
log(`node B sent Ada's socket auth_revoked ${JSON.stringify(d)} after ${at - t0} ms, then closed it (${await closed})`)

for (const node of [A, B]) {
  const again = await connect(node, token)
  log(`Ada's old token on node ${node.name}: ${again.ok ? 'accepted (!)' : `refused, ${again.code}`}`)
  again.s.close()
}
const fresh = jwt.sign({ sub: 'user-42', iat: Math.floor(Date.now() / 1000) + 1 }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '15m' })
const back = await connect(A, fresh)
log(`Ada signs in again (a new token): ${back.ok ? 'accepted' : back.code}`)
log(`Bob, on node A, is still connected: ${bob.s.connected}`)

for (const s of [ada.s, bob.s, back.s]) s.close()
for (const n of [A, B]) n.child.send({ close: true })
await Promise.all([A, B].map((n) => new Promise((r) => n.child.once('exit', r))))
await redis.stop()
