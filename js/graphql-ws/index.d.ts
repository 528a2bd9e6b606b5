import type { HandshakeAuthenticator, HandshakeOptions, VerifiedClaims } from '../../index'
import type { WsAuth, WsAuthSettings, WsVerifyClient } from '../ws/index'
import type { ConnectionWatchStats } from '../socket.io/index'

/** graphql-ws's CloseCode.Unauthorized: a refused connection (reason: the error code) and expiry (reason 'ERR_JWT_EXPIRED'). */
export declare const CLOSE_UNAUTHORIZED: 4401
/** graphql-ws's CloseCode.Forbidden: a refused Origin, and revocation (reason 'ERR_TOKEN_REVOKED' / 'ERR_REVOCATION_STALE'). */
export declare const CLOSE_FORBIDDEN: 4403

export interface GraphqlWsAuthSettings extends Omit<WsAuthSettings, 'closeCodes'> {
  /** The app's own subscription context, merged under `{ user, auth, ... }` (graphql-ws: (ctx, msg, args); Mercurius: (socket, request)). */
  context?: (...args: any[]) => Record<string, unknown> | Promise<Record<string, unknown>>
}

/**
 * What a subscription resolver's context holds (graphql-ws / Apollo): `user`, the verified
 * claims with the app's own claims `T` (VerifiedClaims<T>: `ctx.user.exp * 1000` is a number).
 */
export interface GraphqlWsContext<T extends object = {}> {
  user: VerifiedClaims<T>
  auth: WsAuth
  connectionParams?: Record<string, unknown>
  extra: { socket: any; request: any }
  req: any
}

/** A Nest guard (CanActivate) for GraphQL queries and mutations; no passport. */
export interface GqlAuthGuardClass {
  new (): { canActivate(context: any): Promise<boolean> }
}

export interface GraphqlWsAuth {
  /**
   * graphql-ws's onConnect: authenticates connectionParams (`token`, `authorization`) and the
   * upgrade request. Answers at once when the check needs nothing asynchronous (graphql-ws
   * awaits either form), else a Promise (a key refresh, a Better Auth lookup).
   */
  onConnect(ctx: any): boolean | Promise<boolean>
  /** graphql-ws's context: `{ ...yourContext, user, auth, connectionParams, extra, req }`. */
  context(ctx: any, msg: any, args: any): Promise<GraphqlWsContext>
  /** The same for Mercurius: `GraphQLModule.forRoot({ driver: MercuriusDriver, subscription: { ...auth.mercurius } })`. */
  readonly mercurius: MercuriusSubscriptionAuth
  /** A guard sharing this authenticator and revocation lists: `@UseGuards(auth.GqlAuthGuard)`. */
  readonly GqlAuthGuard: GqlAuthGuardClass
  readonly authenticator: HandshakeAuthenticator
  readonly watch: { stats(): ConnectionWatchStats }
  /**
   * Opt-in refusal before the WebSocket opens of upgrades without a valid Authorization
   * header or session cookie (401, 403 for a refused Origin, body `{ code }`): Mercurius's
   * `subscription.verifyClient`, or the verifyClient of a WebSocketServer given to
   * graphql-ws's useServer. Clients that authenticate by connectionParams only are then refused.
   */
  readonly verifyClient: WsVerifyClient
}

export interface MercuriusSubscriptionAuth {
  /** Runs on connection_init as Mercurius's hook; merges `{ user, auth }` into the subscription context. */
  onConnect(data: { type: string; payload?: unknown }): Promise<{ user: VerifiedClaims; auth: WsAuth } | false>
  context(socket: any, request: any): Promise<Record<string, unknown>>
}

/**
 * `GraphQLModule.forRoot({ driver: ApolloDriver, subscriptions: { 'graphql-ws': { ...graphqlWsAuth(options) } } })`:
 * no subscription connection without a valid token, none outliving it.
 */
export declare function graphqlWsAuth(options: HandshakeOptions | HandshakeAuthenticator, settings?: GraphqlWsAuthSettings): GraphqlWsAuth

/** Mercurius's `subscription` option: `{ ...mercuriusSubscriptionAuth(options) }`. */
export declare function mercuriusSubscriptionAuth(options: HandshakeOptions | HandshakeAuthenticator, settings?: GraphqlWsAuthSettings): MercuriusSubscriptionAuth

/** A GqlAuthGuard class on its own (queries and mutations only). */
export declare function gqlAuthGuard(options: HandshakeOptions | HandshakeAuthenticator, settings?: GraphqlWsAuthSettings): GqlAuthGuardClass
