'use strict'
// The refresh schedule of a RemoteJwks (js/jwks/index.js, which owns one): one attempt at a
// time (concurrent callers share it), the next one after the max-age the server gave (or
// refreshInterval) with jitter, exponential backoff after failures (the keys marked failing,
// 'refreshError'), and the cooldown that bounds the refreshes unknown kids may start. The fetch
// itself is the owner's (`load`).
// Timers are unref'd.

const { performance } = require('node:perf_hooks')
const { codeOf, callHook } = require('../core/errors.js')
const { unrefTimeout } = require('../core/timers.js')
const metrics = require('../core/channels.js')

const MAX_AGE_MIN = 60
const MAX_AGE_MAX = 86400
const BACKOFF_MAX = 60

/** Seconds to the next refresh: the max-age the server gave (bounded), else refreshInterval. */
function nextInterval(o, maxAge) {
  let seconds = o.refreshInterval
  if (maxAge !== null && maxAge !== undefined) seconds = Math.min(MAX_AGE_MAX, Math.max(MAX_AGE_MIN, maxAge))
  // Jitter: up to 10% earlier, so that many instances do not refresh in step.
  return seconds * (1 - Math.random() * 0.1)
}

/**
 * When attempts happen: the timer of the next one (unref'd; none once closed), the start of
 * the last one, and the backoff after failures, which with the cooldown gates the attempts a
 * miss may start.
 */
class Pace {
  #timer = null
  #lastAttempt = -Infinity // ms, start of the last fetch
  #backoffUntil = 0 // ms
  closed = false

  started() {
    this.#lastAttempt = Date.now()
  }

  /** After a success: no backoff. */
  succeeded() {
    this.#backoffUntil = 0
  }

  /** After the `failures`-th failure in a row: the backoff, in seconds (1, 2, 4, ... BACKOFF_MAX). */
  failed(failures) {
    const backoff = Math.min(BACKOFF_MAX, 2 ** (failures - 1))
    this.#backoffUntil = Date.now() + backoff * 1000
    return backoff
  }

  /** Whether a miss may start an attempt: the cooldown (seconds) past since the last one, and the backoff. */
  allows(cooldown) {
    const now = Date.now()
    return !(now - this.#lastAttempt < cooldown * 1000 || now < this.#backoffUntil)
  }

  /** Runs `attempt` in `seconds`, in place of the one pending. */
  schedule(seconds, attempt) {
    if (this.closed) return
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = unrefTimeout(() => {
      this.#timer = null
      attempt()
    }, seconds * 1000)
  }

  close() {
    this.closed = true
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
  }
}

class Refresher {
  #owner
  #o
  #events
  #hooks
  #inflight = null
  #pace = new Pace()
  // Read by the owner's status().
  failures = 0
  lastRefresh = undefined // seconds since the epoch
  lastError = undefined

  /**
   * `owner`: the RemoteJwks (its keys marked failing, metrics published under it), `o` its
   * options, `events` its emitter ('refreshError'). `hooks.load()`: one fetch and load, a Promise
   * of the max-age to honour (or null); `hooks.loaded()`: whether a set was ever loaded.
   */
  constructor(owner, o, events, hooks) {
    this.#owner = owner
    this.#o = o
    this.#events = events
    this.#hooks = hooks
  }

  /** Starts an attempt now, whatever the cooldown, or joins the one in flight. */
  attempt() {
    if (this.#inflight) return this.#inflight
    this.#pace.started()
    const t0 = performance.now()
    const run = this.#hooks.load().then(
      (maxAge) => {
        this.failures = 0
        this.#pace.succeeded()
        this.lastError = undefined
        this.lastRefresh = Date.now() / 1000
        this.#inflight = null
        this.#schedule(nextInterval(this.#o, maxAge))
        metrics.jwksFetched(this.#owner, t0, null)
      },
      (err) => {
        this.failures += 1
        const backoff = this.#pace.failed(this.failures)
        this.lastError = `${codeOf(err, 'ERR_JWKS_FETCH_FAILED')}: ${err.message}`
        if (this.#hooks.loaded()) this.#owner._markFailing(Date.now() / 1000 + this.#o.staleWhileError)
        this.#inflight = null
        this.#schedule(backoff)
        metrics.jwksFetched(this.#owner, t0, err)
        if (this.#events.listenerCount('refreshError') > 0) callHook((e) => this.#events.emit('refreshError', e), err)
        throw err
      },
    )
    this.#inflight = run
    // The caller may drop it: never an unhandled rejection.
    run.catch(() => {})
    return run
  }

  /**
   * An unknown kid (or nothing loaded yet): one shared attempt when the cooldown and the
   * backoff allow it. A Promise that settles (never rejects) when it ends, or null.
   */
  miss() {
    if (this.#inflight) return this.#inflight.then(() => true, () => false)
    if (this.#pace.closed || !this.#pace.allows(this.#o.cooldown)) return null
    return this.attempt().then(() => true, () => false)
  }

  /** No more scheduled attempts. */
  close() {
    this.#pace.close()
  }

  #schedule(seconds) {
    this.#pace.schedule(seconds, () => this.attempt().catch(() => {}))
  }
}

module.exports = { Refresher }
