// npm run bench:revocation: what the revocation list costs, and handshakes across nodes.
//  1. Verification with a RevocationList of 10,000 revoked jtis and 1,000 revoked subjects
//     against the same verifier with an empty list (and with no list): HS256 (with and
//     without the cache) and an Auth.js session decode. Rounds interleave the variants.
//  2. Socket.IO handshakes per second: one node without Redis, one node with the Redis
//     adapter and authbridge/redis, two such nodes (clients spread over both). Each node
//     is a child process; needs redis-server (a private one is started on a free port).
// Writes its section of RESULTS.md (between its markers).
//   node benchmark/revocation.mjs [--quick] [--no-write] [--handshakes N] [--concurrency C]
import { createRequire } from 'node:module'
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const ab = require('../index.js')
const jwt = require('jsonwebtoken')

const args = process.argv.slice(2)
const arg = (name, d) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : d)
const QUICK = args.includes('--quick')
const WRITE = !args.includes('--no-write')
const ROUNDS = QUICK ? 5 : 15
const ROUND_MS = QUICK ? 40 : 100
const HANDSHAKES = arg('--handshakes', QUICK ? 600 : 3000)
const CONCURRENCY = arg('--concurrency', 50)
const SECRET = crypto.randomBytes(32).toString('hex')
const AUTH_SECRET = crypto.randomBytes(32).toString('hex')

// ------------------------------------------------------------------ child: one node
if (args[0] === '--serve') {
  const { Server } = require('socket.io')
  const { socketIoAuth, useOnAllNamespaces } = require('../js/socket.io/index.js')
  const list = new ab.RevocationList()
  let store = null
  const server = http.createServer()
  const io = new Server(server)
  if (process.env.REDIS_URL) {
    const { createClient } = require('redis')
    const { createAdapter } = require('@socket.io/redis-adapter')
    const { redisRevocation } = require('../js/redis/index.js')
    const client = createClient({ url: process.env.REDIS_URL })
    await client.connect()
    const pub = client.duplicate()
    const sub = client.duplicate()
    await Promise.all([pub.connect(), sub.connect()])
    io.adapter(createAdapter(pub, sub))
    store = await redisRevocation({ client, list, prefix: 'bench:' })
  }
  useOnAllNamespaces(io, socketIoAuth({ jwt: { algorithms: ['HS256'], key: process.env.SECRET }, revocation: list }))
  io.on('connection', (s) => s.emit('ready'))
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  process.send({ url: `http://127.0.0.1:${server.address().port}`, entries: list.size() })
  process.on('message', async (m) => {
    if (m === 'close') {
      if (store) await store.close()
      io.close()
      process.exit(0)
    }
  })
} else {
  await main()
}

// ------------------------------------------------------------------ 1. verification
function batch(fn) {
  let n = 1
  for (;;) {
    const t = process.hrtime.bigint()
    for (let i = 0; i < n; i++) fn()
    const ms = Number(process.hrtime.bigint() - t) / 1e6
    if (ms >= ROUND_MS / 4 || n >= 1 << 24) return Math.max(1, Math.round((n * ROUND_MS) / Math.max(ms, 0.001)))
    n *= 4
  }
}

/** Interleaved rounds of every variant; median ns per op of each. */
function compare(variants) {
  const sizes = variants.map((v) => batch(v.fn))
  const per = variants.map(() => [])
  for (let r = 0; r < ROUNDS; r++) {
    variants.forEach((v, i) => {
      const n = sizes[i]
      const t = process.hrtime.bigint()
      for (let k = 0; k < n; k++) v.fn()
      per[i].push(Number(process.hrtime.bigint() - t) / n)
    })
  }
  return variants.map((v, i) => {
    const s = per[i].sort((a, b) => a - b)
    return { name: v.name, medNs: s[Math.floor(s.length / 2)], minNs: s[0] }
  })
}

function fullList() {
  const list = new ab.RevocationList()
  const exp = Math.floor(Date.now() / 1000) + 3600
  const entries = []
  for (let i = 0; i < 10000; i++) entries.push({ jti: crypto.randomUUID(), exp })
  for (let i = 0; i < 1000; i++) entries.push({ sub: `user-${i}`, before: Math.floor(Date.now() / 1000) })
  list.replace(entries)
  return list
}

async function verification() {
  const empty = new ab.RevocationList()
  const full = fullList()
  const token = jwt.sign({ sub: 'user-42000', email: 'ada@example.com', role: 'member' }, SECRET, { algorithm: 'HS256', expiresIn: '15m', jwtid: crypto.randomUUID() })
  const make = (revocation, cache) => new ab.JwtVerifier({ algorithms: ['HS256'], key: SECRET, cache, ...(revocation ? { revocation } : {}) })
  const session = new ab.AuthJsSession({ secret: AUTH_SECRET })
  const sessionToken = session.encode({ sub: 'user-42000', name: 'Ada' })
  const sess = (revocation) => new ab.AuthJsSession({ secret: AUTH_SECRET, ...(revocation ? { revocation } : {}) })
  const groups = []
  for (const cache of [false, true]) {
    const none = make(null, cache)
    const e = make(empty, cache)
    const f = make(full, cache)
    for (const v of [none, e, f]) v.verify(token)
    groups.push({
      name: `verify HS256${cache ? ' (cache)' : ''}`,
      rows: compare([
        { name: 'no list', fn: () => none.verify(token) },
        { name: 'empty list', fn: () => e.verify(token) },
        { name: '10,000 jtis + 1,000 subjects', fn: () => f.verify(token) },
      ]),
    })
  }
  const sNone = sess(null)
  const sEmpty = sess(empty)
  const sFull = sess(full)
  groups.push({
    name: 'Auth.js session decode',
    rows: compare([
      { name: 'no list', fn: () => sNone.decode(sessionToken) },
      { name: 'empty list', fn: () => sEmpty.decode(sessionToken) },
      { name: '10,000 jtis + 1,000 subjects', fn: () => sFull.decode(sessionToken) },
    ]),
  })
  for (const g of groups) {
    const base = g.rows[1].medNs
    console.log(`\n${g.name}`)
    for (const r of g.rows) console.log(`  ${r.name.padEnd(30)} ${(r.medNs / 1000).toFixed(2)} us  (x${(r.medNs / base).toFixed(3)} of empty)`)
  }
  return groups
}

// ------------------------------------------------------------------ 2. handshakes
async function startNode(env) {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { env: { ...process.env, SECRET, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const info = await new Promise((resolve, reject) => {
    child.once('message', resolve)
    child.once('exit', (c) => reject(new Error(`node exited (${c})`)))
  })
  return { child, url: info.url }
}

async function storm(urls) {
  const { io: connect } = require('socket.io-client')
  const token = jwt.sign({ sub: 'user-42', email: 'ada@example.com' }, SECRET, { algorithm: 'HS256', expiresIn: '15m', jwtid: crypto.randomUUID() })
  let next = 0
  let ok = 0
  const t = process.hrtime.bigint()
  async function worker() {
    while (next < HANDSHAKES) {
      const url = urls[next++ % urls.length]
      await new Promise((resolve) => {
        const c = connect(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true })
        const done = (good) => {
          ok += good ? 1 : 0
          c.close()
          resolve()
        }
        c.once('ready', () => done(true))
        c.once('connect_error', () => done(false))
      })
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const s = Number(process.hrtime.bigint() - t) / 1e9
  return { ok, perSecond: Math.round(HANDSHAKES / s) }
}

async function handshakes() {
  const { startRedis, redisSkip } = require('../__test__/helpers/redis.js')
  const why = redisSkip()
  if (why) {
    console.log(`\nhandshakes across nodes: skipped (${why})`)
    return null
  }
  const redis = await startRedis()
  const rows = []
  try {
    // Seed the shared list as in part 1, so that each node loads it at start.
    const { createClient } = require('redis')
    const { redisRevocation } = require('../js/redis/index.js')
    const c = createClient({ url: redis.url })
    await c.connect()
    const seed = await redisRevocation({ client: c, prefix: 'bench:' })
    const exp = Math.floor(Date.now() / 1000) + 3600
    for (let i = 0; i < 1000; i++) await seed.revokeToken(crypto.randomUUID(), exp)
    for (let i = 0; i < 100; i++) await seed.revokeSubject(`user-${i}`)
    await seed.close()
    await c.close()
    const setups = [
      ['1 node, no Redis', [{}]],
      ['1 node, Redis adapter + authbridge/redis', [{ REDIS_URL: redis.url }]],
      ['2 nodes, Redis adapter + authbridge/redis', [{ REDIS_URL: redis.url }, { REDIS_URL: redis.url }]],
    ]
    for (const [name, envs] of setups) {
      const nodes = await Promise.all(envs.map(startNode))
      await storm(nodes.map((n) => n.url)) // warm-up
      const r = await storm(nodes.map((n) => n.url))
      rows.push({ name, ...r })
      console.log(`\n${name}: ${r.perSecond} handshakes/s (${r.ok}/${HANDSHAKES} accepted)`)
      for (const n of nodes) n.child.send('close')
      await Promise.all(nodes.map((n) => new Promise((r) => n.child.once('exit', r))))
    }
  } finally {
    await redis.stop()
  }
  return rows
}

async function main() {
  const groups = await verification()
  const hs = await handshakes()
  if (!WRITE) return
  const cpu = os.cpus()[0]
  const lines = [
    '<!-- revocation:start -->',
    '## Revocation list (benchmark/revocation.mjs)',
    '',
    `Generated by \`npm run bench:revocation\` on ${new Date().toISOString().slice(0, 10)} (${cpu ? cpu.model : 'unknown'}, ${os.cpus().length} cores, Node ${process.version}). ${ROUNDS} interleaved rounds of about ${ROUND_MS} ms per variant; median time per operation. The token is not revoked (the common case): the check runs in full against the list.`,
    '',
    '| operation | no list | empty list | 10,000 jtis + 1,000 subjects | full / empty |',
    '| --- | ---: | ---: | ---: | ---: |',
  ]
  for (const g of groups) {
    const [none, empty, full] = g.rows
    lines.push(`| ${g.name} | ${(none.medNs / 1000).toFixed(2)} us | ${(empty.medNs / 1000).toFixed(2)} us | ${(full.medNs / 1000).toFixed(2)} us | ${(full.medNs / empty.medNs).toFixed(3)} |`)
  }
  lines.push('')
  if (hs) {
    lines.push(
      `Socket.IO handshakes per second over loopback (${HANDSHAKES} handshakes, ${CONCURRENCY} at a time, HS256 access token, a list of 1,000 jtis + 100 subjects loaded from Redis; nodes are child processes on the same 2-core machine as the clients):`,
      '',
      '| setup | handshakes/s |',
      '| --- | ---: |',
    )
    for (const r of hs) lines.push(`| ${r.name} | ${r.perSecond.toLocaleString('en-US')} |`)
    lines.push('')
  }
  lines.push('<!-- revocation:end -->', '')
  const out = fileURLToPath(new URL('./RESULTS.md', import.meta.url))
  const previous = fs.readFileSync(out, 'utf8').replace(/\n?<!-- revocation:start -->[\s\S]*?<!-- revocation:end -->\n?/, '\n')
  fs.writeFileSync(out, previous.replace(/\n+$/, '\n') + '\n' + lines.join('\n'))
  console.log(`\nwrote ${out}`)
}
