import 'reflect-metadata'
import { pathToFileURL } from 'node:url'
import { NestFactory } from '@nestjs/core'
import type { INestApplication } from '@nestjs/common'
import { AuthenticatedSocketAdapter } from 'authbridge/nest'
import type { AuthFailure } from 'authbridge/socket.io'
import { AppModule } from './app.module.mjs'
import { AppAuthConfig, configFromEnv, handshakeOptions } from './auth.config.mjs'

export { EventsGateway } from './events.gateway.mjs'
export { ChatGateway } from './chat.gateway.mjs'

export interface CreateAppOptions {
  /** Called for each refused handshake: code, source and token fingerprint (never the token). */
  onFailure?: (info: AuthFailure) => void
}

export async function createApp(config: AppAuthConfig, options: CreateAppOptions = {}): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot(config), { logger: ['error', 'warn'] })
  // Every Socket.IO connection, on every namespace, is authenticated at the handshake.
  app.useWebSocketAdapter(new AuthenticatedSocketAdapter(app, handshakeOptions(config), { onFailure: options.onFailure }))
  return app
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const app = await createApp(configFromEnv())
  await app.listen(Number(process.env.PORT ?? 3001))
  console.log(`listening on ${await app.getUrl()}`)
}
