// Handshakes per second over loopback, per transport, for three servers each: no
// authentication, authbridge, and the usual hand-written `jsonwebtoken` version; same server
// code, same clients, same HS256 access token.
// - Socket.IO: useOnAllNamespaces(io, socketIoAuth(...)) vs an io.use() middleware with jwt.verify;
//   the client (socket.io-client, websocket transport) waits for the server's 'ready' event.
// - ws: a WebSocketServer with authbridge/ws's wsVerifyClient (+ watchConnection) vs a
//   verifyClient with jwt.verify on the Authorization header; the client (`ws`) waits for 'ready'.
// - graphql-ws: graphql-ws's useServer with `...graphqlWsAuth(...)` vs an onConnect with
//   jwt.verify on connectionParams.token; the client speaks graphql-transport-ws over `ws`
//   (connection_init with the token, waits for connection_ack).
// Each server runs in its own child process (the clients here would otherwise share its event
// loop and dominate the measurement).
//   node benchmark/connections.mjs [handshakes] [concurrency] [rounds] [--transport socket.io,ws,graphql-ws] [--no-write]
// Defaults: 250 handshakes, 50 at a time, 40 rounds: many short rounds pair the servers under the
// same load better than a few long ones on a shared machine. Rounds are interleaved across the servers
// of a transport (their order rotated each round); per server the median handshakes/s, server
// CPU and client CPU per handshake are reported, and authbridge's ratios to each other server:
// handshakes/s (ratio of medians; round by round, median and range) and server CPU per
// handshake (ratio of medians; round-by-round range). Writes its section of RESULTS.md (between the connections markers)
// unless --no-write.
import { createRequire } from 'node:module'
import fs from 'node:fs'
import os from 'node:os'
import http from 'node:http'
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
const require = createRequire(import.meta.url)
const jwt = require('jsonwebtoken')

const SECRET = 'connection-benchmark-secret-' + 'x'.repeat(20)
const AUTH = { jwt: { algorithms: ['HS256'], key: SECRET } }
const GQL_PROTOCOL = 'graphql-transport-ws'

// ---------------------------------------------------------------------------------------------
// Servers (run in child processes)
// ---------------------------------------------------------------------------------------------

/** The bearer token of an upgrade request's Authorization header, as a hand-written check reads it. */
const bearerOf = (req) => {
  const h = req.headers.authorization
  return typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7) : ''
}

const TRANSPORTS = {
  'socket.io': {
    label: 'Socket.IO',
    client: 'socket.io-client, websocket transport, `auth.token`',
    variants: {
      'no authentication': () => () => {},
      'authbridge socketIoAuth (all namespaces)': () => {
        const { socketIoAuth, useOnAllNamespaces } = require('../js/socket.io/index.js')
        return (io) => useOnAllNamespaces(io, socketIoAuth(AUTH))
      },
      'hand-written jsonwebtoken middleware': () => (io) =>
        io.use((socket, next) => {
          try {
            socket.data.user = jwt.verify(socket.handshake.auth.token, SECRET, { algorithms: ['HS256'] })
            next()
          } catch {
            next(new Error('Invalid token'))
          }
        }),
    },
    async serve(install) {
      const { Server } = require('socket.io')
      const server = http.createServer()
      const io = new Server(server)
      install(io)
      io.on('connection', (s) => s.emit('ready'))
      await new Promise((r) => server.listen(0, '127.0.0.1', r))
      return server
    },
  },
  ws: {
    label: 'ws',
    client: '`ws`, `Authorization: Bearer` on the upgrade',
    variants: {
      'no authentication': () => ({}),
      'authbridge wsVerifyClient + watchConnection': () => {
        const { wsVerifyClient, watchConnection } = require('../js/ws/index.js')
        return { verifyClient: wsVerifyClient(AUTH), admit: watchConnection }
      },
      'hand-written jsonwebtoken verifyClient': () => ({
        verifyClient(info, cb) {
          try {
            info.req.user = jwt.verify(bearerOf(info.req), SECRET, { algorithms: ['HS256'] })
            cb(true)
          } catch {
            cb(false, 401)
          }
        },
      }),
    },
    async serve({ verifyClient, admit }) {
      const { WebSocketServer } = require('ws')
      const server = http.createServer()
      const wss = new WebSocketServer({ server, verifyClient })
      wss.on('connection', (ws, req) => {
        if (admit && !admit(ws, req)) return
        ws.send('ready')
      })
      await new Promise((r) => server.listen(0, '127.0.0.1', r))
      return server
    },
  },
  'graphql-ws': {
    label: 'graphql-ws',
    client: '`ws` speaking graphql-transport-ws, `connectionParams.token`',
    variants: {
      'no authentication': () => ({}),
      'authbridge graphqlWsAuth (onConnect, context)': () => {
        const { graphqlWsAuth } = require('../js/graphql-ws/index.js')
        return { ...graphqlWsAuth(AUTH) }
      },
      'hand-written jsonwebtoken onConnect': () => ({
        onConnect(ctx) {
          try {
            ctx.extra.user = jwt.verify(ctx.connectionParams && ctx.connectionParams.token, SECRET, { algorithms: ['HS256'] })
            return true
          } catch {
            return false
          }
        },
      }),
    },
    async serve(options) {
      const { WebSocketServer } = require('ws')
      const { useServer } = require('graphql-ws/use/ws')
      const { buildSchema } = require('graphql')
      const server = http.createServer()
      const wss = new WebSocketServer({ server, path: '/graphql' })
      useServer({ schema: buildSchema('type Query { ok: Boolean }'), ...options }, wss)
      await new Promise((r) => server.listen(0, '127.0.0.1', r))
      return server
    },
  },
}

// ---------------------------------------------------------------------------------------------
// Clients (the parent process)
// ---------------------------------------------------------------------------------------------

/** One handshake: resolves true once the server has admitted the client (and it has closed its side). */
function handshake(transport, port, token) {
  if (transport === 'socket.io') {
    const { io: connect } = require('socket.io-client')
    return new Promise((resolve) => {
      const c = connect(`http://127.0.0.1:${port}`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true })
      const done = (good) => {
        c.close()
        resolve(good)
      }
      c.once('ready', () => done(true))
      c.once('connect_error', () => done(false))
    })
  }
  const WebSocket = require('ws')
  return new Promise((resolve) => {
    let settled = false
    const done = (good) => {
      if (settled) return
      settled = true
      ws.close()
      resolve(good)
    }
    let ws
    if (transport === 'ws') {
      ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers: { authorization: `Bearer ${token}` } })
      ws.once('message', (d) => done(String(d) === 'ready'))
    } else {
      ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, GQL_PROTOCOL)
      ws.once('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { token } })))
      ws.once('message', (d) => done(JSON.parse(String(d)).type === 'connection_ack'))
    }
    ws.once('unexpected-response', () => done(false))
    ws.once('close', () => done(false))
    ws.once('error', () => done(false))
  })
}

async function storm(transport, port, total, concurrency, token) {
  let next = 0
  let ok = 0
  const t = process.hrtime.bigint()
  async function worker() {
    while (next < total) {
      next++
      if (await handshake(transport, port, token)) ok++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const s = Number(process.hrtime.bigint() - t) / 1e9
  return { ok, seconds: s, perSecond: Math.round(total / s) }
}

// Every round has the same number of handshakes: the mean is the CPU time of all rounds over all handshakes.
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]
/** The rounds' handshakes/s: each of a few, else min-max and the middle half (25th to 75th percentile). */
const spread = (xs) => (xs.length <= 9 ? xs.map(fmt).join(', ') : `${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))} (${fmt(quantile(xs, 0.25))}-${fmt(quantile(xs, 0.75))})`)
const fmt = (n) => n.toLocaleString('en-US')

async function measure(transport, { total, concurrency, rounds, token }) {
  const t = TRANSPORTS[transport]
  const servers = []
  for (const name of Object.keys(t.variants)) {
    // BENCH_SERVER_NODE_OPTIONS: flags for the server processes (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof).
    const execArgv = process.env.BENCH_SERVER_NODE_OPTIONS ? process.env.BENCH_SERVER_NODE_OPTIONS.split(/\s+/).filter(Boolean) : process.execArgv
    const child = fork(fileURLToPath(import.meta.url), ['--serve', transport, name], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv })
    const { port } = await new Promise((resolve) => child.once('message', resolve))
    servers.push({ name, child, port, rates: [], cpus: [], clientCpus: [], accepted: 0 })
  }
  // Warm-up (JIT, sockets) of every server before any round is counted.
  for (const s of servers) await storm(transport, s.port, 500, concurrency, token)
  const cpuOf = (child) =>
    new Promise((resolve) => {
      child.once('message', (m) => resolve(m.cpu))
      child.send('cpu')
    })
  for (let r = 0; r < rounds; r++) {
    // Interleaved, and the order rotated each round: no server always runs right after the
    // same other one (or always first), so load that drifts over a run falls on all alike.
    for (let i = 0; i < servers.length; i++) {
      const s = servers[(i + r) % servers.length]
      const before = await cpuOf(s.child)
      const clientBefore = process.cpuUsage()
      const res = await storm(transport, s.port, total, concurrency, token)
      const client = process.cpuUsage(clientBefore)
      // The server process's CPU time per handshake (user + system, microseconds), and the
      // clients' (this process) for the same round.
      s.cpus.push(((await cpuOf(s.child)) - before) / total)
      s.clientCpus.push((client.user + client.system) / total)
      s.rates.push(res.perSecond)
      s.accepted += res.ok
    }
  }
  for (const s of servers) s.child.send('stop')
  const [none, authbridge, handWritten] = servers
  const ratio = (other) => {
    const per = authbridge.rates.map((v, i) => v / other.rates[i])
    const cpu = authbridge.cpus.map((v, i) => v / other.cpus[i])
    return {
      // round by round (the same round of both servers)
      median: median(per),
      min: Math.min(...per),
      max: Math.max(...per),
      // the ratio of the two servers' medians
      ofMedians: median(authbridge.rates) / median(other.rates),
      // server CPU per handshake: ratio of medians, and round-by-round range
      cpu: mean(authbridge.cpus) / mean(other.cpus),
      cpuMin: Math.min(...cpu),
      cpuMax: Math.max(...cpu),
    }
  }
  return { transport, label: t.label, client: t.client, servers, vsNone: ratio(none), vsHandWritten: ratio(handWritten), handWritten }
}

function section(results, opts) {
  const { total, concurrency, rounds, started } = opts
  const lines = [
    '<!-- connections:start -->',
    '## Handshakes per second by transport (benchmark/connections.mjs)',
    '',
    `Command: \`node benchmark/connections.mjs ${total} ${concurrency} ${rounds}\` (${fmt(total)} handshakes per round, ${concurrency} at a time, ${rounds} interleaved rounds per transport, the servers' order rotated each round, after a warm-up of every server; each server in its own child process, the clients in the parent, all on one ${os.cpus().length}-core machine shared with other work, load average ${opts.load} at the start and ${opts.loadEnd} at the end; HS256 access token; ${started}).`,
    'A handshake ends when the server has admitted the client (Socket.IO: its `ready` event; ws: its `ready` message; graphql-ws: `connection_ack`). Server CPU is the server process\'s user + system time over all rounds, per handshake: what authentication costs the server, and far less sensitive than handshakes/s to the clients and other load sharing the cores. Client CPU is the same for the parent process (the clients): where it is larger than the server\'s, the clients, not the server, set handshakes/s.',
    'Ratios are authbridge\'s over the other server\'s: handshakes/s as the ratio of the medians, and round by round (the same round of both): median (range); server CPU per handshake over all rounds (round-by-round range).',
    '',
  ]
  for (const r of results) {
    lines.push(
      `### ${r.label} (${r.client})`,
      '',
      '| server | handshakes/s (median) | rounds (min-max, middle half) | server CPU us/handshake (all rounds) | client CPU us/handshake (all rounds) | accepted |',
      '|---|---:|---|---:|---:|---:|',
    )
    for (const s of r.servers) {
      lines.push(`| ${s.name} | ${fmt(median(s.rates))} | ${spread(s.rates)} | ${Math.round(mean(s.cpus))} | ${Math.round(mean(s.clientCpus))} | ${fmt(s.accepted)} / ${fmt(total * rounds)} |`)
    }
    const x = (q) => `${q.ofMedians.toFixed(2)}x (round by round ${q.median.toFixed(2)}x, ${q.min.toFixed(2)}-${q.max.toFixed(2)}x)`
    const c = (q) => `${q.cpu.toFixed(2)}x (${q.cpuMin.toFixed(2)}-${q.cpuMax.toFixed(2)}x)`
    const [none, ab, hand] = r.servers.map((s) => mean(s.cpus))
    lines.push(
      '',
      `authbridge against no authentication: handshakes/s **${x(r.vsNone)}** (target >= 0.90x); server CPU per handshake **${c(r.vsNone)}**: authbridge adds ${Math.round(ab - none)} us to the unauthenticated server's ${Math.round(none)} us (${(none / ab).toFixed(2)}x the unauthenticated server's handshakes per CPU second).`,
      `Against the hand-written \`jsonwebtoken\` version: handshakes/s **${x(r.vsHandWritten)}**; server CPU per handshake ${c(r.vsHandWritten)} (the hand-written version adds ${Math.round(hand - none)} us).`,
    )
    const clientCpu = mean(r.servers[0].clientCpus)
    if (clientCpu > none) {
      lines.push(
        `The clients cost more CPU per handshake (${Math.round(clientCpu)} us against the unauthenticated server) than the server does (${Math.round(none)} us): with ${os.cpus().length} cores shared by the clients, the servers and other work, handshakes/s follows the clients and the load, and the server-CPU ratio is the figure that shows what authbridge costs.`,
      )
    }
    lines.push('')
  }
  lines.push('<!-- connections:end -->', '')
  return lines.join('\n')
}

const args = process.argv.slice(2)
if (args[0] === '--serve') {
  const t = TRANSPORTS[args[1]]
  const server = await t.serve(t.variants[args[2]]())
  process.send({ port: server.address().port })
  process.on('message', (m) => {
    if (m === 'stop') process.exit(0)
    if (m === 'cpu') {
      const u = process.cpuUsage()
      process.send({ cpu: u.user + u.system })
    }
  })
  process.on('disconnect', () => process.exit(0))
} else {
  const flag = (name) => {
    const i = args.indexOf(name)
    return i === -1 ? undefined : args[i + 1]
  }
  const positional = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1] === '--transport'))
  const opts = {
    total: Number(positional[0] || 250),
    concurrency: Number(positional[1] || 50),
    rounds: Number(positional[2] || 40),
    token: jwt.sign({ sub: 'user-42', email: 'ada@example.com' }, SECRET, { algorithm: 'HS256', expiresIn: '15m' }),
    started: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    load: os.loadavg()[0].toFixed(1),
  }
  const transports = (flag('--transport') || Object.keys(TRANSPORTS).join(',')).split(',')
  for (const t of transports) if (!TRANSPORTS[t]) throw new Error(`unknown transport ${t}: one of ${Object.keys(TRANSPORTS).join(', ')}`)
  const results = []
  for (const t of transports) {
    const r = await measure(t, opts)
    results.push(r)
    console.log(`\n${r.label}`)
    console.table(
      r.servers.map((s) => ({
        server: s.name,
        'handshakes/s (median)': median(s.rates),
        rounds: s.rates.join(', '),
        'server CPU us/hs': Math.round(mean(s.cpus)),
        'client CPU us/hs': Math.round(mean(s.clientCpus)),
        accepted: `${s.accepted} / ${opts.total * opts.rounds}`,
      })),
    )
    const line = (q) => `handshakes/s ${q.ofMedians.toFixed(2)}x (round by round ${q.median.toFixed(2)}x, ${q.min.toFixed(2)}-${q.max.toFixed(2)}), server CPU ${q.cpu.toFixed(2)}x (${q.cpuMin.toFixed(2)}-${q.cpuMax.toFixed(2)})`
    console.log(`authbridge vs no authentication: ${line(r.vsNone)}\nauthbridge vs hand-written jsonwebtoken: ${line(r.vsHandWritten)}`)
  }
  opts.loadEnd = os.loadavg()[0].toFixed(1)
  if (!args.includes('--no-write')) {
    const out = fileURLToPath(new URL('./RESULTS.md', import.meta.url))
    const previous = fs.readFileSync(out, 'utf8').replace(/\n?<!-- connections:start -->[\s\S]*?<!-- connections:end -->\n?/, '\n')
    fs.writeFileSync(out, previous.replace(/\n+$/, '\n') + '\n' + section(results, opts))
    console.log(`\nwrote ${out}`)
  }
}
