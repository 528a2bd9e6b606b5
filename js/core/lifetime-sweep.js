'use strict'
// The sliced sweep of the connection watch (js/core/connection-lifetime.js): 'stale', an
// `overflow`, a 'reload' without `entries` and any change not understood re-check every
// connection in slices, yielding to the event loop between slices.
//
// What a slice costs the loop is not its own time: a close (a Socket.IO disconnect, a ws close)
// does part of its work inside the slice and the rest after it (the transport's close, the
// 'disconnect' handlers, the peer's answer, the socket's 'close' I/O, the GC of the garbage),
// in the same loop turn or the next ones. So the sweep paces itself by the whole loop turn: it
// measures each turn, from one slice's start to the next slice's start (through setImmediate),
// and adapts how many connections a slice may close (`allowed`) so that a turn stays under
// TURN_MS: halved after a turn over it, an eighth more (at least one) once `allowed` closes
// went by with every turn under it (a round: the closes' cost comes back later than the turn
// that follows them, so it grows by rounds, not by turns). After a turn over TURN_MS, the next
// turn is left to the I/O (the sweep only reschedules itself); at most one such rest in a row,
// so a sweep always progresses (one close every other turn at least, on a loop already slow
// without it).
// A connection that can tell when its transport has finished closing (`settled(fn)`, optional:
// Socket.IO's once its WebSocket is closed) counts against `allowed` until then: `allowed` is
// then a window of closes in flight, so the peers' answers to the closes (which come back
// together when a peer is slow) cannot pile up beyond it in one turn. A sweep whose window is
// full waits for a close to settle (the loop free meanwhile), at most SETTLE_MS.
// A turn is measured in wall time (performance.now()): the process's CPU time would tell a
// turn spent waiting for a core apart, but reading it (getrusage) costs up to milliseconds on a
// loaded virtual machine, which is what the pacing is there to avoid.
//
// The parts: TurnPacer (the turns measured, `allowed`), CloseWindow (the closes in flight),
// SlicedSweep (the sweep over the watch's connections, through both).

const { performance } = require('node:perf_hooks')

// A slice checks connections for at most SLICE_MS of its own time, reading the clock after
// every close and every SWEEP_STRIDE checks (1 ms: a slice's last close, or a GC step that lands
// in it, runs past the budget, and must still end well under 5 ms).
const SLICE_MS = 1
const SWEEP_STRIDE = 8
// The loop turn the pacing aims at (issue 21: <= 5 ms at 50,000 sockets), from one slice's
// start to the next one's.
const TURN_MS = 4
// Closes a slice may make: FIRST_CLOSES at first (a new watch), between 1 and MAX_CLOSES after.
const FIRST_CLOSES = 4
const MAX_CLOSES = 256
// A close counts as in flight for at most this long (a peer that never answers holds its slot
// until the transport's own timeout, 30 s for ws: the window forgets it before that).
const SETTLE_MS = 1000

/**
 * How many connections a slice may close (`allowed`), from the loop turns measured between
 * slices: kept from one sweep to the next (what the watch learned of its transport's closes).
 */
class TurnPacer {
  constructor() {
    this.allowed = FIRST_CLOSES
    // The start of the last turn (performance.now()), 0 before a sweep's first or after a wait.
    this.lastStart = 0
    // Closes settled (or made, by connections that cannot tell when they settle) since
    // `allowed` last changed; whether the last turn was a rest.
    this.credit = 0
    this.rested = false
  }

  /** A new sweep, or a wait that was not a turn: the next turn is not measured. */
  restart() {
    this.lastStart = 0
    this.rested = false
  }

  /**
   * A turn starts at `start`: the last one (from the last turn's start) adapts `allowed`.
   * True when this turn is to be a rest (the last was over TURN_MS and was not a rest).
   */
  turn(start) {
    const last = this.lastStart
    this.lastStart = start
    if (last === 0) return false
    if (start - last > TURN_MS) {
      this.allowed = Math.max(1, this.allowed >> 1)
      this.credit = 0
      this.rested = !this.rested
      return this.rested
    }
    // A round of `allowed` closes went by with every turn under TURN_MS: a few more allowed.
    if (!this.rested && this.credit >= this.allowed) {
      this.allowed = Math.min(MAX_CLOSES, this.allowed + Math.max(1, this.allowed >> 3))
      this.credit = 0
    }
    this.rested = false
    return false
  }
}

/**
 * The closes in flight of a sweep (made, their transport not yet closed: connections with
 * `settled(fn)`); `resume()` is called when a waiting sweep may go on: a close settled below
 * the pacer's `allowed`, or none for SETTLE_MS (those in flight are then forgotten).
 */
class CloseWindow {
  constructor(pacer, resume) {
    this.pacer = pacer
    this.resume = resume
    this.inFlight = 0
    this.waiting = null
    // The two functions handed out (no closure per close or per wait).
    this.settle = () => this.settled()
    this.stuck = () => this.wake(true)
  }

  get full() {
    return this.inFlight >= this.pacer.allowed
  }

  /** `conn` was closed: in flight until it settles, when it can tell; else counted at once. */
  closed(conn) {
    if (typeof conn.settled === 'function') {
      this.inFlight++
      conn.settled(this.settle)
    } else this.pacer.credit++
  }

  settled() {
    this.pacer.credit++
    if (this.inFlight > 0) this.inFlight--
    if (this.waiting !== null && !this.full) this.wake(false)
  }

  /** The window is full: resume() once a close settles, or after SETTLE_MS. */
  wait() {
    this.waiting = setTimeout(this.stuck, SETTLE_MS)
    if (typeof this.waiting.unref === 'function') this.waiting.unref()
  }

  wake(stuck) {
    if (stuck) this.inFlight = 0
    clearTimeout(this.waiting)
    this.waiting = null
    this.pacer.restart()
    this.resume()
  }
}

/**
 * The sweeps of one watch (read for its `entries` and `check(conn)`), and their counts for
 * `stats()`: sweeps, slices, longestSliceMs; `allowed`, the closes a slice may make now.
 */
class SlicedSweep {
  constructor(watch) {
    this.watch = watch
    this.running = false
    this.again = false
    this.sweeps = 0
    this.slices = 0
    this.longestSliceMs = 0
    // The live iterator of the running sweep (connections removed before their turn are
    // skipped), and the one function setImmediate runs (no closure per slice).
    this.it = null
    this.next = () => this.turn()
    this.pacer = new TurnPacer()
    this.window = new CloseWindow(this.pacer, () => setImmediate(this.next))
  }

  get allowed() {
    return this.pacer.allowed
  }

  /** Re-checks every connection (admitted meanwhile: checked on admission); asked again while it runs: again after. */
  run() {
    if (this.running) {
      this.again = true
      return
    }
    this.running = true
    this.sweeps++
    this.it = this.watch.entries.keys()
    this.pacer.restart()
    this.turn()
  }

  /** A turn: the last one measured; a wait while the window is full, a rest after a long turn, else a slice. */
  turn() {
    const start = performance.now()
    const rest = this.pacer.turn(start)
    if (this.window.full) return this.window.wait()
    if (!rest && !this.slice(start)) return
    setImmediate(this.next)
  }

  /** A slice from `start`: checks until `allowed` closes (less those in flight) or SLICE_MS; true when some are left. */
  slice(start) {
    const { watch, it, window } = this
    const end = start + SLICE_MS
    const allowed = this.pacer.allowed - window.inFlight
    this.slices++
    let closes = 0
    let n = 0
    let left = true
    for (;;) {
      const r = it.next()
      if (r.done) {
        left = false
        break
      }
      // A close costs far more than a check: the clock read after each, every SWEEP_STRIDE checks otherwise.
      if (watch.check(r.value)) {
        window.closed(r.value)
        if (++closes >= allowed || performance.now() >= end) break
      } else if (++n % SWEEP_STRIDE === 0 && performance.now() >= end) break
    }
    this.longestSliceMs = Math.max(this.longestSliceMs, performance.now() - start)
    if (!left) this.finish()
    return left
  }

  /** The sweep reached the end: done, or started again for a change that came meanwhile. */
  finish() {
    this.running = false
    this.it = null
    if (this.again) {
      this.again = false
      this.run()
    }
  }
}

module.exports = { SlicedSweep, TURN_MS, FIRST_CLOSES, MAX_CLOSES }
