// Run by scripts/test-runtimes.mjs under each runtime (Node 22 and 24, Bun, Deno), not by
// `node --test`: the package's load, a verify, an Auth.js decode, a Socket.IO handshake, a
// plain WebSocket (authbridge/ws) handshake, a graphql-ws subscription and the Nest example, each with a refusal next to the acceptance. The tokens were made under
// the project's Node beforehand by the real libraries (jsonwebtoken, @auth/core's encode);
// see below. Prints one `ok <check>` / `not ok <check> - <why>` line
// per check, then `# done`.
import { createRequire } from 'node:module'
import http from 'node:http'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

// scripts/test-runtimes.mjs copies this file into a scratch app, next to its node_modules
// (authbridge as installed, the repo's other dependencies) and nest-app/ (the compiled example).
const here = path.dirname(fileURLToPath(import.meta.url))
const require = createRequire(path.join(here, 'package.json'))
// The tokens and secrets, as JSON in the last argument (no file to read: the core checks run
// under Deno with only the permissions authbridge itself needs). `--core`: load, verify and
// decode only (no server, no network).
const fixtures = JSON.parse(process.argv[process.argv.length - 1])
const coreOnly = process.argv.includes('--core')

function assert(ok, message) {
  if (!ok) throw new Error(message)
}
function codeOf(fn) {
  try {
    fn()
  } catch (err) {
    return err && err.code
  }
  return 'no error'
}
const timeout = (ms, what) => new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms).unref?.())

const checks = []
const check = (name, fn) => checks.push({ name, fn })

let ab
check('load', () => {
  ab = require('authbridge')
  assert(ab.__napiBindingTarget === 'native', `binding target ${ab.__napiBindingTarget}`)
  for (const name of ['JwtVerifier', 'AuthJsSession', 'HandshakeAuthenticator', 'expiresAtOf', 'supportedAlgorithms']) assert(typeof ab[name] === 'function', `${name} is missing`)
  assert(ab.supportedAlgorithms().includes('HS256'), 'HS256 not supported')
})

check('verify (HS256 from jsonwebtoken)', () => {
  const verifier = new ab.JwtVerifier({ algorithms: ['HS256'], key: fixtures.jwtSecret })
  const claims = verifier.verify(fixtures.accessToken)
  assert(claims.sub === 'user-42', `sub ${claims.sub}`)
  assert(ab.expiresAtOf(claims) === claims.exp * 1000, 'expiresAtOf')
  const code = codeOf(() => verifier.verify(fixtures.forgedToken))
  assert(code === 'ERR_JWS_SIGNATURE_INVALID', `a forged token gave ${code}`)
})

check('Auth.js decode (cookie from @auth/core encode)', () => {
  const session = new ab.AuthJsSession({ secret: fixtures.authSecret })
  const claims = session.decode(fixtures.sessionCookie)
  assert(claims.sub === 'user-42' && claims.email === 'ada@example.com', `claims ${JSON.stringify(claims)}`)
  const fromHeader = session.fromCookieHeader(`theme=dark; authjs.session-token=${fixtures.sessionCookie}`)
  assert(fromHeader && fromHeader.sub === 'user-42', 'fromCookieHeader')
  const code = codeOf(() => new ab.AuthJsSession({ secret: 'another-apps-secret-' + 'w'.repeat(20) }).decode(fixtures.sessionCookie))
  assert(code === 'ERR_JWE_DECRYPTION_FAILED' || code === 'ERR_JWE_NO_MATCHING_SECRET', `another secret gave ${code}`)
})

/** Connects a socket.io-client; resolves { socket, welcome?, code? }. */
function connect(url, opts, welcomeEvent) {
  const { io } = require('socket.io-client')
  return Promise.race([
    new Promise((resolve) => {
      const socket = io(url, { ...opts, transports: ['websocket'], reconnection: false, forceNew: true })
      socket.on('connect_error', (err) => resolve({ socket, code: (err.data && err.data.code) || err.message }))
      if (welcomeEvent) socket.on(welcomeEvent, (welcome) => resolve({ socket, welcome }))
      else socket.on('connect', () => resolve({ socket }))
    }),
    timeout(10000, 'socket.io handshake'),
  ])
}

check('Socket.IO handshake (server and client over loopback)', async () => {
  const { Server } = require('socket.io')
  const { socketIoAuth } = require('authbridge/socket.io')
  const server = http.createServer()
  const io = new Server(server)
  io.use(socketIoAuth({ jwt: { algorithms: ['HS256'], key: fixtures.jwtSecret }, authjs: { secret: fixtures.authSecret } }))
  io.on('connection', (socket) => socket.emit('welcome', { sub: socket.data.user.sub, kind: socket.data.auth.kind, source: socket.data.auth.source }))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${server.address().port}`
  const opened = []
  try {
    const a = await connect(url, { auth: { token: fixtures.accessToken } }, 'welcome')
    opened.push(a.socket)
    assert(a.welcome && a.welcome.sub === 'user-42' && a.welcome.kind === 'jwt' && a.welcome.source === 'auth', `token: ${JSON.stringify(a.welcome ?? a.code)}`)
    const b = await connect(url, { extraHeaders: { cookie: `authjs.session-token=${fixtures.sessionCookie}` } }, 'welcome')
    opened.push(b.socket)
    assert(b.welcome && b.welcome.kind === 'authjs' && b.welcome.source === 'cookie', `cookie: ${JSON.stringify(b.welcome ?? b.code)}`)
    const c = await connect(url, { auth: { token: fixtures.forgedToken } }, 'welcome')
    opened.push(c.socket)
    assert(c.code === 'ERR_JWS_SIGNATURE_INVALID', `a forged token gave ${c.code ?? 'a connection'}`)
  } finally {
    for (const s of opened) s.disconnect()
    await new Promise((resolve) => io.close(() => resolve()))
  }
})

/** Opens a `ws` client; resolves { ws, welcome } on the server's first message, or { status, code } for a refused upgrade. */
function wsOpen(url, options) {
  const WebSocket = require('ws')
  return Promise.race([
    new Promise((resolve) => {
      const ws = new WebSocket(url, options)
      ws.once('message', (data) => resolve({ ws, welcome: JSON.parse(String(data)) }))
      ws.once('unexpected-response', (req, res) => {
        let body = ''
        res.on('data', (d) => (body += d))
        res.on('end', () => {
          let code
          try {
            code = JSON.parse(body).code
          } catch {
            code = body
          }
          resolve({ ws, status: res.statusCode, code })
        })
      })
      ws.once('close', (code, reason) => resolve({ ws, closed: code, code: String(reason) }))
      ws.once('error', () => {})
    }),
    timeout(10000, 'ws handshake'),
  ])
}

check('ws handshake (authbridge/ws with the ws package)', async () => {
  const { WebSocketServer } = require('ws')
  const { wsVerifyClient, watchConnection } = require('authbridge/ws')
  const server = http.createServer()
  const verifyClient = wsVerifyClient({ jwt: { algorithms: ['HS256'], key: fixtures.jwtSecret }, authjs: { secret: fixtures.authSecret } })
  const wss = new WebSocketServer({ server, verifyClient })
  wss.on('connection', (ws, req) => {
    if (watchConnection(ws, req)) ws.send(JSON.stringify({ sub: ws.data.user.sub, kind: ws.data.auth.kind, source: ws.data.auth.source }))
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `ws://127.0.0.1:${server.address().port}/`
  const opened = []
  try {
    const a = await wsOpen(url, { headers: { authorization: `Bearer ${fixtures.accessToken}` } })
    opened.push(a.ws)
    assert(a.welcome && a.welcome.sub === 'user-42' && a.welcome.kind === 'jwt' && a.welcome.source === 'header', `Bearer: ${JSON.stringify(a.welcome ?? a)}`)
    const b = await wsOpen(url, { headers: { cookie: `authjs.session-token=${fixtures.sessionCookie}` } })
    opened.push(b.ws)
    assert(b.welcome && b.welcome.kind === 'authjs' && b.welcome.source === 'cookie', `cookie: ${JSON.stringify(b.welcome ?? b)}`)
    const c = await wsOpen(url, { headers: { authorization: `Bearer ${fixtures.forgedToken}` } })
    opened.push(c.ws)
    assert(c.status === 401 && c.code === 'ERR_JWS_SIGNATURE_INVALID', `a forged token gave ${JSON.stringify(c.welcome ?? { status: c.status, code: c.code, closed: c.closed })}`)
    assert(verifyClient.watch.stats().connections === 2, `watched ${verifyClient.watch.stats().connections} connections`)
  } finally {
    for (const ws of opened) ws.terminate()
    verifyClient.watch.close()
    await new Promise((resolve) => wss.close(() => resolve()))
    await new Promise((resolve) => server.close(() => resolve()))
  }
})

/** Subscribes to `ticks` with a graphql-ws client; resolves { event } or { code, reason } when refused. */
function gqlFirstTick(url, connectionParams) {
  const { createClient } = require('graphql-ws')
  const client = createClient({ url, webSocketImpl: require('ws'), connectionParams, lazy: true, retryAttempts: 0 })
  return Promise.race([
    new Promise((resolve) => {
      const unsubscribe = client.subscribe(
        { query: 'subscription { ticks }' },
        {
          next: (v) => {
            unsubscribe()
            resolve({ event: v.data && v.data.ticks })
          },
          error: (e) => resolve({ code: e && e.code, reason: e && e.reason }),
          complete: () => resolve({ complete: true }),
        },
      )
    }),
    timeout(10000, 'graphql-ws subscription'),
  ]).finally(() => client.dispose())
}

check('graphql-ws subscription (authbridge/graphql-ws with graphql-ws useServer)', async () => {
  const { WebSocketServer } = require('ws')
  const { useServer } = require('graphql-ws/use/ws')
  const { buildSchema } = require('graphql')
  const { graphqlWsAuth } = require('authbridge/graphql-ws')
  const auth = graphqlWsAuth({ jwt: { algorithms: ['HS256'], key: fixtures.jwtSecret } })
  const server = http.createServer()
  const wss = new WebSocketServer({ server, path: '/graphql' })
  const roots = {
    subscription: {
      ticks: async function* (_args, ctx) {
        for (let n = 0; ; n++) {
          yield { ticks: `${ctx.user.sub}:${n}` }
          await new Promise((r) => setTimeout(r, 50))
        }
      },
    },
  }
  const disposable = useServer({ schema: buildSchema('type Query { ok: Boolean }\ntype Subscription { ticks: String }'), roots, ...auth }, wss)
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `ws://127.0.0.1:${server.address().port}/graphql`
  try {
    const a = await gqlFirstTick(url, { token: fixtures.accessToken })
    assert(a.event === 'user-42:0', `token: ${JSON.stringify(a)}`)
    const b = await gqlFirstTick(url, { token: fixtures.forgedToken })
    assert(b.code === 4401 && b.reason === 'ERR_JWS_SIGNATURE_INVALID', `a forged token gave ${JSON.stringify(b)}`)
  } finally {
    await disposable.dispose()
    auth.watch.close()
    await new Promise((resolve) => server.close(() => resolve()))
  }
})

check('Nest example (examples/nest-app/dist)', async () => {
  const { createApp } = await import(pathToFileURL(path.join(here, 'nest-app', 'main.mjs')).href)
  const failures = []
  const app = await createApp({ authSecret: fixtures.authSecret, jwtSecret: fixtures.jwtSecret }, { onFailure: (info) => failures.push(info.code) })
  await app.listen(0, '127.0.0.1')
  const url = `http://127.0.0.1:${app.getHttpServer().address().port}`
  const opened = []
  try {
    const me = await fetch(url + '/me', { headers: { authorization: `Bearer ${fixtures.accessToken}` } })
    assert(me.status === 200, `GET /me with a Bearer token: ${me.status}`)
    const body = await me.json()
    assert(body.id === 'user-42', `GET /me gave ${JSON.stringify(body)}`)
    const cookie = await fetch(url + '/me', { headers: { cookie: `authjs.session-token=${fixtures.sessionCookie}` } })
    assert(cookie.status === 200, `GET /me with the session cookie: ${cookie.status}`)
    await cookie.arrayBuffer()
    const none = await fetch(url + '/me')
    assert(none.status === 401, `GET /me without a token: ${none.status}`)
    await none.arrayBuffer()
    const s = await connect(url, { extraHeaders: { cookie: `authjs.session-token=${fixtures.sessionCookie}` } }, 'welcome')
    opened.push(s.socket)
    assert(s.welcome && s.welcome.sub === 'user-42' && s.welcome.kind === 'authjs', `gateway: ${JSON.stringify(s.welcome ?? s.code)}`)
    const who = await Promise.race([s.socket.emitWithAck('whoami'), timeout(5000, 'whoami')])
    assert(who.sub === 'user-42' && who.source === 'cookie', `whoami ${JSON.stringify(who)}`)
    const refused = await connect(url + '/chat', { auth: { token: fixtures.forgedToken } }, 'welcome')
    opened.push(refused.socket)
    assert(refused.code === 'ERR_JWS_SIGNATURE_INVALID', `a forged token gave ${refused.code ?? 'a connection'}`)
    assert(failures.includes('ERR_JWS_SIGNATURE_INVALID'), `onFailure saw ${failures.join(', ')}`)
  } finally {
    for (const s of opened) s.disconnect()
    await app.close()
  }
})

for (const { name, fn } of coreOnly ? checks.slice(0, 3) : checks) {
  try {
    await fn()
    console.log(`ok ${name}`)
  } catch (err) {
    console.log(`not ok ${name} - ${String((err && err.stack) || err).split('\n').slice(0, 3).join(' | ')}`)
    if (name === 'load') break
  }
}
console.log('# done')
// Anything left open (a keep-alive socket of fetch) must not keep the runtime alive.
process.exit(0)
