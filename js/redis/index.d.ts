import type { RevocationList } from '../../index'

export { RevocationList }

/** A node-redis (v5 or later, package `redis`) client: createClient, createCluster or createSentinel. */
export interface NodeRedisLike {
  isOpen: boolean
  sendCommand(...args: any[]): Promise<unknown>
}

/** An ioredis client: Redis (also with `sentinels`) or Cluster. */
export interface IORedisLike {
  call(command: string, ...args: string[]): Promise<unknown>
  duplicate(...args: any[]): any
}

export interface RedisRevocationOptions {
  /**
   * Runs the commands; duplicated once for the wake-up subscription (node-redis's sentinel
   * client subscribes through its own pub/sub connection). Anything else is ERR_INVALID_OPTIONS.
   */
  client: NodeRedisLike | IORedisLike
  /** The list kept in sync (a new one if absent). Give the same list to your verifiers. */
  list?: RevocationList
  /** Key and channel prefix, the hash tag of every key (non-empty, no braces). Default 'authbridge:'. */
  prefix?: string
  /**
   * Seconds between checks of the change log (one script call: the epoch and the log's last
   * id; nothing else is read when the node is in sync). The bound on a lost last message. Default 5.
   */
  resyncInterval?: number
  /** Seconds without a successful check after which the node is stale. Default 60; must exceed resyncInterval. */
  maxStaleness?: number
  /**
   * What a stale node does. Default 'accept': it keeps the last list it had (earlier
   * revocations stay refused) and keeps accepting other tokens, reporting 'stale'.
   * 'refuse': every token is refused with ERR_REVOCATION_STALE until a check succeeds.
   */
  onStale?: 'accept' | 'refuse'
  /** Entries kept in the change log (XADD MAXLEN ~). A node further behind does a full load. Default 10000, at least 100. */
  logLength?: number
}

export interface RedisRevocationStatus {
  stale: boolean
  /** Seconds since the epoch of the last successful check, catch-up or applied message. */
  lastSync: number
  /** The Redis incarnation this node is in sync with. */
  epoch: string | null
  /** The id of the last change-log entry applied (null: a load is due). */
  lastId: string | null
  /** Whether the wake-ups use sharded pub/sub (a Redis 7 cluster). */
  sharded: boolean
  /** Full loads begun (start, a log that no longer reaches back, a resync marker, a new incarnation). */
  fullLoads: number
  /** Catch-ups from the change log (a lost message, a reconnect). */
  catchUps: number
  /** Change-log entries applied. */
  applied: number
  /** Entries this node wrote back to a new Redis incarnation that lacked them. */
  writtenBack: number
  /** New Redis incarnations seen. */
  incarnations: number
  /** Malformed entries skipped (also reported through 'error', ERR_REVOCATION_ENTRY_INVALID). */
  skipped: number
}

export interface RedisRevocation {
  list: RevocationList
  /** Revokes a token id (a string, or a safe integer keyed by its decimal text) on every node until exp (seconds since the epoch). */
  revokeToken(jti: string | number, exp: number): Promise<void>
  /** Revokes, on every node, the tokens of sub issued before `before` (seconds; default now). */
  revokeSubject(sub: string | number, before?: number): Promise<void>
  /**
   * Checks the change log now and catches up; a full load (merged) only when the log no longer
   * reaches back, or with `{ full: true }`. Resolves true when it succeeded.
   */
  resync(options?: { full?: boolean }): Promise<boolean>
  status(): RedisRevocationStatus
  /** The keys and channel this store uses. */
  readonly keys: { jti: string; sub: string; log: string; epoch: string; channel: string }
  on(event: 'stale' | 'synced', listener: (info: { lastSync: number }) => void): this
  on(event: 'load', listener: (info: { entries: number; ms: number }) => void): this
  on(event: 'incarnation', listener: (info: { previous: string; epoch: string }) => void): this
  /** Redis errors and skipped malformed entries (code ERR_REVOCATION_ENTRY_INVALID, `skipped`); never fatal. */
  on(event: 'error', listener: (err: Error & { code?: string; skipped?: number }) => void): this
  off(event: string, listener: (...args: any[]) => void): this
  /**
   * Stops syncing and closes the subscriber connection (not the client you gave). Waits about a
   * second at most for a check under way: a Redis that stopped answering does not hold it.
   */
  close(): Promise<void>
}

/**
 * Keeps a RevocationList the same on every node through Redis; resolves after the first load.
 * Rejects with ERR_INVALID_OPTIONS (an unsupported client, named) or ERR_REVOCATION_STALE
 * (the first load failed; `cause` is the Redis error).
 */
export declare function redisRevocation(options: RedisRevocationOptions): Promise<RedisRevocation>

/** 'node-redis' | 'node-redis-cluster' | 'node-redis-sentinel' | 'ioredis' | 'ioredis-cluster', or null. */
export declare function redisClientKind(client: unknown): 'node-redis' | 'node-redis-cluster' | 'node-redis-sentinel' | 'ioredis' | 'ioredis-cluster' | null
