// npm run demo:browser: builds and starts both example apps for a real browser:
// examples/nest-app (compiled) and examples/next-app (`next build` + `next start`), then
// prints the URL to open. Ctrl-C stops both (by PID).
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { buildNest, buildNext, startNest, startNext, freePort } from './stack.mjs'

const isFree = (port) =>
  new Promise((resolve) => {
    const srv = createServer()
    srv.once('error', () => resolve(false))
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)))
  })
const pick = async (preferred) => ((await isFree(preferred)) ? preferred : freePort())

// The one secret both sides share: Auth.js encrypts the session cookie with it, authbridge
// decrypts it. (In production: the same AUTH_SECRET in the front end's and the API's env.)
const AUTH_SECRET = process.env.AUTH_SECRET ?? randomBytes(32).toString('base64url')
const JWT_SECRET = process.env.JWT_SECRET ?? randomBytes(32).toString('base64url')

console.log('building examples/nest-app (tsc) and examples/next-app (next build) ...')
buildNest()
buildNext()

const frontPort = await pick(3000)
const apiPort = await pick(3001)
const front = `http://localhost:${frontPort}`
const api = `http://localhost:${apiPort}`
const nest = await startNest({ AUTH_SECRET, JWT_SECRET, CORS_ORIGINS: front, LOG_REFUSALS: 'true' }, apiPort)
nest.child.stdout.pipe(process.stdout)
const next = await startNext({ AUTH_SECRET, API_URL: api, API_INTERNAL_URL: `http://127.0.0.1:${apiPort}` }, frontPort)

console.log(`
  NestJS API (authbridge):  ${api}   (GET /me, Socket.IO on / and /chat)
  Next.js + Auth.js v5:     ${front}

  Open ${front} and sign in with ada@example.com (or big@example.com, whose session
  cookie is split into chunks), password: authbridge.
  ${front}/?mode=token sends the raw session token in auth.token instead of the cookie.
  Ctrl-C stops both apps.
`)

let stopping = false
const stop = async () => {
  if (stopping) return
  stopping = true
  await Promise.all([next.stop(), nest.stop()])
  process.exit(0)
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
for (const p of [nest, next]) {
  p.child.on('exit', (code) => {
    if (!stopping) {
      console.error(`${p.name} exited (${code}); stopping`)
      stop()
    }
  })
}
