import type { KeyObject } from 'node:crypto'
import type { Algorithm, ErrorCode, HandshakeAuthenticator, HandshakeOptions, AuthJsOptions, VerifierOptions, VerifiedClaims } from '../../index'
import type { JsonWebTokenVerifyOptions } from '../core/jwt-options'

export { HandshakeAuthenticator }

export type VerifiedCallback = (err: any, user?: unknown, info?: unknown) => void
/** @deprecated use VerifiedCallback (passport-jwt's name). */
export type VerifyCallback = VerifiedCallback

/**
 * The verified payload the verify callback (Nest: `validate(payload)`) receives, and what
 * `req.user` is when the Strategy has no verify callback: JwtClaims for a JWT, AuthJsClaims
 * for an Auth.js session, BetterAuthClaims for a Better Auth one, with the app's own claims `T`
 * (the root's VerifiedClaims<T>; `payload.exp * 1000` is a number unless `ignoreExpiration`). Nest:
 * `validate(payload: StrategyPayload<{ role: string }>) { return { id: payload.sub, role: payload.role } }`.
 */
export type StrategyPayload<T extends object = {}> = VerifiedClaims<T>

/**
 * passport-jwt's verify callbacks; a returned Promise of the user works too (done may be left
 * uncalled). The payload is `any` by default as in passport-jwt; `new Strategy<{ role: string }>(...)`
 * types it as `StrategyPayload<{ role: string }>`.
 */
export type VerifyCallbackWithoutRequest<P = any> = (payload: P, done: VerifiedCallback) => unknown
export type VerifyCallbackWithRequest<P = any> = (req: any, payload: P, done: VerifiedCallback) => unknown

/** Takes the request, returns the token or null. Called with `this` = the strategy. */
export type JwtFromRequestFunction = (req: any) => string | null

export type SecretOrKey = string | Buffer | KeyObject
export type SecretOrKeyProvider = (req: any, rawJwtToken: any, done: (err: any, secretOrKey?: SecretOrKey) => void) => void

/**
 * jsonwebtoken's verify options, as passport-jwt passes them on. Each is honoured; anything
 * else is refused with ERR_INVALID_OPTIONS naming it.
 */
export interface JsonWebTokenOptions extends Omit<JsonWebTokenVerifyOptions, 'ignoreExpiration'> {
  /** Refused: passport-jwt replaces it with the top-level ignoreExpiration. */
  ignoreExpiration?: false
}

/** passport-jwt's options (algorithms required), plus authbridge's name and authjs. */
export interface StrategyOptions {
  /** Default 'jwt'. */
  name?: string
  /** Where the token comes from. Without it: Authorization: Bearer, then the session cookie. */
  jwtFromRequest?: JwtFromRequestFunction
  secretOrKey?: SecretOrKey
  /** Called per request; the keys it gives are prepared once each (cached by their SHA-256). */
  secretOrKeyProvider?: SecretOrKeyProvider
  /** Required with secretOrKey / secretOrKeyProvider (no default, one key family). */
  algorithms?: Algorithm[]
  issuer?: string | string[]
  audience?: string | RegExp | Array<string | RegExp>
  ignoreExpiration?: boolean
  passReqToCallback?: boolean
  jsonWebTokenOptions?: JsonWebTokenOptions
  /** authbridge's VerifierOptions instead of secretOrKey & co (not both). */
  jwt?: VerifierOptions
  /** Accept Auth.js session tokens too (ExtractJwt.fromSessionCookie(), or by default the cookie). */
  authjs?: AuthJsOptions
  /** Accept Better Auth sessions (kind 'better-auth'): its cookies without jwtFromRequest; `lookupSession` for sessions only the database knows. */
  betterAuth?: HandshakeOptions['betterAuth']
  /** Without jwtFromRequest: where to look, default ['header', 'cookie']. */
  sources?: HandshakeOptions['sources']
  authField?: string
  /**
   * Pages (their Origin) that may call with a token from a cookie (the default sources or any
   * jwtFromRequest); default: the app's CORS answer with credentials, else same origin.
   * ERR_ORIGIN_NOT_ALLOWED otherwise (README "Cookies and Origin").
   */
  allowedOrigins?: HandshakeOptions['allowedOrigins']
}

/** The Error given to fail(): jsonwebtoken's message ('No auth token', 'jwt expired', ...) and authbridge's code. */
export interface StrategyFailure extends Error {
  name: 'Error' | 'JsonWebTokenError' | 'TokenExpiredError' | 'NotBeforeError'
  code: ErrorCode
  claim?: string
  /** authbridge's detailed message. */
  reason?: string
  expiredAt?: Date
  date?: Date
}

/**
 * passport-jwt's Strategy on authbridge's native verifier, named 'jwt'. In Nest:
 *
 *   class JwtStrategy extends PassportStrategy(Strategy) {
 *     constructor() { super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey, algorithms: ['HS256'] }) }
 *     validate(payload) { return { id: payload.sub } }
 *   }
 */
export declare class Strategy<T extends object = any> {
  constructor(options: StrategyOptions & { passReqToCallback: true }, verify: VerifyCallbackWithRequest<StrategyPayload<T>>)
  constructor(options: (StrategyOptions & { passReqToCallback?: false }) | HandshakeOptions | HandshakeAuthenticator, verify?: VerifyCallbackWithoutRequest<StrategyPayload<T>>)
  constructor(options: StrategyOptions | HandshakeOptions | HandshakeAuthenticator, verify?: VerifyCallbackWithoutRequest<StrategyPayload<T>> | VerifyCallbackWithRequest<StrategyPayload<T>>)
  name: string
  authenticate(req: any, options?: unknown): void
}
export { Strategy as JwtStrategy, Strategy as AuthbridgeStrategy }

export declare namespace ExtractJwt {
  function fromHeader(headerName: string): JwtFromRequestFunction
  function fromBodyField(fieldName: string): JwtFromRequestFunction
  function fromUrlQueryParameter(paramName: string): JwtFromRequestFunction
  function fromAuthHeaderWithScheme(authScheme: string): JwtFromRequestFunction
  function fromAuthHeaderAsBearerToken(): JwtFromRequestFunction
  function fromExtractors(extractors: JwtFromRequestFunction[]): JwtFromRequestFunction
  function versionOneCompatibility(options: { authScheme?: string; tokenBodyField?: string; tokenQueryParameterName?: string }): JwtFromRequestFunction
  /** authbridge: the Auth.js session cookie (chunks joined); the name defaults to the strategy's authjs cookie name. The Strategy applies the Origin rule (allowedOrigins) to the token it returns, as to any token found in the Cookie header. */
  function fromSessionCookie(cookieName?: string): JwtFromRequestFunction
}
