'use strict'
// authbridge/redis: bulk work on the list, in slices between turns of the event loop: a full
// load (ZRANGE BYSCORE LIMIT pages, merged, never replaced), the merge of a catch-up's entries,
// and the write-back to a new Redis incarnation. `s` is the SyncState (state.js).

const { performance } = require('node:perf_hooks')
const { SCRIPTS } = require('./scripts.js')
const { applyOne, shown, nowSec } = require('./state.js')

const PAGE = 2000 // entries per ZRANGE page (a small reply: its parse and its garbage fit between two turns)
const WRITE_BATCH = 1000 // entries per write-back script call
// Entries merged between two turns of the event loop (list.merge: about 1 us an entry).
const MERGE_SLICE = 2000
// A full load merges a page's [member, score] pairs natively (list._mergePairs: no object
// per entry) in slices sized by time: each slice's size follows the time the last one took,
// aiming at LOAD_SLICE_MS (issue 21: no block of the loop over 20 ms during a load).
const LOAD_SLICE_MS = 3
const LOAD_SLICE_MIN = 256 // pairs
const LOAD_SLICE_MAX = 2048

const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

/** Merges validated entries in slices, yielding to the event loop between them. */
async function mergeSlices(s, entries) {
  const sliceSize = MERGE_SLICE
  for (let i = 0; i < entries.length; i += sliceSize) {
    const slice = i === 0 && entries.length <= sliceSize ? entries : entries.slice(i, i + sliceSize)
    try {
      s.list.merge(slice)
    } catch {
      // All-or-nothing merge refused the slice: one entry at a time, so one bad entry costs only itself.
      for (const e of slice) {
        try {
          applyOne(s.list, e)
        } catch (err) {
          s.skip(`${e.jti !== undefined ? 'jti' : 'sub'} ${shown(e.jti !== undefined ? e.jti : e.sub)}: ${err.message}`)
        }
      }
    }
    if (i + sliceSize < entries.length) await nextTurn()
  }
}

/**
 * Merges a sorted set's [member, score, ...] answer natively, in slices sized by time
 * (malformed members are skipped and reported); resolves to the entries merged.
 */
async function mergePairs(s, t, reply, where) {
  // Strings only (a client may answer Buffers).
  const pairs = reply.every((x) => typeof x === 'string') ? reply : reply.map(String)
  const kind = t === 'j' ? 'jti' : 'sub'
  let merged = 0
  for (let i = 0; i < pairs.length; ) {
    const end = Math.min(pairs.length, i + 2 * s.loadSlice)
    const part = i === 0 && end === pairs.length ? pairs : pairs.slice(i, end)
    const t0 = performance.now()
    const r = s.list._mergePairs(kind, part)
    const ms = performance.now() - t0
    for (const k of r.skipped) s.skip(`${where} member ${shown(part[k])} value ${shown(part[k + 1])}`)
    merged += Math.floor(part.length / 2) - r.skipped.filter((k) => k + 1 < part.length).length
    // The next slice: as many pairs as fit LOAD_SLICE_MS at this one's pace (at most twice as many).
    const pace = LOAD_SLICE_MS / Math.max(ms, 0.05)
    s.loadSlice = Math.max(LOAD_SLICE_MIN, Math.min(LOAD_SLICE_MAX, Math.round(s.loadSlice * Math.min(2, pace))))
    i = end
    if (i < pairs.length) await nextTurn()
  }
  return merged
}

/** Reads one sorted set in ZRANGE BYSCORE pages (from `min`), merging each page in slices. */
async function loadSet(s, key, t, min) {
  let score = min
  let offset = 0 // members already read at `score` (equal scores are ordered by member)
  let n = 0
  const fetch = (sc, off) => s.driver.command(['ZRANGE', key, String(sc), '+inf', 'BYSCORE', 'LIMIT', off, PAGE, 'WITHSCORES'])
  let pending = fetch(score, offset)
  for (;;) {
    const raw = await pending
    if (s.closed) return n
    // [member, score, ...]; some clients (ioredis 6) answer WITHSCORES in pairs.
    const reply = raw.length > 0 && Array.isArray(raw[0]) ? raw.flat() : raw
    const count = reply.length / 2
    // Where the next page starts, computed before merging, so it is fetched while we merge.
    let next = null
    if (count === PAGE) {
      const lastScore = Number(reply[reply.length - 1])
      let same = 0
      for (let k = reply.length - 1; k >= 1 && Number(reply[k]) === lastScore; k -= 2) same++
      const nextOffset = lastScore === score ? offset + count : same
      next = fetch(reply[reply.length - 1], nextOffset)
      score = lastScore
      offset = nextOffset
    }
    n += await mergePairs(s, t, reply, key)
    if (!next) return n
    pending = next
  }
}

/** A full load (merge) of both sets. */
async function fullLoad(s) {
  const t0 = Date.now()
  s.counters.fullLoads++ // begun
  const now = nowSec()
  const jtis = await loadSet(s, s.keys.jti, 'j', Math.floor(now))
  const subs = await loadSet(s, s.keys.sub, 's', Math.floor(now - s.list.subjectTtl))
  s.flushMalformed('full load')
  s.events.emit('load', { entries: jtis + subs, ms: Date.now() - t0 })
}

/** Writes back everything this list holds (a new Redis incarnation); one marker if Redis lacked any. */
async function writeBack(s) {
  const all = s.list.entries()
  let changed = 0
  for (let i = 0; i < all.length && !s.closed; i += WRITE_BATCH) {
    const args = s.writeArgs('w')
    for (const e of all.slice(i, i + WRITE_BATCH)) {
      if (e.jti !== undefined) args.push('j', e.exp, e.jti)
      else args.push('s', e.before, e.sub)
    }
    const r = await s.runScript(SCRIPTS.write, args)
    changed += Number(r[2])
  }
  s.counters.writtenBack += changed
  if (changed > 0) await s.runScript(SCRIPTS.write, s.writeArgs('m'))
  return changed
}

module.exports = { mergeSlices, fullLoad, writeBack }
