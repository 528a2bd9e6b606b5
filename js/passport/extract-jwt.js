'use strict'
// ExtractJwt: passport-jwt's seven token extractors, with the same behaviour (an extractor
// takes the request and returns the token, or null), plus fromSessionCookie for the Auth.js
// session cookie. Written for authbridge from passport-jwt's documented behaviour.

const { codedTypeError } = require('../core/errors.js')

const AUTH_HEADER = 'authorization'
// Marks the extractor fromAuthHeaderAsBearerToken() returns.
const BEARER_EXTRACTOR = Symbol('authbridge.bearerExtractor')
const querystring = require('node:querystring')

/**
 * White space as a JavaScript RegExp's `\s` matches it (WhiteSpace and LineTerminator), by
 * UTF-16 code unit; the Rust reader (extract::is_js_space) is the same set.
 */
function isJsSpace(c) {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d)
  if (c < 0xa0) return false
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
}

/**
 * passport-jwt's reading of an Authorization header, `/(\S+)\s+(\S+)/` (the first run of
 * non-space characters is the scheme, the next run the value), in one forward scan: each
 * character is looked at once, so a long header without white space costs its length, not
 * its square (that regexp, unanchored, retries from every position). { scheme, value } or null.
 */
function parseAuthHeader(value) {
  if (typeof value !== 'string') return null
  const n = value.length
  let i = 0
  while (i < n && isJsSpace(value.charCodeAt(i))) i++
  const schemeStart = i
  while (i < n && !isJsSpace(value.charCodeAt(i))) i++
  const schemeEnd = i
  if (schemeEnd === schemeStart || i === n) return null
  while (i < n && isJsSpace(value.charCodeAt(i))) i++
  const valueStart = i
  while (i < n && !isJsSpace(value.charCodeAt(i))) i++
  if (i === valueStart) return null
  return { scheme: value.slice(schemeStart, schemeEnd), value: value.slice(valueStart, i), end: i }
}

/**
 * The token of a header that is exactly `Bearer <token>` (scheme in any case, white space
 * around), as `/^\s*bearer\s+(\S+)\s*$/i` reads it, in one scan; else null.
 */
function soleBearerToken(value) {
  const p = parseAuthHeader(value)
  if (p === null || p.scheme.toLowerCase() !== 'bearer') return null
  for (let i = p.end; i < value.length; i++) if (!isJsSpace(value.charCodeAt(i))) return null
  return p.value
}

// The token fromSessionCookie() returned, by request: the Strategy applies the Origin rule
// to it (README "Cookies and Origin").
const cookieTokens = new WeakMap()

const has = (obj, name) => obj !== null && typeof obj === 'object' && Object.prototype.hasOwnProperty.call(obj, name)

/** Trimmed from both ends of req.url as url.parse trims: C0 controls, space, U+00A0, U+FEFF. */
const isUrlSpace = (c) => c < 33 || c === 0xa0 || c === 0xfeff

/**
 * The query of req.url as passport-jwt's `url.parse(req.url, true).query` gives it (a string:
 * trimmed, the part after the first '?' and before any '#', read by querystring.parse, which
 * keeps repeated names as a list and stops after 1000 pairs), or the `query` of a url.Url.
 * One pass over the URL: a long query costs its length.
 */
function queryOf(req) {
  const u = req && req.url
  let search = null
  if (typeof u === 'string') {
    let start = 0
    let end = u.length
    while (start < end && isUrlSpace(u.charCodeAt(start))) start++
    while (end > start && isUrlSpace(u.charCodeAt(end - 1))) end--
    const hash = u.indexOf('#', start)
    if (hash !== -1 && hash < end) end = hash
    const q = u.indexOf('?', start)
    search = q === -1 || q >= end ? '' : u.slice(q + 1, end)
  } else if (u && typeof u === 'object') {
    if (u.query && typeof u.query === 'object') return u.query
    search = typeof u.search === 'string' ? u.search.replace(/^\?/, '') : typeof u.query === 'string' ? u.query : ''
  }
  if (!search) return null
  return querystring.parse(search)
}

/** A cookie value as @auth/core reads it: URL-decoded, without surrounding double quotes. */
function cookieValue(raw) {
  let v = raw.trim()
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1)
  try {
    return decodeURIComponent(v)
  } catch {
    return v
  }
}

/** Cookie header (string or list) -> Map name -> value; the first of a name wins. */
function parseCookies(header) {
  const out = new Map()
  const lines = Array.isArray(header) ? header : typeof header === 'string' ? [header] : []
  for (const line of lines) {
    for (const part of String(line).split(';')) {
      const eq = part.indexOf('=')
      if (eq === -1) continue
      const name = part.slice(0, eq).trim()
      if (name && !out.has(name)) out.set(name, cookieValue(part.slice(eq + 1)))
    }
  }
  return out
}

/**
 * The session token in a cookie header, as authbridge's native reader finds it: chunks
 * name.0, name.1, ... (joined in numeric order) win over a plain name=...
 */
function sessionCookie(header, name) {
  const cookies = parseCookies(header)
  const prefix = `${name}.`
  const chunks = []
  for (const [key, value] of cookies) {
    if (key.startsWith(prefix) && /^\d+$/.test(key.slice(prefix.length))) chunks.push([Number(key.slice(prefix.length)), value])
  }
  if (chunks.length > 0) return chunks.sort((a, b) => a[0] - b[0]).map((c) => c[1]).join('')
  return cookies.get(name) || null
}

const ExtractJwt = {
  fromHeader(headerName) {
    return function fromHeader(req) {
      const v = req && req.headers ? req.headers[headerName] : undefined
      return v ? v : null
    }
  },

  fromBodyField(fieldName) {
    return function fromBodyField(req) {
      return req && has(req.body, fieldName) ? req.body[fieldName] : null
    }
  },

  fromUrlQueryParameter(paramName) {
    return function fromUrlQueryParameter(req) {
      const q = queryOf(req)
      return q && Object.prototype.hasOwnProperty.call(q, paramName) ? q[paramName] : null
    }
  },

  fromAuthHeaderWithScheme(authScheme) {
    const scheme = String(authScheme).toLowerCase()
    return function fromAuthHeaderWithScheme(req) {
      const v = req && req.headers ? req.headers[AUTH_HEADER] : undefined
      if (!v) return null
      const parsed = parseAuthHeader(v)
      return parsed && parsed.scheme.toLowerCase() === scheme ? parsed.value : null
    }
  },

  fromAuthHeaderAsBearerToken() {
    const extractor = ExtractJwt.fromAuthHeaderWithScheme('bearer')
    // authbridge/passport reads the header natively when it sees this extractor (same rules).
    Object.defineProperty(extractor, BEARER_EXTRACTOR, { value: true })
    return extractor
  },

  fromExtractors(extractors) {
    if (!Array.isArray(extractors)) throw codedTypeError('ERR_INVALID_OPTIONS', 'extractors.fromExtractors expects an array')
    return function fromExtractors(req) {
      let token = null
      for (let i = 0; !token && i < extractors.length; i++) token = extractors[i].call(this, req)
      return token
    }
  },

  /** passport-jwt 1.x's order: the 'JWT' scheme, then body auth_token, then query auth_token. */
  versionOneCompatibility(options) {
    const o = options || {}
    const header = ExtractJwt.fromAuthHeaderWithScheme(o.authScheme || 'JWT')
    const body = ExtractJwt.fromBodyField(o.tokenBodyField || 'auth_token')
    const query = ExtractJwt.fromUrlQueryParameter(o.tokenQueryParameterName || 'auth_token')
    return function versionOneCompatibility(req) {
      return header(req) || body(req) || query(req)
    }
  },

  /**
   * authbridge: the Auth.js session cookie (its chunks name.0, name.1, ... joined). The name
   * defaults to the one the strategy's `authjs` options give (authjs.session-token when called
   * outside a strategy).
   */
  fromSessionCookie(cookieName) {
    return function fromSessionCookie(req) {
      const name = cookieName || (this && typeof this._sessionCookieName === 'string' ? this._sessionCookieName : 'authjs.session-token')
      const token = sessionCookie(req && req.headers ? req.headers.cookie : undefined, name)
      if (token !== null && typeof req === 'object') cookieTokens.set(req, token)
      return token
    }
  },
}

/**
 * Whether the token an extractor gave came from the request's Cookie header, which the
 * browser sends on its own (so the Strategy applies the Origin rule to it): the one
 * fromSessionCookie() returned for this request (its chunks joined), or a token that occurs
 * whole in the Cookie header (an app's own extractor reading req.cookies or the header);
 * not when the Authorization header carries it too (the page that sent it holds the token).
 * No work for a request without cookies.
 */
function tokenFromCookie(req, token) {
  const headers = req && req.headers
  const header = headers ? headers.cookie : undefined
  if (header === undefined || header === null || header === '' || typeof token !== 'string' || token === '') return false
  if (cookieTokens.get(req) !== token && !inCookieHeader(header, token)) return false
  const auth = parseAuthHeader(headers[AUTH_HEADER])
  return auth === null || auth.value !== token
}

function inCookieHeader(header, token) {
  if (typeof header === 'string') return header.includes(token)
  return Array.isArray(header) && header.some((line) => typeof line === 'string' && line.includes(token))
}

module.exports = { ExtractJwt, parseAuthHeader, soleBearerToken, tokenFromCookie, BEARER_EXTRACTOR }
