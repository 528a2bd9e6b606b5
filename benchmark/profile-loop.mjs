// A tight loop for profilers (benchmark/PROFILE.md): one operation, N times, nothing else.
//   node benchmark/profile-loop.mjs <hs256|hs256-cache|handshake-token|handshake-cookie|authjs|strategy> [N]
// Under perf:      perf record -e cpu-clock -g node --perf-basic-prof benchmark/profile-loop.mjs hs256 300000
// Under callgrind: valgrind --tool=callgrind node benchmark/profile-loop.mjs hs256 20000
// (run with N = 0 too and subtract, to remove start-up).
import { createRequire } from 'node:module'
import crypto from 'node:crypto'
const require = createRequire(import.meta.url)
const ab = require('../js/index.js')
const jwt = require('jsonwebtoken')
const { encode } = await import('@auth/core/jwt')

const what = process.argv[2] || 'hs256'
const N = Number(process.argv[3] ?? 100000)
const secret = 'profile-loop-secret-'.padEnd(64, 'x')
const authSecret = 'profile-loop-auth-secret-'.padEnd(44, 'y')
const SALT = 'authjs.session-token'
const now = Math.floor(Date.now() / 1000)
const claims = { sub: 'user-42', email: 'ada@example.com', name: 'Ada Lovelace', role: 'member', iat: now, exp: now + 3600 }
const token = jwt.sign(claims, secret, { algorithm: 'HS256' })
const session = await encode({ token: { name: 'Ada Lovelace', email: 'ada@example.com', picture: 'https://example.com/ada.png', sub: 'user-42' }, secret: authSecret, salt: SALT })
const headers = { host: 'localhost:3001', connection: 'Upgrade', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)', 'sec-websocket-version': '13' }

let op
switch (what) {
  case 'hs256': { const v = new ab.JwtVerifier({ algorithms: ['HS256'], key: secret }); op = () => v.verify(token); break }
  case 'hs256-cache': { const v = new ab.JwtVerifier({ algorithms: ['HS256'], key: secret, cache: true }); op = () => v.verify(token); break }
  case 'authjs': { const s = new ab.AuthJsSession({ secret: authSecret }); op = () => s.decode(session); break }
  case 'handshake-token': {
    const h = new ab.HandshakeAuthenticator({ jwt: { algorithms: ['HS256'], key: secret } })
    const hs = { headers, auth: { token }, query: { EIO: '4', transport: 'websocket' } }
    op = () => h.authenticate(hs); break
  }
  case 'handshake-cookie': {
    const h = new ab.HandshakeAuthenticator({ authjs: { secret: authSecret } })
    const hs = { headers: { ...headers, cookie: `theme=dark; _ga=GA1.1.1234567890.1700000000; authjs.csrf-token=abc%7Cdef; ${SALT}=${session}` }, auth: {}, query: { EIO: '4', transport: 'websocket' } }
    op = () => h.authenticate(hs); break
  }
  case 'strategy': {
    // authbridge/passport as passport runs it: authenticate(req) with success/fail set per call.
    const { Strategy, ExtractJwt } = require('../js/passport/index.js')
    const s = new Strategy({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: secret, algorithms: ['HS256'] }, (p, done) => done(null, p))
    const req = { method: 'GET', url: '/', headers: { authorization: `Bearer ${token}` } }
    const run = Object.create(s)
    let user = null
    run.success = (u) => (user = u)
    run.fail = (e) => { throw e }
    run.error = (e) => { throw e }
    op = () => { user = null; run.authenticate(req); return user }
    break
  }
  default: throw new Error(`unknown ${what}`)
}
op() // a bad set-up throws here
let sink = 0
const t = process.hrtime.bigint()
for (let i = 0; i < N; i++) sink += op() ? 1 : 0
const ns = Number(process.hrtime.bigint() - t)
console.log(`${what}: ${N} in ${(ns / 1e6).toFixed(1)} ms, ${N ? (ns / N / 1000).toFixed(3) : 0} us/op (${sink})`)
