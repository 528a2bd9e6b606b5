'use strict'
// The lifetime of admitted connections, for every transport (Socket.IO through
// js/socket.io/lifetime.js; the plain WebSocket and graphql-ws transports reuse it the same
// way): a connection is closed when its token expires, when a revocation list that applies
// to it refuses it, and `auth_refresh` swaps its token for a fresh one of the same identity.
//
// A connection is any object with:
//   claims   the verified claims it was admitted with (read each time: may be a getter)
//   kind     'jwt' | 'authjs' | 'better-auth' (which of the authenticator's lists apply)
//   notify(what, payload)  what: 'revoked' | 'expired'; payload: { code }
//   close()  closes it (the watch has already forgotten it)
//   open     optional; false once it is closed
//   settled(fn)  optional; calls fn once its transport has finished closing (after close()):
//            a sweep counts the close in flight until then (js/core/lifetime-sweep.js)
//
// Revocation at scale (issue 21): admitted connections are indexed by the key of their `jti`,
// of their `sub`, of their identity (what auth_refresh compares) and of their `sid` (a session
// id claim) where they have one. A change of a list looks up only the connections it names:
// 'token' by jti, 'subject' by sub (and identity), 'merge' / 'reload' with `entries` by those
// ids, any change carrying `sid` by sid; 'prune' and 'fresh' can refuse no one and touch none;
// 'stale', an `overflow`, a 'reload' without `entries` and any change not understood re-check
// every connection in slices, yielding to the event loop between slices, their closes paced by
// the loop turn (js/core/lifetime-sweep.js).
//
// The parts, one job each: js/core/lifetime-index.js (the revocation index and its lookups),
// js/core/lifetime-timers.js (the expiry schedule: timers shared per due time),
// js/core/lifetime-sweep.js (the sliced sweep), js/core/lifetime-refresh.js (auth_refresh and
// Better Auth renewal). This file: the lists that apply, the register of connections (entries,
// index and schedule together), and the watch that holds the parts.

const { RevocationList } = require('../../index.js')
const { codeOf, optionsError } = require('./errors.js')
const { RevocationIndex, identityOf } = require('./lifetime-index.js')
const { ExpirySchedule, expiresAtOf } = require('./lifetime-timers.js')
const { SlicedSweep } = require('./lifetime-sweep.js')
const { ShardedMap } = require('./sharded.js')
const { refreshOf } = require('./lifetime-refresh.js')
const metrics = require('./channels.js')

/**
 * The clock the expiry timers follow, as `(kind) => milliseconds since the epoch`: the
 * middleware settings' `now` (seconds, as every `now` option of this package), else the
 * authenticator's clock of that kind (`HandshakeAuthenticator#now(kind)`: its `jwt.now` /
 * `authjs.now`, its shared `now`, else the system clock), else Date.now.
 */
function clockOf(authenticator, settings) {
  if (settings && settings.clock !== undefined) {
    throw optionsError('clock is not a setting: the clock is now, a function returning seconds since the epoch (now: () => Date.now() / 1000)')
  }
  if (settings && settings.now !== undefined) {
    const now = settings.now
    if (typeof now !== 'function') throw optionsError('now must be a function returning seconds since the epoch')
    return () => Number(now()) * 1000
  }
  // The system clock unless the authenticator was given one (no native call per timer).
  const own = authenticator && typeof authenticator._hasClock === 'function' ? authenticator._hasClock() : true
  if (own && authenticator && typeof authenticator.now === 'function') return (kind) => authenticator.now(kind === 'authjs' || kind === 'better-auth' ? kind : 'jwt') * 1000
  return Date.now
}

const KINDS = ['jwt', 'authjs', 'better-auth']

/**
 * The lists that apply, from the authenticator's (`_revocationLists()`: js/index.js keeps the
 * lists of its options, one or none per kind) and the watch's `own` (every kind), without
 * repeats: `listsOf[kind]`, all of them as `lists`, and `extraOf[kind]`, what a token the
 * authenticator has just verified still needs (the lists it did not consult).
 */
function listsByKind(authenticator, own) {
  const mine = authenticator && typeof authenticator._revocationLists === 'function' ? authenticator._revocationLists() : null
  const listsOf = {}
  const extraOf = {}
  for (const kind of KINDS) {
    const theirs = (mine && mine[kind]) || null
    listsOf[kind] = [...new Set([theirs, ...own].filter(Boolean))]
    extraOf[kind] = listsOf[kind].filter((l) => l !== theirs)
  }
  return { listsOf, extraOf, lists: [...new Set(KINDS.flatMap((k) => listsOf[k]))] }
}

// The options of a list's refusal() per kind, made once (a sweep checks every connection).
const JWT_CHECK = Object.freeze({ kind: 'jwt' })
const AUTHJS_CHECK = Object.freeze({ kind: 'authjs' })

/**
 * The first refusal of `claims` of `kind` by one of `lists` ('ERR_TOKEN_REVOKED',
 * 'ERR_REVOCATION_STALE', a claim's code), or null: through ConnectionWatch#refusal, the ONE
 * place where the authenticator's lists, the watch and refresh meet (handshake admission,
 * changes, auth_refresh).
 */
function refusalBy(lists, claims, kind) {
  // `kind`: an Auth.js session is ordered by auth_time, not iat (README, Revocation).
  const options = kind === 'authjs' ? AUTHJS_CHECK : JWT_CHECK
  for (const list of lists) {
    let code
    try {
      code = list.refusal(claims, options)
    } catch (err) {
      // Claims a list cannot read are refused, never skipped.
      code = codeOf(err)
    }
    if (code) return code
  }
  return null
}

// The `{ code }` told to a closed connection, one frozen object per code (none made per close).
const PAYLOADS = new Map()
function payloadOf(code) {
  let payload = PAYLOADS.get(code)
  if (payload === undefined) PAYLOADS.set(code, (payload = Object.freeze({ code })))
  return payload
}

/** A watch's stats(). */
function statsOf({ entries, index: i, sweeper: s }) {
  return { connections: entries.size, jti: i.byJti.size, sub: i.bySub.size, identity: i.byIdentity.size, sid: i.bySid.size, sweeps: s.sweeps, slices: s.slices, longestSliceMs: s.longestSliceMs }
}

/**
 * The watch's options, checked: { authenticator, identity, expiry, clock, onFailure,
 * transport (the label of its lifetime events and connection count in authbridge/metrics),
 * own (its revocation lists, applying to every kind) }.
 */
function settingsOf(options) {
  const o = options || {}
  const authenticator = o.authenticator
  if (!authenticator || typeof authenticator.verifyToken !== 'function') throw optionsError('ConnectionWatch needs an authenticator')
  if (o.identity !== undefined && o.identity !== null && typeof o.identity !== 'function') throw optionsError('identity must be a function (claims) => string')
  const own = o.revocation === undefined || o.revocation === null ? [] : Array.isArray(o.revocation) ? o.revocation : [o.revocation]
  for (const l of own) if (!(l instanceof RevocationList)) throw optionsError('revocation must be a RevocationList')
  return {
    authenticator,
    identity: o.identity || null,
    expiry: o.expiry !== false,
    clock: typeof o.clock === 'function' ? o.clock : Date.now,
    onFailure: o.onFailure,
    transport: typeof o.transport === 'string' ? o.transport : 'unknown',
    own,
  }
}

/**
 * The connections of a watch: `entries`, conn -> { jti, sub, id, sid, due } (insertion order:
 * the order sweeps visit; `due`: its DueGroup), each filed in the revocation `index` and the
 * expiry `schedule`. The watch is read for `watchesRevocation`, `expiry` and `check(conn)`.
 */
class ConnectionRegister {
  constructor(watch) {
    this.watch = watch
    // Split over parts (js/core/sharded.js): one Map of every connection shrinks in one piece.
    this.entries = new ShardedMap()
    this.index = new RevocationIndex(watch.identity)
    this.schedule = new ExpirySchedule(watch)
  }

  /** ConnectionWatch#admit: indexed (its keys read again), checked, expiry armed; false when refused. */
  admit(conn) {
    const watch = this.watch
    let entry = this.entries.get(conn)
    if (entry === undefined) this.entries.set(conn, (entry = { jti: null, sub: null, id: null, sid: null, due: null }))
    else this.index.remove(conn, entry)
    if (watch.watchesRevocation) {
      this.index.add(conn, entry)
      if (watch.check(conn)) return false
    }
    if (watch.expiry) this.schedule.arm(conn, entry)
    return true
  }

  /** ConnectionWatch#remove: out of every index, its timer cancelled. */
  remove(conn) {
    const entry = this.entries.get(conn)
    if (!entry) return
    this.entries.delete(conn)
    this.index.remove(conn, entry)
    if (entry.due !== null) this.schedule.disarm(conn, entry)
  }

  /** Every connection forgotten (the watch closed). */
  clear() {
    for (const conn of [...this.entries.keys()]) this.remove(conn)
  }
}

/**
 * Watches admitted connections: expiry (js/core/lifetime-timers.js), revocation (every list
 * that applies: the authenticator's for the connection's kind and the watch's own; the index
 * in js/core/lifetime-index.js, the sweep in js/core/lifetime-sweep.js), and refresh
 * (js/core/lifetime-refresh.js).
 *
 * options: { authenticator, revocation?: RevocationList | RevocationList[] (lists of the
 * middleware, applying to every kind), identity?: (claims) => string, expiry?: boolean,
 * clock?: () => ms, onFailure?, transport?: 'socket.io' | 'ws' | 'graphql-ws' (the label of
 * its lifetime events and connection count in authbridge/metrics) }
 */
class ConnectionWatch {
  constructor(options) {
    const { own, ...settings } = settingsOf(options)
    Object.assign(this, settings, listsByKind(settings.authenticator, own))
    this.watchesRevocation = this.lists.length > 0 // else nothing is indexed
    this.register = new ConnectionRegister(this)
    const { entries, index, schedule } = this.register
    Object.assign(this, { entries, index, schedule, dueGroups: schedule.groups })
    this.sweeper = new SlicedSweep(this)
    this.onChange = (change) => this.changed(change)
    for (const list of this.lists) list.on('change', this.onChange)
    metrics.track('watch', this)
  }

  /** Why a list that applies refuses `claims` now, or null (`verified`: the authenticator's own list was read). */
  refusal(claims, kind, verified = false) {
    return refusalBy((verified ? this.extraOf[kind] : this.listsOf[kind]) || this.lists, claims, kind)
  }

  /**
   * From admission on, and again after `conn.claims` changed (auth_refresh, recovery):
   * indexed, checked once, expiry armed. False when it was refused and closed at once.
   */
  admit(conn) {
    return this.register.admit(conn)
  }

  update(conn) {
    return this.register.admit(conn)
  }

  /** Forgets `conn` (it disconnected): out of every index, its timer cancelled. */
  remove(conn) {
    this.register.remove(conn)
  }

  /** Forgets, tells and closes `conn`. */
  end(conn, what, code) {
    this.remove(conn)
    if (conn.open === false) return
    metrics.lifetime(what, this.transport, conn.kind, code)
    conn.notify(what, payloadOf(code))
    conn.close()
  }

  /** Closes `conn` when a list that applies refuses it now; true when it did. */
  check(conn) {
    if (conn.open === false) return false
    const code = this.refusal(conn.claims, conn.kind)
    if (!code) return false
    this.end(conn, 'revoked', code)
    return true
  }

  /** A change of a watched list: only the connections it names are checked, else a sweep. */
  changed(change) {
    if (!this.index.checkNamed(change || {}, this)) this.sweeper.run()
  }

  get sweeping() {
    return this.sweeper.running
  }

  /** auth_refresh: { ok: true, claims, kind } (the caller stores them, then update(conn)), or { ok: false, code }. */
  refresh(conn, token, info) {
    return refreshOf(this, conn, token, info)
  }

  /** Index sizes (tests, diagnostics): connections and keys per index, sweeps and slices. */
  stats() {
    return statsOf(this)
  }

  /** Stops watching the lists (the watch's connections are forgotten, not closed). */
  close() {
    metrics.untrack('watch', this)
    for (const list of this.lists) list.off('change', this.onChange)
    this.register.clear()
  }
}

module.exports = { ConnectionWatch, clockOf, expiresAtOf, identityOf }
