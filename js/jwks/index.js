'use strict'
// RemoteJwks: a JWK Set kept current from an identity provider (a jwks_uri, or an issuer
// through OpenID Connect / OAuth discovery). This file keeps the state (ETag, refresh
// schedule, cooldown, backoff); http.js beside it does the I/O (fetch, timeouts, redirects,
// size limits) and options.js reads the options. The native
// JwksKeySet it extends parses and filters each set by the rules a static `jwks` follows,
// and every verifier built with it reads the current set on each verification, with no
// I/O. Timers are unref'd: a RemoteJwks never keeps the process alive.

const { EventEmitter } = require('node:events')
const { performance } = require('node:perf_hooks')
const { JwksKeySet } = require('../../index.js')
const { codeOf, optionsErrors, callHook } = require('../core/errors.js')
const { unrefTimeout } = require('../core/timers.js')
const metrics = require('../metrics/channels.js')
const { discard, maxAgeOf, getSameOrigin, discoverJwksUri, underDeadline, jwksText } = require('./http.js')
const { DEFAULTS, remoteOptions } = require('./options.js')

const MAX_AGE_MIN = 60
const MAX_AGE_MAX = 86400
const BACKOFF_MAX = 60

const optionsError = optionsErrors('RemoteJwks')

class RemoteJwks extends JwksKeySet {
  #o
  #fetch
  #configured // the jwksUri option (URL), or null under discovery
  #issuer
  #uri = null // the key set's URL, once known
  #etag = null
  #inflight = null
  #controller = null
  #lastAttempt = -Infinity // ms, start of the last fetch
  #backoffUntil = 0 // ms
  #failures = 0
  #timer = null
  #closed = false
  #loaded = false
  #lastRefresh = undefined // seconds since the epoch
  #lastError = undefined
  #keyIds = []
  #fetches = 0
  #events = new EventEmitter()

  /**
   * @param {object} options see RemoteJwksOptions in index.d.ts
   */
  constructor(options) {
    super()
    const { o, configured, issuer, fetch } = remoteOptions(options)
    this.#configured = configured
    this.#uri = configured
    this.#issuer = issuer
    this.#fetch = fetch
    this.#o = o
    if (options.initialJwks !== undefined) {
      const text = typeof options.initialJwks === 'string' ? options.initialJwks : JSON.stringify(options.initialJwks)
      if (typeof text !== 'string') throw optionsError('initialJwks must be a JWK Set object or its JSON text')
      this.#keyIds = this._load(text, o.maxKeys)
      this.#loaded = true
      this.#lastRefresh = Date.now() / 1000
    }
    metrics.track('jwks', this)
    // The first load starts now; ready() reports it.
    this.#attempt().catch(() => {})
  }

  /** Resolves after the first good load (at once if one happened); rejects with the
   * failure of the first attempt (refreshes go on in the background). */
  ready() {
    if (this.#loaded) return Promise.resolve()
    return this.#attempt().then(() => undefined)
  }

  /** Fetches now, whatever the cooldown; concurrent calls share one fetch. */
  refresh() {
    return this.#attempt().then(() => undefined)
  }

  /** The set's state: key ids, last good refresh and last error (seconds since the epoch). */
  status() {
    return {
      keyIds: [...this.#keyIds],
      lastRefresh: this.#lastRefresh,
      lastError: this.#lastError,
      stale: this._isStale(),
      ready: this.#loaded,
      failures: this.#failures,
      jwksUri: this.#uri ? this.#uri.href : undefined,
      fetches: this.#fetches,
    }
  }

  /** Stops every timer and any fetch in flight; the current keys keep verifying. */
  close() {
    metrics.untrack('jwks', this)
    this.#closed = true
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    if (this.#controller) this.#controller.abort()
  }

  /** 'update' ({ keyIds }) after each new set; 'refreshError' (Error with code) after
   * each failed refresh. Listeners never see a token. */
  on(event, listener) {
    this.#events.on(event, listener)
    return this
  }

  off(event, listener) {
    this.#events.off(event, listener)
    return this
  }

  /**
   * Called by the verifiers when a token's kid is unknown (or nothing is loaded yet):
   * starts one shared refresh when the cooldown and the backoff allow it. Returns a
   * promise that settles (never rejects) when that refresh ends, or null when none may
   * start now.
   */
  _miss() {
    if (this.#inflight) return this.#inflight.then(() => true, () => false)
    if (this.#closed) return null
    const now = Date.now()
    if (now - this.#lastAttempt < this.#o.cooldown * 1000 || now < this.#backoffUntil) return null
    return this.#attempt().then(() => true, () => false)
  }

  #attempt() {
    if (this.#inflight) return this.#inflight
    this.#lastAttempt = Date.now()
    const t0 = performance.now()
    const run = this.#fetchAndLoad().then(
      (maxAge) => {
        this.#failures = 0
        this.#backoffUntil = 0
        this.#lastError = undefined
        this.#lastRefresh = Date.now() / 1000
        this.#inflight = null
        this.#schedule(this.#nextInterval(maxAge))
        metrics.jwksFetched(this, t0, null)
      },
      (err) => {
        this.#failures += 1
        const backoff = Math.min(BACKOFF_MAX, 2 ** (this.#failures - 1))
        this.#backoffUntil = Date.now() + backoff * 1000
        this.#lastError = `${codeOf(err, 'ERR_JWKS_FETCH_FAILED')}: ${err.message}`
        if (this.#loaded) this._markFailing(Date.now() / 1000 + this.#o.staleWhileError)
        this.#inflight = null
        this.#schedule(backoff)
        metrics.jwksFetched(this, t0, err)
        if (this.#events.listenerCount('refreshError') > 0) callHook((e) => this.#events.emit('refreshError', e), err)
        throw err
      },
    )
    this.#inflight = run
    // The caller may drop it: never an unhandled rejection.
    run.catch(() => {})
    return run
  }

  #nextInterval(maxAge) {
    let seconds = this.#o.refreshInterval
    if (maxAge !== null && maxAge !== undefined) seconds = Math.min(MAX_AGE_MAX, Math.max(MAX_AGE_MIN, maxAge))
    // Jitter: up to 10% earlier, so that many instances do not refresh in step.
    return seconds * (1 - Math.random() * 0.1)
  }

  #schedule(seconds) {
    if (this.#closed) return
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = unrefTimeout(() => {
      this.#timer = null
      this.#attempt().catch(() => {})
    }, seconds * 1000)
  }

  /** One refresh under one deadline: discovery if needed, then the key set. Resolves with
   * the max-age to honour (or null). */
  async #fetchAndLoad() {
    const controller = new AbortController()
    this.#controller = controller
    try {
      return await underDeadline(controller, this.#o.timeout, (signal) => this.#fetchAndLoadUnder(signal))
    } finally {
      if (this.#controller === controller) this.#controller = null
    }
  }

  async #fetchAndLoadUnder(signal) {
    if (!this.#uri) this.#uri = await this.#discover(signal)
    const headers = { accept: 'application/jwk-set+json, application/json', ...this.#o.headers }
    if (this.#etag && this.#loaded) headers['if-none-match'] = this.#etag
    const res = await this.#get(this.#uri, headers, signal, 'ERR_JWKS_FETCH_FAILED')
    if (res.status === 304 && this.#loaded) {
      discard(res)
      this._markFresh()
      return maxAgeOf(res)
    }
    const text = await jwksText(res, this.#uri, this.#o.maxBytes)
    const keyIds = this._load(text, this.#o.maxKeys)
    this.#keyIds = keyIds
    this.#loaded = true
    this.#etag = res.headers.get('etag') || null
    if (typeof this.#o.onUpdate === 'function') {
      let parsed = null
      try {
        parsed = JSON.parse(text)
      } catch {
        parsed = null
      }
      if (parsed) callHook(this.#o.onUpdate, parsed)
    }
    if (this.#events.listenerCount('update') > 0) callHook((k) => this.#events.emit('update', { keyIds: k }), [...keyIds])
    return maxAgeOf(res)
  }

  /** GET with same-origin redirects only (at most 3), counted in status().fetches. */
  #get(url, headers, signal, code) {
    return getSameOrigin(this.#fetch, url, headers, signal, code, () => {
      this.#fetches += 1
    })
  }

  /** OpenID Connect discovery, then RFC 8414 metadata: the jwks_uri. */
  #discover(signal) {
    return discoverJwksUri(this.#issuer, this.#o, (url, headers, code) => this.#get(url, headers, signal, code), signal)
  }
}

const RETRYABLE = new Set(['ERR_JWKS_KID_UNKNOWN', 'ERR_JWKS_NOT_READY'])

/** On a retryable error from a verifier using `remote`: the refresh to wait for, or null. */
function missed(remote, err) {
  if (!remote || !err || !RETRYABLE.has(err.code)) return null
  return remote._miss()
}

module.exports = { RemoteJwks, missed, DEFAULTS }
