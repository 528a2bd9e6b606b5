import type { HandshakeOptions } from 'authbridge'

/** What the back end shares with the Next.js front end. */
export interface AppAuthConfig {
  /** AUTH_SECRET of the Auth.js front end (a list while rotating: the newest first). */
  authSecret: string | string[]
  /**
   * BETTER_AUTH_SECRET of a Better Auth front end (examples/next-better-auth): its cookie cache
   * (`better-auth.session_data`, strategy `jwe`) and signed session token are read with it.
   */
  betterAuthSecret?: string
  /** The HS256 secret the front end's session callback signs access tokens with. */
  jwtSecret: string
  /** true behind HTTPS: the session cookies are then __Secure-authjs.* / __Secure-better-auth.*. */
  secureCookie?: boolean
  /**
   * Several nodes: a Redis URL (REDIS_URL). Socket.IO broadcasts then go through the Redis
   * adapter and sign-outs reach every node's revocation list. Without it the revocation
   * list is in memory, for this node only.
   */
  redisUrl?: string
  /** The node URLs of a Redis Cluster (REDIS_CLUSTER, comma-separated): used instead of redisUrl. */
  redisClusterUrls?: string[]
  /** Revocation sync settings (see authbridge/redis); defaults when absent. */
  revocation?: { resyncInterval?: number; maxStaleness?: number; onStale?: 'accept' | 'refuse' }
}

export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS')

/** One set of rules for sockets and HTTP: every token kind configured, each pinned. */
export function handshakeOptions(config: AppAuthConfig): HandshakeOptions {
  const secureCookie = config.secureCookie ?? false
  const hasAuthJs = typeof config.authSecret === 'string' ? config.authSecret !== '' : config.authSecret.length > 0
  return {
    jwt: { algorithms: ['HS256'], key: config.jwtSecret, clockTolerance: 5 },
    ...(hasAuthJs ? { authjs: { secret: config.authSecret, secureCookie } } : {}),
    // Pinned to the front end's cookieCache.strategy: a cache in another strategy is refused.
    ...(config.betterAuthSecret ? { betterAuth: { secret: config.betterAuthSecret, strategy: 'jwe' as const, secureCookie } } : {}),
  }
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): AppAuthConfig {
  const authSecret = [env.AUTH_SECRET, env.AUTH_SECRET_1, env.AUTH_SECRET_2].filter((s): s is string => !!s)
  if ((authSecret.length === 0 && !env.BETTER_AUTH_SECRET) || !env.JWT_SECRET) {
    throw new Error('set AUTH_SECRET or BETTER_AUTH_SECRET (as in the Next.js app), and JWT_SECRET')
  }
  return { authSecret, betterAuthSecret: env.BETTER_AUTH_SECRET || undefined, jwtSecret: env.JWT_SECRET, secureCookie: env.SECURE_COOKIE === 'true', redisUrl: env.REDIS_URL || undefined, redisClusterUrls: env.REDIS_CLUSTER ? env.REDIS_CLUSTER.split(',').map((u) => u.trim()).filter(Boolean) : undefined }
}
