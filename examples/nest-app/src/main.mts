import 'reflect-metadata'
import { pathToFileURL } from 'node:url'
import { NestFactory } from '@nestjs/core'
import type { INestApplication } from '@nestjs/common'
import { AuthenticatedSocketAdapter, RevocationService } from 'authbridge/nest'
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
  // Several nodes: one Redis client; the revocation store and the Socket.IO adapter
  // duplicate the connections they need from it.
  let redis: any = null
  if (config.redisUrl) {
    const { createClient } = await import('redis')
    redis = createClient({ url: config.redisUrl })
    redis.on('error', () => {}) // it reconnects by itself; the revocation store reports staleness
    await redis.connect()
  }
  const app = await NestFactory.create(AppModule.forRoot(config, redis), { logger: ['error', 'warn'] })
  const revocation = app.get(RevocationService)
  // Every Socket.IO connection, on every namespace, is authenticated at the handshake, and
  // closed (after `auth_revoked`) when a sign-out on any node revokes its token.
  const adapter = new AuthenticatedSocketAdapter(app, { ...handshakeOptions(config), revocation: revocation.list }, { onFailure: options.onFailure })
  if (redis) await adapter.connectToRedis(redis)
  app.useWebSocketAdapter(adapter)
  return app
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const app = await createApp(configFromEnv())
  await app.listen(Number(process.env.PORT ?? 3001))
  console.log(`listening on ${await app.getUrl()}`)
}
