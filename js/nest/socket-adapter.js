'use strict'
// The parts of AuthenticatedSocketAdapter (js/nest/index.js) under its Nest surface: the
// namespace hook of the Socket.IO server Nest creates, the watch wiring, and the Socket.IO
// Redis adapter of connectToRedis with its connections.

const { useOnAllNamespaces, watchOf } = require('../socket.io/index.js')
const { requirePeer } = require('../core/peer.js')
const { optionsError } = require('../core/errors.js')
const { redisClientKind, describeValue } = require('../redis/index.js')

/**
 * Puts `redisAdapter` (when there is one) and `authMiddleware` on every namespace of `server`,
 * once each (Nest calls createIOServer once per server; gateways' namespaces are created on
 * it later). Returns `server`.
 */
function hookServer(server, authMiddleware, redisAdapter) {
  if (redisAdapter && !server.__authbridgeRedis) {
    Object.defineProperty(server, '__authbridgeRedis', { value: true })
    server.adapter(redisAdapter)
  }
  if (!server.__authbridge) {
    Object.defineProperty(server, '__authbridge', { value: true })
    useOnAllNamespaces(server, authMiddleware)
  }
  return server
}

/** The middleware's watch stops listening to the revocation lists (they may outlive the app). */
function closeWatch(authMiddleware) {
  const watch = watchOf(authMiddleware)
  if (watch) watch.close()
}

/**
 * node-redis's cluster client destroys a shard's pub/sub connection when an unsubscribe leaves
 * it idle; two unsubscribes of one shard at once both destroy it, and the second rejects. The
 * sharded Socket.IO adapter neither awaits nor catches its unsubscribes (a room deleted, a
 * namespace closed), so that rejection would end the process. One at a time, never unhandled.
 */
function serializeShardedUnsubscribes(sub) {
  const unsubscribe = sub.sUnsubscribe.bind(sub)
  let chain = Promise.resolve()
  const serial = (...args) => {
    chain = chain.then(() => unsubscribe(...args)).catch(() => {})
    return chain
  }
  sub.sUnsubscribe = serial
  sub.SUNSUBSCRIBE = serial
}

/**
 * The Socket.IO Redis adapter over `client`'s duplicates (pushed onto `connections` as soon as
 * made, so that they are closed even when connecting fails): node-redis v5 (createClient) or
 * ioredis (Redis, also with sentinels) get the classic adapter (createAdapter); a cluster
 * client (node-redis createCluster, ioredis Cluster) the sharded one (createShardedAdapter).
 */
async function redisAdapterOf(client, adapterOptions, connections) {
  const kind = redisClientKind(client)
  if (!kind || kind === 'node-redis-sentinel') {
    const what = kind ? "node-redis's createSentinel client (it cannot be duplicated: use ioredis with sentinels, or a createClient connected to the master)" : describeValue(client)
    throw optionsError(`connectToRedis needs a node-redis v5 (createClient, createCluster) or ioredis (Redis, Cluster) client; got ${what}`)
  }
  const { createAdapter, createShardedAdapter } = requirePeer('@socket.io/redis-adapter', 'connectToRedis')
  const cluster = kind.endsWith('-cluster')
  const pub = client.duplicate()
  // ioredis's Cluster routes SSUBSCRIBE to each slot's master only with shardedSubscribers.
  const sub = kind === 'ioredis-cluster' ? client.duplicate(undefined, { shardedSubscribers: true }) : client.duplicate()
  for (const c of [pub, sub]) c.on('error', () => {})
  connections.push(pub, sub)
  // node-redis connections are opened explicitly; ioredis ones connect by themselves.
  if (kind.startsWith('node-redis')) await Promise.all([pub.connect(), sub.connect()])
  if (kind === 'node-redis-cluster') serializeShardedUnsubscribes(sub)
  return cluster ? createShardedAdapter(pub, sub, adapterOptions) : createAdapter(pub, sub, adapterOptions)
}

/** Closes Redis connections of either client (node-redis: close, ioredis: quit), else disconnects them. */
async function closeRedisConnections(conns) {
  await Promise.all(
    conns.map(async (c) => {
      try {
        if ('isOpen' in c && typeof c.close === 'function') {
          if (c.isOpen) await c.close()
        } else await c.quit()
      } catch {
        try {
          c.disconnect()
        } catch {
          // already closed
        }
      }
    }),
  )
}

module.exports = { hookServer, closeWatch, redisAdapterOf, closeRedisConnections }
