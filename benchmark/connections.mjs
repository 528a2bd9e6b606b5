// Socket.IO handshakes per second over loopback: the authbridge middleware versus the
// usual hand-written jsonwebtoken middleware, same server, same clients, same tokens.
//   node benchmark/connections.mjs [handshakes] [concurrency]
import { createRequire } from 'node:module'
import http from 'node:http'
const require = createRequire(import.meta.url)
const { Server } = require('socket.io')
const { io: connect } = require('socket.io-client')
const jwt = require('jsonwebtoken')
const { socketIoAuth, useOnAllNamespaces } = require('../js/socket.io.js')

const TOTAL = Number(process.argv[2] || 2000)
const CONCURRENCY = Number(process.argv[3] || 50)
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
const rows = []
for (const [name, install] of Object.entries(variants)) {
  const { io, server, url } = await serve(install)
  await storm(url) // warm up (JIT, sockets)
  const r = await storm(url)
  rows.push({ middleware: name, handshakes: TOTAL, accepted: r.ok, seconds: r.seconds.toFixed(2), 'handshakes/s': r.perSecond })
  io.close()
  server.close()
}
console.table(rows)
