import type { HandshakeOptions } from 'authbridge'

/** What the back end shares with the Next.js front end. */
export interface AppAuthConfig {
  /** AUTH_SECRET of the Auth.js front end (a list while rotating: the newest first). */
  authSecret: string | string[]
  /** The HS256 secret the front end's session callback signs access tokens with. */
  jwtSecret: string
  /** true behind HTTPS: the session cookie is then __Secure-authjs.session-token. */
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

/** One set of rules for sockets and HTTP: both token kinds, each pinned. */
export function handshakeOptions(config: AppAuthConfig): HandshakeOptions {
  return {
    jwt: { algorithms: ['HS256'], key: config.jwtSecret, clockTolerance: 5 },
    authjs: { secret: config.authSecret, secureCookie: config.secureCookie ?? false },
  }
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): AppAuthConfig {
  const authSecret = [env.AUTH_SECRET, env.AUTH_SECRET_1, env.AUTH_SECRET_2].filter((s): s is string => !!s)
  if (authSecret.length === 0 || !env.JWT_SECRET) {
    throw new Error('set AUTH_SECRET (as in the Next.js app) and JWT_SECRET')
  }
  return { authSecret, jwtSecret: env.JWT_SECRET, secureCookie: env.SECURE_COOKIE === 'true', redisUrl: env.REDIS_URL || undefined, redisClusterUrls: env.REDIS_CLUSTER ? env.REDIS_CLUSTER.split(',').map((u) => u.trim()).filter(Boolean) : undefined }
}
