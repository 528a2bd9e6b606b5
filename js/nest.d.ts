import { IoAdapter } from '@nestjs/platform-socket.io'
import type { HandshakeAuthenticator, HandshakeOptions } from '../index'
import type { SocketIoAuthSettings, SocketIoMiddleware } from './socket.io'

export { HandshakeAuthenticator }
export { socketIoAuth } from './socket.io'

/**
 * IoAdapter that authenticates every Socket.IO connection before it is established,
 * on every namespace (including those gateways create later).
 *
 *   app.useWebSocketAdapter(new AuthenticatedSocketAdapter(app, { jwt: {...}, authjs: {...} }))
 */
export declare class AuthenticatedSocketAdapter extends IoAdapter {
  constructor(appOrHttpServer: any, options: HandshakeOptions | HandshakeAuthenticator, settings?: SocketIoAuthSettings)
  readonly authenticator: HandshakeAuthenticator
  readonly authMiddleware: SocketIoMiddleware
}

export {
  JwtModule,
  JwtService,
  JsonWebTokenError,
  TokenExpiredError,
  NotBeforeError,
  WrongSecretProviderError,
  JwtSecretRequestType,
} from './nest-jwt'
export type {
  JwtModuleOptions,
  JwtModuleAsyncOptions,
  JwtOptionsFactory,
  JwtSignOptions,
  JwtVerifyOptions,
  JwtSecret,
  CompleteJwt,
} from './nest-jwt'
