'use strict'
// authbridge/passport: a drop-in for passport-jwt's Strategy on the native verifier, which also
// accepts the Auth.js session cookie. It takes passport-jwt's options (jwtFromRequest,
// secretOrKey, secretOrKeyProvider, issuer, audience, algorithms, ignoreExpiration,
// passReqToCallback, jsonWebTokenOptions) or authbridge's own (jwt, authjs, sources), is
// named 'jwt', and gives fail() jsonwebtoken's errors ('No auth token', 'jwt expired', ...)
// with authbridge's `code`. passport is an optional peer dependency; this file does not load
// it (passport gives a strategy success/fail/error at run time).

const { HandshakeAuthenticator } = require('../index.js')
const { ExtractJwt } = require('./extract-jwt.js')
const { UNKNOWN } = require('../core/jwt-errors.js')
const { codedError } = require('../core/errors.js')
const metrics = require('../core/channels.js')
const { httpOriginVerdict: originVerdict } = require('../core/origin.js')
const { strategyOptions } = require('./options.js')
const { refusal, checkWith, withKeyProvider } = require('./check.js')
const { fastBearer, fastHeaders } = require('./fast.js')

// The parts, beside this file: options.js reads the options into the strategy's fields;
// fast.js holds the common cases done in one native call; check.js the general path (the
// token's verification, passport-jwt's claim checks, the key provider, fail()'s errors);
// handshake.js what they ask of the HandshakeAuthenticator. They are functions of the
// strategy (the Object.create of it that passport runs per request); the class keeps the
// request's course: authenticate, then _accept / _settle (the verify callback).

class Strategy {
  /**
   * @param options passport-jwt's options, or { jwt, authjs, sources } (HandshakeOptions), or a
   *   HandshakeAuthenticator. Other members (sources, authField, ...) go to HandshakeAuthenticator.
   * @param verify (payload, done), (req, payload, done) with passReqToCallback, or what Nest's
   *   PassportStrategy passes (it calls validate, which may be async).
   */
  constructor(options, verify) {
    strategyOptions(this, options, verify)
  }

  authenticate(req) {
    if (this._headersFast) return fastHeaders(this, req)
    if (this._bearerFast && fastBearer(this, req)) return
    let token = UNKNOWN
    if (this._jwtFromRequest) {
      token = this._jwtFromRequest(req)
      if (!token) return this.fail(refusal(this, codedError('ERR_TOKEN_MISSING', 'no token'), token, req))
    }
    if (!this._keyProvider) return checkWith(this, this._authenticator, token, req)
    withKeyProvider(this, req, token)
  }

  /** Hands the verified payload to the verify callback (any shape), or straight to success(). */
  _accept(req, result) {
    return this._settle(req, Object.freeze({ kind: result.kind, source: result.source }), result.claims)
  }

  /** As _accept, with req.authbridge given (the fast path hands a shared frozen one). */
  _settle(req, where, claims) {
    metrics.reportAccepted(where.kind, where.source, 'http')
    if (req) req.authbridge = where
    if (!this._verify) return this.success(claims)
    let called = false
    const verified = (err, user, info) => {
      if (called) return
      called = true
      if (err) return this.error(err)
      if (!user) return this.fail(info)
      return this.success(user, info)
    }
    try {
      const ret = this._passReqToCallback ? this._verify(req, claims, verified) : this._verify(claims, verified)
      // An async verify that resolves to the user without calling done.
      if (ret && typeof ret.then === 'function') {
        ret.then(
          (user) => {
            if (!called) verified(null, user)
          },
          (err) => verified(err),
        )
      }
    } catch (err) {
      verified(err)
    }
  }
}

// originVerdict: the HTTP Origin verdict (js/core/origin.js httpOriginVerdict), still exported from here as before.
module.exports = { Strategy, JwtStrategy: Strategy, AuthbridgeStrategy: Strategy, ExtractJwt, HandshakeAuthenticator, originVerdict }
