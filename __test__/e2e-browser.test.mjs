// The whole stack in a real browser: examples/next-app (Next.js app router, Auth.js v5,
// `next build` + `next start`), examples/next-better-auth (the same with Better Auth 1.7) and
// examples/nest-app (NestJS, compiled; sockets through AuthenticatedSocketAdapter, REST through
// the passport Strategy), driven by the system Chromium through playwright-core. Each app runs
// as its own process on a free port of 127.0.0.1 and is stopped by PID. `next build` runs once
// per test run for each Next.js app, both at once; one Chromium serves every test.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { ROOT, NEXT_BETTER_AUTH_DIR, buildNestIfStale, buildNextApps, startNest, startNext, freePort, stopProcess } from '../examples/stack.mjs'

const require = createRequire(import.meta.url)
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const haveChromium = existsSync(CHROMIUM)
if (!haveChromium && process.env.CI) {
  throw new Error(`the browser test needs Chromium at ${CHROMIUM}: apt-get install -y chromium (CI must not skip it)`)
}
const skip = haveChromium ? false : `Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH) to run the browser test`

const AUTH_SECRET = 'e2e-auth-secret-' + 'a'.repeat(32)
const OTHER_SECRET = 'e2e-another-apps-secret-' + 'b'.repeat(24)
const JWT_SECRET = 'e2e-access-token-secret-' + 'c'.repeat(16)
const PASSWORD = 'authbridge'
const SESSION = 'authjs.session-token'
const BETTER_AUTH_SECRET = 'e2e-better-auth-secret-' + 'd'.repeat(24)
const BETTER_PASSWORD = 'authbridge-better-auth'

const procs = []
let context = null
let userDataDir = null
let plain = null // same host: localhost
let secure = null // __Secure- cookies
let sub = null // app.example.test + api.example.test, cookie domain example.test
let evil = null // a page of another origin (evil.example.test)
let better = null // examples/next-better-auth and an API configured with betterAuth
let betterSecure = null // the same with __Secure- cookies

const start = async (p) => {
  const proc = await p
  procs.push(proc)
  return proc
}

before(async () => {
  if (skip) return
  buildNestIfStale()
  const t0 = Date.now()
  await buildNextApps()
  console.log(`# next build of examples/next-app and examples/next-better-auth (at once): ${Math.round((Date.now() - t0) / 1000)} s`)

  // Same host: the browser on http://localhost:N talks to http://localhost:P.
  {
    const apiPort = await freePort()
    const front = await start(startNext({ AUTH_SECRET, API_URL: `http://localhost:${apiPort}`, API_INTERNAL_URL: `http://127.0.0.1:${apiPort}`, DEMO_PASSWORD: PASSWORD }))
    const api = await start(startNestOn(apiPort, { CORS_ORIGINS: `http://localhost:${front.port}` }))
    plain = { front, api, url: `http://localhost:${front.port}`, apiUrl: `http://localhost:${api.port}` }
  }
  // HTTPS naming: __Secure-authjs.session-token (localhost is a secure context for Chromium).
  {
    const apiPort = await freePort()
    const front = await start(startNext({ AUTH_SECRET, USE_SECURE_COOKIES: 'true', API_URL: `http://localhost:${apiPort}`, API_INTERNAL_URL: `http://127.0.0.1:${apiPort}`, DEMO_PASSWORD: PASSWORD }))
    const api = await start(startNestOn(apiPort, { CORS_ORIGINS: `http://localhost:${front.port}`, SECURE_COOKIE: 'true' }))
    secure = { front, api, url: `http://localhost:${front.port}` }
  }
  // Subdomains: app.example.test and api.example.test (mapped to 127.0.0.1 by the browser).
  {
    const apiPort = await freePort()
    const frontPort = await freePort()
    const front = await start(
      startNextOn(frontPort, {
        AUTH_SECRET,
        // Auth.js on a host other than the one Next.js believes it serves: AUTH_URL.
        AUTH_URL: `http://app.example.test:${frontPort}`,
        AUTH_COOKIE_DOMAIN: 'example.test',
        API_URL: `http://api.example.test:${apiPort}`,
        API_INTERNAL_URL: `http://127.0.0.1:${apiPort}`,
        DEMO_PASSWORD: PASSWORD,
      }),
    )
    const api = await start(startNestOn(apiPort, { CORS_ORIGINS: `http://app.example.test:${frontPort}` }))
    sub = { front, api, url: `http://app.example.test:${front.port}`, apiUrl: `http://api.example.test:${api.port}` }
  }
  // Better Auth: examples/next-better-auth in front, an API that knows BETTER_AUTH_SECRET only
  // (no AUTH_SECRET, no database: it reads the cookie cache).
  {
    const apiPort = await freePort()
    const frontPort = await freePort()
    const url = `http://localhost:${frontPort}`
    const front = await start(startNext({ BETTER_AUTH_SECRET, BETTER_AUTH_URL: url, API_URL: `http://localhost:${apiPort}` }, frontPort, NEXT_BETTER_AUTH_DIR))
    const api = await start(startNest({ BETTER_AUTH_SECRET, JWT_SECRET, LOG_REFUSALS: 'true', CORS_ORIGINS: url }, apiPort))
    better = { front, api, url, apiUrl: `http://localhost:${api.port}` }
  }
  // HTTPS naming: __Secure-better-auth.* (USE_SECURE_COOKIES on http://localhost, a secure context).
  {
    const apiPort = await freePort()
    const frontPort = await freePort()
    const url = `http://localhost:${frontPort}`
    const front = await start(startNext({ BETTER_AUTH_SECRET, BETTER_AUTH_URL: url, USE_SECURE_COOKIES: 'true', API_URL: `http://localhost:${apiPort}` }, frontPort, NEXT_BETTER_AUTH_DIR))
    const api = await start(startNest({ BETTER_AUTH_SECRET, JWT_SECRET, LOG_REFUSALS: 'true', CORS_ORIGINS: url, SECURE_COOKIE: 'true' }, apiPort))
    betterSecure = { front, api, url, apiUrl: `http://localhost:${api.port}` }
  }
  // A page on another origin of the same site, which tries to open a socket to the API.
  {
    const client = readFileSync(path.join(ROOT, 'node_modules', 'socket.io-client', 'dist', 'socket.io.min.js'))
    const server = createServer((req, res) => {
      if (req.url === '/socket.io.min.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(client)
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><script src="/socket.io.min.js"></script><script>
        window.result = new Promise((resolve) => {
          const s = io(new URLSearchParams(location.search).get('api'), { transports: ['websocket'], withCredentials: true, reconnection: false })
          s.on('connect', () => s.emit('whoami', (r) => resolve({ state: 'connected', detail: JSON.stringify(r) })))
          s.on('connect_error', (e) => resolve({ state: 'refused', detail: (e.data && e.data.code) || e.message }))
        })</script>`)
    })
    await new Promise((r) => server.listen(0, '127.0.0.1', r))
    evil = { server, url: `http://evil.example.test:${server.address().port}` }
  }

  const { chromium } = await import('playwright-core')
  userDataDir = mkdtempSync(path.join(tmpdir(), 'authbridge-chromium-'))
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Loopback only: the test's host names all resolve to 127.0.0.1.
      '--host-resolver-rules=MAP *.example.test 127.0.0.1, EXCLUDE localhost',
    ],
    timeout: 120_000,
  })
  context.setDefaultTimeout(60_000)
})

after(async () => {
  if (context) await context.close().catch(() => {})
  if (evil) await new Promise((r) => evil.server.close(r))
  await Promise.all(procs.map((p) => stopProcess(p)))
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true })
})

function startNestOn(port, env) {
  return startNest({ AUTH_SECRET, JWT_SECRET, LOG_REFUSALS: 'true', ...env }, port)
}

function startNextOn(port, env) {
  return startNext(env, port)
}

/** Opens the example's page and waits for the browser-side calls to finish; returns every result. */
async function visit(url) {
  const page = await context.newPage()
  try {
    await page.goto(url)
    await page.getByTestId('state-done').filter({ hasText: /^yes$/ }).waitFor()
    const text = async (id) => (await page.getByTestId(id).textContent()) ?? ''
    return {
      email: await text('session-email'),
      server: { status: Number(await text('server-status')), body: await text('server-body') },
      rest: { state: await text('state-rest'), detail: await text('detail-rest') },
      main: { state: await text('state-/'), detail: await text('detail-/') },
      chat: { state: await text('state-/chat'), detail: await text('detail-/chat') },
    }
  } finally {
    await page.close()
  }
}

/** Signs in through Auth.js's own sign-in page (the credentials form). */
async function signIn(baseUrl, email) {
  const page = await context.newPage()
  try {
    await page.goto(`${baseUrl}/api/auth/signin?callbackUrl=${encodeURIComponent(baseUrl + '/')}`)
    await page.locator('input[name="email"]').fill(email)
    await page.locator('input[name="password"]').fill(PASSWORD)
    await Promise.all([page.waitForURL(`${baseUrl}/`), page.getByRole('button', { name: /sign in with credentials/i }).click()])
  } finally {
    await page.close()
  }
}

async function signOut(baseUrl) {
  const page = await context.newPage()
  try {
    await page.goto(`${baseUrl}/api/auth/signout`)
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/api/auth/signout')), page.getByRole('button', { name: /sign out/i }).click()])
  } finally {
    await page.close()
  }
}

const sessionCookies = async (name = SESSION) => (await context.cookies()).filter((c) => c.name === name || c.name.startsWith(name + '.'))

function assertSignedOut(r, code = 'ERR_TOKEN_MISSING') {
  assert.equal(r.main.state, 'refused', `socket / was not refused: ${r.main.detail}`)
  assert.equal(r.chat.state, 'refused', `socket /chat was not refused: ${r.chat.detail}`)
  if (code instanceof RegExp) {
    assert.match(r.main.detail, code)
    assert.match(r.chat.detail, code)
  } else {
    assert.equal(r.main.detail, code)
    assert.equal(r.chat.detail, code)
  }
  assert.equal(r.rest.state, '401', `REST: ${r.rest.state} ${r.rest.detail}`)
  assert.equal(r.server.status, 401, `server-side call: ${r.server.status} ${r.server.body}`)
}

function assertSignedIn(r, sub, source = 'cookie') {
  assert.equal(r.main.state, 'connected', `socket /: ${r.main.detail}`)
  const who = JSON.parse(r.main.detail)
  assert.deepEqual([who.sub, who.kind, who.source], [sub, 'authjs', source])
  assert.equal(r.chat.state, 'connected', `socket /chat: ${r.chat.detail}`)
  assert.deepEqual(JSON.parse(r.chat.detail), { from: sub, text: 'hello from the browser' })
  assert.equal(r.rest.state, '200', `REST: ${r.rest.state} ${r.rest.detail}`)
  assert.equal(JSON.parse(r.rest.detail).id, sub)
  assert.equal(r.server.status, 200, `server-side call: ${r.server.body}`)
  assert.equal(JSON.parse(r.server.body).id, sub)
  return who
}

test('not signed in: sockets refused on every namespace, REST and the server-side call 401', { skip, timeout: 600_000 }, async () => {
  await context.clearCookies()
  const r = await visit(plain.url)
  assert.equal(r.email, 'not signed in')
  assertSignedOut(r)
})

test('signed in through the Auth.js form: both namespaces, REST and the server component get the user', { skip, timeout: 600_000 }, async () => {
  await context.clearCookies()
  await signIn(plain.url, 'ada@example.com')
  const cookies = await sessionCookies()
  assert.deepEqual(cookies.map((c) => [c.name, c.httpOnly, c.domain]), [[SESSION, true, 'localhost']])
  const r = await visit(plain.url)
  assert.equal(r.email, 'ada@example.com')
  assertSignedIn(r, 'user-ada')

  // Separate sites: the raw session token from the route handler, sent in auth.token.
  const t = await visit(plain.url + '/?mode=token')
  assertSignedIn(t, 'user-ada', 'auth')
  // The route handler gives the token only to a signed-in caller, and it is the cookie's value.
  const page = await context.newPage()
  try {
    const res = await page.goto(plain.url + '/api/token')
    assert.equal(res.status(), 200)
    assert.equal((await res.json()).token, cookies[0].value)
  } finally {
    await page.close()
  }
})

test('a tampered session cookie is refused everywhere', { skip, timeout: 600_000 }, async () => {
  await context.clearCookies()
  await signIn(plain.url, 'ada@example.com')
  const [c] = await sessionCookies()
  const parts = c.value.split('.')
  const ct = parts[3]
  parts[3] = ct.slice(0, 10) + (ct[10] === 'A' ? 'B' : 'A') + ct.slice(11)
  await context.addCookies([{ ...c, value: parts.join('.') }])
  const r = await visit(plain.url)
  assertSignedOut(r, /^ERR_(JWE|TOKEN|JWT)_/)
  assert.notEqual(r.main.detail, 'ERR_TOKEN_MISSING')
})

test('a session cookie of another AUTH_SECRET is refused', { skip, timeout: 600_000 }, async () => {
  const { encode } = await import('@auth/core/jwt')
  await context.clearCookies()
  const value = await encode({ token: { sub: 'intruder', email: 'intruder@example.com' }, secret: OTHER_SECRET, salt: SESSION })
  await context.addCookies([{ name: SESSION, value, url: plain.url, httpOnly: true, sameSite: 'Lax' }])
  const r = await visit(plain.url)
  assertSignedOut(r, /^ERR_/)
  assert.notEqual(r.main.detail, 'ERR_TOKEN_MISSING')
})

test('signed out through Auth.js: refused again', { skip, timeout: 600_000 }, async () => {
  await context.clearCookies()
  await signIn(plain.url, 'ada@example.com')
  assertSignedIn(await visit(plain.url), 'user-ada')
  await signOut(plain.url)
  assert.deepEqual(await sessionCookies(), [])
  assertSignedOut(await visit(plain.url))
})

test('large claims: the chunked session cookie arrives intact', { skip, timeout: 600_000 }, async () => {
  await context.clearCookies()
  await signIn(plain.url, 'big@example.com')
  const names = (await sessionCookies()).map((c) => c.name).sort()
  assert.ok(names.length >= 2 && names.every((n, i) => n === `${SESSION}.${i}`), `expected chunks, got ${names}`)
  const r = await visit(plain.url)
  // Every claim came through the socket; REST and the server component (which forwards the
  // chunks from cookies()) got the same user. The chunks were joined in order: A256CBC-HS512
  // authenticates the whole token, so a wrong join could not decrypt at all.
  const who = assertSignedIn(r, 'user-big')
  assert.equal(who.groups.length, 160)
  assert.deepEqual(who.groups, Array.from({ length: 160 }, (_, i) => `group-${String(i).padStart(3, '0')}-with-a-long-descriptive-name`))
  assert.equal(JSON.parse(r.server.body).email, 'big@example.com')
})

test('HTTPS naming: __Secure-authjs.session-token accepted with secureCookie, and named in the error without it', { skip, timeout: 600_000 }, async () => {
  await context.clearCookies()
  await signIn(secure.url, 'ada@example.com')
  const cookies = await sessionCookies('__Secure-' + SESSION)
  assert.deepEqual(cookies.map((c) => [c.name, c.secure]), [['__Secure-' + SESSION, true]])
  assertSignedIn(await visit(secure.url), 'user-ada')

  // A back end left at secureCookie: false sees no session cookie, and says why.
  const { HandshakeAuthenticator } = require('../index.js')
  const cookieHeader = `theme=dark; ${cookies.map((c) => `${c.name}=${c.value}`).join('; ')}`
  const auth = new HandshakeAuthenticator({ authjs: { secret: AUTH_SECRET } })
  assert.throws(
    () => auth.authenticate({ headers: { cookie: cookieHeader } }),
    (err) => {
      assert.equal(err.code, 'ERR_TOKEN_MISSING')
      assert.match(err.message, /cookies present \(names only\): theme, __Secure-authjs\.session-token/)
      assert.match(err.message, /__Secure-authjs\.session-token cookie was present.*secureCookie: true/)
      assert.ok(!err.message.includes(cookies[0].value.slice(0, 20)) && !err.message.includes('dark'), 'no cookie value in the message')
      return true
    },
  )
  // The back end started with SECURE_COOKIE=true never missed the signed-in browser's cookie.
  assert.ok(!secure.api.output.includes('ERR_TOKEN_MISSING'), secure.api.output)

  // The same browser on the front end whose back end was left at secureCookie: false (the
  // host-only localhost cookie reaches every port): refused, and the log says why.
  const logFrom = plain.api.output.length
  const r = await visit(plain.url)
  assert.deepEqual([r.main.state, r.main.detail, r.chat.detail], ['refused', 'ERR_TOKEN_MISSING', 'ERR_TOKEN_MISSING'])
  const log = plain.api.output.slice(logFrom)
  assert.match(log, /refused \/: ERR_TOKEN_MISSING - .*__Secure-authjs\.session-token cookie was present: .*set authjs\.secureCookie: true/)
  assert.ok(!log.includes(cookies[0].value.slice(0, 24)), 'no cookie value in the log')
})

test('subdomains: app.example.test signs in, api.example.test gets the cookie (domain example.test)', { skip, timeout: 600_000 }, async () => {
  await context.clearCookies()
  assertSignedOut(await visit(sub.url))
  await signIn(sub.url, 'ada@example.com')
  const cookies = await sessionCookies()
  assert.deepEqual(cookies.map((c) => [c.name, c.domain.replace(/^\./, '')]), [[SESSION, 'example.test']])
  const r = await visit(sub.url)
  assert.equal(r.email, 'ada@example.com')
  assertSignedIn(r, 'user-ada')
})

test('a page of another origin (same site, the cookie is sent) is refused by the Origin check', { skip, timeout: 600_000 }, async () => {
  await context.clearCookies()
  await signIn(sub.url, 'ada@example.com')
  const page = await context.newPage()
  try {
    await page.goto(`${evil.url}/?api=${encodeURIComponent(sub.apiUrl)}`)
    const r = await page.evaluate(() => window.result)
    assert.deepEqual(r, { state: 'refused', detail: 'ERR_ORIGIN_NOT_ALLOWED' })
  } finally {
    await page.close()
  }
})

test('signed out everywhere on the API: the front end re-encodes its session, the socket and REST stay refused (issue 22 R06)', { skip, timeout: 600_000 }, async () => {
  // A user of its own: the API's revocation of this subject must not touch the other tests.
  await context.clearCookies()
  await signIn(plain.url, 'grace@example.com')
  assertSignedIn(await visit(plain.url), 'user-grace')
  const [before] = await sessionCookies()
  // "Sign out everywhere" on the API (the example's POST /sign-out: revokeSubject), from a server.
  const res = await fetch(`${plain.apiUrl}/sign-out`, { method: 'POST', headers: { cookie: `${before.name}=${before.value}` } })
  assert.equal(res.status, 204)
  // A second later the front end refetches its session (what useSession does on focus):
  // Auth.js re-encodes the cookie with a fresh iat, exp and jti, later than the revocation.
  await new Promise((r) => setTimeout(r, 1100))
  const page = await context.newPage()
  try {
    const session = await page.goto(`${plain.url}/api/auth/session`)
    assert.equal((await session.json()).user.email, 'grace@example.com', 'the front end alone still holds the session')
  } finally {
    await page.close()
  }
  const [after] = await sessionCookies()
  assert.notEqual(after.value, before.value, 'Auth.js re-encoded the session cookie')
  // The re-encoded cookie keeps auth_time (the sign-in time): still before the revocation.
  assertSignedOut(await visit(plain.url), 'ERR_TOKEN_REVOKED')
})

// Better Auth (examples/next-better-auth): its own sign-up, sign-in and sign-out pages and
// client; the API reads the cookie cache (strategy jwe) with BETTER_AUTH_SECRET alone.

const BETTER = 'better-auth.'
const betterCookies = async (prefix = BETTER) => (await context.cookies()).filter((c) => c.name.startsWith(prefix + 'session_'))

/**
 * The socket row of the page once attempt `n` is in a state other than `pending`: { state, detail }.
 * Gives up after 30 s with what the page shows then.
 */
async function socketOutcome(page, n, pending = ['...', 'connecting']) {
  const now = async () => ({ state: (await page.getByTestId('socket-state').textContent()).trim(), detail: await page.getByTestId('socket-detail').textContent() })
  try {
    await page.waitForFunction(
      ([n, pending]) => {
        const el = document.querySelector('[data-testid="socket-state"]')
        return el && el.dataset.attempt === String(n) && !pending.includes(el.textContent.trim())
      },
      [n, pending],
      { timeout: 30_000 },
    )
  } catch (err) {
    throw new Error(`socket attempt ${n} still ${JSON.stringify(await now())}; events:\n${await page.getByTestId('events').textContent()}`, { cause: err })
  }
  return now()
}

/** Fills the sign-in form and presses `button` ('Sign up' or 'Sign in'); resolves once the page shows the user. */
async function betterAuthForm(page, button, email, front = better) {
  await page.goto(front.url)
  await page.getByTestId('session-email').filter({ hasText: /^not signed in$/ }).waitFor()
  if (button === 'Sign up') await page.locator('input[name="name"]').fill('Ada Lovelace')
  await page.locator('input[name="email"]').fill(email)
  await page.locator('input[name="password"]').fill(BETTER_PASSWORD)
  await page.getByRole('button', { name: button, exact: true }).click()
  await page.getByTestId('session-email').filter({ hasText: new RegExp(`^${email.replace(/[.]/g, '\\.')}$`) }).waitFor()
  return { userId: await page.getByTestId('user-id').textContent(), sessionId: await page.getByTestId('session-id').textContent() }
}

async function assertBetterAuthLive(page, userId, email) {
  const socket = await socketOutcome(page, 1)
  assert.equal(socket.state, 'connected', `socket: ${socket.detail}`)
  assert.deepEqual(JSON.parse(socket.detail), { sub: userId, kind: 'better-auth', source: 'cookie' })
  // 'welcome' is emitted by the gateway to admitted sockets only.
  const events = (await page.getByTestId('events').textContent()).split('\n')
  assert.ok(events.includes(`welcome ${JSON.stringify({ sub: userId, kind: 'better-auth' })}`), events.join('\n'))
  await page.getByTestId('rest-state').filter({ hasText: /^(?!\.\.\.$)/ }).waitFor()
  assert.equal(await page.getByTestId('rest-state').textContent(), '200', await page.getByTestId('rest-detail').textContent())
  assert.deepEqual(JSON.parse(await page.getByTestId('rest-detail').textContent()), { id: userId, email, name: 'Ada Lovelace' })
}

test('Better Auth: sign up, the socket and REST get the user from the cookie cache; sign-out closes the socket and a reconnect is refused', { skip, timeout: 600_000 }, async () => {
  const email = 'ada-better@example.com'
  await context.clearCookies()
  const page = await context.newPage()
  let first = null
  try {
    first = await betterAuthForm(page, 'Sign up', email)
    const { userId, sessionId } = first
    // Both cookies, httpOnly, as better-auth set them; the cache is a JWE (5 parts).
    const cookies = await betterCookies()
    assert.deepEqual(cookies.map((c) => [c.name, c.httpOnly]).sort(), [[BETTER + 'session_data', true], [BETTER + 'session_token', true]])
    assert.equal(cookies.find((c) => c.name === BETTER + 'session_data').value.split('.').length, 5)
    await assertBetterAuthLive(page, userId, email)

    // Sign out: the page asks the API to revoke this session, then signs out through Better Auth.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click()
    await page.getByTestId('signed-out').filter({ hasText: /./ }).waitFor()
    assert.equal(await page.getByTestId('signed-out').textContent(), 'API 204; Better Auth: signed out')
    // The open socket was closed by the server (auth_revoked, then the disconnect).
    const closed = await socketOutcome(page, 1, ['connected'])
    assert.deepEqual(closed, { state: 'closed', detail: 'io server disconnect' })
    const events = (await page.getByTestId('events').textContent()).split('\n')
    assert.ok(events.includes(`auth_revoked ${JSON.stringify({ code: 'ERR_TOKEN_REVOKED' })}`), events.join('\n'))
    // Better Auth cleared both cookies: the reconnect carries no session.
    assert.deepEqual(await betterCookies(), [])
    await page.getByRole('button', { name: 'Reconnect', exact: true }).click()
    assert.deepEqual(await socketOutcome(page, 2), { state: 'refused', detail: 'ERR_TOKEN_MISSING' })

    // A copy of the cookies kept from before the sign-out (another tab's jar, a stolen copy):
    // the cookie cache alone is still valid until its maxAge (the API has no database), so
    // the revocation is what refuses it, on the socket and on REST.
    const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ')
    const { BetterAuthSession } = require('../index.js')
    const decoded = new BetterAuthSession({ secret: BETTER_AUTH_SECRET, strategy: 'jwe' }).decodeCookieHeader(cookie)
    assert.deepEqual([decoded.session.id, decoded.user.id], [sessionId, userId], 'the kept cookies still decode')
    await context.addCookies(cookies)
    await page.getByRole('button', { name: 'Reconnect', exact: true }).click()
    assert.deepEqual(await socketOutcome(page, 3), { state: 'refused', detail: 'ERR_TOKEN_REVOKED' })
    const rest = await fetch(`${better.apiUrl}/me`, { headers: { cookie } })
    assert.equal(rest.status, 401)
    assert.match(better.api.output, /refused \/: ERR_TOKEN_REVOKED/)
    assert.ok(!better.api.output.includes(cookies[0].value.slice(0, 24)) && !better.api.output.includes(cookies[1].value.slice(0, 24)), 'no cookie value in the log')
  } finally {
    await page.close()
  }

  // Signing in again (the same user, a new session through the sign-in form): admitted; only
  // the old session was revoked, not the user.
  await context.clearCookies()
  const again = await context.newPage()
  try {
    const next = await betterAuthForm(again, 'Sign in', email)
    assert.equal(next.userId, first.userId)
    assert.notEqual(next.sessionId, first.sessionId)
    await assertBetterAuthLive(again, next.userId, email)
  } finally {
    await again.close()
  }
})

test('Better Auth, HTTPS naming: __Secure-better-auth.* cookies, read by an API with secureCookie', { skip, timeout: 600_000 }, async () => {
  const email = 'ada-secure@example.com'
  await context.clearCookies()
  const page = await context.newPage()
  try {
    const { userId } = await betterAuthForm(page, 'Sign up', email, betterSecure)
    const cookies = await betterCookies('__Secure-' + BETTER)
    assert.deepEqual(cookies.map((c) => [c.name, c.secure, c.httpOnly]).sort(), [
      ['__Secure-' + BETTER + 'session_data', true, true],
      ['__Secure-' + BETTER + 'session_token', true, true],
    ])
    assert.deepEqual(await betterCookies(), [], 'no cookie without the prefix')
    await assertBetterAuthLive(page, userId, email)
    // The API left at secureCookie: false sees no session in these cookies.
    const res = await fetch(`${better.apiUrl}/me`, { headers: { cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; ') } })
    assert.equal(res.status, 401)
  } finally {
    await page.close()
  }
})
