'use strict'
// What authbridge/passport asks of a HandshakeAuthenticator (js/index.js) beyond its public API:
// the addon's text results for an HTTP request, which the Strategy's fast paths parse once,
// and the cookie source's Origin rule for a token its extractor took from the Cookie header.
// Functions of the authenticator; its native handle is the uncounted one (kHandle: passport
// reports its own outcomes).

const native = require('../../index.js')
const { kHandle, kTrust } = require('../core/symbols.js')
const { kindOf, whereOf, objectOrNone, authenticateText } = require('../core/handshake-text.js')
const { reqSecure } = require('../core/origin.js')

const { _handshakeVerifyToken: handshakeVerifyToken, _handshakeVerifyBearer: handshakeVerifyBearer, _handshakeCheckOrigin: handshakeCheckOrigin } = native

/**
 * Without jwtFromRequest: authenticate({ headers }, originAllowed)'s text result (the kind and
 * the source coded in its first two characters), for request `req`.
 */
function authenticateHeadersText(authenticator, req, originAllowed) {
  const headers = req ? objectOrNone(req.headers) : undefined
  return authenticateText(authenticator[kHandle], undefined, undefined, headers, originAllowed, () => reqSecure(authenticator[kTrust], req))
}

/** Whether an HTTP request came over https (see trustProxy). */
function secureOf(authenticator, req) {
  return reqSecure(authenticator[kTrust], req)
}

/** verifyToken's text result (a leading tab or line feed: a session; else a JWS). */
function verifyTokenText(authenticator, token) {
  return handshakeVerifyToken(authenticator[kHandle], token)
}

/** The Bearer token of an Authorization header read as passport-jwt's extractor does, checked; null when there is none. */
function verifyBearerText(authenticator, authorization) {
  return handshakeVerifyBearer(authenticator[kHandle], authorization)
}

/**
 * When the extractor took the token from the Cookie header: the Origin rule of the cookie
 * source (README "Cookies and Origin") for these request headers; throws
 * ERR_ORIGIN_NOT_ALLOWED (with the token's fingerprint, as authenticate's refusal).
 * `originAllowed` as for authenticate.
 */
function checkCookieOrigin(authenticator, headers, originAllowed, token, secure) {
  try {
    handshakeCheckOrigin(authenticator[kHandle], headers.origin, headers.host, originAllowed, secure === true)
  } catch (err) {
    if (err && err.code === 'ERR_ORIGIN_NOT_ALLOWED') err.fingerprint = native.tokenFingerprint(token)
    throw err
  }
}

module.exports = { kindOf, whereOf, authenticateHeadersText, secureOf, verifyTokenText, verifyBearerText, checkCookieOrigin }
