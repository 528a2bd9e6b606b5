'use strict'
// authbridge/passport's fast paths (js/passport/index.js): the common cases done in one native
// call, with a shared, frozen req.authbridge (nothing per request). Functions of the strategy
// (the per-request Object.create of it that passport runs); the Strategy decides once, at
// construction, whether they apply (_bearerFast, _headersFast).

const { UNKNOWN } = require('../core/jwt-errors.js')
const o = require('../core/jwt-options.js')
const { httpOriginVerdict: originVerdict } = require('../core/origin.js')
const { verifyBearerText, kindOf, whereOf, authenticateHeadersText } = require('./handshake.js')
const { refusal } = require('./check.js')

// req.authbridge of the stock Bearer path (shared, frozen: nothing per request).
const BEARER_JWT = Object.freeze({ kind: 'jwt', source: null })
const BEARER_AUTHJS = Object.freeze({ kind: 'authjs', source: null })
const BEARER_BETTER_AUTH = Object.freeze({ kind: 'better-auth', source: null })

/**
 * The common case done in one native call: passport-jwt's options with a fixed key, the
 * stock Bearer extractor, no remote key set, no `complete`. The addon reads the header as
 * the extractor does; null when it holds no Bearer token (the general path then fails as
 * before). Returns true when it settled the request.
 */
function fastBearer(strategy, req) {
  const headers = req && req.headers
  const h = headers ? headers.authorization : undefined
  if (typeof h !== 'string' || h === '') return false
  let t
  try {
    t = verifyBearerText(strategy._authenticator, h)
  } catch (err) {
    const token = strategy._jwtFromRequest(req)
    if (err && err.code === 'ERR_SESSION_LOOKUP_REQUIRED' && strategy._authenticator._worthAsync(err) && typeof token === 'string') {
      // Better Auth's bearer plugin: a signed session token only the database knows.
      strategy._authenticator.verifyTokenAsync(token).then(
        (r) => strategy._accept(req, { kind: r.kind, source: null, claims: r.claims }),
        (e) => strategy.fail(refusal(strategy, e, token, req)),
      )
      return true
    }
    strategy.fail(refusal(strategy, err, token, req))
    return true
  }
  if (t === null) return false
  const kind = kindOf(t)
  const jwt = kind === 'jwt'
  const claims = JSON.parse(t)
  if (strategy._spec !== null && jwt) {
    try {
      o.postChecks(claims, strategy._spec)
    } catch (err) {
      strategy.fail(refusal(strategy, err, strategy._jwtFromRequest(req), req))
      return true
    }
  }
  strategy._settle(req, jwt ? BEARER_JWT : kind === 'authjs' ? BEARER_AUTHJS : BEARER_BETTER_AUTH, claims)
  return true
}

/**
 * The common case without jwtFromRequest (a Bearer header or the Auth.js session cookie, a
 * fixed key, no remote key set): check's work (./check.js) in one native call, with a shared, frozen
 * req.authbridge. Settles the request.
 */
function fastHeaders(strategy, req) {
  const authenticator = strategy._authenticator
  let t
  try {
    t = authenticateHeadersText(authenticator, req, originVerdict(authenticator, req))
  } catch (err) {
    if (err && err.code === 'ERR_SESSION_LOOKUP_REQUIRED' && authenticator._worthAsync(err)) {
      // A Better Auth session only the database knows: betterAuth.lookupSession.
      return authenticator._authenticateAsync({ headers: (req && req.headers) || {} }, originVerdict(authenticator, req)).then(
        (r) => strategy._accept(req, r),
        (e) => strategy.fail(refusal(strategy, e, UNKNOWN, req)),
      )
    }
    return strategy.fail(refusal(strategy, err, UNKNOWN, req))
  }
  const claims = JSON.parse(t)
  const where = whereOf(t)
  if (strategy._spec !== null && where.kind === 'jwt') {
    try {
      o.postChecks(claims, strategy._spec)
    } catch (err) {
      return strategy.fail(refusal(strategy, err, UNKNOWN, req))
    }
  }
  return strategy._settle(req, where, claims)
}

module.exports = { fastBearer, fastHeaders }
