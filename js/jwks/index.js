'use strict'
// RemoteJwks: a JWK Set kept current from an identity provider (a jwks_uri, or an issuer
// through OpenID Connect / OAuth discovery). This file keeps the loaded set and the events;
// beside it, refresh.js keeps the refresh schedule (cooldown, backoff), source.js where the set
// comes from (jwks_uri or discovery, ETag, deadline), http.js does the I/O (fetch, timeouts,
// redirects, size limits) and options.js reads the options. The native
// JwksKeySet it extends parses and filters each set by the rules a static `jwks` follows,
// and every verifier built with it reads the current set on each verification, with no
// I/O. Timers are unref'd: a RemoteJwks never keeps the process alive.

const { EventEmitter } = require('node:events')
const { JwksKeySet } = require('../../index.js')
const { callHook } = require('../core/errors.js')
const metrics = require('../core/channels.js')
const { DEFAULTS, remoteOptions } = require('./options.js')
const { Refresher } = require('./refresh.js')
const { JwksSource } = require('./source.js')

/** The set as loaded into the native key set: its key ids, whether a load happened, the announcement of a new one. */
class LoadedSet {
  loaded = false
  keyIds = []

  constructor(keySet, o, events) {
    this.keySet = keySet
    this.o = o
    this.events = events
  }

  /** Loads `text` (a JWK Set as JSON) into the native set (a refused set changes nothing). */
  load(text) {
    this.keyIds = this.keySet._load(text, this.o.maxKeys)
    this.loaded = true
  }

  /** A fetched set (null: unchanged, HTTP 304) loaded, then announced (onUpdate, 'update'). */
  accept(text) {
    if (text === null) return this.keySet._markFresh()
    this.load(text)
    announce(this.o, this.events, text, this.keyIds)
  }
}

class RemoteJwks extends JwksKeySet {
  #source
  #refresher
  #set
  #events = new EventEmitter()

  /**
   * @param {object} options see RemoteJwksOptions in index.d.ts
   */
  constructor(options) {
    super()
    const { o, configured, issuer, fetch, initial } = remoteOptions(options)
    const set = (this.#set = new LoadedSet(this, o, this.#events))
    this.#source = new JwksSource(o, configured, issuer, fetch)
    this.#refresher = new Refresher(this, o, this.#events, {
      load: () => this.#source.fetch(set.loaded, (text) => set.accept(text)),
      loaded: () => set.loaded,
    })
    if (initial !== undefined) {
      set.load(initial)
      this.#refresher.lastRefresh = Date.now() / 1000
    }
    metrics.track('jwks', this)
    // The first load starts now; ready() reports it.
    this.#refresher.attempt().catch(() => {})
  }

  /** Resolves after the first good load (at once if one happened); rejects with the
   * failure of the first attempt (refreshes go on in the background). */
  ready() {
    if (this.#set.loaded) return Promise.resolve()
    return this.#refresher.attempt().then(() => undefined)
  }

  /** Fetches now, whatever the cooldown; concurrent calls share one fetch. */
  refresh() {
    return this.#refresher.attempt().then(() => undefined)
  }

  /** The set's state: key ids, last good refresh and last error (seconds since the epoch). */
  status() {
    return statusOf(this.#set, this.#refresher, this.#source, this._isStale())
  }

  /** Stops every timer and any fetch in flight; the current keys keep verifying. */
  close() {
    metrics.untrack('jwks', this)
    this.#refresher.close()
    this.#source.abort()
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
   * Called by the verifiers when a token's kid is unknown (or nothing is loaded yet): one shared
   * refresh when the cooldown and the backoff allow it; a promise that settles (never rejects)
   * when that refresh ends, or null when none may start now.
   */
  _miss() {
    return this.#refresher.miss()
  }
}

/** RemoteJwks#status() of its parts. */
function statusOf(set, refresher, source, stale) {
  return {
    keyIds: [...set.keyIds],
    lastRefresh: refresher.lastRefresh,
    lastError: refresher.lastError,
    stale,
    ready: set.loaded,
    failures: refresher.failures,
    jwksUri: source.uri ? source.uri.href : undefined,
    fetches: source.fetches,
  }
}

/** A new set announced to onUpdate (the parsed set) and the 'update' listeners ({ keyIds }); a hook that throws is reported, not thrown (callHook). */
function announce(o, events, text, keyIds) {
  if (typeof o.onUpdate === 'function') {
    let parsed = null
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = null
    }
    if (parsed) callHook(o.onUpdate, parsed)
  }
  if (events.listenerCount('update') > 0) callHook((k) => events.emit('update', { keyIds: k }), [...keyIds])
}

const RETRYABLE = new Set(['ERR_JWKS_KID_UNKNOWN', 'ERR_JWKS_NOT_READY'])

/** On a retryable error from a verifier using `remote`: the refresh to wait for, or null. */
function missed(remote, err) {
  if (!remote || !err || !RETRYABLE.has(err.code)) return null
  return remote._miss()
}

module.exports = { RemoteJwks, missed, DEFAULTS }
