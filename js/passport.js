'use strict'
// authbridge/passport: a passport strategy for HTTP routes, with the same rules as the
// sockets. Works with Nest's `PassportStrategy(Strategy, 'jwt')`, whose `validate(claims)`
// maps claims to the user. passport is an optional peer dependency; this file does not
// load it (passport gives a strategy success/fail/error at run time).

const { HandshakeAuthenticator } = require('../index.js')

/**
 * The Origin rule for cookie-authenticated requests (README "Cookies and Origin"): when the
 * app's CORS middleware has already allowed this request's Origin with credentials (its
 * Access-Control-Allow-Origin and -Credentials headers on the response), that answer
 * stands; otherwise (undefined) the authenticator's rule decides (same origin by default).
 */
function corsAllowsOrigin(req) {
  const origin = req && req.headers && req.headers.origin
  const res = req && req.res
  if (typeof origin !== 'string' || !res || typeof res.getHeader !== 'function') return undefined
  const allowed = res.getHeader('access-control-allow-origin') === origin && String(res.getHeader('access-control-allow-credentials')) === 'true'
  return allowed ? true : undefined
}

class Strategy {
  /**
   * @param options HandshakeOptions (jwt and/or authjs), or a HandshakeAuthenticator.
   *   `sources` defaults to ['header', 'cookie'] here.
   * @param verify optional (claims, done) => void, or what PassportStrategy passes.
   */
  constructor(options, verify) {
    if (typeof options === 'function' && verify === undefined) {
      throw Object.assign(new TypeError('authbridge Strategy needs options (jwt and/or authjs)'), { code: 'ERR_INVALID_OPTIONS' })
    }
    this.name = 'authbridge'
    this._authenticator =
      options instanceof HandshakeAuthenticator
        ? options
        : new HandshakeAuthenticator({ sources: ['header', 'cookie'], ...options })
    this._verify = typeof verify === 'function' ? verify : null
  }

  authenticate(req) {
    let result
    try {
      const originAllowed = this._authenticator.originRule === 'same-origin' ? corsAllowsOrigin(req) : undefined
      result = this._authenticator.authenticate({ headers: (req && req.headers) || {} }, originAllowed)
    } catch (err) {
      const code = err && typeof err.code === 'string' ? err.code : 'ERR_INTERNAL'
      if (req) req.authbridgeError = { code, source: (err && err.source) || null, fingerprint: (err && err.fingerprint) || null }
      return this.fail({ message: 'Unauthorized', code }, 401)
    }
    if (req) req.authbridge = { kind: result.kind, source: result.source }
    if (!this._verify) return this.success(result.claims)
    const done = (err, user, info) => {
      if (err) return this.error(err)
      if (!user) return this.fail(info || { message: 'Unauthorized', code: 'ERR_USER_REJECTED' }, 401)
      return this.success(user, info)
    }
    try {
      this._verify(result.claims, done)
    } catch (err) {
      this.error(err)
    }
  }
}

module.exports = { Strategy, AuthbridgeStrategy: Strategy, HandshakeAuthenticator }
