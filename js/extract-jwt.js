'use strict'
// ExtractJwt: passport-jwt's seven token extractors, with the same behaviour (an extractor
// takes the request and returns the token, or null), plus fromSessionCookie for the Auth.js
// session cookie. Written for authbridge from passport-jwt's documented behaviour.

const { codedTypeError } = require('./errors.js')

const AUTH_HEADER = 'authorization'
// Marks the extractor fromAuthHeaderAsBearerToken() returns.
const BEARER_EXTRACTOR = Symbol('authbridge.bearerExtractor')
// As passport-jwt: a scheme, white space (a CRLF too), a value.
const AUTH_HEADER_RE = /(\S+)\s+(\S+)/

function parseAuthHeader(value) {
  if (typeof value !== 'string') return null
  const m = AUTH_HEADER_RE.exec(value)
  return m && { scheme: m[1], value: m[2] }
}

// The token fromSessionCookie() returned, by request: the Strategy applies the Origin rule
// to it (README "Cookies and Origin").
const cookieTokens = new WeakMap()

const has = (obj, name) => obj !== null && typeof obj === 'object' && Object.prototype.hasOwnProperty.call(obj, name)

/** The query of req.url (a string, or a url.Url with `query` or `search`). */
function queryOf(req) {
  const u = req && req.url
  let search = null
  if (typeof u === 'string') {
    const i = u.indexOf('?')
    search = i === -1 ? '' : u.slice(i + 1)
  } else if (u && typeof u === 'object') {
    if (u.query && typeof u.query === 'object') return u.query
    search = typeof u.search === 'string' ? u.search.replace(/^\?/, '') : typeof u.query === 'string' ? u.query : ''
  }
  if (!search) return null
  const params = new URLSearchParams(search)
  const out = Object.create(null)
  for (const key of params.keys()) {
    const all = params.getAll(key)
    out[key] = all.length === 1 ? all[0] : all
  }
  return out
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

module.exports = { ExtractJwt, parseAuthHeader, tokenFromCookie, BEARER_EXTRACTOR }
