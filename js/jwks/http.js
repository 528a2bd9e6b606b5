'use strict'
// RemoteJwks' HTTP: URL rules, bounded reads, same-origin redirects and OpenID Connect /
// OAuth discovery. No state: js/jwks/index.js keeps the schedule, the cache and the counters.

const { codedError } = require('../core/errors.js')
const { unrefTimeout } = require('../core/timers.js')

const MAX_REDIRECTS = 3

/** Parses a URL and applies the transport rules: https, or http with allowHttp. */
function checkUrl(text, allowHttp, what, code = 'ERR_INVALID_OPTIONS') {
  let url
  try {
    url = new URL(text)
  } catch {
    throw codedError(code, `RemoteJwks: ${what} is not a valid URL`)
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowHttp)) {
    throw codedError(code, `RemoteJwks: ${what} must use https (${url.protocol} given; allowHttp: true permits http, for loopback and tests)`)
  }
  if (url.username || url.password) throw codedError(code, `RemoteJwks: ${what} must not carry credentials (use the headers option)`)
  return url
}

/** Reads a response body up to `max` bytes, as text. */
async function readLimited(res, max, what) {
  const tooLarge = () => codedError('ERR_JWKS_TOO_LARGE', `the ${what} response is larger than maxBytes (${max} bytes)`)
  const declared = Number(res.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > max) {
    if (res.body && typeof res.body.cancel === 'function') res.body.cancel().catch(() => {})
    throw tooLarge()
  }
  if (!res.body || typeof res.body.getReader !== 'function') {
    const text = await res.text()
    if (Buffer.byteLength(text) > max) throw tooLarge()
    return text
  }
  const reader = res.body.getReader()
  const chunks = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > max) {
      reader.cancel().catch(() => {})
      throw tooLarge()
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function discard(res) {
  if (res && res.body && typeof res.body.cancel === 'function') res.body.cancel().catch(() => {})
}

function isJsonType(res) {
  const type = (res.headers.get('content-type') || '').split(';')[0].trim().toLowerCase()
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'))
}

/** Cache-Control max-age in seconds, or null. */
function maxAgeOf(res) {
  const cc = res.headers.get('cache-control')
  if (!cc) return null
  if (/(^|,)\s*(no-store|no-cache)\s*(,|$)/i.test(cc)) return 0
  const m = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?/i.exec(cc)
  return m ? Number(m[1]) : null
}

/**
 * GET `url` with `fetchFn`, following same-origin redirects only (at most 3); `code` is the
 * error code of a failure; `counted()` runs before each request.
 */
async function getSameOrigin(fetchFn, url, headers, signal, code, counted) {
  let current = url
  for (let hops = 0; ; hops++) {
    counted()
    let res
    try {
      res = await fetchFn(current.href, { method: 'GET', headers, redirect: 'manual', signal })
    } catch (err) {
      if (signal.aborted) throw err
      throw codedError(code, `could not reach ${current.origin}: ${(err && err.cause && err.cause.code) || (err && err.message) || 'network error'}`)
    }
    // A custom fetch that followed redirects itself: the final origin must still be the same.
    if (res.redirected && typeof res.url === 'string' && res.url) {
      let final = null
      try {
        final = new URL(res.url)
      } catch {
        final = null
      }
      if (!final || final.origin !== url.origin) {
        discard(res)
        throw codedError(code, `a redirect from ${url.origin} to another origin was refused`, { status: res.status })
      }
    }
    if (res.status >= 300 && res.status < 400 && res.status !== 304) {
      discard(res)
      const location = res.headers.get('location')
      if (!location) throw codedError(code, `${current.origin} answered HTTP ${res.status} without a Location`, { status: res.status })
      let next
      try {
        next = new URL(location, current)
      } catch {
        throw codedError(code, `${current.origin} redirected to an invalid URL`, { status: res.status })
      }
      if (next.origin !== url.origin) throw codedError(code, `a redirect from ${url.origin} to another origin (${next.origin}) was refused`, { status: res.status })
      if (hops + 1 > MAX_REDIRECTS) throw codedError(code, `more than ${MAX_REDIRECTS} redirects from ${url.origin}`, { status: res.status })
      current = next
      continue
    }
    return res
  }
}

/**
 * OpenID Connect discovery, then RFC 8414 metadata: the jwks_uri of `issuer`, as a checked
 * URL. `o` holds headers, maxBytes and allowHttp; `get(url, headers, code)` fetches.
 */
async function discoverJwksUri(issuer, o, get, signal) {
  const base = new URL(issuer)
  const path = base.pathname.replace(/\/$/, '')
  const candidates = [
    new URL(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`),
    new URL(`${base.origin}/.well-known/oauth-authorization-server${path}`),
  ]
  let lastErr = null
  for (const url of candidates) {
    let meta
    try {
      const res = await get(url, { accept: 'application/json', ...o.headers }, 'ERR_DISCOVERY_FAILED')
      if (res.status < 200 || res.status > 299) {
        discard(res)
        throw codedError('ERR_DISCOVERY_FAILED', `${url.origin}${url.pathname} answered HTTP ${res.status}`, { status: res.status })
      }
      const text = await readLimited(res, o.maxBytes, 'discovery')
      try {
        meta = JSON.parse(text)
      } catch {
        throw codedError('ERR_DISCOVERY_FAILED', `${url.origin}${url.pathname} is not JSON`)
      }
    } catch (err) {
      if (signal.aborted) throw err
      lastErr = err.code === 'ERR_DISCOVERY_FAILED' ? err : codedError('ERR_DISCOVERY_FAILED', `discovery failed: ${err.message}`, { status: err.status })
      continue
    }
    if (!meta || typeof meta !== 'object') throw codedError('ERR_DISCOVERY_FAILED', `${url.origin}${url.pathname} is not a metadata object`)
    if (meta.issuer !== issuer) {
      throw codedError(
        'ERR_DISCOVERY_ISSUER_MISMATCH',
        `the provider's metadata names issuer ${JSON.stringify(String(meta.issuer).slice(0, 200))}, not the configured ${JSON.stringify(issuer)} (they must be equal, trailing slash included)`,
      )
    }
    if (typeof meta.jwks_uri !== 'string') throw codedError('ERR_DISCOVERY_FAILED', `the provider's metadata has no jwks_uri`)
    return checkUrl(meta.jwks_uri, o.allowHttp, 'the discovered jwks_uri', 'ERR_DISCOVERY_FAILED')
  }
  throw lastErr
}

/**
 * Runs `run(signal)` under one deadline of `timeout` seconds: past it, `controller` aborts
 * the run and the result is ERR_JWKS_TIMEOUT (also when the run then fails another way).
 */
async function underDeadline(controller, timeout, run) {
  const timeoutError = () => codedError('ERR_JWKS_TIMEOUT', `fetching the JWK Set took longer than timeout (${timeout} s)`)
  let timedOut = false
  let timer
  const deadline = new Promise((_, reject) => {
    timer = unrefTimeout(() => {
      timedOut = true
      controller.abort()
      reject(timeoutError())
    }, timeout * 1000)
  })
  deadline.catch(() => {})
  try {
    return await Promise.race([run(controller.signal), deadline])
  } catch (err) {
    if (timedOut) throw timeoutError()
    throw err
  } finally {
    clearTimeout(timer)
  }
}

/** The text of a key endpoint's answer (at most maxBytes), once its status and content type pass; `uri` names it in errors. */
async function jwksText(res, uri, maxBytes) {
  if (res.status < 200 || res.status > 299) {
    discard(res)
    throw codedError('ERR_JWKS_FETCH_FAILED', `the key endpoint ${uri.origin}${uri.pathname} answered HTTP ${res.status}`, { status: res.status })
  }
  if (!isJsonType(res)) {
    discard(res)
    throw codedError('ERR_JWKS_FETCH_FAILED', `the key endpoint answered with content type '${String(res.headers.get('content-type') || 'none').slice(0, 60)}', not JSON`, { status: res.status })
  }
  return readLimited(res, maxBytes, 'JWK Set')
}

module.exports = { checkUrl, readLimited, discard, isJsonType, maxAgeOf, getSameOrigin, discoverJwksUri, underDeadline, jwksText }
