'use strict'
// authbridge/redis: the state one redisRevocation keeps (what it knows of Redis, the sync task,
// its counters, the malformed entries it skipped), one object passed to load.js and sync.js.

const { EventEmitter } = require('node:events')
const { revocationKeyOf } = require('../../index.js')
const { codedError } = require('../core/errors.js')
const { runScript, newEpoch } = require('./scripts.js')

const nowSec = () => Date.now() / 1000

/** A short, printable form of an id from Redis for an error message (never a whole token). */
function shown(id) {
  const s = String(id)
  return JSON.stringify(s.length > 40 ? s.slice(0, 40) + `... (${s.length} chars)` : s)
}

/** One change (a message, a local write): 'token' / 'subject' events, as a direct revocation. */
function applyOne(list, e) {
  if (e.jti !== undefined) list.revokeToken(e.jti, e.exp)
  else list.revokeSubject(e.sub, e.before)
}

class SyncState {
  /** `o`: redisOptions; `names`: keysOf; the driver, and whether wake-ups are sharded. */
  constructor(o, names, driver, sharded) {
    Object.assign(this, { list: o.list, onStale: o.onStale, logLength: o.logLength, driver, sharded })
    Object.assign(this, names) // keys, KEYS, channel
    this.publish = sharded ? 'SPUBLISH' : 'PUBLISH'
    this.events = new EventEmitter()
    // An 'error' without a listener would throw: errors are reported, never fatal.
    this.events.on('error', () => {})
    this.closed = false
    this.lastSync = 0
    this.stale = false
    this.epoch = null // this node's idea of the Redis incarnation
    this.last = null // the id of the last log entry applied; null: unknown (load needed)
    this.counters = { fullLoads: 0, catchUps: 0, applied: 0, writtenBack: 0, incarnations: 0, skipped: 0 }
    // Malformed entries read from Redis: skipped, counted, and reported once per load or catch-up.
    this.malformed = { count: 0, first: null }
    this.unwritten = new Map() // writes that failed, written again once a check succeeds
    // One sync task at a time; requests made meanwhile run it once more.
    this.running = null
    this.wantCheck = false
    this.wantFull = false
    this.loadSlice = 1024 // pairs merged per slice of a full load (sized by time: load.js)
  }

  report(err) {
    this.events.emit('error', err)
  }

  runScript(script, args) {
    return runScript(this.driver, this.KEYS, script, args)
  }

  /** The write script's first arguments, for `mode` ('e', 'w' or 'm'). */
  writeArgs(mode) {
    return [nowSec(), this.list.subjectTtl, this.logLength, this.channel, this.publish, mode, newEpoch()]
  }

  skip(what) {
    if (this.malformed.count++ === 0) this.malformed.first = what
  }

  flushMalformed(where) {
    const malformed = this.malformed
    if (malformed.count === 0) return
    const n = malformed.count
    this.counters.skipped += n
    const err = codedError('ERR_REVOCATION_ENTRY_INVALID', `skipped ${n} malformed revocation entr${n === 1 ? 'y' : 'ies'} in Redis (${where}); the first: ${malformed.first}`, {
      skipped: n,
    })
    malformed.count = 0
    malformed.first = null
    this.report(err)
  }

  /** { jti, exp } / { sub, before } from what Redis holds, or null (skipped) when malformed. */
  entryOf(t, id, x, where) {
    const v = Number(x)
    // A member is an id only when it is its own key (the list's one id rule, revocationKeyOf).
    if (revocationKeyOf(id) === id && typeof x === 'string' && x.trim() !== '' && Number.isFinite(v) && v >= 0) return t === 'j' ? { jti: id, exp: v } : { sub: id, before: v }
    this.skip(`${where} member ${shown(id)} value ${shown(x)}`)
    return null
  }

  setStale(on) {
    if (this.stale === on) return
    this.stale = on
    if (this.onStale === 'refuse') this.list.setStale(on)
    this.events.emit(on ? 'stale' : 'synced', { lastSync: this.lastSync / 1000 })
  }
}

module.exports = { SyncState, applyOne, shown, nowSec }
