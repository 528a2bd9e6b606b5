// Revocation at scale, the sockets (issue 21 item 1): what a revocation change costs the
// event loop of a node holding 1,000 / 5,000 / 19,000 connected Socket.IO sockets.
// The Socket.IO server runs in this process (re-executed through `sh -c 'ulimit -n ...'`
// when its soft open-file limit is too low); the clients run in a child process (the same).
// Figures per size (each the synchronous time of the call: the revocation listener runs
// inside it, so this is the event-loop block):
//   - one revokeToken that closes one connected socket (median of 20)
//   - one revokeToken naming no connected socket, a sign-out on another node (median of 20)
//   - 100 revokeToken in a burst naming no connected socket, and 100 each closing one (total)
//   - the 'stale' sweep (setStale(true), every socket closed): its longest slice (every
//     setImmediate callback meanwhile, the probe's included; also less the GC pauses V8 reports
//     inside it), and the loop turns meanwhile (a
//     setImmediate probe chain: the longest, how many over 5 ms, in wall and process CPU time),
//     the longest GC pause, the time until every socket is closed
//   - the reference without authbridge: the same number of plain Socket.IO sockets closed with
//     disconnect(true) in 1 ms slices, timed by the same probe (the part of the cost that is
//     Socket.IO's own)
//   - RSS per connected socket (server process, after GC; RSS growth, and the JS heap in use)
//
//   - the sweep of 50,000 plain connections (no sockets: ConnectionWatch alone), in a process
//     of its own, twice: the first sweeps of the process and later ones
//   node benchmark/scale/sockets.mjs [--sizes 1000,5000,19000] [--impl DIR] [--no-reference]
//   node --expose-gc benchmark/scale/sockets.mjs --plain [--impl DIR]   (the 50,000 sweep alone)
// --impl DIR: a directory holding another js/ (e.g. main's, for the before column).
// Exports run({ sizes, log, impl, reference }) -> rows { figure, size, value, unit, target }.
import { createRequire } from 'node:module'
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { performance, PerformanceObserver } from 'node:perf_hooks'

const require = createRequire(import.meta.url)
const HERE = fileURLToPath(import.meta.url)
const ROOT = path.resolve(path.dirname(HERE), '..', '..')
const SPARE = 125 // sockets closed by the one-revocation (20) and burst (100) figures, plus a margin
const ONE = 20
const BURST = 100
const FD_MARGIN = 500

/** Spawns `node args` through sh with the soft open-file limit raised to `files`. */
function spawnWithFiles(files, args, env) {
  const cmd = `ulimit -n ${files} 2>/dev/null; exec "$0" "$@"`
  return spawn('sh', ['-c', cmd, process.execPath, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...env } })
}

/** CPU milliseconds (user + system) since `from` (process.cpuUsage()): the cost without the waits of a loaded machine. */
const cpuMs = (from) => {
  const d = process.cpuUsage(from)
  return (d.user + d.system) / 1000
}
/**
 * CPU milliseconds of the process (user + system, all threads: V8's background GC and
 * compiler threads included, so an upper bound of the main thread's). Linux schedstat would
 * give the main thread alone, but counts its run time in scheduler ticks (4 ms) on this kernel
 * (its run-queue wait, runQueueWaitMs, is exact: recorded when the thread gets a core back).
 */
const processCpuMs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

/**
 * Runs `act()` (which starts a sweep) and waits for `done()`, timing every setImmediate
 * callback meanwhile (the sweep's slices yield through setImmediate) in wall time and in CPU
 * time: on a loaded or virtual machine the wall figure includes time the thread was not
 * running, and the CPU-time reading taken before each callback (`ownMax`: the longest
 * without it). Returns { wallMax, wallMedian, ownMax, cpuMax, slices, lessGcMax, onCoreMax,
 * waitMax } (the call of act() itself counted as a slice; `lessGcMax`: the longest less the
 * GC pauses inside it, `onCoreMax`: less the waits for a core, `waitMax`: the longest such wait).
 */
async function sliceTimes(act, done) {
  const real = global.setImmediate
  const walls = []
  const own = []
  const spans = []
  const gcs = []
  const gcObserver = new PerformanceObserver((l) => {
    for (const e of l.getEntries()) gcs.push([e.startTime, e.startTime + e.duration])
  })
  gcObserver.observe({ entryTypes: ['gc'] })
  let cpuMax = 0
  const waits = []
  const timed = (fn) => {
    const w = performance.now()
    const c = processCpuMs()
    const q = runQueueWaitMs()
    const w1 = performance.now()
    fn()
    const w2 = performance.now()
    waits.push(runQueueWaitMs() - q)
    walls.push(w2 - w)
    // The same slice without the CPU-time reading before it (getrusage, which can take
    // milliseconds on a loaded virtual machine): the slice's own wall time.
    own.push(w2 - w1)
    spans.push([w1, w2])
    cpuMax = Math.max(cpuMax, processCpuMs() - c)
  }
  global.setImmediate = (fn, ...args) => real(() => timed(() => fn(...args)))
  try {
    timed(act)
    while (!done()) await new Promise((r) => real(r))
  } finally {
    global.setImmediate = real
  }
  // The GC entries of the last pauses are delivered a turn later.
  await new Promise((r) => setTimeout(r, 10))
  gcObserver.disconnect()
  // Each slice's own wall time less the GC pauses (V8's account) that fell inside it: the
  // sweep's work apart from the collection of the garbage the process made before and during it.
  gcs.sort((a, b) => a[0] - b[0])
  let g = 0
  const lessGc = spans.map(([a, b]) => {
    while (g < gcs.length && gcs[g][1] <= a) g++
    let inside = 0
    for (let k = g; k < gcs.length && gcs[k][0] < b; k++) inside += Math.min(b, gcs[k][1]) - Math.max(a, gcs[k][0])
    return b - a - inside
  })
  // Each slice's own wall time less the time its thread waited for a core meanwhile (the
  // kernel's account, Linux): what the slice costs a loop that has its core. The clients'
  // process and the kernel's loopback network work share this machine's two cores with the
  // server and take one from it in the middle of a slice now and then, for a scheduler time
  // slice of a few ms (measured: up to 8 ms of waiting inside one slice at 19,000 sockets).
  const onCore = own.map((x, i) => x - (Number.isNaN(waits[i]) ? 0 : waits[i]))
  return { wallMax: maxOf(walls), wallMedian: median(walls), ownMax: maxOf(own), cpuMax, slices: walls.length, lessGcMax: maxOf(lessGc), onCoreMax: Number.isNaN(waits[0]) ? NaN : maxOf(onCore), waitMax: maxOf(waits) }
}

/**
 * Milliseconds this thread has waited for a core since it started (Linux: the second field of
 * /proc/thread-self/schedstat, in ns, the time it was runnable on a run queue but not running);
 * NaN where the file is missing.
 */
function runQueueWaitMs() {
  try {
    return Number(fs.readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[1]) / 1e6
  } catch {
    return NaN
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
/** The largest of `xs` (no spread: a sweep that waits for its closes makes a probe of a million turns). */
const maxOf = (xs) => xs.reduce((m, x) => (x > m ? x : m), -Infinity)

/** `entries` and 1,025 more that name no connection: a replace() of them says `overflow` (a sweep). */
const overflowing = (entries, exp) => [...entries, ...Array.from({ length: 1025 }, (_, i) => ({ jti: `nobody-${Date.now()}-${i}`, exp }))]

// ------------------------------------------------------------------ child: the clients
async function clients() {
  const { io: ioClient } = require('socket.io-client')
  const jwt = require('jsonwebtoken')
  const { URL: url, SECRET, SIZE, EXP, RUN } = process.env
  const n = Number(SIZE)
  const sockets = []
  let connected = 0
  let refused = 0
  let i = 0
  await new Promise((resolve) => {
    const open = () => {
      if (i >= n) return
      const k = i++
      const token = jwt.sign({ sub: `u${k % Math.max(1, Math.floor(n / 2))}`, jti: `${RUN}-${k}`, iat: Math.floor(Date.now() / 1000) - 5, exp: Number(EXP) }, SECRET, { algorithm: 'HS256' })
      const s = ioClient(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true })
      sockets.push(s)
      s.once('connect', () => {
        connected++
        if (connected + refused === n) resolve()
        else open()
      })
      s.once('connect_error', () => {
        refused++
        if (connected + refused === n) resolve()
        else open()
      })
    }
    for (let c = 0; c < 200; c++) open()
  })
  process.send({ connected, refused })
  process.on('message', (m) => {
    if (m === 'close') {
      for (const s of sockets) s.close()
      process.exit(0)
    }
  })
}

/**
 * A setImmediate probe chain timing every turn of the loop (wall and process CPU time) and the
 * GC pauses meanwhile (V8's own account): start(), then stop(done) resolves, once `done()` is
 * true (polled every 5 ms, at most 60 s) and the probe ran once more, to { longest,
 * longestOwn, longestCpu, over5, over5Own, over5Cpu, turns, gcMax, ms } (`own`: less the
 * probe's own CPU-time reading): a turn runs from one probe to the next, so
 * it holds everything the loop did in between (slices, I/O callbacks, timers, GC).
 */
function loopProbe() {
  let last = 0
  let lastCpu = 0
  let probing = true
  const turns = []
  const cpus = []
  const gcs = []
  let s0 = 0
  const gcObserver = new PerformanceObserver((l) => {
    for (const e of l.getEntries()) gcs.push(e.duration)
  })
  // The wall time of the probe's own CPU-time reading (getrusage: up to milliseconds on a
  // loaded virtual machine), taken out of the turn it fell in for the `own` figures.
  const owns = []
  let reading = 0
  const probe = () => {
    const now = performance.now()
    const cpu = processCpuMs()
    turns.push(now - last)
    owns.push(now - last - reading)
    cpus.push(cpu - lastCpu)
    reading = performance.now() - now
    last = now
    lastCpu = cpu
    if (probing) setImmediate(probe)
  }
  return {
    start() {
      gcObserver.observe({ entryTypes: ['gc'] })
      lastCpu = processCpuMs()
      s0 = last = performance.now()
      setImmediate(probe)
    },
    async stop(done) {
      const end = performance.now() + 60000
      while (!done() && performance.now() < end) await new Promise((r) => setTimeout(r, 5))
      const ms = performance.now() - s0
      // Let the probe run at least once after the last close.
      await new Promise((r) => setTimeout(r, 20))
      probing = false
      gcObserver.disconnect()
      return {
        longest: maxOf(turns),
        longestOwn: maxOf(owns),
        longestCpu: maxOf(cpus),
        over5: turns.filter((x) => x > 5).length,
        over5Own: owns.filter((x) => x > 5).length,
        over5Cpu: cpus.filter((x) => x > 5).length,
        turns: turns.length,
        gcMax: gcs.length ? maxOf(gcs) : 0,
        ms,
      }
    },
  }
}

/** The rows of a loopProbe() result `p` under `what`. */
function loopRows(row, what, size, p) {
  row(`${what}, longest loop block (slices + the closes' I/O)`, size, p.longest, 'ms')
  row(`${what}, longest loop block, process CPU time`, size, p.longestCpu, 'ms')
  row(`${what}, longest loop block, wall less the probe's own CPU-time reading`, size, p.longestOwn, 'ms')
  row(`${what}, longest GC pause meanwhile`, size, p.gcMax, 'ms')
  row(`${what}, loop turns meanwhile`, size, p.turns, 'turns')
  row(`${what}, loop turns over 5 ms (wall)`, size, p.over5, 'turns')
  row(`${what}, loop turns over 5 ms (wall less the probe's own CPU-time reading)`, size, p.over5Own, 'turns')
  row(`${what}, loop turns over 5 ms (process CPU time)`, size, p.over5Cpu, 'turns')
  row(`${what}, until every socket closed`, size, p.ms, 'ms')
}

/**
 * The reference without authbridge: a plain Socket.IO server, `size` clients, every socket
 * closed with disconnect(true) in slices of 1 ms of the caller's time through setImmediate
 * (what the sweep did before it paced itself by the loop turn), timed by the same probe.
 */
async function plainClosing({ size, log, row }) {
  const { Server } = require('socket.io')
  const server = http.createServer()
  const io = new Server(server)
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  const child = spawnWithFiles(size + FD_MARGIN, [HERE, '--clients'], {
    URL: `http://127.0.0.1:${server.address().port}`,
    SECRET: 'none',
    SIZE: String(size),
    EXP: String(Math.floor(Date.now() / 1000) + 3600),
    RUN: 'plain',
  })
  await new Promise((resolve, reject) => {
    child.once('message', resolve)
    child.once('exit', (code) => reject(new Error(`client process exited ${code}`)))
  })
  const nsp = io.of('/')
  await new Promise((r) => setTimeout(r, 200))
  const open = nsp.sockets.size
  const probe = loopProbe()
  probe.start()
  const it = [...nsp.sockets.values()][Symbol.iterator]()
  const slice = () => {
    const end = performance.now() + 1
    for (let r = it.next(); !r.done; r = it.next()) {
      r.value.disconnect(true)
      if (performance.now() >= end) return setImmediate(slice)
    }
  }
  slice()
  const p = await probe.stop(() => nsp.sockets.size === 0)
  loopRows(row, 'reference, Socket.IO alone: disconnect(true) of every socket in 1 ms slices', size, p)
  log(`  (reference: closed ${open - nsp.sockets.size} of ${open} plain sockets in ${p.ms.toFixed(0)} ms)`)
  child.send('close')
  await new Promise((r) => child.once('exit', r))
  io.close()
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
}

// ------------------------------------------------------------------ the server side
/** A file of a js/ directory: the first of its paths that exists (folders by integration, else the older flat js/). */
const inJs = (jsDir, ...rels) => path.join(jsDir, rels.find((r) => fs.existsSync(path.join(jsDir, r))) ?? rels[0])

function heapInUse() {
  const m = process.memoryUsage()
  return m.heapUsed + m.external
}

async function measure({ sizes, log, impl, reference = true }) {
  const jsDir = impl ? path.resolve(impl) : path.join(ROOT, 'js')
  const { RevocationList } = require(path.join(jsDir, 'index.js'))
  const { socketIoAuth, useOnAllNamespaces, watchOf } = require(inJs(jsDir, 'socket.io/index.js', 'socket.io.js'))
  const { Server } = require('socket.io')
  const SECRET = crypto.randomBytes(32).toString('hex')
  const EXP = Math.floor(Date.now() / 1000) + 3600
  const rows = []
  const row = (figure, size, value, unit, target) => {
    rows.push({ figure, size, value: Math.round(value * 1000) / 1000, unit, target })
    log(`  ${figure} @ ${size}: ${value.toFixed(3)} ${unit}${target ? ` (target ${target})` : ''}`)
  }

  for (const size of sizes) {
    const list = new RevocationList()
    const server = http.createServer()
    const io = new Server(server)
    const middleware = socketIoAuth({ jwt: { algorithms: ['HS256'], key: SECRET } }, { revocation: list })
    useOnAllNamespaces(io, middleware)
    await new Promise((r) => server.listen(0, '127.0.0.1', r))
    // run() gives each size a process of its own: the baseline holds no other size's sockets.
    if (global.gc) global.gc()
    const rssBefore = process.memoryUsage().rss
    const heapBefore = heapInUse()
    const run = `r${size}`
    const total = size + SPARE
    const child = spawnWithFiles(total + FD_MARGIN, [HERE, '--clients'], {
      URL: `http://127.0.0.1:${server.address().port}`,
      SECRET,
      SIZE: String(total),
      EXP: String(EXP),
      RUN: run,
    })
    const t0 = performance.now()
    const got = await new Promise((resolve, reject) => {
      child.once('message', resolve)
      child.once('exit', (code) => reject(new Error(`client process exited ${code}`)))
    })
    const nsp = io.of('/')
    log(`${size}: ${got.connected} connected (${got.refused} refused) in ${((performance.now() - t0) / 1000).toFixed(1)} s; server sockets ${nsp.sockets.size}`)
    if (global.gc) global.gc()
    await new Promise((r) => setTimeout(r, 200))
    if (global.gc) global.gc()
    row('RSS per connected socket', size, (process.memoryUsage().rss - rssBefore) / 1024 / nsp.sockets.size, 'KB')
    row('JS heap per connected socket (heapUsed + external, after GC)', size, (heapInUse() - heapBefore) / 1024 / nsp.sockets.size, 'KB')

    // A change naming no connected socket (a sign-out of someone connected elsewhere).
    const none = []
    for (let k = 0; k < ONE; k++) {
      const a = performance.now()
      list.revokeToken(`elsewhere-${run}-${k}`, EXP)
      none.push(performance.now() - a)
      await new Promise((r) => setImmediate(r))
    }
    row('one revocation naming no connected socket, loop blocked', size, median(none), 'ms')

    // One revocation closing one socket (sockets total-1, total-2, ...: the last admitted).
    const one = []
    let k = total - 1
    for (let j = 0; j < ONE; j++, k--) {
      const before = nsp.sockets.size
      const a = performance.now()
      list.revokeToken(`${run}-${k}`, EXP)
      one.push(performance.now() - a)
      if (nsp.sockets.size !== before - 1) throw new Error(`revoking ${run}-${k} closed ${before - nsp.sockets.size} sockets`)
      await new Promise((r) => setTimeout(r, 2))
    }
    row('one revocation closing one socket, loop blocked', size, median(one), 'ms', size === sizes[sizes.length - 1] ? '<= 1 ms, <= 1.5x at 1,000' : undefined)

    // 100 revocations in a burst naming no connected socket.
    const b0 = performance.now()
    const c0 = process.cpuUsage()
    for (let j = 0; j < BURST; j++) list.revokeToken(`elsewhere-burst-${run}-${j}`, EXP)
    row('100 revocations in a burst naming no connected socket, loop blocked', size, performance.now() - b0, 'ms', '<= 20 ms')
    row('100 revocations in a burst naming no connected socket, CPU time', size, cpuMs(c0), 'ms')
    await new Promise((r) => setImmediate(r))

    // 100 revocations in a burst, each closing one socket.
    const beforeBurst = nsp.sockets.size
    const a = performance.now()
    const c1 = process.cpuUsage()
    for (let j = 0; j < BURST; j++, k--) list.revokeToken(`${run}-${k}`, EXP)
    row('100 revocations in a burst each closing one socket, loop blocked', size, performance.now() - a, 'ms', '<= 20 ms')
    row('100 revocations in a burst each closing one socket, CPU time', size, cpuMs(c1), 'ms')
    if (nsp.sockets.size !== beforeBurst - BURST) throw new Error(`the burst closed ${beforeBurst - nsp.sockets.size} sockets`)
    await new Promise((r) => setTimeout(r, 50))

    // A reload that does not say what changed (a replace() adding more than 1,024 entries
    // that name no socket: `overflow`): a sweep that checks every socket and closes none.
    // Code without slices sweeps inside the call (its one block is the figure).
    const watch = typeof watchOf === 'function' ? watchOf(middleware) : null
    const sweeping = () => !!(watch && watch.sweeping)
    {
      // The entries made before the timed call (the benchmark's own work).
      const next = overflowing(list.entries(), EXP)
      const t = await sliceTimes(() => list.replace(next), () => !sweeping())
      row('a reload without entries (sweep, closes none), longest slice', size, t.wallMax, 'ms', '<= 5 ms')
      row('a reload without entries (sweep, closes none), median slice', size, t.wallMedian, 'ms')
      row('a reload without entries (sweep, closes none), longest slice, process CPU time', size, t.cpuMax, 'ms')
      row('a reload without entries (sweep, closes none), longest slice, less the GC pauses inside it', size, t.lessGcMax, 'ms')
      row('a reload without entries (sweep, closes none), longest slice, less the time it waited for a core (run queue)', size, t.onCoreMax, 'ms')
    }

    // The 'stale' sweep, every socket closed: its longest slice, and the longest block of the
    // loop meanwhile (a setImmediate probe chain: the slices plus the closing connections'
    // own I/O between them).
    const open = nsp.sockets.size
    const probe = loopProbe()
    const t = await sliceTimes(
      () => {
        probe.start()
        list.setStale(true)
      },
      () => !sweeping(),
    )
    const p = await probe.stop(() => nsp.sockets.size === 0)
    row("'stale' sweep closing every socket, longest slice", size, t.wallMax, 'ms', '<= 5 ms at 50,000')
    row("'stale' sweep closing every socket, median slice", size, t.wallMedian, 'ms')
    row("'stale' sweep closing every socket, longest slice, process CPU time", size, t.cpuMax, 'ms')
    row("'stale' sweep closing every socket, longest slice, wall less the probe's own CPU-time reading", size, t.ownMax, 'ms')
    row("'stale' sweep closing every socket, longest slice, less the GC pauses inside it", size, t.lessGcMax, 'ms')
    row("'stale' sweep closing every socket, longest slice, less the time it waited for a core (run queue)", size, t.onCoreMax, 'ms')
    row("'stale' sweep closing every socket, longest wait for a core inside one slice", size, t.waitMax, 'ms')
    loopRows(row, "'stale' sweep closing every socket", size, p)
    log(`  ('stale' closed ${open - nsp.sockets.size} of ${open} sockets in ${p.ms.toFixed(0)} ms${watch ? `, ${watch.stats().slices} slices in all` : ''})`)

    child.send('close')
    await new Promise((r) => child.once('exit', r))
    io.close()
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
    if (reference) await plainClosing({ size: open, log, row })
  }
  return rows
}

/**
 * The sweep at 50,000 connections (issue 21's figure; one process cannot hold that many
 * sockets here): ConnectionWatch with plain connections (claims, notify, close), a real
 * RevocationList going stale, every connection closed. Two rounds in one process, each a new
 * list, watch and 50,000 connections: the first runs the sweep's code for the first time in
 * the process (V8 compiles it meanwhile: a compile lands in a slice now and then), the second
 * is every later sweep. Null with code that has no watch.
 */
async function plainSweep({ log, impl }) {
  const jsDir = impl ? path.resolve(impl) : path.join(ROOT, 'js')
  let lifetime
  try {
    lifetime = require(inJs(jsDir, 'core/connection-lifetime.js', 'connection-lifetime.js'))
  } catch {
    return []
  }
  const rows = []
  for (const round of ['first sweeps of the process', 'later sweeps']) rows.push(...(await plainRound({ log, jsDir, lifetime, round })))
  return rows
}

/** One round of plainSweep: a reload that checks every connection, then 'stale'. */
async function plainRound({ log, jsDir, lifetime, round }) {
  const { RevocationList, HandshakeAuthenticator } = require(path.join(jsDir, 'index.js'))
  const list = new RevocationList()
  const watch = new lifetime.ConnectionWatch({ authenticator: new HandshakeAuthenticator({ jwt: { algorithms: ['HS256'], key: 'k'.repeat(32) } }), revocation: list, expiry: false })
  const exp = Math.floor(Date.now() / 1000) + 3600
  let closed = 0
  for (let i = 0; i < 50000; i++) {
    const conn = { claims: { sub: `u${i % 25000}`, jti: `p${i}`, iat: exp - 7200, exp }, kind: 'jwt', open: true, notify() {}, close() { conn.open = false; closed++ } }
    watch.admit(conn)
  }
  // As in the Socket.IO figures (and on a server), revocations have closed a few connections
  // through the index before the list goes stale (the 20 + 100 of the one-revocation and burst
  // figures).
  for (let i = 0; i < 120; i++) list.revokeToken(`p${i}`, exp)
  if (closed !== 120) throw new Error(`120 revocations closed ${closed} connections`)
  // A server's connections are old: promoted out of the young generation, where the 50,000
  // made just now would make every scavenge during the sweep copy them (a setup cost, not the
  // sweep's). `run` runs this with --expose-gc.
  if (globalThis.gc) {
    globalThis.gc()
    globalThis.gc()
  }
  const rows = []
  const label = `sweep of 50,000 plain connections (${round})`
  const next = overflowing([], exp) // made before the timed call
  for (const [what, act] of [['checks only (reload without entries)', () => list.replace(next)], ['closing every connection (stale)', () => list.setStale(true)]]) {
    const s0 = watch.stats().slices
    const t = await sliceTimes(act, () => !watch.sweeping)
    const row = (figure, value, target) => rows.push({ figure: `${label}, ${what}, ${figure}`, size: 50000, value: Math.round(value * 1000) / 1000, unit: 'ms', ...(target ? { target } : {}) })
    row('longest slice', t.wallMax, '<= 5 ms')
    row('longest slice, less the GC pauses inside it', t.lessGcMax)
    row('longest slice, less the time it waited for a core (run queue)', t.onCoreMax)
    row('median slice', t.wallMedian)
    row('longest slice, process CPU time', t.cpuMax)
    log(`  ${label}, ${what}: longest slice ${t.wallMax.toFixed(3)} ms (process CPU ${t.cpuMax.toFixed(3)} ms; less GC pauses inside ${t.lessGcMax.toFixed(3)} ms, less waits for a core ${t.onCoreMax.toFixed(3)} ms), median ${t.wallMedian.toFixed(3)} ms, over ${watch.stats().slices - s0} slices (${closed} closed)`)
  }
  watch.close()
  return rows
}

/**
 * Runs the figures: each size in a server process of its own (re-executed with the open-file
 * limit it needs), so that its memory baseline holds nothing of another size's sockets and no
 * size inherits another's heap; then the bare-watch sweep here.
 */
export async function run({ sizes = [1000, 5000, 19000], log = console.log, impl, reference = true } = {}) {
  const rows = []
  for (const size of sizes) {
    const child = spawnWithFiles(size + SPARE + FD_MARGIN, ['--expose-gc', HERE, '--server', String(size), ...(impl ? ['--impl', impl] : []), ...(reference ? [] : ['--no-reference'])])
    child.on('message', (m) => {
      if (m.log) log(m.log)
      if (m.rows) rows.push(...m.rows)
    })
    const code = await new Promise((r) => child.once('exit', r))
    if (code !== 0) throw new Error(`socket benchmark server (${size} sockets) exited ${code}`)
  }
  // The bare-watch sweep in a process of its own, with --expose-gc (the connections promoted).
  const child = spawn(process.execPath, ['--expose-gc', HERE, '--plain', ...(impl ? ['--impl', impl] : [])], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  child.on('message', (m) => {
    if (m.log) log(m.log)
    if (m.rows) rows.push(...m.rows)
  })
  const code = await new Promise((r) => child.once('exit', r))
  if (code !== 0) throw new Error(`plain sweep benchmark exited ${code}`)
  return rows
}

const argv = process.argv.slice(2)
const opt = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined)
if (argv[0] === '--clients') {
  await clients()
} else if (argv[0] === '--plain') {
  // Alone (node --expose-gc sockets.mjs --plain) or under `run` (rows sent back).
  const log = process.send ? (l) => process.send({ log: l }) : console.log
  const rows = await plainSweep({ log, impl: opt('--impl') })
  if (process.send) process.send({ rows })
  process.exit(0)
} else if (argv[0] === '--server') {
  const log = (l) => process.send({ log: l })
  const rows = await measure({ sizes: argv[1].split(',').map(Number), impl: opt('--impl'), reference: !argv.includes('--no-reference'), log })
  process.send({ rows })
  process.exit(0)
} else if (process.argv[1] === HERE) {
  const sizes = (opt('--sizes') || '1000,5000,19000').split(',').map(Number)
  const rows = await run({ sizes, impl: opt('--impl'), reference: !argv.includes('--no-reference') })
  console.log(JSON.stringify(rows))
  process.exit(0)
}
