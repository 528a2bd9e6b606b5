'use strict'
// authbridge/passport: a drop-in for passport-jwt's Strategy on the native verifier, which also
// accepts the Auth.js session cookie. It takes passport-jwt's options (jwtFromRequest,
// secretOrKey, secretOrKeyProvider, issuer, audience, algorithms, ignoreExpiration,
// passReqToCallback, jsonWebTokenOptions) or authbridge's own (jwt, authjs, sources), is
// named 'jwt', and gives fail() jsonwebtoken's errors ('No auth token', 'jwt expired', ...)
// with authbridge's `code`. passport is an optional peer dependency; this file does not load
// it (passport gives a strategy success/fail/error at run time).

const { HandshakeAuthenticator, AuthJsSession, decodeUnverified } = require('../index.js')
const { ExtractJwt, BEARER_EXTRACTOR, soleBearerToken, tokenFromCookie } = require('./extract-jwt.js')
const { toJwtError, UNKNOWN } = require('../core/jwt-errors.js')
const o = require('../core/jwt-options.js')
const { codedError, codedTypeError, optionsError, optionsErrors, refusalInfo } = require('../core/errors.js')
const metrics = require('../metrics/channels.js')
const { httpOriginVerdict: originVerdict } = require('../core/origin.js')
const hs = require('./handshake.js')

// req.authbridge of the stock Bearer path (shared, frozen: nothing per request).
const BEARER_JWT = Object.freeze({ kind: 'jwt', source: null })
const BEARER_AUTHJS = Object.freeze({ kind: 'authjs', source: null })
const BEARER_BETTER_AUTH = Object.freeze({ kind: 'better-auth', source: null })

const fail = optionsErrors('authbridge Strategy')
// passport-jwt throws TypeErrors for these: kept, with authbridge's code.
const typeError = (message) => codedTypeError('ERR_INVALID_OPTIONS', message)

// passport-jwt's verify names: honoured as jsonwebtoken would (through jsonWebTokenOptions' rules).
const VERIFY_NAMES = ['issuer', 'audience', 'algorithms', 'ignoreExpiration']

/** passport-jwt's options -> the jsonwebtoken verify options they stand for. */
function passportVerifyOptions(options) {
  const jwo = options.jsonWebTokenOptions === undefined ? {} : options.jsonWebTokenOptions
  if (!o.isPlainObject(jwo)) throw fail('jsonWebTokenOptions must be an object')
  if (jwo.ignoreExpiration !== undefined && jwo.ignoreExpiration !== false && options.ignoreExpiration !== true) {
    // passport-jwt replaces it with the top-level ignoreExpiration: it never took effect there.
    throw fail('jsonWebTokenOptions.ignoreExpiration is not honoured by passport-jwt (the top-level ignoreExpiration wins): set ignoreExpiration instead')
  }
  const merged = { ...jwo }
  for (const name of VERIFY_NAMES) {
    if (options[name] === undefined) continue
    if (jwo[name] !== undefined && name !== 'ignoreExpiration' && JSON.stringify(jwo[name]) !== JSON.stringify(options[name])) {
      throw fail(`${name} and jsonWebTokenOptions.${name} differ: give one`)
    }
    merged[name] = name === 'ignoreExpiration' ? !!options.ignoreExpiration : options[name]
  }
  return merged
}

class Strategy {
  /**
   * @param options passport-jwt's options, or { jwt, authjs, sources } (HandshakeOptions), or a
   *   HandshakeAuthenticator. Other members (sources, authField, ...) go to HandshakeAuthenticator.
   * @param verify (payload, done), (req, payload, done) with passReqToCallback, or what Nest's
   *   PassportStrategy passes (it calls validate, which may be async).
   */
  constructor(options, verify) {
    if (typeof options === 'function' && verify === undefined) {
      throw typeError('authbridge Strategy needs options (passport-jwt\'s, or jwt and/or authjs)')
    }
    if (options === null || typeof options !== 'object') throw typeError('authbridge Strategy needs an options object')
    this.name = 'jwt'
    this._verify = typeof verify === 'function' ? verify : null
    this._spec = null
    this._keyProvider = null
    this._authenticators = new Map()
    this._bearerFast = false
    this._headersFast = false

    if (options instanceof HandshakeAuthenticator) {
      this._authenticator = options
      this._jwtFromRequest = null
      this._passReqToCallback = false
      this._expected = {}
      return
    }
    const {
      name, jwtFromRequest, secretOrKey, secretOrKeyProvider, passReqToCallback, jsonWebTokenOptions,
      issuer, audience, algorithms, ignoreExpiration, jwt, authjs, ...rest
    } = options
    if (name !== undefined) {
      if (typeof name !== 'string' || !name) throw fail('name must be a non-empty string')
      this.name = name
    }
    const passportKeys = secretOrKey !== undefined || secretOrKeyProvider !== undefined
    const passportVerify = passportKeys || jsonWebTokenOptions !== undefined || VERIFY_NAMES.some((k) => options[k] !== undefined)

    // passport-jwt's construction checks, with its messages.
    if (secretOrKey && secretOrKeyProvider) throw typeError('JwtStrategy has been given both a secretOrKey and a secretOrKeyProvider')
    if (jwtFromRequest !== undefined || passportKeys) {
      if (!this._verify) throw typeError('JwtStrategy requires a verify callback')
      if (!secretOrKey && !secretOrKeyProvider && !jwt && !authjs && !rest.betterAuth) throw typeError('JwtStrategy requires a secret or key')
      if (typeof jwtFromRequest !== 'function') {
        throw typeError('JwtStrategy requires a function to retrieve jwt from requests (see option jwtFromRequest)')
      }
    }
    if (secretOrKeyProvider !== undefined && typeof secretOrKeyProvider !== 'function') throw fail('secretOrKeyProvider must be a function')
    if (passportVerify && jwt !== undefined) {
      throw fail('give either jwt (authbridge\'s VerifierOptions) or passport-jwt\'s secretOrKey / secretOrKeyProvider / issuer / audience / algorithms / jsonWebTokenOptions, not both')
    }
    this._jwtFromRequest = jwtFromRequest || null
    this._passReqToCallback = passReqToCallback === true
    this._sessionCookieName = authjs ? new AuthJsSession(authjs).cookieName : undefined
    // What every HandshakeAuthenticator of this strategy is made of, but the JWS verifier.
    this._base = { ...(jwtFromRequest ? {} : { sources: ['header', 'cookie'] }), ...rest, authjs }

    if (passportVerify) {
      const v = passportVerifyOptions(options)
      if (v.algorithms === undefined && (secretOrKey || secretOrKeyProvider)) {
        throw fail('set algorithms (for example algorithms: [\'HS256\']): verification accepts only the algorithms it is given (unlike passport-jwt, there is no default)')
      }
      this._spec = o.verifySpec(fail, v, v.algorithms, 'jsonWebTokenOptions')
      this._expected = this._spec.expected
      if (secretOrKeyProvider) this._keyProvider = secretOrKeyProvider
      else this._authenticator = this._authenticatorFor(secretOrKey)
    } else {
      this._expected = jwt ? { audience: jwt.audience, issuer: jwt.issuer, subject: jwt.subject, maxAge: jwt.maxAge } : {}
      this._authenticator = new HandshakeAuthenticator({ ...this._base, jwt })
    }
    // Decided once: passport runs each request on Object.create(strategy).
    const plain = !this._keyProvider && !!this._authenticator && this._authenticator.remoteJwks === null && !(this._spec !== null && this._spec.complete)
    this._bearerFast = plain && !!this._jwtFromRequest && this._jwtFromRequest[BEARER_EXTRACTOR] === true
    this._headersFast = plain && !this._jwtFromRequest
  }

  /** The HandshakeAuthenticator for a key (passport-jwt's options), prepared once per key. */
  _authenticatorFor(key) {
    const ref = o.keyRef(key, 'authbridge Strategy')
    const id = ref ? ref.id : ''
    let authenticator = o.lruGet(this._authenticators, id)
    if (authenticator) return authenticator
    const spec = this._spec
    const now = spec.clockTimestamp !== undefined ? () => spec.clockTimestamp : undefined
    const jwt = ref ? o.nativeVerifierOptions(spec, ref.material, now) : undefined
    if (!jwt && !this._base.authjs && !this._base.betterAuth) throw optionsError('secret or public key must be provided')
    authenticator = new HandshakeAuthenticator({ ...this._base, jwt })
    o.lruSet(this._authenticators, id, authenticator)
    return authenticator
  }

  /**
   * The one place a token is verified: { claims, kind, source } (or a Promise of it). With
   * jwtFromRequest the token is given; without, the authenticator finds it in req.headers.
   */
  _check(authenticator, token, req) {
    // A token the extractor took from the Cookie header: the cookie source's Origin rule
    // (README "Cookies and Origin"), as without jwtFromRequest, before it is decoded.
    if (token !== UNKNOWN && tokenFromCookie(req, token)) {
      hs.checkCookieOrigin(authenticator, req.headers, originVerdict(authenticator, req), token, hs.secureOf(authenticator, req))
    }
    let result
    try {
      result = this._verifyToken(authenticator, token, req, false)
    } catch (err) {
      // A remote key set (jwks: RemoteJwks, jwksUri, issuer) is refreshing: wait for it, retry
      // once; a Better Auth session token without its cookie cache: betterAuth.lookupSession.
      // (With jwtFromRequest, the token may be one: Better Auth's bearer plugin sends it.)
      const lookup = err && err.code === 'ERR_SESSION_LOOKUP_REQUIRED' && authenticator._worthAsync(err)
      if (!(lookup || (err && err.retryable === true && authenticator.remoteJwks))) throw err
      return this._verifyToken(authenticator, token, req, true).then((r) => this._postCheck(r, token))
    }
    return this._postCheck(result, token)
  }

  /** The native verification of the request's token; `wait` takes the async (key refresh) path. */
  _verifyToken(authenticator, token, req, wait) {
    if (token === UNKNOWN) {
      // The request's scheme for the same-origin rule (see secureOf in ./handshake.js).
      const handshake = { headers: (req && req.headers) || {}, secure: hs.secureOf(authenticator, req) }
      const originAllowed = originVerdict(authenticator, req)
      return wait ? authenticator._authenticateAsync(handshake, originAllowed) : authenticator._authenticate(handshake, originAllowed)
    }
    if (typeof token !== 'string' || /\s/.test(token)) throw codedError('ERR_TOKEN_MALFORMED', 'the token is not a compact JWS or JWE')
    const asResult = (r) => ({ kind: r.kind, source: null, claims: r.claims })
    if (wait) return authenticator._verifyTokenAsync(token).then(asResult)
    if (authenticator.remoteJwks !== null) return asResult(authenticator._verifyToken(token))
    // The addon's text result (a leading tab: a session), parsed once, no copies.
    const t = hs.verifyTokenText(authenticator, token)
    return { kind: hs.kindOf(t), source: null, claims: JSON.parse(t) }
  }

  /** passport-jwt's claim checks the native verifier has no option for, and `complete`. */
  _postCheck(result, token) {
    if (result.kind === 'jwt' && this._spec !== null) {
      o.postChecks(result.claims, this._spec)
      if (this._spec.complete && token !== UNKNOWN) {
        const header = decodeUnverified(token).header
        result.claims = { header, payload: result.claims, signature: token.slice(token.lastIndexOf('.') + 1) }
      }
    }
    return result
  }

  /** The Error passport-jwt gives fail() for a refused token, with authbridge's code. */
  _refusal(err, token, req) {
    metrics.reportRefused(err, 'http')
    if (err && err.code === 'ERR_TOKEN_MISSING') return codedError('ERR_TOKEN_MISSING', 'No auth token')
    let t = token
    if (t === UNKNOWN && err && err.source === 'header') {
      const m = soleBearerToken(req && req.headers && req.headers.authorization)
      if (m !== null) t = m
    }
    const out = toJwtError(err, t, this._expected)
    if (req) req.authbridgeError = { ...refusalInfo(err), code: out.code }
    return out
  }

  /**
   * The common case done in one native call: passport-jwt's options with a fixed key, the
   * stock Bearer extractor, no remote key set, no `complete`. The addon reads the header as
   * the extractor does; null when it holds no Bearer token (the general path then fails as
   * before). Returns true when it settled the request.
   */
  _fastBearer(req) {
    const headers = req && req.headers
    const h = headers ? headers.authorization : undefined
    if (typeof h !== 'string' || h === '') return false
    let t
    try {
      t = hs.verifyBearerText(this._authenticator, h)
    } catch (err) {
      const token = this._jwtFromRequest(req)
      if (err && err.code === 'ERR_SESSION_LOOKUP_REQUIRED' && this._authenticator._worthAsync(err) && typeof token === 'string') {
        // Better Auth's bearer plugin: a signed session token only the database knows.
        this._authenticator.verifyTokenAsync(token).then(
          (r) => this._accept(req, { kind: r.kind, source: null, claims: r.claims }),
          (e) => this.fail(this._refusal(e, token, req)),
        )
        return true
      }
      this.fail(this._refusal(err, token, req))
      return true
    }
    if (t === null) return false
    const kind = hs.kindOf(t)
    const jwt = kind === 'jwt'
    const claims = JSON.parse(t)
    if (this._spec !== null && jwt) {
      try {
        o.postChecks(claims, this._spec)
      } catch (err) {
        this.fail(this._refusal(err, this._jwtFromRequest(req), req))
        return true
      }
    }
    this._settle(req, jwt ? BEARER_JWT : kind === 'authjs' ? BEARER_AUTHJS : BEARER_BETTER_AUTH, claims)
    return true
  }

  /**
   * The common case without jwtFromRequest (a Bearer header or the Auth.js session cookie, a
   * fixed key, no remote key set): _check's work in one native call, with a shared, frozen
   * req.authbridge. Settles the request.
   */
  _fastHeaders(req) {
    const authenticator = this._authenticator
    let t
    try {
      t = hs.authenticateHeadersText(authenticator, req, originVerdict(authenticator, req))
    } catch (err) {
      if (err && err.code === 'ERR_SESSION_LOOKUP_REQUIRED' && authenticator._worthAsync(err)) {
        // A Better Auth session only the database knows: betterAuth.lookupSession.
        return authenticator._authenticateAsync({ headers: (req && req.headers) || {} }, originVerdict(authenticator, req)).then(
          (r) => this._accept(req, r),
          (e) => this.fail(this._refusal(e, UNKNOWN, req)),
        )
      }
      return this.fail(this._refusal(err, UNKNOWN, req))
    }
    const claims = JSON.parse(t)
    const where = hs.whereOf(t)
    if (this._spec !== null && where.kind === 'jwt') {
      try {
        o.postChecks(claims, this._spec)
      } catch (err) {
        return this.fail(this._refusal(err, UNKNOWN, req))
      }
    }
    return this._settle(req, where, claims)
  }

  authenticate(req) {
    if (this._headersFast) return this._fastHeaders(req)
    if (this._bearerFast && this._fastBearer(req)) return
    let token = UNKNOWN
    if (this._jwtFromRequest) {
      token = this._jwtFromRequest(req)
      if (!token) return this.fail(this._refusal(codedError('ERR_TOKEN_MISSING', 'no token'), token, req))
    }
    const withAuthenticator = (authenticator) => {
      let result
      try {
        result = this._check(authenticator, token, req)
      } catch (err) {
        return this.fail(this._refusal(err, token, req))
      }
      if (result && typeof result.then === 'function') {
        return result.then(
          (r) => this._accept(req, r),
          (err) => this.fail(this._refusal(err, token, req)),
        )
      }
      return this._accept(req, result)
    }
    if (!this._keyProvider) return withAuthenticator(this._authenticator)

    // passport-jwt: secretOrKeyProvider(request, rawJwtToken, done); done(err) fails with err.
    let called = false
    const done = (err, key) => {
      if (called) return
      called = true
      if (err) return this.fail(err)
      let authenticator
      try {
        authenticator = this._authenticatorFor(key)
      } catch (e) {
        return this.fail(this._refusal(e, token, req))
      }
      return withAuthenticator(authenticator)
    }
    try {
      this._keyProvider(req, token, done)
    } catch (err) {
      if (!called) {
        called = true
        this.error(err)
      }
    }
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

module.exports = { Strategy, JwtStrategy: Strategy, AuthbridgeStrategy: Strategy, ExtractJwt, HandshakeAuthenticator, originVerdict }
