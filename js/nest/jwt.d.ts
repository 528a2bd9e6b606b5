import type { KeyObject } from 'node:crypto'
import type { DynamicModule, ModuleMetadata, Provider, Type } from '@nestjs/common'
import type { Algorithm, ErrorCode, RemoteJwks, RemoteJwksOptions, JwtClaims, ExpOptional } from '../../index'
import type { JsonWebTokenVerifyOptions } from '../core/jwt-options'

/**
 * A key as jsonwebtoken accepts it: an HMAC secret, a PEM key, a KeyObject, or an
 * encrypted private key with its passphrase.
 */
export type JwtSecret = string | Buffer | KeyObject | { key: string | Buffer; passphrase: string }

/** jsonwebtoken's sign options (the names @nestjs/jwt passes on). */
export interface JwtSignOptionsBase {
  /** Default: the module's signOptions.algorithm, else the first of verifyOptions.algorithms. */
  algorithm?: Algorithm
  /**
   * Seconds (a number), or a duration such as '15m', '2h', '7d', '500ms'. A unit-less
   * numeric string ('3600') is refused (ERR_INVALID_OPTIONS): jsonwebtoken reads it as
   * milliseconds, authbridge as seconds.
   */
  expiresIn?: number | string
  /** As expiresIn. */
  notBefore?: number | string
  audience?: string | string[]
  issuer?: string
  subject?: string
  jwtid?: string
  /** The header kid. */
  keyid?: string
  /** Do not set iat. */
  noTimestamp?: boolean
  /** Only kid and typ (and an alg equal to algorithm) can be set. */
  header?: { kid?: string; typ?: string; alg?: string }
  /** Only 'utf8'. */
  encoding?: string
  /** Accepted and ignored: authbridge never signs with keys these would allow. */
  allowInsecureKeySizes?: boolean
  allowInvalidAsymmetricKeyTypes?: boolean
  /** authbridge: accept an HMAC secret shorter than the hash output (refused by default). */
  allowWeakSecret?: boolean
}

/** jsonwebtoken's verify options (the names @nestjs/jwt passes on). */
export interface JwtVerifyOptionsBase extends JsonWebTokenVerifyOptions {
  /**
   * The accepted algorithms, one key family. Required at module level (here or through
   * signOptions.algorithm); a per-call list replaces the module's.
   */
  algorithms?: Algorithm[]
}

export declare enum JwtSecretRequestType {
  SIGN = 0,
  VERIFY = 1,
}

export interface JwtModuleOptions {
  global?: boolean
  signOptions?: JwtSignOptionsBase
  /** HMAC secret; used for signing and verifying (it wins over publicKey / privateKey, as in @nestjs/jwt). */
  secret?: JwtSecret
  publicKey?: JwtSecret
  privateKey?: JwtSecret
  /** @deprecated as in @nestjs/jwt: use secret, or privateKey / publicKey. */
  secretOrPrivateKey?: JwtSecret
  /** Called on every call; the keys it returns are still prepared once each (cached by their SHA-256). */
  secretOrKeyProvider?: (
    requestType: JwtSecretRequestType,
    tokenOrPayload: string | object | Buffer,
    options?: JwtVerifyOptions | JwtSignOptions,
  ) => JwtSecret | Promise<JwtSecret>
  /** verifyOptions.algorithms (or signOptions.algorithm) is required: ERR_INVALID_OPTIONS at module set-up otherwise. */
  verifyOptions?: JwtVerifyOptionsBase
  /** authbridge: verify with keys from the identity provider (a RemoteJwks shared with other verifiers). */
  jwks?: RemoteJwks
  /** authbridge: build a RemoteJwks from this URL. */
  jwksUri?: string
  /** authbridge: build a RemoteJwks by discovery from this issuer (set verifyOptions.issuer too to check iss). */
  issuer?: string
  /** authbridge: RemoteJwks options for the set built from jwksUri / issuer. */
  jwksOptions?: Omit<RemoteJwksOptions, 'jwksUri' | 'issuer'>
  /** authbridge: onModuleInit awaits the first load of the remote keys (default true). */
  waitForJwks?: boolean
  /** Refuse revoked tokens (ERR_TOKEN_REVOKED, a JsonWebTokenError) in every verify. */
  revocation?: import('../../index').RevocationList
  /**
   * authbridge: the clock, in seconds since the epoch, read at each call: iat / exp / nbf at
   * sign and every time check at verify (a per-call clockTimestamp still wins). For tests
   * with fake timers: `now: () => Date.now() / 1000`. A value that reads as milliseconds
   * (above 1e11) is refused with ERR_INVALID_OPTIONS. Default: the system clock.
   */
  now?: () => number
}

export interface JwtOptionsFactory {
  createJwtOptions(): Promise<JwtModuleOptions> | JwtModuleOptions
}

export interface JwtModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  global?: boolean
  useExisting?: Type<JwtOptionsFactory>
  useClass?: Type<JwtOptionsFactory>
  useFactory?: (...args: any[]) => Promise<JwtModuleOptions> | JwtModuleOptions
  inject?: any[]
  extraProviders?: Provider[]
}

export interface JwtSignOptions extends JwtSignOptionsBase {
  secret?: string | Buffer
  privateKey?: JwtSecret
}

export interface JwtVerifyOptions extends JwtVerifyOptionsBase {
  secret?: string | Buffer
  publicKey?: JwtSecret
}

export interface CompleteJwt<T = any> {
  header: Record<string, unknown>
  payload: JwtClaims & T
  signature: string
}

/**
 * @nestjs/jwt's JwtService on authbridge: verifiers and signers prepared once per distinct
 * options. Verification errors are jsonwebtoken's (TokenExpiredError / NotBeforeError /
 * JsonWebTokenError, with its exact messages) and also carry authbridge's `code`, `claim`
 * and detailed `reason`. Any verify option not listed in JwtVerifyOptions is refused
 * (ERR_INVALID_OPTIONS naming it).
 */
export declare class JwtService {
  constructor(options?: JwtModuleOptions)
  /** Only plain-object payloads (a string or Buffer payload is refused). */
  sign<T extends object = any>(payload: T, options?: JwtSignOptions): string
  signAsync<T extends object = any>(payload: T, options?: JwtSignOptions): Promise<string>
  /**
   * The verified claims: JwtClaims (registered claims typed) with the app's own `T`. `T`
   * defaults to `any` as in @nestjs/jwt, so untyped code keeps compiling; name it
   * (`verify<{ role: string }>(token)`) to get `exp: number` (required unless
   * `ignoreExpiration`: a call with `ignoreExpiration: true` gives `exp?: number`; with it in
   * the module's verifyOptions, read the claims as `ExpOptional<JwtClaims>`) and friends.
   */
  verify<T extends object = any>(token: string, options: JwtVerifyOptions & { complete: true }): CompleteJwt<T>
  verify<T extends object = any>(token: string, options: JwtVerifyOptions & { ignoreExpiration: true }): ExpOptional<JwtClaims> & T
  verify<T extends object = any>(token: string, options?: JwtVerifyOptions): JwtClaims & T
  verifyAsync<T extends object = any>(token: string, options: JwtVerifyOptions & { complete: true }): Promise<CompleteJwt<T>>
  verifyAsync<T extends object = any>(token: string, options: JwtVerifyOptions & { ignoreExpiration: true }): Promise<ExpOptional<JwtClaims> & T>
  verifyAsync<T extends object = any>(token: string, options?: JwtVerifyOptions): Promise<JwtClaims & T>
  /** No verification at all; null when the token cannot be read. */
  decode<T = any>(token: string, options: { complete: true; json?: boolean }): CompleteJwt<T> | null
  decode<T = any>(token: string, options?: { complete?: false; json?: boolean }): T
  decode<T = any>(token: string, options?: { complete?: boolean; json?: boolean }): T
}

export declare class JwtModule {
  static register(options: JwtModuleOptions): DynamicModule
  static registerAsync(options: JwtModuleAsyncOptions): DynamicModule
}

/**
 * jsonwebtoken's error classes, with its messages ('jwt expired', 'invalid signature',
 * 'jwt audience invalid. expected: ...'); authbridge's errors also have `code`, `claim` and,
 * in `reason`, authbridge's detailed message.
 */
export declare class JsonWebTokenError extends Error {
  name: 'JsonWebTokenError' | 'TokenExpiredError' | 'NotBeforeError'
  code?: ErrorCode
  claim?: string
  reason?: string
  inner?: Error
  constructor(message: string, error?: Error)
}

export declare class TokenExpiredError extends JsonWebTokenError {
  name: 'TokenExpiredError'
  /** exp, or iat + maxAge when maxAge was exceeded (claim 'iat'). */
  expiredAt: Date
  constructor(message: string, expiredAt: Date)
}

export declare class NotBeforeError extends JsonWebTokenError {
  name: 'NotBeforeError'
  /** nbf */
  date: Date
  constructor(message: string, date: Date)
}

export declare class WrongSecretProviderError extends Error {}
