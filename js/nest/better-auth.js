'use strict'
// BetterAuthModule / BetterAuthService (exported by authbridge/nest): Better Auth sessions in
// any Nest provider, as JwtService gives JWTs: `decodeRequest(req)` (an Express or Fastify
// request, a Socket.IO socket or its handshake), `decodeCookieHeader(header)` and `decode(value)`
// read the cookie cache synchronously (BetterAuthSession, keys prepared once); `getSession(req)`
// also serves sessions only the database knows through `lookupSession` (the replacement for
// `auth.api.getSession({ headers })` in a guard). With `revocation` (a RevocationList, e.g.
// RevocationService#list), revoked sessions are refused (ERR_TOKEN_REVOKED) by session id and by
// user id, as the socket adapter and the passport Strategy refuse them.

const { Module, Injectable, Inject } = require('../core/peer.js').requirePeer('@nestjs/common', 'authbridge/nest')
const { BetterAuthSession } = require('../better-auth/index.js')
const { optionsErrors } = require('../core/errors.js')

const BETTER_AUTH_OPTIONS = Symbol.for('authbridge:BETTER_AUTH_OPTIONS')

const optionsError = optionsErrors('authbridge BetterAuthModule')

/** The Cookie header of a request, socket or handshake (a list of strings is joined), or undefined. */
function cookieOf(req) {
  if (!req || typeof req !== 'object') return undefined
  // A Socket.IO socket (its handshake), a handshake, an Express / Fastify / Node request.
  const holder = req.handshake && typeof req.handshake === 'object' ? req.handshake : req
  const headers = holder.headers && typeof holder.headers === 'object' ? holder.headers : undefined
  if (!headers) return undefined
  const c = typeof headers.get === 'function' ? headers.get('cookie') : headers.cookie
  if (Array.isArray(c)) return c.every((x) => typeof x === 'string') ? c.join('; ') : undefined
  return typeof c === 'string' ? c : undefined
}

class BetterAuthService {
  /**
   * @param options BetterAuthSession's options (secret or secrets, cookiePrefix, secureCookie,
   *   strategy, version, clockTolerance, maxTokenLength, now), plus `revocation?`
   *   (RevocationList), `lookupSession?(token)` for getSession, and the module's `global`.
   */
  constructor(options) {
    const o = options && typeof options === 'object' ? options : {}
    const { global: _global, lookupSession, lookupMaxAge, ...session } = o
    if (lookupSession !== undefined && typeof lookupSession !== 'function') throw optionsError('lookupSession must be a function (token) => Promise<{ session, user } | null>')
    if (lookupMaxAge !== undefined) throw optionsError('lookupMaxAge is an option of the socket and passport entry points (getSession asks lookupSession each time)')
    /** The BetterAuthSession every method decodes with (revocation included). */
    this.session = new BetterAuthSession(session)
    this._lookup = lookupSession || null
  }

  /** `<prefix>.session_data` (the cookie cache), `__Secure-` with secureCookie. */
  get dataCookieName() {
    return this.session.dataCookieName
  }

  /** `<prefix>.session_token` (the signed session token), `__Secure-` with secureCookie. */
  get tokenCookieName() {
    return this.session.tokenCookieName
  }

  /** A cookie-cache value (the session_data cookie, chunks joined): the session data. */
  decode(cookieValue) {
    return this.session.decode(cookieValue)
  }

  /** The session in a Cookie header; null when neither Better Auth cookie is there. */
  decodeCookieHeader(cookieHeader) {
    return this.session.decodeCookieHeader(cookieHeader)
  }

  /**
   * The session of an Express or Fastify request, a Socket.IO socket or handshake, or
   * anything with `headers` (a Fetch Headers object too); null when it carries no Better
   * Auth cookie. Synchronous: a session token without a usable cookie cache is
   * ERR_SESSION_LOOKUP_REQUIRED (getSession looks it up).
   */
  decodeRequest(req) {
    const cookie = cookieOf(req)
    return cookie === undefined ? null : this.decodeCookieHeader(cookie)
  }

  /** Checks a signed session token (the session_token cookie, or the bearer plugin's token); returns the token. */
  verifySessionToken(value) {
    return this.session.verifySessionToken(value)
  }

  /**
   * As decodeRequest, and where only the database knows the session (no cookie cache, or it
   * lapsed), `lookupSession(token)` is asked; its answer is checked as a cookie cache's payload
   * is (strategy 'lookup'). Null when the request has no session or lookupSession knows none.
   */
  async getSession(req) {
    try {
      return this.decodeRequest(req)
    } catch (err) {
      if (!err || err.code !== 'ERR_SESSION_LOOKUP_REQUIRED' || this._lookup === null) throw err
      const token = this.session._sessionTokenOf(cookieOf(req))
      if (token === null) throw err
      const found = await this._lookup(token)
      if (found === null || found === undefined) return null
      const json = typeof found === 'string' ? found : JSON.stringify({ session: found.session, user: found.user })
      return this.session._decodeLookup(json, token)
    }
  }
}

Injectable()(BetterAuthService)
Inject(BETTER_AUTH_OPTIONS)(BetterAuthService, undefined, 0)
Reflect.defineMetadata('design:paramtypes', [Object], BetterAuthService)

class BetterAuthModule {
  /** Static options: BetterAuthService's (see there), `global?` (default true). */
  static forRoot(options = {}) {
    const o = options || {}
    return {
      module: BetterAuthModule,
      global: o.global !== false,
      providers: [{ provide: BETTER_AUTH_OPTIONS, useValue: o }, BetterAuthService],
      exports: [BetterAuthService],
    }
  }

  /** From configuration: { imports?, useFactory, inject?, global? }. */
  static forRootAsync(options = {}) {
    const o = options || {}
    if (typeof o.useFactory !== 'function') throw optionsError('forRootAsync needs useFactory')
    return {
      module: BetterAuthModule,
      global: o.global !== false,
      imports: o.imports || [],
      providers: [{ provide: BETTER_AUTH_OPTIONS, useFactory: o.useFactory, inject: o.inject || [] }, BetterAuthService],
      exports: [BetterAuthService],
    }
  }
}

Module({})(BetterAuthModule)

module.exports = { BetterAuthModule, BetterAuthService, BETTER_AUTH_OPTIONS }
