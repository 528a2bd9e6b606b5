// Socket.IO handshakes per second over loopback: the authbridge middleware versus the
// usual hand-written jsonwebtoken middleware, same server, same clients, same tokens.
// Each server runs in its own child process (the clients here would otherwise share its
// event loop and dominate the measurement).
//   node benchmark/connections.mjs [handshakes] [concurrency] [rounds]
// Rounds are interleaved across the middlewares; the median handshakes/s is reported.
import { createRequire } from 'node:module'
import http from 'node:http'
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
const require = createRequire(import.meta.url)
const { Server } = require('socket.io')
const { io: connect } = require('socket.io-client')
const jwt = require('jsonwebtoken')
const { socketIoAuth, useOnAllNamespaces } = require('../js/socket.io.js')

const TOTAL = Number(process.argv[2] || 2000)
const CONCURRENCY = Number(process.argv[3] || 50)
const ROUNDS = Number(process.argv[4] || 3)
const SECRET = 'connection-benchmark-secret-' + 'x'.repeat(20)
const token = jwt.sign({ sub: 'user-42', email: 'ada@example.com' }, SECRET, { algorithm: 'HS256', expiresIn: '15m' })

async function serve(install) {
  const server = http.createServer()
  const io = new Server(server)
  install(io)
  io.on('connection', (s) => s.emit('ready'))
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  return { io, server, url: `http://127.0.0.1:${server.address().port}` }
}

async function storm(url) {
  let next = 0
  let ok = 0
  const t = process.hrtime.bigint()
  async function worker() {
    while (next < TOTAL) {
      next++
      await new Promise((resolve) => {
        const c = connect(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true })
        const done = (good) => { ok += good ? 1 : 0; c.close(); resolve() }
        c.once('ready', () => done(true))
        c.once('connect_error', () => done(false))
      })
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const s = Number(process.hrtime.bigint() - t) / 1e9
  return { ok, seconds: s, perSecond: Math.round(TOTAL / s) }
}

const variants = {
  'authbridge socketIoAuth (all namespaces)': (io) => useOnAllNamespaces(io, socketIoAuth({ jwt: { algorithms: ['HS256'], key: SECRET } })),
  'hand-written jsonwebtoken middleware': (io) =>
    io.use((socket, next) => {
      try {
        socket.data.user = jwt.verify(socket.handshake.auth.token, SECRET, { algorithms: ['HS256'] })
        next()
      } catch {
        next(new Error('Invalid token'))
      }
    }),
}
if (process.argv[2] === '--serve') {
  const { server } = await serve(variants[process.argv[3]])
  process.send({ port: server.address().port })
  process.on('message', (m) => m === 'stop' && process.exit(0))
  process.on('disconnect', () => process.exit(0))
} else {
  const servers = []
  for (const name of Object.keys(variants)) {
    const child = fork(fileURLToPath(import.meta.url), ['--serve', name], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    const { port } = await new Promise((resolve) => child.once('message', resolve))
    const url = `http://127.0.0.1:${port}`
    await storm(url) // warm up (JIT, sockets)
    servers.push({ name, child, url, rates: [], accepted: 0 })
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const s of servers) {
      const res = await storm(s.url)
      s.rates.push(res.perSecond)
      s.accepted += res.ok
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const rows = servers.map((s) => {
    s.child.send('stop')
    return { middleware: s.name, handshakes: TOTAL * ROUNDS, accepted: s.accepted, 'handshakes/s (median)': median(s.rates), rounds: s.rates.join(', ') }
  })
  console.table(rows)
}
