// The revocation list's cost (issue 21 item 5), for `npm run bench:scale` and alone:
//   node --expose-gc benchmark/scale/list.mjs [--quick] [--verify-only] [--rounds N] [--processes N]
// (--verify-only: the fill, memory and verify rows only, without the entries() and store load
// path rows; --rounds N: N interleaved verify rounds instead of 61, 15 with --quick;
// --processes N: the verify rows measured in N fresh processes (default 3, 1 with --quick), each
// row the median of theirs with their range: a process's ratio moves by a few percent with its
// table seed and its heap and code layout)
// Rows: HS256 verify with no list / an empty list / a list of 1 M token entries + 100 k
// subjects, the same token each time and 256 tokens in turn (ns per verify, median of
// interleaved rounds; the ratios the targets name are medians of per-round ratios),
// node memory per entry (RSS growth over the filled list, after GC, divided by the
// entries), and merge time for slices of 10,000 entries.
import { createRequire } from 'node:module'
import crypto from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { spawn } from 'node:child_process'

const require = createRequire(import.meta.url)
const ab = require('../../js/index.js')
const jsonwebtoken = require('jsonwebtoken')

const SECRET = crypto.randomBytes(32).toString('hex')
const TOKENS = 256 // a power of two
const gc = globalThis.gc || (() => {})

/** RSS, and RSS less the V8 heap (the native part: the list lives outside the JS heap). */
function rss() {
  gc()
  gc()
  const m = process.memoryUsage()
  return { rss: m.rss, native: m.rss - m.heapTotal }
}

/**
 * Each variant timed in every round, the variants interleaved (their order rotating from
 * round to round), the same work each: returns per variant the median ns per call, and per
 * pair the median of the per-round ratios (a burst of another process's load lands in one
 * round, where it moves both sides of that round's ratio less than it moves one median).
 * `cpu` holds the same from the process's CPU time (user + system) instead of the wall
 * clock: on a shared machine the wall clock also counts the time spent waiting for a core.
 */
function compare(variants, { rounds, roundMs }) {
  const names = Object.keys(variants)
  const times = Object.fromEntries(names.map((k) => [k, []]))
  const cpuTimes = Object.fromEntries(names.map((k) => [k, []]))
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(j + r) % names.length]
      const fn = variants[name]
      let n = 0
      const cpu0 = process.cpuUsage()
      const start = process.hrtime.bigint()
      const end = start + BigInt(Math.round(roundMs * 1e6))
      let now = start
      while (now < end) {
        for (let i = 0; i < 64; i++) fn()
        n += 64
        now = process.hrtime.bigint()
      }
      times[name].push(Number(now - start) / n)
      const cpu = process.cpuUsage(cpu0)
      cpuTimes[name].push(((cpu.user + cpu.system) * 1000) / n)
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]
  const summary = (T) => ({
    ns: Object.fromEntries(names.map((k) => [k, median(T[k])])),
    ratio: (a, b) => median(T[a].map((t, r) => t / T[b][r])),
  })
  return { ...summary(times), cpu: summary(cpuTimes) }
}

/** `v.verify(token())` as a function: every variant's is a closure of this one. */
const calling = (v, token) => () => v.verify(token())

/** Fills `list` with `tokens` jti entries (UUIDs) and `subjects` subject entries, by merge in slices. */
function fill(list, tokens, subjects, slice = 10_000) {
  const exp = Math.floor(Date.now() / 1000) + 3600
  const before = Math.floor(Date.now() / 1000) - 10
  let worst = 0
  let bytes = 0
  const slices = []
  for (let i = 0; i < tokens + subjects; i += slice) {
    const entries = []
    for (let j = i; j < Math.min(i + slice, tokens + subjects); j++) {
      if (j < tokens) {
        const jti = crypto.randomUUID()
        bytes += jti.length
        entries.push({ jti, exp })
      } else {
        const sub = `user-${j}`
        bytes += sub.length
        entries.push({ sub, before })
      }
    }
    const t = process.hrtime.bigint()
    list.merge(entries)
    const ms = Number(process.hrtime.bigint() - t) / 1e6
    slices.push(ms)
    worst = Math.max(worst, ms)
  }
  slices.sort((a, b) => a - b)
  return { worst, median: slices[slices.length >> 1], idBytes: bytes / (tokens + subjects) }
}

/**
 * The verify rows: HS256 with no list, an empty list and `full` (of `n` entries), one token and
 * TOKENS tokens in turn, in interleaved rounds.
 */
function verifyRows(full, n, rounds) {
  const rows = []
  const token = jsonwebtoken.sign({ sub: 'bench-user', jti: crypto.randomUUID() }, SECRET, { algorithm: 'HS256', expiresIn: '1h' })
  const none = new ab.JwtVerifier({ algorithms: ['HS256'], key: SECRET })
  const empty = new ab.JwtVerifier({ algorithms: ['HS256'], key: SECRET, revocation: new ab.RevocationList() })
  const big = new ab.JwtVerifier({ algorithms: ['HS256'], key: SECRET, revocation: full })
  for (const v of [none, empty, big]) v.verify(token)
  // Rounds of 50 ms, short enough that a burst of load elsewhere usually spares the other
  // two variants of its round.
  // The variants' functions are closures of one function (one machine code for all three):
  // only the verifier they call differs.
  const one = () => token
  const { ns, ratio, cpu } = compare(
    { none: calling(none, one), empty: calling(empty, one), full: calling(big, one) },
    { rounds, roundMs: 50 },
  )
  rows.push({ figure: 'HS256 verify, no list (median of rounds)', size: 0, value: +ns.none.toFixed(0), unit: 'ns', target: '' })
  rows.push({ figure: 'HS256 verify, empty list (median of rounds)', size: 0, value: +ns.empty.toFixed(0), unit: 'ns', target: '' })
  rows.push({ figure: 'HS256 verify, full list (median of rounds)', size: n, value: +ns.full.toFixed(0), unit: 'ns', target: '' })
  rows.push({ figure: 'HS256 verify: empty list / no list (median of per-round ratios)', size: 0, value: +ratio('empty', 'none').toFixed(3), unit: 'x', target: '<= 1.02' })
  rows.push({ figure: 'HS256 verify: full list / empty list (median of per-round ratios)', size: n, value: +ratio('full', 'empty').toFixed(3), unit: 'x', target: '<= 1.05' })
  rows.push({ figure: 'HS256 verify, no list (process CPU time, median of rounds)', size: 0, value: +cpu.ns.none.toFixed(0), unit: 'ns', target: '' })
  rows.push({ figure: 'HS256 verify: empty list / no list (process CPU time, per-round ratios)', size: 0, value: +cpu.ratio('empty', 'none').toFixed(3), unit: 'x', target: '<= 1.02' })
  rows.push({ figure: 'HS256 verify: full list / empty list (process CPU time, per-round ratios)', size: n, value: +cpu.ratio('full', 'empty').toFixed(3), unit: 'x', target: '<= 1.05' })
  // The same over TOKENS tokens in turn (each its own jti): a miss's cost depends on where its
  // hash lands in the table (the probe's length, a control-byte match that reads a record), and
  // the table's seed is random per process, so one token's figure varies from run to run; the
  // average over many is what a server sees.
  const many = Array.from({ length: TOKENS }, () => jsonwebtoken.sign({ sub: 'bench-user', jti: crypto.randomUUID() }, SECRET, { algorithm: 'HS256', expiresIn: '1h' }))
  let i = 0
  const next = () => many[i++ & (TOKENS - 1)]
  for (const v of [none, empty, big]) for (const t of many) v.verify(t)
  const m = compare({ none: calling(none, next), empty: calling(empty, next), full: calling(big, next) }, { rounds, roundMs: 50 })
  rows.push({ figure: `HS256 verify, ${TOKENS} tokens in turn: empty list / no list (median of per-round ratios)`, size: 0, value: +m.ratio('empty', 'none').toFixed(3), unit: 'x', target: '<= 1.02' })
  rows.push({ figure: `HS256 verify, ${TOKENS} tokens in turn: full list / empty list (median of per-round ratios)`, size: n, value: +m.ratio('full', 'empty').toFixed(3), unit: 'x', target: '<= 1.05' })
  rows.push({ figure: `HS256 verify, ${TOKENS} tokens in turn: full list / empty list (process CPU time, per-round ratios)`, size: n, value: +m.cpu.ratio('full', 'empty').toFixed(3), unit: 'x', target: '<= 1.05' })
  return rows
}

/** verifyRows in a fresh process (node --expose-gc list.mjs --verify-child): its rows. */
async function verifyInChild({ tokens, subjects, rounds }) {
  const child = spawn(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--verify-child', '--rounds', String(rounds), '--tokens', String(tokens), '--subjects', String(subjects)], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  const code = await new Promise((r) => child.once('exit', r))
  if (code !== 0) throw new Error(`verify benchmark process exited ${code}`)
  return JSON.parse(out.trim().split('\n').pop())
}

export async function run({ sizes, log = console.log } = {}) {
  const args = process.argv
  const quick = args.includes('--quick')
  const verifyOnly = args.includes('--verify-only')
  const rounds = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : quick ? 15 : 61
  if (!(Number.isInteger(rounds) && rounds >= 1)) throw new Error('--rounds takes a whole number >= 1')
  const tokens = (sizes && sizes.tokens) || 1_000_000
  const subjects = (sizes && sizes.subjects) || 100_000
  const rows = []
  // --processes N: the verify rows from N fresh processes (3 unless --quick), the median of theirs.
  const processes = args.includes('--processes') ? Number(args[args.indexOf('--processes') + 1]) : quick ? 1 : 3
  if (!(Number.isInteger(processes) && processes >= 1)) throw new Error('--processes takes a whole number >= 1')

  const base = rss()
  const full = new ab.RevocationList()
  const { worst, median, idBytes } = fill(full, tokens, subjects)
  const after = rss()
  const size = full.size()
  const n = size.tokens + size.subjects
  rows.push({ figure: 'node memory per entry (RSS less V8 heap growth)', size: n, value: +((after.native - base.native) / n).toFixed(1), unit: 'bytes', target: '<= 80' })
  rows.push({ figure: 'node memory per entry (RSS growth, with JS garbage)', size: n, value: +((after.rss - base.rss) / n).toFixed(1), unit: 'bytes', target: '' })
  rows.push({ figure: 'mean id length in that list', size: n, value: +idBytes.toFixed(1), unit: 'bytes', target: '' })
  rows.push({ figure: 'merge of 10,000 entries, median slice', size: n, value: +median.toFixed(2), unit: 'ms', target: 'a few ms' })
  rows.push({ figure: 'merge of 10,000 entries, worst slice', size: n, value: +worst.toFixed(2), unit: 'ms', target: '<= 20' })
  if (!verifyOnly) {
    const t0 = process.hrtime.bigint()
    const count = full.entries().length // garbage at once: not kept through the timings below
    rows.push({ figure: 'entries() of the whole list', size: count, value: +(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0), unit: 'ms', target: '' })
  }
  // The Redis load's path (authbridge/redis: a ZRANGE page's [member, score] pairs merged
  // natively, list._mergePairs) into the full list: slices of 2,000 pairs.
  if (!verifyOnly) {
    const exp = String(Math.floor(Date.now() / 1000) + 3600)
    const slices = []
    for (let s = 0; s < 50; s++) {
      const pairs = []
      for (let j = 0; j < 2000; j++) pairs.push(crypto.randomUUID(), exp)
      const t = process.hrtime.bigint()
      full._mergePairs('jti', pairs)
      slices.push(Number(process.hrtime.bigint() - t) / 1e6)
    }
    slices.sort((a, b) => a - b)
    rows.push({ figure: 'store load path (_mergePairs) of 2,000 entries, median slice', size: n, value: +slices[slices.length >> 1].toFixed(2), unit: 'ms', target: '' })
    rows.push({ figure: 'store load path (_mergePairs) of 2,000 entries, worst slice', size: n, value: +slices[slices.length - 1].toFixed(2), unit: 'ms', target: '' })
  }
  gc()

  if (processes > 1) {
    // The same figures in `processes` fresh processes (each its own list, table seed, heap and
    // code layout: a ratio moves by a few percent from one process to the next); the rows are
    // the median of the processes' figures, with their range.
    const runs = []
    for (let k = 0; k < processes; k++) runs.push(await verifyInChild({ tokens, subjects, rounds }))
    for (const [i, r] of runs[0].entries()) {
      const values = runs.map((run) => run[i].value).sort((x, y) => x - y)
      const mid = values[values.length >> 1]
      rows.push({ ...r, figure: `${r.figure}, median of ${processes} processes (${values[0]}-${values[values.length - 1]})`, value: mid })
    }
  } else rows.push(...verifyRows(full, n, rounds))
  for (const r of rows) log(`${r.figure.padEnd(48)} ${String(r.size).padStart(8)}  ${String(r.value).padStart(9)} ${r.unit.padEnd(5)} ${r.target}`)
  return rows
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--verify-child')) {
  // One process of `verifyInChild`: its own full list, its verify rows as JSON on the last line.
  const arg = (name) => Number(process.argv[process.argv.indexOf(name) + 1])
  const full = new ab.RevocationList()
  fill(full, arg('--tokens'), arg('--subjects'))
  const size = full.size()
  gc()
  console.log(JSON.stringify(verifyRows(full, size.tokens + size.subjects, arg('--rounds'))))
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!globalThis.gc) console.log('(run with --expose-gc for a steadier memory figure)')
  await run({})
}
