// npm run demo:browser: builds and starts the example apps for a real browser:
// examples/nest-app (compiled) and examples/next-app (`next build` + `next start`), then
// prints the URL to open. `npm run demo:browser -- --better-auth`: examples/next-better-auth
// (Better Auth) in front instead. Ctrl-C stops both (by PID).
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { NEXT_BETTER_AUTH_DIR, NEXT_DIR, buildNest, buildNext, startNest, startNext, freePort } from './stack.mjs'

const betterAuth = process.argv.includes('--better-auth')

const isFree = (port) =>
  new Promise((resolve) => {
    const srv = createServer()
    srv.once('error', () => resolve(false))
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)))
  })
const pick = async (preferred) => ((await isFree(preferred)) ? preferred : freePort())

// The one secret both sides share: Auth.js encrypts the session cookie with it (Better Auth:
// encrypts its cookie cache and signs its session token), authbridge reads it. (In production:
// the same AUTH_SECRET / BETTER_AUTH_SECRET in the front end's and the API's env.)
const AUTH_SECRET = process.env.AUTH_SECRET ?? randomBytes(32).toString('base64url')
const BETTER_AUTH_SECRET = process.env.BETTER_AUTH_SECRET ?? randomBytes(32).toString('base64url')
const JWT_SECRET = process.env.JWT_SECRET ?? randomBytes(32).toString('base64url')
const nextDir = betterAuth ? NEXT_BETTER_AUTH_DIR : NEXT_DIR

console.log(`building examples/nest-app (tsc) and examples/${betterAuth ? 'next-better-auth' : 'next-app'} (next build) ...`)
buildNest()
buildNext(nextDir)

const frontPort = await pick(3000)
const apiPort = await pick(3001)
const front = `http://localhost:${frontPort}`
const api = `http://localhost:${apiPort}`
const secrets = betterAuth ? { BETTER_AUTH_SECRET } : { AUTH_SECRET }
const nest = await startNest({ ...secrets, JWT_SECRET, CORS_ORIGINS: front, LOG_REFUSALS: 'true' }, apiPort)
nest.child.stdout.pipe(process.stdout)
const next = betterAuth
  ? await startNext({ BETTER_AUTH_SECRET, BETTER_AUTH_URL: front, API_URL: api }, frontPort, nextDir)
  : await startNext({ AUTH_SECRET, API_URL: api, API_INTERNAL_URL: `http://127.0.0.1:${apiPort}` }, frontPort, nextDir)

console.log(
  betterAuth
    ? `
  NestJS API (authbridge):  ${api}   (GET /me, Socket.IO on / and /chat)
  Next.js + Better Auth:    ${front}

  Open ${front}, sign up with any e-mail and a password of 8 characters or more: the page opens
  a socket with the session cookies and shows the API's events; "Sign out" revokes the session
  on the API (the socket is closed) and signs out through Better Auth.
  Ctrl-C stops both apps.
`
    : `
  NestJS API (authbridge):  ${api}   (GET /me, Socket.IO on / and /chat)
  Next.js + Auth.js v5:     ${front}

  Open ${front} and sign in with ada@example.com (or big@example.com, whose session
  cookie is split into chunks), password: authbridge.
  ${front}/?mode=token sends the raw session token in auth.token instead of the cookie.
  (npm run demo:browser -- --better-auth: the same with Better Auth.)
  Ctrl-C stops both apps.
`,
)

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
