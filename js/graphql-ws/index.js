'use strict'
// authbridge/graphql-ws: GraphQL subscriptions over WebSocket (the graphql-transport-ws
// protocol of the graphql-ws package) and GraphQL queries over HTTP, for @nestjs/graphql's
// Apollo driver (graphql-ws's useServer options) and Mercurius (its `subscription` option).
// Thin, as js/ws/index.js: the connection's token is taken from connectionParams (`authorization`,
// `token`) or the upgrade request (Authorization header, the session cookie under the Origin
// rule of js/core/origin.js, the query where `sources` has 'query'), checked by the native
// HandshakeAuthenticator, and the socket is then watched by js/core/connection-lifetime.js's
// ConnectionWatch through js/ws/index.js (closed with graphql-ws's codes: 4401 at expiry, 4403
// on revocation, the error code as reason).
// No peer is loaded here: graphql-ws, @nestjs/graphql and mercurius call these functions.

const { codedError, optionsError } = require('../core/errors.js')
const { createWsContext, authenticateNow, authenticateHandshake, isThenable, watchSocket, statusOf, queryOf, makeVerifyClient } = require('../ws/index.js')
const { httpOriginVerdict } = require('../core/origin.js')

// graphql-ws's CloseCode.Unauthorized and CloseCode.Forbidden.
const CLOSE_UNAUTHORIZED = 4401
const CLOSE_FORBIDDEN = 4403
// How long a refusal's close reason may be (a WebSocket close reason is at most 123 bytes).
const MAX_REASON = 123

/** The token of connectionParams: `token`, else `authorization` / `Authorization` (a 'Bearer ' prefix is tolerated). */
function paramsToken(params) {
  if (!params || typeof params !== 'object') return undefined
  for (const k of ['token', 'authorization', 'Authorization']) {
    const v = params[k]
    if (typeof v === 'string' && v !== '') return v
  }
  return undefined
}

/** The handshake of a subscription connection: connectionParams as `auth`, the upgrade request's headers and query. */
function handshakeOf(ctx, params, request) {
  const token = paramsToken(params)
  const headers = (request && request.headers) || {}
  return { auth: token === undefined ? NO_PARAMS : { [ctx.authField]: token }, headers, query: queryOf(ctx, request) }
}

const NO_PARAMS = Object.freeze({})

function closeRefused(socket, code) {
  const closeCode = code === 'ERR_ORIGIN_NOT_ALLOWED' || code === 'ERR_TOKEN_REVOKED' ? CLOSE_FORBIDDEN : CLOSE_UNAUTHORIZED
  try {
    socket.close(closeCode, String(code).slice(0, MAX_REASON))
  } catch {
    if (typeof socket.terminate === 'function') socket.terminate()
  }
}

/**
 * Authenticates one subscription connection and watches its socket: { user, auth }, or false
 * (the socket closed with 4401 / 4403 and the code as reason); at once, or as a Promise when
 * the check is asynchronous (a key refresh, a Better Auth lookup).
 */
function admitConnection(ctx, socket, request, params) {
  const r = authenticateNow(ctx, handshakeOf(ctx, params, request), request)
  return isThenable(r) ? r.then((res) => admitted(ctx, socket, res)) : admitted(ctx, socket, r)
}

function admitted(ctx, socket, r) {
  if (!r.ok) {
    closeRefused(socket, r.code)
    return false
  }
  // No in-band refresh: the graphql-ws protocol refuses unknown messages; a client
  // reconnects with new connectionParams (graphql-ws's client calls them again).
  if (!watchSocket(ctx, socket, r, NO_REFRESH)) return false
  CONNECTION_AUTH.add(r.auth)
  return { user: r.user, auth: r.auth }
}

const NO_REFRESH = Object.freeze({ refresh: false })

function contextOf(settings) {
  return createWsContext(settings.options, settings.rest, {
    transport: 'graphql-ws',
    closeCodes: { expired: CLOSE_UNAUTHORIZED, revoked: CLOSE_FORBIDDEN },
  })
}

function splitSettings(optionsOrAuthenticator, settings) {
  if (settings !== undefined && settings !== null && (typeof settings !== 'object' || Array.isArray(settings))) {
    throw optionsError('authbridge/graphql-ws settings must be an object ({ onFailure, onSuccess, expiry, allowedOrigins, revocation, identity, now, context })')
  }
  const { context, ...rest } = settings || {}
  if (context !== undefined && typeof context !== 'function') throw optionsError('context must be a function')
  return { options: optionsOrAuthenticator, rest, context }
}

// graphql-ws context -> { user, auth } of its connection.
const ADMITTED = new WeakMap()

/** onConnect's answer: true (and the context remembered) for an admitted connection, else false. */
function remember(gctx, admitted) {
  if (!admitted) return false
  ADMITTED.set(gctx, admitted)
  return true
}
// The `auth` objects of admitted subscription connections (GqlAuthGuard lets their operations pass).
const CONNECTION_AUTH = new WeakSet()

/**
 * The options to spread into `subscriptions: { 'graphql-ws': { ...graphqlWsAuth(options) } }`
 * of GraphQLModule (Apollo driver), or into graphql-ws's `useServer`: onConnect (refuses with
 * 4401 / 4403 and the code as reason) and context (`{ user, auth, connectionParams, extra,
 * req }`, merged over `settings.context(ctx, msg, args)`). Not enumerated (so not spread):
 * `.mercurius` (the same for Mercurius's `subscription` option), `.GqlAuthGuard`,
 * `.verifyClient`, `.authenticator` and `.watch`.
 */
function graphqlWsAuth(optionsOrAuthenticator, settings) {
  const s = splitSettings(optionsOrAuthenticator, settings)
  const ctx = contextOf(s)
  const out = {
    // Not async: graphql-ws awaits what it returns, and a handshake checked at once costs no Promise.
    onConnect(gctx) {
      const extra = (gctx && gctx.extra) || {}
      if (!extra.socket) return Promise.reject(codedError('ERR_INVALID_OPTIONS', 'authbridge/graphql-ws: onConnect needs graphql-ws on the ws package (extra.socket)'))
      let admitted
      try {
        admitted = admitConnection(ctx, extra.socket, extra.request, gctx.connectionParams)
      } catch (err) {
        return Promise.reject(err)
      }
      return isThenable(admitted) ? admitted.then((a) => remember(gctx, a)) : remember(gctx, admitted)
    },
    async context(gctx, msg, args) {
      const admitted = ADMITTED.get(gctx)
      // graphql-ws runs context only after an acknowledged onConnect; never without it.
      if (!admitted) throw codedError('ERR_TOKEN_MISSING', 'the subscription connection was not authenticated')
      const own = s.context ? await s.context(gctx, msg, args) : {}
      const extra = gctx.extra || {}
      return { ...own, user: admitted.user, auth: admitted.auth, connectionParams: gctx.connectionParams, extra, req: extra.request }
    },
  }
  Object.defineProperties(out, {
    authenticator: { value: ctx.authenticator },
    watch: { value: ctx.watch },
    mercurius: { value: mercuriusHooks(ctx, s) },
    GqlAuthGuard: { value: makeGuard(ctx) },
    // For an app that wants upgrades without a header or cookie token refused before the
    // WebSocket opens (401 / 403, body { code }): Mercurius's `subscription.verifyClient`,
    // or the `verifyClient` of a WebSocketServer the app gives graphql-ws's useServer.
    // connectionParams-only clients are then refused.
    verifyClient: { value: makeVerifyClient(ctx) },
  })
  return out
}

/** Mercurius's `subscription: { onConnect, context }` (the socket and request from its connection). */
function mercuriusHooks(ctx, s) {
  return {
    // Mercurius calls context(socket, request) on connection_init, before onConnect.
    async context(socket, request) {
      return s.context ? s.context(socket, request) : {}
    },
    // Called as a method of Mercurius's SubscriptionConnection (this.socket, this.context.request).
    async onConnect(data) {
      const conn = this
      const socket = conn && conn.socket
      const request = conn && conn.context && conn.context.request
      if (!socket || typeof socket.close !== 'function') return false
      return admitConnection(ctx, socket, request && (request.raw || request), data && data.payload)
    },
  }
}

/** Mercurius's `subscription` option: `{ onConnect, context }`. */
function mercuriusSubscriptionAuth(optionsOrAuthenticator, settings) {
  return graphqlWsAuth(optionsOrAuthenticator, settings).mercurius
}

/** The HTTP request of a GraphQL resolver's context: Apollo's `req`, Mercurius's `reply.request` / `request`. */
function requestOf(gqlContext) {
  if (!gqlContext || typeof gqlContext !== 'object') return null
  if (gqlContext.req && gqlContext.req.headers) return gqlContext.req
  if (gqlContext.reply && gqlContext.reply.request) return gqlContext.reply.request
  if (gqlContext.request && gqlContext.request.headers) return gqlContext.request
  return null
}

/**
 * A Nest guard class (no passport) for GraphQL queries and mutations: authenticates the
 * request's Authorization header or session cookie (the Origin rule as the Strategy applies
 * it, the app's CORS answer included), sets `req.user` and the context's `user` / `auth`,
 * and refuses with UnauthorizedException({ code }) (403 ForbiddenException for a refused
 * Origin). A subscription operation admitted by graphqlWsAuth passes on its connection.
 */
function makeGuard(ctx) {
  class GqlAuthGuard {
    async canActivate(executionContext) {
      const args = executionContext.getArgs()
      const type = typeof executionContext.getType === 'function' ? executionContext.getType() : 'graphql'
      const gctx = type === 'graphql' ? args[2] : null
      const req = type === 'graphql' ? requestOf(gctx) : args[0]
      // An operation of a subscription connection graphqlWsAuth admitted (and watches).
      if (gctx && gctx.auth && CONNECTION_AUTH.has(gctx.auth)) return true
      const headers = (req && (req.raw ? req.raw.headers : req.headers)) || {}
      // The cookie Origin rule of HTTP routes: the app's CORS answer counts, as for the Strategy.
      const r = await authenticateHandshake(ctx, { headers }, req, httpOriginVerdict(ctx.authenticator, req))
      if (!r.ok) throw httpRefusal(r.code)
      if (req) req.user = r.user
      if (gctx) {
        gctx.user = r.user
        gctx.auth = r.auth
      }
      return true
    }
  }
  return GqlAuthGuard
}

/** Nest's UnauthorizedException / ForbiddenException with `{ code }` (loaded from the app). */
function httpRefusal(code) {
  const { requirePeer } = require('../core/peer.js')
  const common = requirePeer('@nestjs/common', 'GqlAuthGuard')
  const body = { statusCode: statusOf(code), message: code, code }
  return statusOf(code) === 403 ? new common.ForbiddenException(body) : new common.UnauthorizedException(body)
}

/** A GqlAuthGuard class for `options` (HandshakeOptions or a HandshakeAuthenticator). */
function gqlAuthGuard(optionsOrAuthenticator, settings) {
  const s = splitSettings(optionsOrAuthenticator, settings)
  return makeGuard(contextOf(s))
}

module.exports = {
  graphqlWsAuth,
  mercuriusSubscriptionAuth,
  gqlAuthGuard,
  CLOSE_UNAUTHORIZED,
  CLOSE_FORBIDDEN,
}
