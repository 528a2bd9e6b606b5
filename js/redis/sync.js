'use strict'
// authbridge/redis: the sync task (the check, the catch-up from the change log, the reaction to
// a new Redis incarnation), the wake-up messages, and the writes. How it works: js/redis/index.js.
// `s` is the SyncState (state.js).

const { SCRIPTS, newEpoch } = require('./scripts.js')
const { applyOne, shown, nowSec } = require('./state.js')
const { mergeSlices, fullLoad, writeBack } = require('./load.js')

const LOG_PAGE = 1000 // log entries per XRANGE

/** Stream ids 'ms-seq' compared (-1, 0, 1). */
function compareIds(a, b) {
  const [am, as] = a.split('-')
  const [bm, bs] = b.split('-')
  const d = Number(am) - Number(bm) || Number(as || 0) - Number(bs || 0)
  return d < 0 ? -1 : d > 0 ? 1 : 0
}

/** Runs the sync task, or once more after the running one; resolves true when it succeeded. */
function request(s, full) {
  if (full) s.wantFull = true
  s.wantCheck = true
  if (!s.running && !s.closed) {
    s.running = (async () => {
      let ok = true
      while (s.wantCheck && !s.closed) {
        s.wantCheck = false
        try {
          await syncOnce(s)
        } catch (err) {
          ok = false
          s.report(err)
          break
        }
      }
      return ok
    })().finally(() => {
      s.running = null
    })
  }
  return s.running || Promise.resolve(!s.closed)
}

/** One check: the epoch and the log's last id; then what they call for. */
async function syncOnce(s) {
  const [e, headRaw] = await s.runScript(SCRIPTS.sync, [nowSec(), s.list.subjectTtl, newEpoch()])
  if (s.closed) return
  const head = String(headRaw) || '0-0'
  const current = String(e)
  if (s.epoch === null) {
    s.epoch = current
    s.wantFull = true
  } else if (current !== s.epoch || (s.last !== null && compareIds(head, s.last) < 0)) {
    return newIncarnation(s, current)
  }
  if (s.wantFull || s.last === null) {
    s.wantFull = false
    await fullLoad(s)
    s.last = head
    s.wantCheck = true // catch up with what was written during the load
    return
  }
  if (head !== s.last && !(await catchUp(s, head))) return
  s.lastSync = Date.now()
  s.setStale(false)
  retryUnwritten(s)
}

/**
 * A new incarnation, or a log that went backwards (a failover to a replica that missed
 * writes): write back what this node holds, then load what the others wrote back.
 */
async function newIncarnation(s, current) {
  s.counters.incarnations++
  s.events.emit('incarnation', { previous: s.epoch, epoch: current })
  s.epoch = current
  s.last = null
  await writeBack(s)
  s.wantFull = true
  s.wantCheck = true
}

/** Applies the log after `last` up to `head`; false when a full load is due (or closed). */
async function catchUp(s, head) {
  s.counters.catchUps++
  for (;;) {
    const reply = await s.driver.command(['XRANGE', s.keys.log, '(' + s.last, '+', 'COUNT', LOG_PAGE])
    if (s.closed) return false
    const r = await applyLog(s, reply)
    s.flushMalformed('change log')
    await mergeSlices(s, r.entries)
    s.flushMalformed('change log')
    // A gap (the log no longer reaches back to this node's position) or a resync marker.
    if (r.gap || (reply.length === 0 && compareIds(head, s.last) > 0) || r.needFull) {
      s.wantFull = true
      s.wantCheck = true
      return false
    }
    if (reply.length < LOG_PAGE) return true
  }
}

/** Reads log entries (XRANGE replies) that follow `last`; stops at a gap; marks a resync marker. */
async function applyLog(s, reply) {
  const entries = []
  let needFull = false
  for (const [id, fields] of reply) {
    const f = {}
    for (let k = 0; k + 1 < fields.length; k += 2) f[fields[k]] = String(fields[k + 1])
    if (f.p !== s.last) return { gap: true, entries }
    s.last = String(id)
    s.counters.applied++
    if (f.t === 'r') needFull = true
    else if (f.t === 'j' || f.t === 's') {
      const e = s.entryOf(f.t, f.i === undefined ? '' : f.i, f.x, s.keys.log)
      if (e) entries.push(e)
    } else s.skip(`${s.keys.log} entry ${id} of type ${shown(f.t)}`)
  }
  return { gap: false, entries, needFull }
}

/** Writes that failed, written again once a check succeeds. */
function retryUnwritten(s) {
  if (s.unwritten.size === 0 || s.closed) return
  const batch = [...s.unwritten.values()]
  s.unwritten.clear()
  ;(async () => {
    for (const w of batch) await write(s, w.t, w.id, w.x)
  })().catch(() => {}) // failed again: back in `unwritten` (see write)
}

/** A wake-up: applied at once when it follows this node's last entry, else a catch-up. */
function onMessage(s, message) {
  if (s.closed) return
  const text = String(message)
  const parts = text.split(' ')
  if (parts.length < 7 || parts[0] !== '1') return request(s)
  const [, prev, id, e, t, x] = parts
  const rawId = text.slice(parts.slice(0, 6).join(' ').length + 1)
  if (s.running || s.last === null || e !== s.epoch || prev !== s.last) {
    if (s.last === null || e !== s.epoch || compareIds(id, s.last) > 0) request(s)
    return
  }
  s.last = id
  s.counters.applied++
  s.lastSync = Date.now()
  if (t === 'r') return void request(s, true)
  const entry = s.entryOf(t, rawId, x, s.keys.log)
  if (entry) {
    try {
      applyOne(s.list, entry)
    } catch (err) {
      s.report(err)
    }
  }
  s.flushMalformed('change log')
}

/** One change (entry, log entry, wake-up) written by the write script. */
async function write(s, t, id, x) {
  let r
  try {
    r = await s.runScript(SCRIPTS.write, [...s.writeArgs('e'), t, x, id])
  } catch (err) {
    // Kept, and written again after the next successful check (the caller is told now).
    const key = t + ' ' + id
    const prev = s.unwritten.get(key)
    if (!prev || prev.x < x) s.unwritten.set(key, { t, id, x })
    throw err
  }
  // Redis was replaced under us: this write is in the new one; catch up (and write back).
  if (String(r[1]) !== s.epoch) request(s)
}

module.exports = { request, onMessage, write }
