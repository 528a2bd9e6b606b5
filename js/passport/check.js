'use strict'
// authbridge/passport's general path (js/passport/index.js): the one place a request's token
// is verified (the extractor's token, or the request's headers), passport-jwt's claim checks
// the native verifier has no option for, the key provider's per-request key, and the errors
// passport-jwt gives fail(). Functions of the strategy (the per-request Object.create of it
// that passport runs), which keeps _accept and _settle.

const { decodeUnverified } = require('../index.js')
const { soleBearerToken, tokenFromCookie } = require('./extract-jwt.js')
const { toJwtError, UNKNOWN } = require('../core/jwt-errors.js')
const o = require('../core/jwt-options.js')
const { codedError, refusalInfo } = require('../core/errors.js')
const metrics = require('../core/channels.js')
const { httpOriginVerdict: originVerdict } = require('../core/origin.js')
const { checkCookieOrigin, secureOf, verifyTokenText, kindOf } = require('./handshake.js')
const { authenticatorFor } = require('./options.js')

/**
 * The one place a token is verified: { claims, kind, source } (or a Promise of it). With
 * jwtFromRequest the token is given; without, the authenticator finds it in req.headers.
 */
function check(strategy, authenticator, token, req) {
  // A token the extractor took from the Cookie header: the cookie source's Origin rule
  // (README "Cookies and Origin"), as without jwtFromRequest, before it is decoded.
  if (token !== UNKNOWN && tokenFromCookie(req, token)) {
    checkCookieOrigin(authenticator, req.headers, originVerdict(authenticator, req), token, secureOf(authenticator, req))
  }
  let result
  try {
    result = verifyToken(authenticator, token, req, false)
  } catch (err) {
    // A remote key set (jwks: RemoteJwks, jwksUri, issuer) is refreshing: wait for it, retry
    // once; a Better Auth session token without its cookie cache: betterAuth.lookupSession.
    // (With jwtFromRequest, the token may be one: Better Auth's bearer plugin sends it.)
    const lookup = err && err.code === 'ERR_SESSION_LOOKUP_REQUIRED' && authenticator._worthAsync(err)
    if (!(lookup || (err && err.retryable === true && authenticator.remoteJwks))) throw err
    return verifyToken(authenticator, token, req, true).then((r) => postCheck(strategy, r, token))
  }
  return postCheck(strategy, result, token)
}

/** The native verification of the request's token; `wait` takes the async (key refresh) path. */
function verifyToken(authenticator, token, req, wait) {
  if (token === UNKNOWN) {
    // The request's scheme for the same-origin rule (see secureOf in ./handshake.js).
    const handshake = { headers: (req && req.headers) || {}, secure: secureOf(authenticator, req) }
    const originAllowed = originVerdict(authenticator, req)
    return wait ? authenticator._authenticateAsync(handshake, originAllowed) : authenticator._authenticate(handshake, originAllowed)
  }
  if (typeof token !== 'string' || /\s/.test(token)) throw codedError('ERR_TOKEN_MALFORMED', 'the token is not a compact JWS or JWE')
  const asResult = (r) => ({ kind: r.kind, source: null, claims: r.claims })
  if (wait) return authenticator._verifyTokenAsync(token).then(asResult)
  if (authenticator.remoteJwks !== null) return asResult(authenticator._verifyToken(token))
  // The addon's text result (a leading tab: a session), parsed once, no copies.
  const t = verifyTokenText(authenticator, token)
  return { kind: kindOf(t), source: null, claims: JSON.parse(t) }
}

/** passport-jwt's claim checks the native verifier has no option for, and `complete`. */
function postCheck(strategy, result, token) {
  if (result.kind === 'jwt' && strategy._spec !== null) {
    o.postChecks(result.claims, strategy._spec)
    if (strategy._spec.complete && token !== UNKNOWN) {
      const header = decodeUnverified(token).header
      result.claims = { header, payload: result.claims, signature: token.slice(token.lastIndexOf('.') + 1) }
    }
  }
  return result
}

/** The Error passport-jwt gives fail() for a refused token, with authbridge's code. */
function refusal(strategy, err, token, req) {
  metrics.reportRefused(err, 'http')
  if (err && err.code === 'ERR_TOKEN_MISSING') return codedError('ERR_TOKEN_MISSING', 'No auth token')
  let t = token
  if (t === UNKNOWN && err && err.source === 'header') {
    const m = soleBearerToken(req && req.headers && req.headers.authorization)
    if (m !== null) t = m
  }
  const out = toJwtError(err, t, strategy._expected)
  if (req) req.authbridgeError = { ...refusalInfo(err), code: out.code }
  return out
}

/** The general path with `authenticator`: verified, then accepted (strategy._accept) or refused (fail). */
function checkWith(strategy, authenticator, token, req) {
  let result
  try {
    result = check(strategy, authenticator, token, req)
  } catch (err) {
    return strategy.fail(refusal(strategy, err, token, req))
  }
  if (result && typeof result.then === 'function') {
    return result.then(
      (r) => strategy._accept(req, r),
      (err) => strategy.fail(refusal(strategy, err, token, req)),
    )
  }
  return strategy._accept(req, result)
}

/** passport-jwt: secretOrKeyProvider(request, rawJwtToken, done); done(err) fails with err; then checkWith the key's authenticator. */
function withKeyProvider(strategy, req, token) {
  let called = false
  const done = (err, key) => {
    if (called) return
    called = true
    if (err) return strategy.fail(err)
    let authenticator
    try {
      authenticator = authenticatorFor(strategy, key)
    } catch (e) {
      return strategy.fail(refusal(strategy, e, token, req))
    }
    return checkWith(strategy, authenticator, token, req)
  }
  try {
    strategy._keyProvider(req, token, done)
  } catch (err) {
    if (!called) {
      called = true
      strategy.error(err)
    }
  }
}

module.exports = { check, verifyToken, postCheck, refusal, checkWith, withKeyProvider }
