import type { RevocationList } from '../index'

export { RevocationList }

/** A node-redis (v5 or later, package `redis`) client, connected. */
export interface NodeRedisLike {
  isOpen: boolean
  sendCommand(args: string[]): Promise<unknown>
  duplicate(): any
}

/** An ioredis client. */
export interface IORedisLike {
  call(command: string, ...args: string[]): Promise<unknown>
  duplicate(): any
}

export interface RedisRevocationOptions {
  /** Used for commands, and duplicated once for the pub/sub subscription. */
  client: NodeRedisLike | IORedisLike
  /** The list kept in sync (a new one if absent). Give the same list to your verifiers. */
  list?: RevocationList
  /** Key and channel prefix. Default 'authbridge:'. */
  prefix?: string
  /** Seconds between full reloads (the bound on a lost pub/sub message). Default 15. */
  resyncInterval?: number
  /** Seconds without a successful reload after which the node is stale. Default 60; must exceed resyncInterval. */
  maxStaleness?: number
  /**
   * What a stale node does. Default 'accept': it keeps the last list it had (earlier
   * revocations stay refused) and keeps accepting other tokens, reporting 'stale'.
   * 'refuse': every token is refused with ERR_REVOCATION_STALE until a reload succeeds.
   */
  onStale?: 'accept' | 'refuse'
}

export interface RedisRevocation {
  list: RevocationList
  /** Revokes a token id on every node until exp (seconds since the epoch). */
  revokeToken(jti: string, exp: number): Promise<void>
  /** Revokes, on every node, the tokens of sub issued before `before` (seconds; default now). */
  revokeSubject(sub: string, before?: number): Promise<void>
  /** Reloads the whole list now; resolves true when it succeeded. */
  resync(): Promise<boolean>
  status(): { stale: boolean; lastSync: number }
  on(event: 'stale' | 'synced', listener: (info: { lastSync: number }) => void): this
  on(event: 'error', listener: (err: Error) => void): this
  off(event: string, listener: (...args: any[]) => void): this
  /** Stops syncing and closes the subscriber connection (not the client you gave). */
  close(): Promise<void>
}

/** Keeps a RevocationList the same on every node through Redis; resolves after the first full load. */
export declare function redisRevocation(options: RedisRevocationOptions): Promise<RedisRevocation>
