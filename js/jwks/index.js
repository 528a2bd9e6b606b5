'use strict'
// RemoteJwks: a JWK Set kept current from an identity provider (a jwks_uri, or an issuer
// through OpenID Connect / OAuth discovery). This file keeps the state (ETag, the loaded
// set); refresh.js beside it the refresh schedule (cooldown, backoff), http.js the I/O (fetch,
// timeouts, redirects, size limits) and options.js reads the options. The native
// JwksKeySet it extends parses and filters each set by the rules a static `jwks` follows,
// and every verifier built with it reads the current set on each verification, with no
// I/O. Timers are unref'd: a RemoteJwks never keeps the process alive.

const { EventEmitter } = require('node:events')
const { JwksKeySet } = require('../../index.js')
const { optionsErrors, callHook } = require('../core/errors.js')
const metrics = require('../metrics/channels.js')
const { discard, maxAgeOf, getSameOrigin, discoverJwksUri, underDeadline, jwksText } = require('./http.js')
const { DEFAULTS, remoteOptions } = require('./options.js')
const { Refresher } = require('./refresh.js')

const optionsError = optionsErrors('RemoteJwks')

class RemoteJwks extends JwksKeySet {
  #o
  #fetch
  #configured // the jwksUri option (URL), or null under discovery
  #issuer
  #uri = null // the key set's URL, once known
  #etag = null
  #controller = null
  #refresher
  #loaded = false
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
    this.#refresher = new Refresher(this, o, {
      load: () => this.#fetchAndLoad(),
      failing: () => {
        if (this.#loaded) this._markFailing(Date.now() / 1000 + this.#o.staleWhileError)
      },
      failed: (err) => {
        if (this.#events.listenerCount('refreshError') > 0) callHook((e) => this.#events.emit('refreshError', e), err)
      },
    })
    if (options.initialJwks !== undefined) {
      const text = typeof options.initialJwks === 'string' ? options.initialJwks : JSON.stringify(options.initialJwks)
      if (typeof text !== 'string') throw optionsError('initialJwks must be a JWK Set object or its JSON text')
      this.#keyIds = this._load(text, o.maxKeys)
      this.#loaded = true
      this.#refresher.lastRefresh = Date.now() / 1000
    }
    metrics.track('jwks', this)
    // The first load starts now; ready() reports it.
    this.#refresher.attempt().catch(() => {})
  }

  /** Resolves after the first good load (at once if one happened); rejects with the
   * failure of the first attempt (refreshes go on in the background). */
  ready() {
    if (this.#loaded) return Promise.resolve()
    return this.#refresher.attempt().then(() => undefined)
  }

  /** Fetches now, whatever the cooldown; concurrent calls share one fetch. */
  refresh() {
    return this.#refresher.attempt().then(() => undefined)
  }

  /** The set's state: key ids, last good refresh and last error (seconds since the epoch). */
  status() {
    const r = this.#refresher
    return {
      keyIds: [...this.#keyIds],
      lastRefresh: r.lastRefresh,
      lastError: r.lastError,
      stale: this._isStale(),
      ready: this.#loaded,
      failures: r.failures,
      jwksUri: this.#uri ? this.#uri.href : undefined,
      fetches: this.#fetches,
    }
  }

  /** Stops every timer and any fetch in flight; the current keys keep verifying. */
  close() {
    metrics.untrack('jwks', this)
    this.#refresher.close()
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
    return this.#refresher.miss()
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
