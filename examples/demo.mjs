// npm run demo: boots examples/nest-app (a real NestJS app), connects real
// socket.io-client clients with the tokens a Next.js + Auth.js front end produces,
// and prints who got in, with the code of each refusal.
import { createRequire } from 'node:module'
import { io } from 'socket.io-client'
import { encode } from '@auth/core/jwt'
import WebSocket from 'ws'
import { createClient } from 'graphql-ws'
import { createApp, createWsApp, createGraphqlApp, EventsGateway, ChatGateway } from './nest-app/dist/main.mjs'

const require = createRequire(import.meta.url)
const jwt = require('jsonwebtoken')

const AUTH_SECRET = 'demo-auth-secret-' + 'x'.repeat(24) // the Next.js app's AUTH_SECRET
const JWT_SECRET = 'demo-access-token-secret-' + 'y'.repeat(16) // signs the session callback's accessToken

const failures = []
const app = await createApp({ authSecret: AUTH_SECRET, jwtSecret: JWT_SECRET }, { onFailure: (info) => failures.push(info) })
await app.listen(0, '127.0.0.1')
const url = (await app.getUrl()).replace('[::1]', '127.0.0.1')

// What the front end has: the Auth.js session cookie (JWE) ...
const session = await encode({ token: { sub: 'user-42', name: 'Ada', email: 'ada@example.com' }, secret: AUTH_SECRET, salt: 'authjs.session-token' })
// ... and an HS256 access token as a NextAuth session callback mints it (15 min).
const accessToken = jwt.sign({ sub: 'user-42', email: 'ada@example.com' }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '15m' })
const expired = jwt.sign({ sub: 'user-42', exp: Math.floor(Date.now() / 1000) - 60 }, JWT_SECRET, { algorithm: 'HS256' })
const forged = jwt.sign({ sub: 'admin' }, 'a-guessed-secret-' + 'z'.repeat(20), { algorithm: 'HS256', expiresIn: '15m' })
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
const algNone = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'admin', exp: 9999999999 })}.`
const otherSession = await encode({ token: { sub: 'intruder' }, secret: 'another-apps-secret-' + 'w'.repeat(20), salt: 'authjs.session-token' })

const clients = [
  { name: 'browser, session cookie', nsp: '/', token: 'Auth.js session (JWE)', opts: { extraHeaders: { cookie: `theme=dark; authjs.session-token=${session}` } } },
  { name: 'browser, auth.token', nsp: '/', token: 'HS256 accessToken, 15 min', opts: { auth: { token: accessToken } } },
  { name: 'node, Authorization', nsp: '/', token: 'HS256 accessToken (Bearer)', opts: { extraHeaders: { authorization: `Bearer ${accessToken}` } } },
  { name: 'chat, session cookie', nsp: '/chat', token: 'Auth.js session (JWE)', opts: { extraHeaders: { cookie: `authjs.session-token=${session}` } } },
  { name: 'stale tab', nsp: '/', token: 'HS256, expired 1 min ago', opts: { auth: { token: expired } } },
  { name: 'attacker', nsp: '/', token: 'HS256, wrong secret', opts: { auth: { token: forged } } },
  { name: 'attacker', nsp: '/', token: 'alg: none', opts: { auth: { token: algNone } } },
  { name: 'other app', nsp: '/', token: 'session of another AUTH_SECRET', opts: { extraHeaders: { cookie: `authjs.session-token=${otherSession}` } } },
  { name: 'anonymous', nsp: '/chat', token: '(none)', opts: {} },
]

const connect = (c) =>
  new Promise((resolve) => {
    const socket = io(url + c.nsp, { ...c.opts, transports: ['websocket'], reconnection: false, forceNew: true })
    const got = []
    socket.onAny((event, data) => got.push(event))
    const done = (result) => resolve({ ...c, socket, got, ...result })
    socket.on('connect', () => done({ accepted: true, code: '' }))
    socket.on('connect_error', (err) => done({ accepted: false, code: (err.data && err.data.code) || err.message }))
    setTimeout(() => done({ accepted: false, code: 'timeout' }), 5000)
  })

const results = []
for (const c of clients) results.push(await connect(c))

// Broadcast on both namespaces: only authenticated sockets can receive it.
app.get(EventsGateway).broadcast('news', { text: 'hello, signed-in users' })
app.get(ChatGateway).broadcast('news', { text: 'hello, chat' })
await new Promise((r) => setTimeout(r, 300))

const http = async (headers) => (await fetch(url + '/me', { headers })).status
const httpRows = [
  ['GET /me, session cookie', await http({ cookie: `authjs.session-token=${session}` })],
  ['GET /me, Bearer accessToken', await http({ authorization: `Bearer ${accessToken}` })],
  ['GET /me, Bearer forged', await http({ authorization: `Bearer ${forged}` })],
  ['GET /me, no token', await http({})],
]

const pad = (s, n) => String(s).padEnd(n)
console.log(`\nauthbridge demo: NestJS app at ${url}, Socket.IO handshakes authenticated natively\n`)
console.log(pad('client', 24) + pad('namespace', 11) + pad('token', 34) + pad('result', 10) + pad('code', 28) + 'got broadcast')
console.log('-'.repeat(120))
for (const r of results) {
  const broadcast = r.got.includes('news') ? 'yes' : 'no'
  console.log(pad(r.name, 24) + pad(r.nsp, 11) + pad(r.token, 34) + pad(r.accepted ? 'accepted' : 'REFUSED', 10) + pad(r.code, 28) + broadcast)
}
console.log('\nHTTP through the passport strategy (same rules):')
for (const [what, status] of httpRows) console.log('  ' + pad(what, 34) + status)
console.log('\nonFailure saw (code, source, token fingerprint; never the token):')
for (const f of failures) console.log(`  ${pad(f.namespace, 7)}${pad(f.code, 28)}${pad(f.source ?? '-', 8)}${f.fingerprint ?? '-'}`)

for (const r of results) r.socket.close()
await app.close()

// The same rules on plain WebSockets (@nestjs/platform-ws, AuthenticatedWsAdapter).
const wsFailures = []
const wsApp = await createWsApp({ authSecret: AUTH_SECRET, jwtSecret: JWT_SECRET }, { onFailure: (info) => wsFailures.push(info) })
await wsApp.listen(0, '127.0.0.1')
const wsUrl = `ws://127.0.0.1:${wsApp.getHttpServer().address().port}/ws`
const wsClients = [
  { name: 'browser, session cookie', token: 'Auth.js session (JWE)', headers: { cookie: `authjs.session-token=${session}` } },
  { name: 'node, Authorization', token: 'HS256 accessToken (Bearer)', headers: { authorization: `Bearer ${accessToken}` } },
  { name: 'stale tab', token: 'HS256, expired 1 min ago', headers: { authorization: `Bearer ${expired}` } },
  { name: 'other site', token: 'session cookie, Origin evil', headers: { cookie: `authjs.session-token=${session}` }, origin: 'https://evil.example' },
  { name: 'anonymous', token: '(none)', headers: {} },
]
const wsConnect = (c) =>
  new Promise((resolve) => {
    const ws = new WebSocket(wsUrl, { headers: c.headers, origin: c.origin })
    const done = (result) => {
      clearTimeout(timer)
      resolve({ ...c, ws, ...result })
    }
    const timer = setTimeout(() => done({ accepted: false, status: 'timeout', code: '' }), 5000)
    ws.once('message', (data) => done({ accepted: true, status: 101, code: '', welcome: JSON.parse(String(data)) }))
    ws.once('unexpected-response', (req, res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => done({ accepted: false, status: res.statusCode, code: JSON.parse(body).code }))
    })
    ws.once('error', () => {})
  })
const wsResults = []
for (const c of wsClients) wsResults.push(await wsConnect(c))
console.log('\nPlain WebSockets (AuthenticatedWsAdapter, refused before the upgrade):')
for (const r of wsResults) console.log('  ' + pad(r.name, 24) + pad(r.token, 34) + pad(r.accepted ? 'accepted' : 'REFUSED', 10) + pad(r.status, 8) + (r.code || `welcome ${r.welcome.data.sub}`))
for (const r of wsResults) r.ws.terminate()
await wsApp.close()

// GraphQL (Apollo driver): subscriptions over graphql-ws, a query behind GqlAuthGuard.
const gqlFailures = []
const gqlApp = await createGraphqlApp({ authSecret: AUTH_SECRET, jwtSecret: JWT_SECRET }, { onFailure: (info) => gqlFailures.push(info) })
await gqlApp.listen(0, '127.0.0.1')
const gqlPort = gqlApp.getHttpServer().address().port
const gqlClients = [
  { name: 'node, connectionParams', token: 'HS256 accessToken (params.token)', connectionParams: { token: accessToken } },
  { name: 'browser, session cookie', token: 'Auth.js session (JWE), upgrade', headers: { cookie: `authjs.session-token=${session}` } },
  { name: 'stale tab', token: 'HS256, expired 1 min ago', connectionParams: { authorization: `Bearer ${expired}` } },
  { name: 'attacker', token: 'HS256, wrong secret', connectionParams: { token: forged } },
  { name: 'anonymous', token: '(none)', connectionParams: {} },
]
/** Subscribes to `ticks`: { events } after two events, or { code, reason } when the server closes the connection. */
const gqlSubscribe = (c) =>
  new Promise((resolve) => {
    class UpgradeHeaders extends WebSocket {
      constructor(address, protocols) {
        super(address, protocols, { headers: c.headers })
      }
    }
    const events = []
    let closedWith = null
    const client = createClient({ url: `ws://127.0.0.1:${gqlPort}/graphql`, webSocketImpl: UpgradeHeaders, connectionParams: c.connectionParams, retryAttempts: 0, on: { closed: (e) => (closedWith = e) } })
    const done = (result) => {
      clearTimeout(timer)
      client.dispose()
      resolve({ ...c, events, ...result })
    }
    const timer = setTimeout(() => done({ accepted: false, code: 'timeout', reason: '' }), 5000)
    const unsubscribe = client.subscribe(
      { query: 'subscription { ticks }' },
      {
        next: (v) => {
          events.push(v.data && v.data.ticks)
          if (events.length === 2) {
            unsubscribe()
            done({ accepted: true, code: '', reason: '' })
          }
        },
        error: (e) => {
          const ev = e && typeof e.code === 'number' ? e : closedWith
          done({ accepted: false, code: ev ? ev.code : 'error', reason: ev ? ev.reason : String(e) })
        },
        complete: () => done({ accepted: false, code: 'complete', reason: '' }),
      },
    )
  })
const gqlResults = []
for (const c of gqlClients) gqlResults.push(await gqlSubscribe(c))
const gqlQuery = async (headers) => {
  const res = await fetch(`http://127.0.0.1:${gqlPort}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: '{ me { sub kind source } }' }) })
  const body = await res.json()
  return body.errors ? `error ${body.errors[0].message}` : `me ${body.data.me.sub} (${body.data.me.kind}, ${body.data.me.source})`
}
const gqlQueries = [
  ['query me, Bearer accessToken', await gqlQuery({ authorization: `Bearer ${accessToken}` })],
  ['query me, session cookie', await gqlQuery({ cookie: `authjs.session-token=${session}` })],
  ['query me, Bearer forged', await gqlQuery({ authorization: `Bearer ${forged}` })],
  ['query me, no token', await gqlQuery({})],
]
console.log('\nGraphQL subscriptions (graphql-ws, Apollo driver; refused with the close code and the error code):')
for (const r of gqlResults) console.log('  ' + pad(r.name, 24) + pad(r.token, 34) + pad(r.accepted ? 'accepted' : 'REFUSED', 10) + (r.accepted ? `events ${r.events.join(', ')}` : pad(r.code, 8) + r.reason))
console.log('\nGraphQL queries through GqlAuthGuard:')
for (const [what, answer] of gqlQueries) console.log('  ' + pad(what, 34) + answer)
await gqlApp.close()

const expectAccepted = [true, true, true, true, false, false, false, false, false]
const wrong = results.filter((r, i) => r.accepted !== expectAccepted[i] || r.got.includes('news') !== expectAccepted[i])
const wsExpected = '101,101,401:ERR_JWT_EXPIRED,403:ERR_ORIGIN_NOT_ALLOWED,401:ERR_TOKEN_MISSING'
const wsGot = wsResults.map((r) => (r.accepted ? String(r.status) : `${r.status}:${r.code}`)).join()
const gqlExpected = 'user-42:0,user-42:0,4401:ERR_JWT_EXPIRED,4401:ERR_JWS_SIGNATURE_INVALID,4401:ERR_TOKEN_MISSING'
const gqlGot = gqlResults.map((r) => (r.accepted ? r.events[0] : `${r.code}:${r.reason}`)).join()
const gqlQueriesExpected = 'me user-42 (jwt, header),me user-42 (authjs, cookie),error ERR_JWS_SIGNATURE_INVALID,error ERR_TOKEN_MISSING'
const gqlQueriesGot = gqlQueries.map(([, a]) => a).join()
if (wrong.length || httpRows.map(([, s]) => s).join() !== '200,200,401,401' || wsGot !== wsExpected || gqlGot !== gqlExpected || gqlQueriesGot !== gqlQueriesExpected) {
  if (gqlGot !== gqlExpected) console.error(`graphql-ws: ${gqlGot}`)
  if (gqlQueriesGot !== gqlQueriesExpected) console.error(`GqlAuthGuard: ${gqlQueriesGot}`)
  console.error('\nunexpected result: the demo does not match what authbridge promises')
  process.exit(1)
}
console.log('\nall as expected.')
