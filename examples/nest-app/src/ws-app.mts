import { Module } from '@nestjs/common'
import type { INestApplication } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { AuthenticatedWsAdapter, RevocationModule, RevocationService } from 'authbridge/nest'
import type { WsAuthFailure } from 'authbridge/ws'
import { AppAuthConfig, handshakeOptions } from './auth.config.mjs'
import { WsEventsGateway } from './ws.gateway.mjs'

@Module({ imports: [RevocationModule.forRoot()], providers: [WsEventsGateway] })
class WsAppModule {}

/**
 * The same rules on plain WebSockets: a Nest app has one WebSocket adapter, so the `ws`
 * gateway lives in its own app here (a real app picks Socket.IO or ws).
 */
export async function createWsApp(config: AppAuthConfig, options: { onFailure?: (info: WsAuthFailure) => void } = {}): Promise<INestApplication> {
  const app = await NestFactory.create(WsAppModule, { logger: ['error', 'warn'] })
  const revocation = app.get(RevocationService)
  app.useWebSocketAdapter(new AuthenticatedWsAdapter(app, handshakeOptions(config), { revocation: revocation.list, onFailure: options.onFailure }))
  return app
}
