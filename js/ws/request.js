'use strict'
// What the upgrade request of a plain WebSocket (or graphql-ws) connection gives the
// authenticator: its headers and, only when the authenticator reads the query (its `sources`
// has 'query'), the one query parameter it reads (`authField`); and its path, for the hooks.
//
// The parameter is read as the WHATWG URL parser and URLSearchParams read it
// (`new URL(req.url, 'http://localhost').searchParams.get(authField)`: the first value of that
// name, '+' as a space, percent-decoded as UTF-8), without parsing the rest of the URL or
// decoding any other parameter. An origin-form URL ('/path?query') is scanned here; any other
// shape (absolute-form, '//host', tabs or newlines, spaces at the ends), or an authField
// holding '%', '+' or what decodes to U+FFFD, goes through `new URL` itself, which also
// decides that an unparsable URL has no query.
// js/passport/extract-jwt.js has its own reader: passport-jwt's (url.parse and
// querystring: other trimming, a list for a repeated name, at most 1000 pairs).

// The query of an upgrade URL without the parameter (shared; authenticate only reads it).
const NO_QUERY = Object.freeze({})

/**
 * Whether `new URL` would read `url` as the path-absolute URL it is: it starts with one '/'
 * (not '//' nor '/\\': an authority), ends with no C0 control or space (trimmed) and holds
 * no tab or newline (stripped anywhere).
 */
function originForm(url) {
  const second = url.charCodeAt(1)
  return (
    url.charCodeAt(0) === 0x2f &&
    second !== 0x2f &&
    second !== 0x5c &&
    url.charCodeAt(url.length - 1) > 0x20 &&
    url.indexOf('\t') === -1 &&
    url.indexOf('\n') === -1 &&
    url.indexOf('\r') === -1
  )
}

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
  if (!originForm(url) || !plainName(name)) return parsedParam(url, name)
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

/**
 * A name that a raw name without '%' or '+' matches only by being equal to it: no '%' or '+'
 * itself, no lone surrogate, no U+FFFD (what the decoder makes of a lone surrogate).
 */
const plainName = (name) => name.indexOf('%') === -1 && name.indexOf('+') === -1 && name.indexOf('\ufffd') === -1 && name.isWellFormed()

/** The position of the next `c` in `url` from `from`, or `end` when there is none before it. */
function nextOf(url, c, from, end) {
  const i = url.indexOf(c, from)
  return i === -1 || i > end ? end : i
}

/**
 * The first value of `name` (a plain name) among the pairs of `url` from `start` to `end` (the
 * query, without '?' and fragment), or null. One pass: each separator is looked for once, and
 * only a pair whose name is encoded ('%', '+'), or the pair found, is decoded.
 */
function paramOf(url, start, end, name) {
  let amp = -1
  let eq = -1
  let pct = -1
  let plus = -1
  while (start < end) {
    if (amp < start) amp = nextOf(url, '&', start, end)
    if (amp > start) {
      if (eq < start) eq = nextOf(url, '=', start, end)
      if (pct < start) pct = nextOf(url, '%', start, end)
      if (plus < start) plus = nextOf(url, '+', start, end)
      const nameEnd = eq < amp ? eq : amp
      const encoded = pct < nameEnd || plus < nameEnd
      if (encoded ? decodedPair(url.slice(start, amp))[0] === name : nameEnd - start === name.length && url.startsWith(name, start)) {
        const value = nameEnd === amp ? '' : url.slice(nameEnd + 1, amp)
        return pct < amp || plus < amp || !value.isWellFormed() ? decodedPair(url.slice(start, amp))[1] : value
      }
    }
    start = amp + 1
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
