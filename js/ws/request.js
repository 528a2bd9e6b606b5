'use strict'
// What the upgrade request of a plain WebSocket (or graphql-ws) connection gives the
// authenticator: its headers and its query; and its path, for the hooks.

// The query of an upgrade URL without one (shared; authenticate only reads it).
const NO_QUERY = Object.freeze({})

/** The query of an upgrade request's URL as an object (first value of each name). */
function queryOf(req) {
  // No '?': no query (and no URL parse on every upgrade).
  if (!req || typeof req.url !== 'string' || !req.url.includes('?')) return NO_QUERY
  const out = {}
  try {
    const url = new URL(req.url || '/', 'http://localhost')
    for (const [k, v] of url.searchParams) if (!(k in out)) out[k] = v
  } catch {
    // an unparsable URL has no query
  }
  return out
}

/** The path of a request's URL (what onFailure / onSuccess report; never its query), or undefined. */
function pathOf(req) {
  if (!req || !req.url) return undefined
  const url = String(req.url)
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

/** The handshake of an HTTP upgrade request: its headers, and its query (read when the authenticator reads 'query'). */
function handshakeOfRequest(req) {
  return { headers: (req && req.headers) || {}, query: queryOf(req) }
}

module.exports = { queryOf, pathOf, handshakeOfRequest }
