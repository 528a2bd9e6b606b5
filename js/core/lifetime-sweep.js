'use strict'
// The sliced sweep of the connection watch (js/core/connection-lifetime.js): 'stale', an
// `overflow`, a 'reload' without `entries` and any change not understood re-check every
// connection in slices of at most SLICE_MS, yielding to the event loop between slices.

const { performance } = require('node:perf_hooks')

// A sweep checks connections for at most this long before yielding (issue 21: <= 5 ms a slice
// at 50,000 sockets), and reads the clock after every close and every SWEEP_STRIDE checks.
// 1 ms, not more: a slice's last close, or a GC step that lands in it, runs past the budget,
// and must still end well under 5 ms.
const SLICE_MS = 1
const SWEEP_STRIDE = 8

/**
 * The sweeps of one watch (read for its `entries` and `check(conn)`), and their counts for
 * `stats()`: sweeps, slices, longestSliceMs.
 */
class SlicedSweep {
  constructor(watch) {
    this.watch = watch
    this.running = false
    this.again = false
    this.sweeps = 0
    this.slices = 0
    this.longestSliceMs = 0
  }

  /**
   * Re-checks every connection, in slices of at most SLICE_MS (wall time, the clock read
   * after every close and every SWEEP_STRIDE checks) with setImmediate between them, so a
   * slice never runs a batch of closes (each a packet and a socket shut) past its time.
   * Connections admitted meanwhile are checked on admission; a sweep asked for while one
   * runs starts again once it ends, so no change is lost.
   */
  run() {
    if (this.running) {
      this.again = true
      return
    }
    this.running = true
    this.sweeps++
    // A live iterator: connections removed before their turn are skipped.
    const it = this.watch.entries.keys()
    const slice = () => {
      if (this.slice(it)) setImmediate(slice)
    }
    slice()
  }

  /** One slice of the sweep over `it`; true when connections are left for another. */
  slice(it) {
    const watch = this.watch
    this.slices++
    const start = performance.now()
    const end = start + SLICE_MS
    let n = 0
    for (;;) {
      const r = it.next()
      if (r.done) {
        this.longestSliceMs = Math.max(this.longestSliceMs, performance.now() - start)
        this.running = false
        if (this.again) {
          this.again = false
          this.run()
        }
        return false
      }
      // A close (a packet and a socket shut) costs far more than a check: the clock is read
      // after each, and every SWEEP_STRIDE checks otherwise.
      if ((watch.check(r.value) || ++n % SWEEP_STRIDE === 0) && performance.now() >= end) break
    }
    this.longestSliceMs = Math.max(this.longestSliceMs, performance.now() - start)
    return true
  }
}

module.exports = { SlicedSweep, SLICE_MS }
