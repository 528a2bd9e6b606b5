// A bounded Socket.IO connection storm over loopback: TOTAL handshakes, half of them
// invalid (expired, forged, alg none, missing, garbage), CONCURRENCY at a time, on '/'
// and '/chat'. Every valid one must be accepted, every invalid one refused with its code,
// no refused socket may receive a broadcast, and RSS must come back near its start.
//   node --expose-gc benchmark/storm.mjs [total=5000] [concurrency=200]
// Exits non-zero when any of that fails. __test__/storm.test.js runs it in a smaller size.
import { createRequire } from 'node:module'
import http from 'node:http'
const require = createRequire(import.meta.url)
const { Server } = require('socket.io')
const { io: connect } = require('socket.io-client')
const jwt = require('jsonwebtoken')
const { socketIoAuth, useOnAllNamespaces } = require('../js/socket.io/index.js')

const TOTAL = Number(process.argv[2] || 5000)
const CONCURRENCY = Number(process.argv[3] || 200)
const SECRET = 'storm-secret-' + 's'.repeat(32)
const now = Math.floor(Date.now() / 1000)
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
const kinds = [
  { name: 'valid', code: null, token: () => jwt.sign({ sub: 'u' + Math.random() }, SECRET, { algorithm: 'HS256', expiresIn: '15m' }) },
  { name: 'expired', code: 'ERR_JWT_EXPIRED', token: () => jwt.sign({ sub: 'x', exp: now - 60 }, SECRET, { algorithm: 'HS256' }) },
  { name: 'forged', code: 'ERR_JWS_SIGNATURE_INVALID', token: () => jwt.sign({ sub: 'admin' }, 'wrong-' + SECRET, { algorithm: 'HS256', expiresIn: '15m' }) },
  { name: 'alg none', code: 'ERR_JWS_ALG_NOT_ALLOWED', token: () => `${b64({ alg: 'none' })}.${b64({ sub: 'admin', exp: now + 900 })}.` },
  { name: 'missing', code: 'ERR_TOKEN_MISSING', token: () => undefined },
  { name: 'garbage', code: 'ERR_TOKEN_MALFORMED', token: () => 'not.a.token!' },
]

const rss = () => process.memoryUsage().rss / 2 ** 20
const gc = () => { if (global.gc) { global.gc(); global.gc() } }

const server = http.createServer()
const io = new Server(server, { maxHttpBufferSize: 1e5 })
useOnAllNamespaces(io, socketIoAuth({ jwt: { algorithms: ['HS256'], key: SECRET } }))
io.of('/chat')
await new Promise((r) => server.listen(0, '127.0.0.1', r))
const url = `http://127.0.0.1:${server.address().port}`
gc()
const rssStart = rss()

const problems = []
let accepted = 0
let refused = 0
let leakedBroadcasts = 0
let next = 0
const t0 = process.hrtime.bigint()
// While the storm runs, the server broadcasts on both namespaces.
const ticker = setInterval(() => { io.emit('news', 1); io.of('/chat').emit('news', 1) }, 5)

async function one(i) {
  const kind = kinds[i % 2 === 0 ? 0 : 1 + ((i >> 1) % (kinds.length - 1))]
  const token = kind.token()
  const nsp = i % 3 === 0 ? '/chat' : '/'
  await new Promise((resolve) => {
    const c = connect(url + nsp, { auth: token === undefined ? {} : { token }, transports: ['websocket'], reconnection: false, forceNew: true, timeout: 10000 })
    let received = 0
    c.on('news', () => received++)
    const finish = (problem) => {
      if (problem) problems.push(problem)
      c.close()
      resolve()
    }
    c.once('connect', () => {
      if (kind.code !== null) return finish(`${kind.name} was accepted on ${nsp}`)
      accepted++
      setTimeout(() => finish(null), 10)
    })
    c.once('connect_error', (err) => {
      const code = err.data && err.data.code
      if (kind.code === null) return finish(`valid token refused on ${nsp}: ${code || err.message}`)
      if (code !== kind.code) return finish(`${kind.name} refused with ${code}, expected ${kind.code}`)
      refused++
      // Anything received after a refusal would be a leak; wait a little to see.
      setTimeout(() => { leakedBroadcasts += received; finish(null) }, 10)
    })
  })
}

async function worker() {
  while (next < TOTAL) await one(next++)
}
await Promise.all(Array.from({ length: CONCURRENCY }, worker))
clearInterval(ticker)
const seconds = Number(process.hrtime.bigint() - t0) / 1e9
io.close()
server.close()
await new Promise((r) => setTimeout(r, 200))
gc()
const rssEnd = rss()
const summary = {
  handshakes: TOTAL,
  concurrency: CONCURRENCY,
  accepted,
  refused,
  problems: problems.length,
  leakedBroadcasts,
  seconds: +seconds.toFixed(2),
  'handshakes/s': Math.round(TOTAL / seconds),
  rssStartMB: +rssStart.toFixed(1),
  rssEndMB: +rssEnd.toFixed(1),
}
console.log(JSON.stringify(summary))
const expectedAccepted = Math.ceil(TOTAL / 2)
const ok = problems.length === 0 && leakedBroadcasts === 0 && accepted === expectedAccepted && refused === TOTAL - expectedAccepted && rssEnd - rssStart < 64
if (!ok) {
  console.error('storm failed:', problems.slice(0, 10))
  process.exit(1)
}
