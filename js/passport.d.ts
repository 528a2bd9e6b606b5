import type { HandshakeAuthenticator, HandshakeOptions } from '../index'

export { HandshakeAuthenticator }

export type VerifyCallback = (err: Error | null, user?: unknown, info?: unknown) => void

/**
 * Passport strategy: `Authorization: Bearer` access tokens and/or the Auth.js session
 * cookie, checked by the native HandshakeAuthenticator. In Nest:
 *
 *   class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
 *     constructor() { super({ jwt: {...}, authjs: {...} }) }
 *     validate(claims) { return { id: claims.sub } }
 *   }
 */
export declare class Strategy {
  constructor(options: HandshakeOptions | HandshakeAuthenticator, verify?: (claims: Record<string, unknown>, done: VerifyCallback) => void)
  name: string
  authenticate(req: any, options?: unknown): void
}
export { Strategy as AuthbridgeStrategy }
