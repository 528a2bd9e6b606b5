// Revocation sync at scale (issue 21): authbridge/redis against a private redis-server.
// - first load of N jti entries (+ N/10 subjects) from Redis: time, longest event-loop block;
// - a resync that finds nothing new: time per call, change events (a sweep would follow one);
// - cross-node revocation between two server processes (this one and a child): median, p99;
// - Redis memory per entry (INFO memory used_memory before/after), and per change-log entry.
// Alone: node benchmark/scale/redis.mjs [--sizes 100000,1000000]. Module: run({ sizes, log }).
import { fork } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks'

const require = createRequire(import.meta.url)
const { createClient } = require('redis')
const { RevocationList } = require('../../index.js')
const { redisRevocation } = require('../../js/redis/index.js')
const { startRedis, redisSkip } = require('../../__test__/helpers/redis.js')

const SELF = fileURLToPath(import.meta.url)
const nowSec = () => Date.now() / 1000
const wallMs = () => performance.timeOrigin + performance.now()
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]

async function usedMemory(c) {
  const info = await c.sendCommand(['INFO', 'memory'])
  return Number(/used_memory:(\d+)/.exec(info)[1])
}

/** Fills the sorted sets server-side, 50,000 members per script call. */
async function populate(c, prefix, jtis, subs) {
  const script = `
    for i = tonumber(ARGV[2]), tonumber(ARGV[3]) do
      redis.call('ZADD', KEYS[1], ARGV[1] + (i % 3600), ARGV[4] .. i)
    end
    return 1`
  const fill = async (key, n, score, name) => {
    for (let i = 0; i < n; i += 50000) await c.sendCommand(['EVAL', script, '1', key, String(score), String(i), String(Math.min(n, i + 50000) - 1), name])
  }
  await fill(`{${prefix}}revoked:jti`, jtis, Math.floor(nowSec()) + 3600, 'token-id-0123456789abcdef-')
  await fill(`{${prefix}}revoked:sub`, subs, Math.floor(nowSec()) - 3600, 'user-')
}

/** The child process: a store on the same Redis; reports when each revocation arrived. */
async function peer() {
  const c = createClient({ url: process.env.REDIS_URL })
  c.on('error', () => {})
  await c.connect()
  const store = await redisRevocation({ client: c, prefix: process.env.PREFIX })
  const arrived = {}
  store.list.on('change', (ch) => {
    const t = wallMs()
    if (ch.type === 'subject') arrived[ch.sub] = t
    else if (ch.entries) for (const e of ch.entries) if (e.sub !== undefined) arrived[e.sub] = t
  })
  process.on('message', async (m) => {
    if (m === 'report') process.send({ arrived })
    if (m === 'close') {
      await store.close()
      await c.close()
      process.exit(0)
    }
  })
  process.send({ ready: true })
}

export async function run({ sizes = [1000000], log = console.log } = {}) {
  const why = redisSkip()
  if (why) {
    log(`skipped: ${why}`)
    return []
  }
  const rows = []
  const redis = await startRedis()
  const c = createClient({ url: redis.url })
  c.on('error', () => {})
  await c.connect()
  try {
    for (const n of sizes) {
      const subs = Math.floor(n / 10)
      const prefix = `bench${n}:`
      const m0 = await usedMemory(c)
      await populate(c, prefix, n, subs)
      const m1 = await usedMemory(c)
      const perEntry = (m1 - m0) / (n + subs)
      rows.push({ figure: 'Redis memory per entry (sorted sets)', size: n + subs, value: +perEntry.toFixed(1), unit: 'bytes', target: '' })
      log(`populated ${n} jti + ${subs} subjects: Redis memory ${((m1 - m0) / 1e6).toFixed(1)} MB, ${perEntry.toFixed(1)} bytes per entry`)

      // First load: a fresh node, measured from the call to its resolution.
      const list = new RevocationList()
      const h = monitorEventLoopDelay({ resolution: 1 })
      // GC pauses meanwhile (V8's own account), to tell them from the load's own work.
      const gcs = []
      const gcObserver = new PerformanceObserver((l) => {
        for (const e of l.getEntries()) gcs.push(e.duration)
      })
      gcObserver.observe({ entryTypes: ['gc'] })
      h.enable()
      const t0 = performance.now()
      const cpu0 = process.cpuUsage()
      const store = await redisRevocation({ client: c, prefix, list })
      const loadMs = performance.now() - t0
      const cpu = process.cpuUsage(cpu0)
      h.disable()
      gcObserver.disconnect()
      const maxBlock = h.max / 1e6
      const size = list.size()
      if (size.tokens !== n || size.subjects !== subs) throw new Error(`loaded ${JSON.stringify(size)}, expected ${n} + ${subs}`)
      const merge = typeof list._mergePairs === 'function' ? 'list._mergePairs' : typeof list.merge === 'function' ? 'list.merge' : 'stand-in (revokeToken per entry)'
      rows.push({ figure: `first load from Redis (${merge})`, size: n + subs, value: Math.round(loadMs), unit: 'ms', target: '<= 5000 ms' })
      rows.push({ figure: 'first load: longest event-loop block', size: n + subs, value: +maxBlock.toFixed(1), unit: 'ms', target: '<= 20 ms' })
      rows.push({ figure: 'first load: event-loop blocks, 99th percentile', size: n + subs, value: +(h.percentile(99) / 1e6).toFixed(1), unit: 'ms', target: '' })
      rows.push({ figure: 'first load: longest GC pause meanwhile', size: n + subs, value: gcs.length ? +Math.max(...gcs).toFixed(1) : 0, unit: 'ms', target: '' })
      rows.push({ figure: 'first load: process CPU time', size: n + subs, value: Math.round((cpu.user + cpu.system) / 1000), unit: 'ms', target: '' })
      log(`first load of ${n + subs} entries: ${loadMs.toFixed(0)} ms, longest event-loop block ${maxBlock.toFixed(1)} ms (${merge})`)

      // A resync that finds nothing new: one script call; no change event, so no sweep.
      let changes = 0
      list.on('change', () => changes++)
      const times = []
      for (let i = 0; i < 200; i++) {
        const t = performance.now()
        await store.resync()
        times.push(performance.now() - t)
      }
      rows.push({ figure: 'resync that finds nothing new, median', size: n + subs, value: +median(times).toFixed(3), unit: 'ms', target: '<= 1 ms, no sweep' })
      rows.push({ figure: 'resync that finds nothing new: change events (sweeps)', size: n + subs, value: changes, unit: 'events', target: '0' })
      log(`resync finding nothing new: median ${median(times).toFixed(3)} ms, p99 ${pct(times, 0.99).toFixed(3)} ms, ${changes} change events, full loads ${store.status().fullLoads}`)
      await store.close()
      await c.sendCommand(['DEL', `{${prefix}}revoked:jti`, `{${prefix}}revoked:sub`, `{${prefix}}log`, `{${prefix}}epoch`])
    }

    // Cross-node: this process revokes, a child process (its own store) receives.
    const prefix = 'benchx:'
    const child = fork(SELF, ['--peer'], { env: { ...process.env, REDIS_URL: redis.url, PREFIX: prefix }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    await new Promise((resolve) => child.on('message', (m) => m && m.ready && resolve()))
    const store = await redisRevocation({ client: c, prefix })
    const sent = {}
    const N = 1000
    const mLog0 = await usedMemory(c)
    for (let i = 0; i < N; i++) {
      const sub = `x${i}`
      sent[sub] = wallMs()
      await store.revokeSubject(sub)
      await new Promise((r) => setTimeout(r, 2))
    }
    await new Promise((r) => setTimeout(r, 300))
    const mLog1 = await usedMemory(c)
    const { arrived } = await new Promise((resolve) => {
      child.once('message', resolve)
      child.send('report')
    })
    const lat = Object.keys(sent).map((k) => arrived[k] - sent[k])
    if (lat.some((x) => !Number.isFinite(x))) throw new Error('a revocation never reached the other process')
    rows.push({ figure: 'cross-node revocation (two processes), median', size: N, value: +median(lat).toFixed(2), unit: 'ms', target: '<= 5 ms' })
    rows.push({ figure: 'cross-node revocation (two processes), p99', size: N, value: +pct(lat, 0.99).toFixed(2), unit: 'ms', target: '' })
    rows.push({ figure: 'Redis memory per change (sorted-set entry + log entry)', size: N, value: +((mLog1 - mLog0) / N).toFixed(1), unit: 'bytes', target: '' })
    log(`cross-node revocation over ${N}: median ${median(lat).toFixed(2)} ms, p99 ${pct(lat, 0.99).toFixed(2)} ms; Redis memory per change (entry + log) ${((mLog1 - mLog0) / N).toFixed(1)} bytes`)
    child.send('close')
    await new Promise((r) => child.once('exit', r))
    await store.close()
  } finally {
    await c.close()
    await redis.stop()
  }
  return rows
}

if (process.argv[1] === SELF) {
  if (process.argv.includes('--peer')) await peer()
  else {
    const i = process.argv.indexOf('--sizes')
    const sizes = i > 0 ? process.argv[i + 1].split(',').map(Number) : undefined
    const rows = await run({ sizes })
    console.table(rows)
  }
}
