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
export { WsEventsGateway } from './ws.gateway.mjs'
export { createWsApp } from './ws-app.mjs'
export { createGraphqlApp } from './graphql-app.mjs'
export { MeResolver } from './graphql.resolver.mjs'

export interface CreateAppOptions {
  /** Called for each refused handshake: code, source and token fingerprint (never the token). */
  onFailure?: (info: AuthFailure) => void
  /**
   * The front end's origins (e.g. http://localhost:3000): CORS with credentials for REST
   * and Socket.IO, so a browser on that origin may call the API with its session cookie.
   * Without it, a page on another origin fails with "xhr poll error" before authbridge runs.
   */
  corsOrigins?: string[]
}

type IoOptions = Parameters<AuthenticatedSocketAdapter['createIOServer']>[1]

/** Adds CORS (origin list, credentials) to the Socket.IO server Nest creates for the gateways. */
class AppSocketAdapter extends AuthenticatedSocketAdapter {
  constructor(app: INestApplication, auth: ReturnType<typeof handshakeOptions>, settings: ConstructorParameters<typeof AuthenticatedSocketAdapter>[2], private readonly corsOrigins: string[]) {
    super(app, auth, settings)
  }

  createIOServer(port: number, options?: IoOptions) {
    const cors = this.corsOrigins.length ? { cors: { origin: this.corsOrigins, credentials: true } } : {}
    return super.createIOServer(port, { ...options, ...cors } as IoOptions)
  }
}

export async function createApp(config: AppAuthConfig, options: CreateAppOptions = {}): Promise<INestApplication> {
  // Several nodes: one Redis client; the revocation store and the Socket.IO adapter
  // duplicate the connections they need from it.
  // REDIS_CLUSTER (a Redis Cluster's node URLs): a cluster client; the Socket.IO adapter is
  // then the sharded one (SSUBSCRIBE), and the revocation store keeps its keys in one slot.
  let redis: any = null
  if (config.redisClusterUrls && config.redisClusterUrls.length) {
    const { createCluster } = await import('redis')
    redis = createCluster({ rootNodes: config.redisClusterUrls.map((url) => ({ url })) })
    redis.on('error', () => {})
    await redis.connect()
  } else if (config.redisUrl) {
    const { createClient } = await import('redis')
    redis = createClient({ url: config.redisUrl })
    redis.on('error', () => {}) // it reconnects by itself; the revocation store reports staleness
    await redis.connect()
  }
  const app = await NestFactory.create(AppModule.forRoot(config, redis), { logger: ['error', 'warn'] })
  const revocation = app.get(RevocationService)
  // Every Socket.IO connection, on every namespace, is authenticated at the handshake, and
  // closed (after `auth_revoked`) when a sign-out on any node revokes its token.
  const corsOrigins = options.corsOrigins ?? []
  const adapter = new AppSocketAdapter(app, { ...handshakeOptions(config), revocation: revocation.list }, { onFailure: options.onFailure }, corsOrigins)
  // The Redis client is closed on shutdown by AppModule's RedisClientCloser.
  if (redis) await adapter.connectToRedis(redis)
  app.useWebSocketAdapter(adapter)
  // REST: the browser sends the session cookie cross-origin only if the answer allows it.
  if (corsOrigins.length) app.enableCors({ origin: corsOrigins, credentials: true })
  return app
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // CORS_ORIGINS: the front end's origins, comma-separated (e.g. http://localhost:3000).
  const corsOrigins = (process.env.CORS_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean)
  const app = await createApp(configFromEnv(), {
    corsOrigins,
    // A refused handshake, logged with its reason (no token, no cookie value in it).
    onFailure: process.env.LOG_REFUSALS === 'true' ? (f) => console.log(`refused ${f.namespace}: ${f.code}${f.message ? ' - ' + f.message : ''}`) : undefined,
  })
  await app.listen(Number(process.env.PORT ?? 3001), process.env.HOST ?? 'localhost')
  console.log(`listening on ${await app.getUrl()}`)
}
