'use strict'
// authbridge/redis: one way to run commands and to subscribe, whatever the client (node-redis v5:
// createClient, createCluster, createSentinel; ioredis: Redis, with or without sentinels, and
// Cluster). The client runs the commands; a duplicate carries the subscription.

const { codedError } = require('../core/errors.js')

/**
 * The kind of Redis client: 'node-redis', 'node-redis-cluster', 'node-redis-sentinel',
 * 'ioredis', 'ioredis-cluster', or null. One home for this test (connectToRedis reads it too).
 */
function redisClientKind(client) {
  if (!client || typeof client !== 'object') return null
  if (typeof client.sendCommand === 'function' && 'isOpen' in client) {
    // node-redis v5: createSentinel (no duplicate), createCluster (masters, slots), createClient.
    if (typeof client.getSentinelNode === 'function' && typeof client.subscribe === 'function') return 'node-redis-sentinel'
    if (typeof client.duplicate !== 'function') return null
    if (Array.isArray(client.masters) && typeof client.getSlotRandomNode === 'function') return 'node-redis-cluster'
    if (typeof client.connect === 'function') return 'node-redis'
  }
  if (typeof client.call === 'function' && typeof client.duplicate === 'function') {
    if (typeof client.nodes === 'function' && Array.isArray(client.startupNodes)) return 'ioredis-cluster'
    if (client.options && typeof client.options === 'object') return 'ioredis'
  }
  return null
}

// close() waits this long at most for a check under way, and for a polite close of the
// subscriber connection: a Redis that stopped answering (stopped, cut off) must not hold it.
const CLOSE_WAIT_MS = 1000

/** 'resolved' or 'rejected' once `promise` settles, or 'late' after ms if it has not. */
function settledWithin(promise, ms) {
  let timer
  const late = new Promise((resolve) => {
    timer = setTimeout(resolve, ms, 'late')
  })
  const settled = promise.then(() => 'resolved', () => 'rejected')
  return Promise.race([settled, late]).finally(() => clearTimeout(timer))
}

/** Closes a connection of ours: politely (close, QUIT) for up to CLOSE_WAIT_MS, else at once. */
async function closeQuietly(c) {
  const polite = Promise.resolve().then(() => {
    if (typeof c.close === 'function' && 'isOpen' in c) return c.close()
    if (typeof c.quit === 'function') return c.quit()
    return c.close()
  })
  if ((await settledWithin(polite, CLOSE_WAIT_MS)) === 'resolved') return
  try {
    if (typeof c.destroy === 'function') await c.destroy()
    else c.disconnect()
  } catch {
    // already closed
  }
}

/** node-redis's sentinel client keeps its own subscriber connection (to the current master). */
async function subscribeSentinel(client, channel, onMessage) {
  const listener = (m) => onMessage(m)
  await client.subscribe(channel, listener)
  return {
    connection: null,
    async close() {
      // Rejected when the client is closing; bounded when Redis does not answer.
      await settledWithin(Promise.resolve().then(() => client.unsubscribe(channel, listener)), CLOSE_WAIT_MS)
    },
  }
}

/** Subscribes a duplicate of the client; `sharded` uses SSUBSCRIBE. */
async function subscribeDuplicate(client, kind, channel, sharded, onMessage, onReady, onError) {
  let sub
  if (kind.startsWith('node-redis')) {
    sub = client.duplicate()
    sub.on('error', onError)
    await sub.connect()
    // A reconnect of the subscriber: messages may have been lost meanwhile.
    sub.on('ready', onReady)
    if (sharded) await sub.sSubscribe(channel, (m) => onMessage(m))
    else await sub.subscribe(channel, (m) => onMessage(m))
  } else {
    sub = kind === 'ioredis-cluster' && sharded ? client.duplicate(undefined, { shardedSubscribers: true }) : client.duplicate()
    sub.on('error', onError)
    sub.on('ready', onReady)
    sub.on(sharded ? 'smessage' : 'message', (ch, m) => {
      if (ch === channel) onMessage(m)
    })
    if (sharded) await sub.ssubscribe(channel)
    else await sub.subscribe(channel)
  }
  return {
    connection: sub,
    async close() {
      sub.off('ready', onReady)
      await closeQuietly(sub)
    },
  }
}

/** Commands and subscriptions for one client kind. */
function driverOf(client, kind, firstKey) {
  let command
  if (kind === 'node-redis') command = (args) => client.sendCommand(args.map(String))
  else if (kind === 'node-redis-cluster') command = (args) => client.sendCommand(firstKey, false, args.map(String))
  else if (kind === 'node-redis-sentinel') command = (args) => client.sendCommand(false, args.map(String))
  else command = (args) => client.call(...args.map(String))
  const subscribe = (channel, sharded, onMessage, onReady, onError) =>
    kind === 'node-redis-sentinel'
      ? subscribeSentinel(client, channel, onMessage)
      : subscribeDuplicate(client, kind, channel, sharded, onMessage, onReady, onError)
  return { kind, command, subscribe }
}

/** Sharded pub/sub on a Redis 7 cluster; classic pub/sub elsewhere (one shard: the same). */
async function usesShardedPubSub(driver) {
  if (!driver.kind.endsWith('-cluster')) return false
  let info
  try {
    info = String(await driver.command(['INFO', 'server']))
  } catch (err) {
    throw codedError('ERR_REVOCATION_STALE', `the first contact with Redis failed: ${err && err.message}`, { cause: err })
  }
  const m = /redis_version:(\d+)/.exec(info)
  return !!m && Number(m[1]) >= 7
}

module.exports = { redisClientKind, driverOf, usesShardedPubSub, settledWithin, CLOSE_WAIT_MS }
