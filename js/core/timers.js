'use strict'
// Timers of the JS glue (key refresh, socket expiry): unref'd, so that authbridge never
// keeps a process alive, and never longer than setTimeout can wait: it fires at once for
// delays above 2^31-1 ms (about 24.8 days), so longer waits are reached in steps.

const MAX_TIMER_MS = 2 ** 31 - 1

/** setTimeout(fn, ms) with ms clamped to 0..MAX_TIMER_MS, unref'd. */
function unrefTimeout(fn, ms) {
  const timer = setTimeout(fn, Math.min(MAX_TIMER_MS, Math.max(0, ms)))
  if (typeof timer.unref === 'function') timer.unref()
  return timer
}

module.exports = { MAX_TIMER_MS, unrefTimeout }
