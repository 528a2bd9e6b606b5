'use strict'
// The lifetime of admitted connections, for every transport (Socket.IO through
// js/socket-lifetime.js; the plain WebSocket and graphql-ws transports reuse it the same
// way): a connection is closed when its token expires, when a revocation list that applies
// to it refuses it, and `auth_refresh` swaps its token for a fresh one of the same identity.
//
// A connection is any object with:
//   claims   the verified claims it was admitted with (read each time: may be a getter)
//   kind     'jwt' | 'authjs' | 'better-auth' (which of the authenticator's lists apply)
//   notify(what, payload)  what: 'revoked' | 'expired'; payload: { code }
//   close()  closes it (the watch has already forgotten it)
//   open     optional; false once it is closed
//
// Revocation at scale (issue 21): admitted connections are indexed by the key of their `jti`,
// of their `sub`, of their identity (what auth_refresh compares) and of their `sid` (a session
// id claim) where they have one. A change of a list looks up only the connections it names:
// 'token' by jti, 'subject' by sub (and identity), 'merge' / 'reload' with `entries` by those
// ids, any change carrying `sid` by sid; 'prune' and 'fresh' can refuse no one and touch none;
// 'stale', an `overflow`, a 'reload' without `entries` and any change not understood re-check
// every connection in slices of at most SLICE_MS, yielding to the event loop between slices.

const { performance } = require('node:perf_hooks')
const native = require('../../index.js')
const { RevocationList } = native
const { callHook, codeOf, optionsError, refusalInfo } = require('./errors.js')
const { unrefTimeout } = require('./timers.js')
const metrics = require('../metrics/channels.js')

// A sweep checks connections for at most this long before yielding (issue 21: <= 5 ms a slice
// at 50,000 sockets), and reads the clock after every close and every SWEEP_STRIDE checks.
// 1 ms, not more: a slice's last close, or a GC step that lands in it, runs past the budget,
// and must still end well under 5 ms.
const SLICE_MS = 1
const SWEEP_STRIDE = 8

// The key a RevocationList files a jti / sub / sid under (one rule, in the addon).
const { revocationKeyOf } = native

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

/** Milliseconds since the epoch at which the token stops being valid (exp), or null. */
function expiresAtOf(claims) {
  if (!claims || typeof claims !== 'object') return null
  return typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp * 1000 : null
}

/**
 * Who a token is for, for auth_refresh: `identity(claims)` when given, else the `sub` claim;
 * null unless a non-empty string (or a finite number from `identity`).
 */
function identityOf(identity, claims) {
  let id
  try {
    id = identity ? identity(claims) : claims && claims.sub
  } catch {
    return null
  }
  if (typeof id === 'string' && id !== '') return id
  if (identity && typeof id === 'number' && Number.isFinite(id)) return id
  return null
}

/**
 * The lists an authenticator consults, per kind: `{ jwt, authjs }` (a RevocationList or
 * null each), from its `_revocationLists()` (js/index.js keeps the lists of its options).
 */
function authenticatorLists(authenticator) {
  const lists = authenticator && typeof authenticator._revocationLists === 'function' ? authenticator._revocationLists() : null
  return { jwt: (lists && lists.jwt) || null, authjs: (lists && lists.authjs) || null, 'better-auth': (lists && lists['better-auth']) || null }
}

// An index maps a key to its one connection, or to a Bucket when several share it (most
// keys have one: a jti names one token), which keeps the index small.
class Bucket extends Set {}

function addTo(map, key, conn) {
  if (key === null) return
  const v = map.get(key)
  if (v === undefined) map.set(key, conn)
  else if (v instanceof Bucket) v.add(conn)
  else if (v !== conn) map.set(key, new Bucket([v, conn]))
}

function deleteFrom(map, key, conn) {
  if (key === null) return
  const v = map.get(key)
  if (v === conn) map.delete(key)
  else if (v instanceof Bucket && v.delete(conn) && v.size === 1) map.set(key, v.values().next().value)
}

// Expiry timers are shared: the connections of one kind whose close is due at the same
// millisecond (tokens issued within the same second have the same exp) wait on one timer of
// their group, so an admission adds a connection to a Set instead of arming a setTimeout.
class DueGroup {
  constructor(kind, at) {
    this.kind = kind
    this.at = at
    this.conns = new Set()
    this.timer = null
  }
}

/**
 * Watches admitted connections: expiry, revocation (every list that applies: the
 * authenticator's for the connection's kind and the watch's own), and refresh.
 *
 * options: { authenticator, revocation?: RevocationList | RevocationList[] (lists of the
 * middleware, applying to every kind), identity?: (claims) => string, expiry?: boolean,
 * clock?: () => ms, onFailure?, transport?: 'socket.io' | 'ws' | 'graphql-ws' (the label of
 * its lifetime events and connection count in authbridge/metrics) }
 */
class ConnectionWatch {
  constructor(options) {
    const o = options || {}
    const authenticator = o.authenticator
    if (!authenticator || typeof authenticator.verifyToken !== 'function') throw optionsError('ConnectionWatch needs an authenticator')
    if (o.identity !== undefined && o.identity !== null && typeof o.identity !== 'function') throw optionsError('identity must be a function (claims) => string')
    const own = o.revocation === undefined || o.revocation === null ? [] : Array.isArray(o.revocation) ? o.revocation : [o.revocation]
    for (const l of own) if (!(l instanceof RevocationList)) throw optionsError('revocation must be a RevocationList')
    this.authenticator = authenticator
    this.identity = o.identity || null
    this.expiry = o.expiry !== false
    this.clock = typeof o.clock === 'function' ? o.clock : Date.now
    this.tolerances = new Map()
    this.onFailure = o.onFailure
    // Which transport's connections these are (metrics: connections held, lifetime events).
    this.transport = typeof o.transport === 'string' ? o.transport : 'unknown'
    // The lists that apply to each kind, without repeats.
    const byKind = authenticatorLists(authenticator)
    this.listsOf = {
      jwt: [...new Set([byKind.jwt, ...own].filter(Boolean))],
      authjs: [...new Set([byKind.authjs, ...own].filter(Boolean))],
      'better-auth': [...new Set([byKind['better-auth'], ...own].filter(Boolean))],
    }
    this.lists = [...new Set([...this.listsOf.jwt, ...this.listsOf.authjs, ...this.listsOf['better-auth']])]
    // What a token the authenticator has just verified still needs: the lists it did not consult.
    this.extraOf = {
      jwt: this.listsOf.jwt.filter((l) => l !== byKind.jwt),
      authjs: this.listsOf.authjs.filter((l) => l !== byKind.authjs),
      'better-auth': this.listsOf['better-auth'].filter((l) => l !== byKind['better-auth']),
    }
    // conn -> { jti, sub, id, sid, due } (insertion order: the order sweeps visit); `due` is
    // the DueGroup its expiry waits in.
    this.entries = new Map()
    this.byJti = new Map()
    this.bySub = new Map()
    this.byIdentity = new Map()
    this.bySid = new Map()
    // kind -> (close time in ms -> DueGroup)
    this.dueGroups = new Map()
    this.sweeping = false
    this.sweepAgain = false
    this.sweeps = 0
    this.slices = 0
    this.longestSliceMs = 0
    this.onChange = (change) => this.changed(change)
    for (const list of this.lists) list.on('change', this.onChange)
    metrics.track('watch', this)
  }

  /** Whether a revocation list applies to any connection (else nothing is indexed). */
  get watchesRevocation() {
    return this.lists.length > 0
  }

  /**
   * Why `claims` of `kind` would be refused now by a list that applies ('ERR_TOKEN_REVOKED',
   * 'ERR_REVOCATION_STALE', a claim's code), or null: the ONE place where the authenticator's
   * lists, the watch and refresh meet (handshake admission, changes, auth_refresh).
   * With `verified` (claims the authenticator has just passed) only the lists it did not
   * consult are read.
   */
  refusal(claims, kind, verified = false) {
    // `verified`: the authenticator has just passed these claims (handshake, refresh), so
    // its own list for the kind has been consulted already.
    const lists = (verified ? this.extraOf[kind] : this.listsOf[kind]) || this.lists
    for (const list of lists) {
      let code
      try {
        // `kind`: an Auth.js session is ordered by auth_time, not iat (README, Revocation).
        code = list.refusal(claims, { kind: kind === 'authjs' ? 'authjs' : 'jwt' })
      } catch (err) {
        // Claims a list cannot read are refused, never skipped.
        code = codeOf(err)
      }
      if (code) return code
    }
    return null
  }

  /**
   * From admission on: indexes `conn`, checks it once (a change since its handshake), arms
   * its expiry. Returns false when it was refused and closed at once.
   */
  admit(conn) {
    if (this.entries.has(conn)) return this.update(conn)
    const entry = { jti: null, sub: null, id: null, sid: null, due: null }
    this.entries.set(conn, entry)
    this.index(conn, entry)
    return this.settle(conn, entry)
  }

  /** After `conn.claims` changed (auth_refresh, recovery): indexed again, checked, timer moved. */
  update(conn) {
    const entry = this.entries.get(conn)
    if (!entry) return this.admit(conn)
    this.unindex(conn, entry)
    this.index(conn, entry)
    return this.settle(conn, entry)
  }

  settle(conn, entry) {
    if (this.watchesRevocation && this.check(conn)) return false
    if (this.expiry) this.arm(conn, entry)
    return true
  }

  /** Forgets `conn` (it disconnected): out of every index, its timer cancelled. */
  remove(conn) {
    const entry = this.entries.get(conn)
    if (!entry) return
    this.entries.delete(conn)
    this.unindex(conn, entry)
    if (entry.due !== null) this.disarm(conn, entry)
  }

  index(conn, entry) {
    if (!this.watchesRevocation) return
    const claims = conn.claims
    if (!claims || typeof claims !== 'object') return
    entry.jti = revocationKeyOf(claims.jti)
    entry.sub = revocationKeyOf(claims.sub)
    // The identity index only when it is not the sub (an `identity` function is given).
    const id = this.identity ? identityOf(this.identity, claims) : null
    entry.id = id === null ? null : revocationKeyOf(id) ?? String(id)
    entry.sid = revocationKeyOf(claims.sid)
    addTo(this.byJti, entry.jti, conn)
    addTo(this.bySub, entry.sub, conn)
    addTo(this.byIdentity, entry.id, conn)
    addTo(this.bySid, entry.sid, conn)
  }

  unindex(conn, entry) {
    deleteFrom(this.byJti, entry.jti, conn)
    deleteFrom(this.bySub, entry.sub, conn)
    deleteFrom(this.byIdentity, entry.id, conn)
    deleteFrom(this.bySid, entry.sid, conn)
    entry.jti = entry.sub = entry.id = entry.sid = null
  }

  /** Puts `conn` in the group of its close time (a new group arms the timer); closes it now when that time has passed. */
  arm(conn, entry) {
    if (entry.due !== null) this.disarm(conn, entry)
    const at = expiresAtOf(conn.claims)
    if (at === null) return
    const kind = conn.kind
    const closeAt = at + this.toleranceOf(kind)
    // Past already (a clock the app moved, a watch clock ahead of the authenticator's): now.
    const delay = closeAt - this.clock(kind)
    if (!(delay > 0)) return this.expired(conn)
    let groups = this.dueGroups.get(kind)
    if (groups === undefined) this.dueGroups.set(kind, (groups = new Map()))
    let group = groups.get(closeAt)
    if (group === undefined) {
      group = new DueGroup(kind, closeAt)
      groups.set(closeAt, group)
      group.timer = unrefTimeout(() => this.due(group), delay)
    }
    group.conns.add(conn)
    entry.due = group
  }

  /** Takes `conn` out of its expiry group (the group's timer is cleared when it empties). */
  disarm(conn, entry) {
    const group = entry.due
    entry.due = null
    group.conns.delete(conn)
    if (group.conns.size === 0 && group.timer !== null) {
      clearTimeout(group.timer)
      group.timer = null
      const groups = this.dueGroups.get(group.kind)
      if (groups !== undefined && groups.get(group.at) === group) groups.delete(group.at)
    }
  }

  /**
   * A group's timer fired: before its close time (a long wait is reached in steps, js/timers.js;
   * a clock the app moves is followed), it waits again; else every connection in it expires.
   */
  due(group) {
    group.timer = null
    const delay = group.at - this.clock(group.kind)
    if (delay > 0 && group.conns.size > 0) {
      group.timer = unrefTimeout(() => this.due(group), delay)
      return
    }
    const groups = this.dueGroups.get(group.kind)
    if (groups !== undefined && groups.get(group.at) === group) groups.delete(group.at)
    for (const conn of [...group.conns]) {
      const entry = this.entries.get(conn)
      // Moved or forgotten meanwhile (an earlier one's close, a refresh): not this group's any more.
      if (entry === undefined || entry.due !== group) continue
      entry.due = null
      this.expired(conn)
    }
    group.conns.clear()
  }

  /** The decoder's clock tolerance of a kind, in ms (fixed at construction: read once per kind). */
  toleranceOf(kind) {
    let ms = this.tolerances.get(kind)
    if (ms === undefined) {
      try {
        ms = this.authenticator.clockTolerance(kind) * 1000
      } catch {
        ms = 0
      }
      this.tolerances.set(kind, ms)
    }
    return ms
  }

  /**
   * `conn` reached its exp: closed, unless it is a Better Auth session the authenticator can
   * renew through `betterAuth.lookupSession` (`_renewSession`) and the connection can take
   * fresh claims (`conn.renew(claims)`): then it lives on with them, or closes when the
   * session is gone (revoked) or past its own expiresAt (expired).
   */
  expired(conn) {
    const renewal =
      conn.kind === 'better-auth' && typeof conn.renew === 'function' && typeof this.authenticator._renewSession === 'function'
        ? this.authenticator._renewSession(conn.claims)
        : null
    if (!renewal) return this.end(conn, 'expired', 'ERR_JWT_EXPIRED')
    const before = conn.claims
    renewal.then(
      (claims) => {
        // Closed, or its claims changed meanwhile (auth_refresh): nothing to do here.
        if (!this.entries.has(conn) || conn.open === false || conn.claims !== before) return
        conn.renew(claims)
        this.update(conn)
      },
      (err) => {
        if (!this.entries.has(conn) || conn.claims !== before) return
        const code = codeOf(err)
        this.end(conn, code === 'ERR_JWT_EXPIRED' ? 'expired' : 'revoked', code)
      },
    )
  }

  /** Forgets, tells and closes `conn`. */
  end(conn, what, code) {
    this.remove(conn)
    if (conn.open === false) return
    metrics.lifetime(what, this.transport, conn.kind, code)
    conn.notify(what, { code })
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

  lookup(map, id) {
    if (id === undefined || id === null) return
    // Changes name ids by their key text, the index files connections the same way.
    const key = revocationKeyOf(id)
    const v = key === null ? undefined : map.get(key)
    if (v === undefined) return
    if (v instanceof Bucket) for (const conn of [...v]) this.check(conn)
    else this.check(v)
  }

  /** A change of a watched list: only the connections it names are checked. */
  changed(change) {
    const c = change || {}
    switch (c.type) {
      case 'prune':
      case 'fresh':
        return
      case 'token':
        this.lookup(this.byJti, c.jti)
        break
      case 'subject':
        this.lookup(this.bySub, c.sub)
        this.lookup(this.byIdentity, c.sub)
        break
      case 'merge':
      case 'reload':
        if (c.overflow === true || !Array.isArray(c.entries)) return this.sweep()
        for (const e of c.entries) {
          if (!e || typeof e !== 'object') continue
          this.lookup(this.byJti, e.jti)
          this.lookup(this.bySub, e.sub)
          this.lookup(this.byIdentity, e.sub)
          this.lookup(this.bySid, e.sid)
        }
        break
      default:
        // 'stale', and any change not understood (unless it names its ids): everything.
        if (c.type !== 'stale' && (c.jti != null || c.sub != null || c.sid != null)) {
          this.lookup(this.byJti, c.jti)
          this.lookup(this.bySub, c.sub)
          this.lookup(this.byIdentity, c.sub)
        } else return this.sweep()
    }
    if (c.sid != null) this.lookup(this.bySid, c.sid)
  }

  /**
   * Re-checks every connection, in slices of at most SLICE_MS (wall time, the clock read
   * after every close and every SWEEP_STRIDE checks) with setImmediate between them, so a
   * slice never runs a batch of closes (each a packet and a socket shut) past its time.
   * Connections admitted meanwhile are checked on admission; a sweep asked for while one
   * runs starts again once it ends, so no change is lost.
   */
  sweep() {
    if (this.sweeping) {
      this.sweepAgain = true
      return
    }
    this.sweeping = true
    this.sweeps++
    // A live iterator: connections removed before their turn are skipped.
    const it = this.entries.keys()
    const slice = () => {
      this.slices++
      const start = performance.now()
      const end = start + SLICE_MS
      let n = 0
      for (;;) {
        const r = it.next()
        if (r.done) {
          this.longestSliceMs = Math.max(this.longestSliceMs, performance.now() - start)
          this.sweeping = false
          if (this.sweepAgain) {
            this.sweepAgain = false
            this.sweep()
          }
          return
        }
        // A close (a packet and a socket shut) costs far more than a check: the clock is read
        // after each, and every SWEEP_STRIDE checks otherwise.
        if ((this.check(r.value) || ++n % SWEEP_STRIDE === 0) && performance.now() >= end) break
      }
      this.longestSliceMs = Math.max(this.longestSliceMs, performance.now() - start)
      setImmediate(slice)
    }
    slice()
  }

  /**
   * auth_refresh: checks `token` for `conn` (a token of the same kind and identity, refused
   * by no list that applies). Returns { ok: true, claims, kind } (the caller stores the
   * claims, then calls update(conn)), or { ok: false, code }. `info` goes to onFailure.
   */
  refresh(conn, token, info) {
    let fresh
    try {
      fresh = this.authenticator._verifyToken(token)
    } catch (err) {
      const { code, fingerprint } = refusalInfo(err)
      callHook(this.onFailure, { code, source: 'refresh', fingerprint, ...info })
      metrics.lifetime('refresh_refused', this.transport, conn.kind, code)
      return { ok: false, code }
    }
    if (fresh.kind !== conn.kind) return this.refreshRefused(conn, 'ERR_TOKEN_WRONG_KIND')
    // The same identity on both sides, and an identity at all: two tokens without `sub`
    // are not the same user (undefined === undefined).
    const before = identityOf(this.identity, conn.claims)
    const after = identityOf(this.identity, fresh.claims)
    if (before === null || after === null || before !== after) return this.refreshRefused(conn, 'ERR_JWT_CLAIM_INVALID')
    const code = this.refusal(fresh.claims, fresh.kind, true)
    if (code) {
      callHook(this.onFailure, { code, source: 'refresh', fingerprint: native.tokenFingerprint(String(token)), ...info })
      return this.refreshRefused(conn, code)
    }
    metrics.lifetime('refreshed', this.transport, fresh.kind, null)
    return { ok: true, claims: fresh.claims, kind: fresh.kind }
  }

  /** A refused auth_refresh: reported on the lifetime channel; { ok: false, code }. */
  refreshRefused(conn, code) {
    metrics.lifetime('refresh_refused', this.transport, conn.kind, code)
    return { ok: false, code }
  }

  /** Index sizes (tests, diagnostics): connections and keys per index. */
  stats() {
    return {
      connections: this.entries.size,
      jti: this.byJti.size,
      sub: this.bySub.size,
      identity: this.byIdentity.size,
      sid: this.bySid.size,
      sweeps: this.sweeps,
      slices: this.slices,
      longestSliceMs: this.longestSliceMs,
    }
  }

  /** Stops watching the lists (the watch's connections are forgotten, not closed). */
  close() {
    metrics.untrack('watch', this)
    for (const list of this.lists) list.off('change', this.onChange)
    for (const conn of [...this.entries.keys()]) this.remove(conn)
  }
}

module.exports = { ConnectionWatch, clockOf, expiresAtOf, identityOf }
