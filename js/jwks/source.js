'use strict'
// Where a RemoteJwks (js/jwks/index.js, which owns one) gets its set: the jwks_uri (given, or
// found by discovery from the issuer), one conditional GET under one deadline (the ETag of the
// set it loaded), same-origin redirects counted as fetches, and the fetch in flight to abort.
// The I/O itself is http.js's.

const { discard, maxAgeOf, getSameOrigin, discoverJwksUri, underDeadline, jwksText } = require('./http.js')

class JwksSource {
  #o
  #fetch
  #issuer
  #etag = null
  #controller = null
  // Read by the owner's status().
  uri = null // the key set's URL, once known
  fetches = 0

  /** `configured`: the jwksUri option (URL), or null under discovery from `issuer`. */
  constructor(o, configured, issuer, fetch) {
    this.#o = o
    this.uri = configured
    this.#issuer = issuer
    this.#fetch = fetch
  }

  /**
   * One fetch under one deadline: discovery if needed, then the key set (conditional on the
   * ETag when `loaded`). `accept(text)` loads it (null: unchanged, HTTP 304); its ETag is kept
   * once it did. Resolves with the max-age to honour (or null).
   */
  async fetch(loaded, accept) {
    const controller = new AbortController()
    this.#controller = controller
    try {
      return await underDeadline(controller, this.#o.timeout, (signal) => this.#fetchUnder(signal, loaded, accept))
    } finally {
      if (this.#controller === controller) this.#controller = null
    }
  }

  /** Aborts the fetch in flight, if any. */
  abort() {
    if (this.#controller) this.#controller.abort()
  }

  async #fetchUnder(signal, loaded, accept) {
    if (!this.uri) this.uri = await this.#discover(signal)
    const headers = { accept: 'application/jwk-set+json, application/json', ...this.#o.headers }
    if (this.#etag && loaded) headers['if-none-match'] = this.#etag
    const res = await this.#get(this.uri, headers, signal, 'ERR_JWKS_FETCH_FAILED')
    if (res.status === 304 && loaded) {
      discard(res)
      accept(null)
      return maxAgeOf(res)
    }
    const text = await jwksText(res, this.uri, this.#o.maxBytes)
    accept(text)
    this.#etag = res.headers.get('etag') || null
    return maxAgeOf(res)
  }

  /** GET with same-origin redirects only (at most 3), counted in fetches. */
  #get(url, headers, signal, code) {
    return getSameOrigin(this.#fetch, url, headers, signal, code, () => {
      this.fetches += 1
    })
  }

  /** OpenID Connect discovery, then RFC 8414 metadata: the jwks_uri. */
  #discover(signal) {
    return discoverJwksUri(this.#issuer, this.#o, (url, headers, code) => this.#get(url, headers, signal, code), signal)
  }
}

module.exports = { JwksSource }
