'use strict'
// authbridge/redis: keeps every node's RevocationList the same through Redis, without rescans.
//
// Key layout (prefix P, default 'authbridge:'; every key and the channel carry the hash tag
// {P}, so they live in one slot of a Redis Cluster and no command or script crosses slots):
//   {P}revoked:jti  sorted set, member = jti, score = exp (seconds since the epoch)
//   {P}revoked:sub  sorted set, member = sub, score = before (seconds since the epoch)
//   {P}log          stream, the change log: one entry per change, fields
//                   p (the previous entry's id, '0-0' for the first), e (epoch), t ('j' a jti,
//                   's' a subject, 'r' a resync marker: entries were written back without an
//                   entry each), x (exp or before, as text), i (the jti or sub; '' for 'r');
//                   trimmed with XADD MAXLEN ~ logLength
//   {P}epoch        a random id of this Redis incarnation, SET NX at first contact
//   {P}changes      the wake-up channel (SPUBLISH on a Redis 7 cluster, PUBLISH otherwise),
//                   message '1 <prev id> <entry id> <epoch> <t> <x> <id>'
//
// A write (entry, log entry, wake-up) is one script: ZADD GT (the stricter value wins, nothing
// is ever lowered), XADD, PUBLISH; it also trims entries past their lifetime (ZREMRANGEBYSCORE).
//
// Sync: pub/sub as the wake-up, the stream as the order. We chose this over XREAD BLOCK on a
// dedicated connection: a blocking read needs a connection of its own to the slot's master,
// rebuilt by hand on every failover or resharding, while both clients already route and
// resubscribe (sharded) subscriptions; and a message carries the change itself and the id of
// the entry before it, so a node in sync applies it with no round trip (one pub/sub hop).
// A node applies a message only when its `p` is the last id the node has; otherwise (a lost
// message, a reconnect, a message from another incarnation) it catches up with XRANGE from its
// last id, and the chain (each entry's `p`) proves nothing is missing. A lost LAST message (no
// later one reveals the gap) is found by the periodic check, one script call every
// `resyncInterval` seconds that returns the epoch and the log's last id: equal to the node's, in
// sync, nothing else is read. A full load (ZRANGE BYSCORE LIMIT pages, merged into the list in
// slices) happens only at start, when the log no longer reaches back to the node's position, or
// after a resync marker; it merges, never replaces.
//
// Nothing forgotten: a new Redis incarnation (the epoch key changed or vanished, or the log's
// last id went backwards or vanished: a restart without persistence, a flush, a failover to a
// replica that missed writes) makes each node write back everything its list holds (slices of
// the same atomic script, one 'r' marker instead of an entry each, only if Redis lacked
// something) and then load (merge) what the others wrote back.
//
// Works with node-redis v5 (createClient, createCluster, createSentinel) and ioredis (Redis,
// with or without sentinels, and Cluster). The client runs the commands; a duplicate carries
// the subscription. Needs Redis 6.2 or later (ZRANGE BYSCORE, ZADD GT, XRANGE exclusive ids).
//
// The files: options.js (the options, the keys), driver.js (commands and the subscription for
// each client kind), scripts.js (the write and check scripts), state.js (what a store keeps,
// one object), load.js (full load, merges in slices, write-back), sync.js (the sync task, the
// wake-ups, the writes); this file assembles them with the timers and the returned handle.

const { RevocationList, revocationKeyOf } = require('../../index.js')
const { codedError } = require('../core/errors.js')
const metrics = require('../core/channels.js')
const { redisClientKind, driverOf, usesShardedPubSub, settledWithin, CLOSE_WAIT_MS } = require('./driver.js')
const { describe, redisOptions, keysOf } = require('./options.js')
const { WRITE_SCRIPT, SYNC_SCRIPT } = require('./scripts.js')
const { SyncState, applyOne, nowSec } = require('./state.js')
const { request, onMessage, write } = require('./sync.js')

/**
 * Keeps `list` (a new RevocationList if absent) in sync with Redis. Resolves once the first
 * load succeeded; rejects if it does not (a node must not start without its list).
 */
async function redisRevocation(options) {
  const o = redisOptions(options)
  const names = keysOf(o.prefix)
  const driver = driverOf(o.client, o.kind, names.keys.log)
  const s = new SyncState(o, names, driver, await usesShardedPubSub(driver))
  const subscription = await subscribeAndLoad(s)
  const timers = startTimers(s, o)
  const handle = handleOf(s, subscription, timers)
  metrics.track('redis', handle)
  return handle
}

/** Subscribes first, so no change between the first load and the subscription is missed; then loads. */
async function subscribeAndLoad(s) {
  let started = false
  const onReady = () => {
    if (started && !s.closed) request(s)
  }
  const onError = (err) => s.report(err)
  let subscription
  try {
    subscription = await s.driver.subscribe(s.channel, s.sharded, (m) => onMessage(s, m), onReady, onError)
  } catch (err) {
    throw codedError('ERR_REVOCATION_STALE', `the subscription to ${s.channel} failed: ${err && err.message}`, { cause: err })
  }
  started = true
  let firstError = null
  const firstListener = (err) => {
    if (!firstError) firstError = err
  }
  s.events.on('error', firstListener)
  const ok = await request(s)
  s.events.off('error', firstListener)
  if (!ok || s.epoch === null) {
    await subscription.close()
    throw codedError('ERR_REVOCATION_STALE', `the first load of the revocation list from Redis failed: ${firstError ? firstError.message : 'closed'}`, {
      cause: firstError,
    })
  }
  return subscription
}

/** The periodic check, the prune of expired entries, and the staleness watch (all unref'd). */
function startTimers(s, o) {
  const checkTimer = setInterval(() => request(s), o.resyncInterval * 1000)
  const pruneTimer = setInterval(() => s.list.prune(), Math.max(60, o.resyncInterval) * 1000)
  const staleTimer = setInterval(() => {
    if (Date.now() - s.lastSync > o.maxStaleness * 1000) s.setStale(true)
  }, Math.min(1000, o.maxStaleness * 250))
  const timers = [checkTimer, pruneTimer, staleTimer]
  for (const t of timers) t.unref()
  return timers
}

/** The handle redisRevocation resolves to (js/redis/index.d.ts: RedisRevocation). */
function handleOf(s, subscription, timers) {
  const { list, events } = s
  const handle = {
    list,
    /** Revokes a token id on every node until exp (seconds since the epoch). */
    async revokeToken(jti, exp) {
      const id = revocationKeyOf(jti)
      if (id === null) throw codedError('ERR_INVALID_OPTIONS', 'jti must be a non-empty string (at most 1024 bytes) or a safe integer')
      if (typeof exp !== 'number' || !Number.isFinite(exp) || exp < 0) throw codedError('ERR_INVALID_OPTIONS', 'exp must be a number of seconds since the epoch')
      if (exp <= nowSec()) return
      applyOne(list, { jti: id, exp })
      await write(s, 'j', id, exp)
    },
    /** Revokes, on every node, the tokens of sub issued before `before` (default now). */
    async revokeSubject(sub, before) {
      const id = revocationKeyOf(sub)
      if (id === null) throw codedError('ERR_INVALID_OPTIONS', 'sub must be a non-empty string (at most 1024 bytes) or a safe integer')
      const b = before === undefined ? nowSec() : before
      if (typeof b !== 'number' || !Number.isFinite(b) || b < 0) throw codedError('ERR_INVALID_OPTIONS', 'before must be a number of seconds since the epoch')
      applyOne(list, { sub: id, before: b })
      await write(s, 's', id, b)
    },
    /**
     * Checks the log now and catches up (a full load only if the log no longer reaches back,
     * or with { full: true }); resolves true when it succeeded.
     */
    resync: (opts) => request(s, !!(opts && opts.full)),
    /** { stale, lastSync (seconds since the epoch), epoch, lastId, and counters } */
    status: () => ({ stale: s.stale, lastSync: s.lastSync / 1000, epoch: s.epoch, lastId: s.last, sharded: s.sharded, ...s.counters }),
    /** The keys and channel this store uses. */
    keys: { ...s.keys, channel: s.channel },
    /** 'stale' and 'synced' ({ lastSync }), 'load' ({ entries, ms }), 'incarnation', 'error' (never fatal). */
    on(event, listener) {
      events.on(event, listener)
      return handle
    },
    off(event, listener) {
      events.off(event, listener)
      return handle
    },
    /** Stops syncing and closes the subscriber connection (not the client you gave); bounded (CLOSE_WAIT_MS). */
    async close() {
      if (s.closed) return
      s.closed = true
      metrics.untrack('redis', handle)
      for (const t of timers) clearInterval(t)
      // The check under way stops at its next step; one waiting on a Redis that no longer
      // answers does not hold close() (it ends, recording nothing, if Redis answers later).
      if (s.running) await settledWithin(s.running, CLOSE_WAIT_MS)
      await subscription.close()
    },
  }
  return handle
}

module.exports = { redisRevocation, RevocationList, redisClientKind, describeValue: describe, _internals: { WRITE_SCRIPT, SYNC_SCRIPT } }
