'use strict'
// What the upgrade request of a plain WebSocket (or graphql-ws) connection gives the
// authenticator: its headers and, only when the authenticator reads the query (its `sources`
// has 'query'), the one query parameter it reads (`authField`); and its path, for the hooks.
//
// The parameter is read as the WHATWG URL parser and URLSearchParams read it
// (`new URL(req.url, 'http://localhost').searchParams.get(authField)`: the first value of that
// name, '+' as a space, percent-decoded as UTF-8), without parsing the rest of the URL or
// decoding any other parameter. An origin-form URL ('/path?query') is scanned here; any other
// shape (absolute-form, '//host', tabs or newlines, spaces at the ends) goes through
// `new URL` itself, which also decides that an unparsable URL has no query.
// js/passport/extract-jwt.js has its own reader: passport-jwt's (url.parse and
// querystring: other trimming, a list for a repeated name, at most 1000 pairs).

// The query of an upgrade URL without the parameter (shared; authenticate only reads it).
const NO_QUERY = Object.freeze({})

// What `new URL` strips or trims before it parses: ASCII tab and newline anywhere, C0 controls
// and space at either end. A URL holding one is read by `new URL` itself.
const UNTRIMMED = /[\t\n\r]|[\x00-\x20]$/

/**
 * The handshake `query` of an upgrade request: `{ [authField]: value }` when the authenticator
 * of `ctx` reads the query (`ctx.queryField`) and the URL has that parameter, else an empty
 * object. Never throws.
 */
function queryOf(ctx, req) {
  const name = ctx.queryField
  if (name === null || !req || typeof req.url !== 'string') return NO_QUERY
  const value = queryParam(req.url, name)
  return value === null ? NO_QUERY : { [name]: value }
}

/** The first value of the query parameter `name` in a request URL, as URLSearchParams#get gives it; null when absent. */
function queryParam(url, name) {
  const q = url.indexOf('?')
  if (q === -1) return null
  if (url.charCodeAt(0) !== 0x2f || url.charCodeAt(1) === 0x2f || url.charCodeAt(1) === 0x5c || UNTRIMMED.test(url)) return parsedParam(url, name)
  const hash = url.indexOf('#')
  if (hash !== -1 && hash < q) return null
  return paramOf(url, q + 1, hash === -1 ? url.length : hash, name)
}

/** The parameter read by the URL parser itself (null for an unparsable URL, as before: no query). */
function parsedParam(url, name) {
  try {
    return new URL(url, 'http://localhost').searchParams.get(name)
  } catch {
    return null
  }
}

/** A name or value as application/x-www-form-urlencoded reads it is the raw text when it has no '+', no '%' and no lone surrogate. */
const plain = (raw) => raw.indexOf('%') === -1 && raw.indexOf('+') === -1 && raw.isWellFormed()

/** The first value of `name` among the pairs of `url` from `start` to `end` (the query, without '?' and fragment), or null. */
function paramOf(url, start, end, name) {
  while (start < end) {
    let stop = url.indexOf('&', start)
    if (stop === -1 || stop > end) stop = end
    if (stop > start) {
      const pair = url.slice(start, stop)
      const eq = pair.indexOf('=')
      const raw = eq === -1 ? pair : pair.slice(0, eq)
      if (plain(raw) ? raw === name : decodedPair(pair)[0] === name) {
        const value = eq === -1 ? '' : pair.slice(eq + 1)
        return plain(value) ? value : decodedPair(pair)[1]
      }
    }
    start = stop + 1
  }
  return null
}

/**
 * One `name=value` pair (no '&', '#', tab or newline) decoded as the URL parser reads it: [name, value].
 * (Through `new URL`: the parser percent-encodes what URLSearchParams then decodes; Node's
 * URLSearchParams given raw text decodes non-ASCII next to a bad escape otherwise.)
 */
function decodedPair(pair) {
  for (const entry of new URL(`http://localhost/?${pair}&`).searchParams) return entry
  return ['', '']
}

/** The path of a request's URL (what onFailure / onSuccess report; never its query), or undefined. */
function pathOf(req) {
  if (!req || !req.url) return undefined
  const url = String(req.url)
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

/** The handshake of an HTTP upgrade request: its headers, and its query (see queryOf). */
function handshakeOfRequest(ctx, req) {
  return { headers: (req && req.headers) || {}, query: queryOf(ctx, req) }
}

module.exports = { queryOf, queryParam, pathOf, handshakeOfRequest }
