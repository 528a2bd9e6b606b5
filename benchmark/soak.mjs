// Soak: 1,000,000 verifies and 1,000,000 Auth.js decodes (and as many failures),
// printing RSS before and after each million. node --expose-gc benchmark/soak.mjs [count]
import { createRequire } from 'node:module'
const require = createRequire(import.meta.url)
const { JwtVerifier, JwtSigner, AuthJsSession } = require('../index.js')

const N = Number(process.argv[2] || 1_000_000)
const mb = () => (process.memoryUsage().rss / 2 ** 20).toFixed(1)
const gc = () => { if (global.gc) { global.gc(); global.gc() } }
const secret = 's'.repeat(64)
const token = new JwtSigner({ algorithm: 'HS256', key: secret, expiresIn: '1h' }).sign({ sub: 'soak', email: 'soak@example.com', roles: ['a', 'b'] })
const verifier = new JwtVerifier({ algorithms: ['HS256'], key: secret })
const session = new AuthJsSession({ secret })
const jwe = session.encode({ sub: 'soak', name: 'Soak Test', email: 'soak@example.com' })
const bad = token.slice(0, -3) + 'AAA'

const rows = []
function phase(name, fn) {
  gc()
  const before = Number(mb())
  const t = process.hrtime.bigint()
  for (let i = 0; i < N; i++) fn()
  const s = Number(process.hrtime.bigint() - t) / 1e9
  gc()
  const after = Number(mb())
  rows.push({ phase: name, ops: N, seconds: s.toFixed(1), rssBeforeMB: before, rssAfterMB: after, growthMB: +(after - before).toFixed(1) })
}
phase('verify HS256', () => verifier.verify(token))
phase('decode Auth.js session', () => session.decode(jwe))
phase('failing verify (bad signature)', () => { try { verifier.verify(bad) } catch {} })
console.table(rows)
const worst = Math.max(...rows.map((r) => r.growthMB))
console.log(`largest RSS growth over ${N.toLocaleString('en-US')} operations: ${worst} MB (target: under 10 MB)`)
