'use strict'
// authbridge/redis: keeps every node's RevocationList the same through Redis, without rescans.
//
// Key layout (prefix P, default 'authbridge:'; every key and the channel carry the hash tag
// {P}, so they live in one slot of a Redis Cluster and no command or script crosses slots):
//   {P}revoked:jti  sorted set, member = jti, score = exp (seconds since the epoch)
//   {P}revoked:sub  sorted set, member = sub, score = before (seconds since the epoch)
//   {P}log          stream, the change log: one entry per change, fields
//                   p (the previous entry's id, '0-0' for the first), e (epoch), t ('j' a jti,
//                   's' a subject, 'r' a resync marker: entries were written back without an
//                   entry each), x (exp or before, as text), i (the jti or sub; '' for 'r');
//                   trimmed with XADD MAXLEN ~ logLength
//   {P}epoch        a random id of this Redis incarnation, SET NX at first contact
//   {P}changes      the wake-up channel (SPUBLISH on a Redis 7 cluster, PUBLISH otherwise),
//                   message '1 <prev id> <entry id> <epoch> <t> <x> <id>'
//
// A write (entry, log entry, wake-up) is one script: ZADD GT (the stricter value wins, nothing
// is ever lowered), XADD, PUBLISH; it also trims entries past their lifetime (ZREMRANGEBYSCORE).
//
// Sync: pub/sub as the wake-up, the stream as the order. We chose this over XREAD BLOCK on a
// dedicated connection: a blocking read needs a connection of its own to the slot's master,
// rebuilt by hand on every failover or resharding, while both clients already route and
// resubscribe (sharded) subscriptions; and a message carries the change itself and the id of
// the entry before it, so a node in sync applies it with no round trip (one pub/sub hop).
// A node applies a message only when its `p` is the last id the node has; otherwise (a lost
// message, a reconnect, a message from another incarnation) it catches up with XRANGE from its
// last id, and the chain (each entry's `p`) proves nothing is missing. A lost LAST message (no
// later one reveals the gap) is found by the periodic check, one script call every
// `resyncInterval` seconds that returns the epoch and the log's last id: equal to the node's, in
// sync, nothing else is read. A full load (ZRANGE BYSCORE LIMIT pages, merged into the list in
// slices) happens only at start, when the log no longer reaches back to the node's position, or
// after a resync marker; it merges, never replaces.
//
// Nothing forgotten: a new Redis incarnation (the epoch key changed or vanished, or the log's
// last id went backwards or vanished: a restart without persistence, a flush, a failover to a
// replica that missed writes) makes each node write back everything its list holds (slices of
// the same atomic script, one 'r' marker instead of an entry each, only if Redis lacked
// something) and then load (merge) what the others wrote back.
//
// Works with node-redis v5 (createClient, createCluster, createSentinel) and ioredis (Redis,
// with or without sentinels, and Cluster). The client runs the commands; a duplicate carries
// the subscription. Needs Redis 6.2 or later (ZRANGE BYSCORE, ZADD GT, XRANGE exclusive ids).

const { EventEmitter } = require('node:events')
const { performance } = require('node:perf_hooks')
const { RevocationList, revocationKeyOf } = require('../../index.js')
const { codedError } = require('../core/errors.js')
const metrics = require('../core/channels.js')
const { redisClientKind, driverOf, usesShardedPubSub } = require('./driver.js')
const { describe, redisOptions, keysOf } = require('./options.js')
const { WRITE_SCRIPT, SYNC_SCRIPT, SCRIPTS, runScript: runScriptOn, newEpoch } = require('./scripts.js')

const PAGE = 2000 // entries per ZRANGE page (a small reply: its parse and its garbage fit between two turns)
const LOG_PAGE = 1000 // log entries per XRANGE
const WRITE_BATCH = 1000 // entries per write-back script call
// Entries merged between two turns of the event loop (list.merge: about 1 us an entry).
const MERGE_SLICE = 2000
// A full load merges a page's [member, score] pairs natively (list._mergePairs: no object
// per entry) in slices sized by time: each slice's size follows the time the last one took,
// aiming at LOAD_SLICE_MS (issue 21: no block of the loop over 20 ms during a load).
const LOAD_SLICE_MS = 3
const LOAD_SLICE_MIN = 256 // pairs
const LOAD_SLICE_MAX = 2048

/** Stream ids 'ms-seq' compared (-1, 0, 1). */
function compareIds(a, b) {
  const [am, as] = a.split('-')
  const [bm, bs] = b.split('-')
  const d = Number(am) - Number(bm) || Number(as || 0) - Number(bs || 0)
  return d < 0 ? -1 : d > 0 ? 1 : 0
}

/** One change (a message, a local write): 'token' / 'subject' events, as a direct revocation. */
function applyOne(list, e) {
  if (e.jti !== undefined) list.revokeToken(e.jti, e.exp)
  else list.revokeSubject(e.sub, e.before)
}

/** A short, printable form of an id from Redis for an error message (never a whole token). */
function shown(id) {
  const s = String(id)
  return JSON.stringify(s.length > 40 ? s.slice(0, 40) + `... (${s.length} chars)` : s)
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

/**
 * Keeps `list` (a new RevocationList if absent) in sync with Redis. Resolves once the first
 * load succeeded; rejects if it does not (a node must not start without its list).
 */
async function redisRevocation(options) {
  const o = redisOptions(options)
  const { kind, list, resyncInterval, maxStaleness, onStale, logLength } = o
  const { keys, KEYS, channel } = keysOf(o.prefix)
  const driver = driverOf(o.client, kind, keys.log)
  const events = new EventEmitter()
  // An 'error' without a listener would throw: errors are reported, never fatal.
  events.on('error', () => {})
  const report = (err) => events.emit('error', err)

  let closed = false
  let lastSync = 0
  let stale = false
  let epoch = null // this node's idea of the Redis incarnation
  let last = null // the id of the last log entry applied; null: unknown (load needed)
  const counters = { fullLoads: 0, catchUps: 0, applied: 0, writtenBack: 0, incarnations: 0, skipped: 0 }

  const runScript = (script, args) => runScriptOn(driver, KEYS, script, args)
  const nowSec = () => Date.now() / 1000

  const sharded = await usesShardedPubSub(driver)
  const publish = sharded ? 'SPUBLISH' : 'PUBLISH'

  /** Malformed entries read from Redis: skipped, counted, and reported once per load or catch-up. */
  const malformed = { count: 0, first: null }
  const skip = (what) => {
    if (malformed.count++ === 0) malformed.first = what
  }
  const flushMalformed = (where) => {
    if (malformed.count === 0) return
    const n = malformed.count
    counters.skipped += n
    const err = codedError('ERR_REVOCATION_ENTRY_INVALID', `skipped ${n} malformed revocation entr${n === 1 ? 'y' : 'ies'} in Redis (${where}); the first: ${malformed.first}`, {
      skipped: n,
    })
    malformed.count = 0
    malformed.first = null
    report(err)
  }
  /** { jti, exp } / { sub, before } from what Redis holds, or null (skipped) when malformed. */
  const entryOf = (t, id, x, where) => {
    const v = Number(x)
    // A member is an id only when it is its own key (the list's one id rule, revocationKeyOf).
    if (revocationKeyOf(id) === id && typeof x === 'string' && x.trim() !== '' && Number.isFinite(v) && v >= 0) return t === 'j' ? { jti: id, exp: v } : { sub: id, before: v }
    skip(`${where} member ${shown(id)} value ${shown(x)}`)
    return null
  }

  /** Merges validated entries in slices, yielding to the event loop between them. */
  const sliceSize = MERGE_SLICE
  const mergeSlices = async (entries) => {
    for (let i = 0; i < entries.length; i += sliceSize) {
      const slice = i === 0 && entries.length <= sliceSize ? entries : entries.slice(i, i + sliceSize)
      try {
        list.merge(slice)
      } catch {
        // All-or-nothing merge refused the slice: one entry at a time, so one bad entry costs only itself.
        for (const e of slice) {
          try {
            applyOne(list, e)
          } catch (err) {
            skip(`${e.jti !== undefined ? 'jti' : 'sub'} ${shown(e.jti !== undefined ? e.jti : e.sub)}: ${err.message}`)
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
  let loadSlice = 1024
  const mergePairs = async (t, reply, where) => {
    // Strings only (a client may answer Buffers).
    const pairs = reply.every((x) => typeof x === 'string') ? reply : reply.map(String)
    const kind = t === 'j' ? 'jti' : 'sub'
    let merged = 0
    for (let i = 0; i < pairs.length; ) {
      const end = Math.min(pairs.length, i + 2 * loadSlice)
      const part = i === 0 && end === pairs.length ? pairs : pairs.slice(i, end)
      const t0 = performance.now()
      const r = list._mergePairs(kind, part)
      const ms = performance.now() - t0
      for (const k of r.skipped) skip(`${where} member ${shown(part[k])} value ${shown(part[k + 1])}`)
      merged += Math.floor(part.length / 2) - r.skipped.filter((k) => k + 1 < part.length).length
      // The next slice: as many pairs as fit LOAD_SLICE_MS at this one's pace (at most twice as many).
      const pace = LOAD_SLICE_MS / Math.max(ms, 0.05)
      loadSlice = Math.max(LOAD_SLICE_MIN, Math.min(LOAD_SLICE_MAX, Math.round(loadSlice * Math.min(2, pace))))
      i = end
      if (i < pairs.length) await nextTurn()
    }
    return merged
  }

  /** Reads one sorted set in ZRANGE BYSCORE pages (from `min`), merging each page in slices. */
  const loadSet = async (key, t, min) => {
    let score = min
    let offset = 0 // members already read at `score` (equal scores are ordered by member)
    let n = 0
    const fetch = (s, off) => driver.command(['ZRANGE', key, String(s), '+inf', 'BYSCORE', 'LIMIT', off, PAGE, 'WITHSCORES'])
    let pending = fetch(score, offset)
    for (;;) {
      const raw = await pending
      if (closed) return n
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
      n += await mergePairs(t, reply, key)
      if (!next) return n
      pending = next
    }
  }

  /** A full load (merge) of both sets. */
  const fullLoad = async () => {
    const t0 = Date.now()
    counters.fullLoads++ // begun
    const now = nowSec()
    const jtis = await loadSet(keys.jti, 'j', Math.floor(now))
    const subs = await loadSet(keys.sub, 's', Math.floor(now - list.subjectTtl))
    flushMalformed('full load')
    events.emit('load', { entries: jtis + subs, ms: Date.now() - t0 })
  }

  /** Writes back everything this list holds (a new Redis incarnation); one marker if Redis lacked any. */
  const writeBack = async () => {
    const all = list.entries()
    let changed = 0
    for (let i = 0; i < all.length && !closed; i += WRITE_BATCH) {
      const args = [nowSec(), list.subjectTtl, logLength, channel, publish, 'w', newEpoch()]
      for (const e of all.slice(i, i + WRITE_BATCH)) {
        if (e.jti !== undefined) args.push('j', e.exp, e.jti)
        else args.push('s', e.before, e.sub)
      }
      const r = await runScript(SCRIPTS.write, args)
      changed += Number(r[2])
    }
    counters.writtenBack += changed
    if (changed > 0) await runScript(SCRIPTS.write, [nowSec(), list.subjectTtl, logLength, channel, publish, 'm', newEpoch()])
    return changed
  }

  /** Applies log entries (XRANGE replies) that follow `last`; false at a gap or a resync marker. */
  const applyLog = async (reply) => {
    const entries = []
    let needFull = false
    for (const [id, fields] of reply) {
      const f = {}
      for (let k = 0; k + 1 < fields.length; k += 2) f[fields[k]] = String(fields[k + 1])
      if (f.p !== last) return { gap: true, entries }
      last = String(id)
      counters.applied++
      if (f.t === 'r') needFull = true
      else if (f.t === 'j' || f.t === 's') {
        const e = entryOf(f.t, f.i === undefined ? '' : f.i, f.x, keys.log)
        if (e) entries.push(e)
      } else skip(`${keys.log} entry ${id} of type ${shown(f.t)}`)
    }
    return { gap: false, entries, needFull }
  }

  // One sync task at a time; requests made meanwhile run it once more.
  let running = null
  let wantCheck = false
  let wantFull = false
  const request = (full) => {
    if (full) wantFull = true
    wantCheck = true
    if (!running && !closed) {
      running = (async () => {
        let ok = true
        while (wantCheck && !closed) {
          wantCheck = false
          try {
            await syncOnce()
          } catch (err) {
            ok = false
            report(err)
            break
          }
        }
        return ok
      })().finally(() => {
        running = null
      })
    }
    return running || Promise.resolve(!closed)
  }

  const syncOnce = async () => {
    const [e, headRaw] = await runScript(SCRIPTS.sync, [nowSec(), list.subjectTtl, newEpoch()])
    if (closed) return
    const head = String(headRaw) || '0-0'
    const current = String(e)
    if (epoch === null) {
      epoch = current
      wantFull = true
    } else if (current !== epoch || (last !== null && compareIds(head, last) < 0)) {
      // A new incarnation, or a log that went backwards (a failover to a replica that missed
      // writes): write back what this node holds, then load what the others wrote back.
      counters.incarnations++
      events.emit('incarnation', { previous: epoch, epoch: current })
      epoch = current
      last = null
      await writeBack()
      wantFull = true
      wantCheck = true
      return
    }
    if (wantFull || last === null) {
      wantFull = false
      await fullLoad()
      last = head
      wantCheck = true // catch up with what was written during the load
      return
    }
    if (head !== last) {
      counters.catchUps++
      for (;;) {
        const reply = await driver.command(['XRANGE', keys.log, '(' + last, '+', 'COUNT', LOG_PAGE])
        if (closed) return
        const r = await applyLog(reply)
        flushMalformed('change log')
        await mergeSlices(r.entries)
        flushMalformed('change log')
        if (r.gap || (reply.length === 0 && compareIds(head, last) > 0)) {
          // The log no longer reaches back to this node's position.
          wantFull = true
          wantCheck = true
          return
        }
        if (r.needFull) {
          wantFull = true
          wantCheck = true
          return
        }
        if (reply.length < LOG_PAGE) break
      }
    }
    lastSync = Date.now()
    setStale(false)
    retryUnwritten()
  }

  /** Writes that failed, written again once a check succeeds. */
  const unwritten = new Map()
  const retryUnwritten = () => {
    if (unwritten.size === 0 || closed) return
    const batch = [...unwritten.values()]
    unwritten.clear()
    ;(async () => {
      for (const w of batch) await write(w.t, w.id, w.x)
    })().catch(() => {}) // failed again: back in `unwritten` (see write)
  }

  /** A wake-up: applied at once when it follows this node's last entry, else a catch-up. */
  const onMessage = (message) => {
    if (closed) return
    const text = String(message)
    const parts = text.split(' ')
    if (parts.length < 7 || parts[0] !== '1') return request()
    const [, prev, id, e, t, x] = parts
    const rawId = text.slice(parts.slice(0, 6).join(' ').length + 1)
    if (running || last === null || e !== epoch || prev !== last) {
      if (last === null || e !== epoch || compareIds(id, last) > 0) request()
      return
    }
    last = id
    counters.applied++
    lastSync = Date.now()
    if (t === 'r') return void request(true)
    const entry = entryOf(t, rawId, x, keys.log)
    if (entry) {
      try {
        applyOne(list, entry)
      } catch (err) {
        report(err)
      }
    }
    flushMalformed('change log')
  }

  const setStale = (on) => {
    if (stale === on) return
    stale = on
    if (onStale === 'refuse') list.setStale(on)
    events.emit(on ? 'stale' : 'synced', { lastSync: lastSync / 1000 })
  }

  // Subscribe first, so no change between the first load and the subscription is missed.
  let started = false
  const onReady = () => {
    if (started && !closed) request()
  }
  const onError = (err) => report(err)
  let subscription
  try {
    subscription = await driver.subscribe(channel, sharded, onMessage, onReady, onError)
  } catch (err) {
    throw codedError('ERR_REVOCATION_STALE', `the subscription to ${channel} failed: ${err && err.message}`, { cause: err })
  }
  started = true
  let firstError = null
  const firstListener = (err) => {
    if (!firstError) firstError = err
  }
  events.on('error', firstListener)
  const ok = await request()
  events.off('error', firstListener)
  if (!ok || epoch === null) {
    await subscription.close()
    throw codedError('ERR_REVOCATION_STALE', `the first load of the revocation list from Redis failed: ${firstError ? firstError.message : 'closed'}`, {
      cause: firstError,
    })
  }

  const checkTimer = setInterval(() => request(), resyncInterval * 1000)
  checkTimer.unref()
  const pruneTimer = setInterval(() => list.prune(), Math.max(60, resyncInterval) * 1000)
  pruneTimer.unref()
  const staleTimer = setInterval(() => {
    if (Date.now() - lastSync > maxStaleness * 1000) setStale(true)
  }, Math.min(1000, maxStaleness * 250))
  staleTimer.unref()

  const write = async (t, id, x) => {
    let r
    try {
      r = await runScript(SCRIPTS.write, [nowSec(), list.subjectTtl, logLength, channel, publish, 'e', newEpoch(), t, x, id])
    } catch (err) {
      // Kept, and written again after the next successful check (the caller is told now).
      const key = t + ' ' + id
      const prev = unwritten.get(key)
      if (!prev || prev.x < x) unwritten.set(key, { t, id, x })
      throw err
    }
    // Redis was replaced under us: this write is in the new one; catch up (and write back).
    if (String(r[1]) !== epoch) request()
  }

  const handle = {
    list,
    /** Revokes a token id on every node until exp (seconds since the epoch). */
    async revokeToken(jti, exp) {
      const id = revocationKeyOf(jti)
      if (id === null) throw codedError('ERR_INVALID_OPTIONS', 'jti must be a non-empty string (at most 1024 bytes) or a safe integer')
      if (typeof exp !== 'number' || !Number.isFinite(exp) || exp < 0) throw codedError('ERR_INVALID_OPTIONS', 'exp must be a number of seconds since the epoch')
      if (exp <= nowSec()) return
      applyOne(list, { jti: id, exp })
      await write('j', id, exp)
    },
    /** Revokes, on every node, the tokens of sub issued before `before` (default now). */
    async revokeSubject(sub, before) {
      const id = revocationKeyOf(sub)
      if (id === null) throw codedError('ERR_INVALID_OPTIONS', 'sub must be a non-empty string (at most 1024 bytes) or a safe integer')
      const b = before === undefined ? nowSec() : before
      if (typeof b !== 'number' || !Number.isFinite(b) || b < 0) throw codedError('ERR_INVALID_OPTIONS', 'before must be a number of seconds since the epoch')
      applyOne(list, { sub: id, before: b })
      await write('s', id, b)
    },
    /**
     * Checks the log now and catches up (a full load only if the log no longer reaches back,
     * or with { full: true }); resolves true when it succeeded.
     */
    resync: (opts) => request(!!(opts && opts.full)),
    /** { stale, lastSync (seconds since the epoch), epoch, lastId, and counters } */
    status: () => ({ stale, lastSync: lastSync / 1000, epoch, lastId: last, sharded, ...counters }),
    /** The keys and channel this store uses. */
    keys: { ...keys, channel },
    /** 'stale' and 'synced' ({ lastSync }), 'load' ({ entries, ms }), 'incarnation', 'error' (never fatal). */
    on(event, listener) {
      events.on(event, listener)
      return handle
    },
    off(event, listener) {
      events.off(event, listener)
      return handle
    },
    /** Stops syncing and closes the subscriber connection (not the client you gave). */
    async close() {
      if (closed) return
      closed = true
      metrics.untrack('redis', handle)
      clearInterval(checkTimer)
      clearInterval(pruneTimer)
      clearInterval(staleTimer)
      if (running) await running.catch(() => {})
      await subscription.close()
    },
  }
  metrics.track('redis', handle)
  return handle
}

module.exports = { redisRevocation, RevocationList, redisClientKind, describeValue: describe, _internals: { WRITE_SCRIPT, SYNC_SCRIPT } }
