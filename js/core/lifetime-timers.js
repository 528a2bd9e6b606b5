'use strict'
// The expiry schedule of the connection watch (js/core/connection-lifetime.js). Expiry timers
// are shared: the connections of one kind whose close is due at the same millisecond (tokens
// issued within the same second have the same exp) wait on one timer of their group, so an
// admission adds a connection to a Set instead of arming a setTimeout.

const { unrefTimeout } = require('./timers.js')
const { renewOrEnd } = require('./lifetime-refresh.js')
const { ShardedSet } = require('./sharded.js')

/** Milliseconds since the epoch at which the token stops being valid (exp), or null. */
function expiresAtOf(claims) {
  if (!claims || typeof claims !== 'object') return null
  return typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp * 1000 : null
}

class DueGroup {
  constructor(kind, at) {
    this.kind = kind
    this.at = at
    this.conns = new ShardedSet()
    this.timer = null
  }
}

/**
 * The groups of one watch, as `groups`: kind -> (close time in ms -> DueGroup). A connection's
 * group is its watch entry's `due`. The watch is read for its `clock`, its `authenticator`
 * (clock tolerances) and its `entries`; a connection past its close time is ended
 * (`watch.end`) or its Better Auth session renewed (js/core/lifetime-refresh.js renewOrEnd).
 */
class ExpirySchedule {
  constructor(watch) {
    this.watch = watch
    this.groups = new Map()
    // kind -> the decoder's clock tolerance in ms (read once per kind).
    this.tolerances = new Tolerances(this.watch)
  }

  /** Puts `conn` in the group of its close time (a new group arms the timer); closes it now when that time has passed. */
  arm(conn, entry) {
    if (entry.due !== null) this.disarm(conn, entry)
    const at = expiresAtOf(conn.claims)
    if (at === null) return
    const kind = conn.kind
    const closeAt = at + this.toleranceOf(kind)
    // Past already (a clock the app moved, a watch clock ahead of the authenticator's): now.
    const delay = closeAt - this.watch.clock(kind)
    if (!(delay > 0)) return renewOrEnd(this.watch, conn)
    let groups = this.groups.get(kind)
    if (groups === undefined) this.groups.set(kind, (groups = new Map()))
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
      this.forget(group)
    }
  }

  forget(group) {
    const groups = this.groups.get(group.kind)
    if (groups !== undefined && groups.get(group.at) === group) groups.delete(group.at)
  }

  /**
   * A group's timer fired: before its close time (a long wait is reached in steps, js/core/timers.js;
   * a clock the app moves is followed), it waits again; else every connection in it expires.
   */
  due(group) {
    group.timer = null
    const delay = group.at - this.watch.clock(group.kind)
    if (delay > 0 && group.conns.size > 0) {
      group.timer = unrefTimeout(() => this.due(group), delay)
      return
    }
    this.forget(group)
    for (const conn of [...group.conns]) {
      const entry = this.watch.entries.get(conn)
      // Moved or forgotten meanwhile (an earlier one's close, a refresh): not this group's any more.
      if (entry === undefined || entry.due !== group) continue
      entry.due = null
      renewOrEnd(this.watch, conn)
    }
    group.conns.clear()
  }

  /** The decoder's clock tolerance of a kind, in ms. */
  toleranceOf(kind) {
    return this.tolerances.of(kind)
  }
}

/**
 * The decoders' clock tolerances of a watch, in ms per kind: read from its authenticator
 * (`clockTolerance(kind)`, 0 when it throws) the first time a kind is asked for, then kept.
 */
class Tolerances extends Map {
  constructor(watch) {
    super()
    this.watch = watch
  }

  of(kind) {
    let ms = this.get(kind)
    if (ms === undefined) {
      try {
        ms = this.watch.authenticator.clockTolerance(kind) * 1000
      } catch {
        ms = 0
      }
      this.set(kind, ms)
    }
    return ms
  }
}

module.exports = { ExpirySchedule, expiresAtOf }
