'use strict'
// authbridge/redis: keeps every node's RevocationList the same through Redis.
//
// - Writes are durable: one key per entry, expiring with it
//   (<prefix>revoked:jti:<jti> until the token's exp, <prefix>revoked:sub:<sub> until
//   before + subjectTtl), written and published in one atomic script.
// - Changes reach the other nodes through pub/sub on <prefix>revocations.
// - Each node reloads the whole list at start, after every reconnect of its subscriber,
//   and every `resyncInterval` seconds: a message lost while a connection was down is
//   never a lost revocation, it is late by at most resyncInterval.
// - A node that cannot reload keeps the last list it had. After `maxStaleness` seconds
//   without a successful reload it is stale: with onStale 'accept' (the default) it keeps
//   accepting tokens and reports it; with 'refuse' every token is refused
//   (ERR_REVOCATION_STALE) until a reload succeeds.
//
// Works with node-redis (v5 or later, `redis`) and ioredis clients; the client is used for
// commands and duplicated once for the subscription.

const { EventEmitter } = require('node:events')
const { RevocationList } = require('../index.js')
const { codedError } = require('./errors.js')

const WRITE_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if (not cur) or tonumber(cur) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'EXAT', ARGV[2])
end
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
`


/** Escapes glob characters for SCAN MATCH. */
function globEscape(s) {
  return s.replace(/[*?[\]\\]/g, (c) => '\\' + c)
}

/** node-redis (v4+: isOpen, sendCommand(args)) or ioredis (call(...args)). */
function driverOf(client) {
  if (!client || typeof client !== 'object') return null
  if (typeof client.sendCommand === 'function' && 'isOpen' in client && typeof client.duplicate === 'function') {
    return {
      kind: 'node-redis',
      command: (args) => client.sendCommand(args.map(String)),
      async subscriber(channel, onMessage, onReady, onError) {
        const sub = client.duplicate()
        sub.on('error', onError)
        sub.on('ready', onReady)
        await sub.connect()
        await sub.subscribe(channel, (message) => onMessage(message))
        return {
          connection: sub,
          async close() {
            sub.off('ready', onReady)
            try {
              if (typeof sub.close === 'function') await sub.close()
              else await sub.quit()
            } catch {
              try {
                if (typeof sub.destroy === 'function') sub.destroy()
                else sub.disconnect()
              } catch {
                // already closed
              }
            }
          },
        }
      },
    }
  }
  if (typeof client.call === 'function' && typeof client.duplicate === 'function') {
    return {
      kind: 'ioredis',
      command: (args) => client.call(...args.map(String)),
      async subscriber(channel, onMessage, onReady, onError) {
        const sub = client.duplicate()
        sub.on('error', onError)
        sub.on('ready', onReady)
        sub.on('message', (ch, message) => {
          if (ch === channel) onMessage(message)
        })
        await sub.subscribe(channel)
        return {
          connection: sub,
          async close() {
            sub.off('ready', onReady)
            try {
              await sub.quit()
            } catch {
              sub.disconnect()
            }
          },
        }
      },
    }
  }
  return null
}

/** The ids the list accepts: 1 to 1024 bytes. */
function validId(id) {
  return typeof id === 'string' && id.length > 0 && Buffer.byteLength(id) <= 1024
}

function seconds(name, value, fallback, min) {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw codedError('ERR_INVALID_OPTIONS', `${name} must be a finite number of seconds, at least ${min}`)
  }
  return value
}

/**
 * Keeps `list` (a new RevocationList if absent) in sync with Redis. Resolves once the
 * first full load succeeded; rejects if it does not (a node must not start without its
 * list).
 */
async function redisRevocation(options) {
  const o = options || {}
  const driver = driverOf(o.client)
  if (!driver) throw codedError('ERR_INVALID_OPTIONS', 'client must be a node-redis (v5 or later) or ioredis client')
  if (o.list !== undefined && !(o.list instanceof RevocationList)) throw codedError('ERR_INVALID_OPTIONS', 'list must be a RevocationList')
  const prefix = o.prefix === undefined ? 'authbridge:' : o.prefix
  if (typeof prefix !== 'string') throw codedError('ERR_INVALID_OPTIONS', 'prefix must be a string')
  const resyncInterval = seconds('resyncInterval', o.resyncInterval, 15, 0.1)
  const maxStaleness = seconds('maxStaleness', o.maxStaleness, 60, 0.1)
  if (maxStaleness <= resyncInterval) {
    throw codedError('ERR_INVALID_OPTIONS', 'maxStaleness must be longer than resyncInterval (a healthy node reloads every resyncInterval)')
  }
  const onStale = o.onStale === undefined ? 'accept' : o.onStale
  if (onStale !== 'accept' && onStale !== 'refuse') throw codedError('ERR_INVALID_OPTIONS', "onStale must be 'accept' or 'refuse'")

  const list = o.list || new RevocationList()
  const channel = prefix + 'revocations'
  const jtiKey = prefix + 'revoked:jti:'
  const subKey = prefix + 'revoked:sub:'
  const pattern = globEscape(prefix) + 'revoked:*'
  const events = new EventEmitter()
  // An 'error' without a listener would throw: errors are reported, never fatal.
  events.on('error', () => {})

  let closed = false
  let lastSync = 0
  let stale = false
  let reloading = null
  // Changes seen while a reload runs: applied again after its snapshot replaces the list.
  let pending = null

  const apply = (change) => {
    if (pending) pending.push(change)
    try {
      if (change.t === 'jti') list.revokeToken(change.id, change.x)
      else if (change.t === 'sub') list.revokeSubject(change.id, change.x)
    } catch (err) {
      events.emit('error', err)
    }
  }

  const onMessage = (message) => {
    let change
    try {
      change = JSON.parse(message)
    } catch {
      return
    }
    if (change && typeof change.id === 'string' && typeof change.x === 'number') apply(change)
  }

  const load = async () => {
    const entries = []
    let cursor = '0'
    do {
      const [next, keys] = await driver.command(['SCAN', cursor, 'MATCH', pattern, 'COUNT', 1000])
      cursor = String(next)
      if (keys.length > 0) {
        const values = await driver.command(['MGET', ...keys])
        keys.forEach((key, i) => {
          const x = Number(values[i])
          if (values[i] === null || values[i] === undefined || !Number.isFinite(x)) return
          if (key.startsWith(jtiKey)) entries.push({ jti: key.slice(jtiKey.length), exp: x })
          else if (key.startsWith(subKey)) entries.push({ sub: key.slice(subKey.length), before: x })
        })
      }
    } while (cursor !== '0')
    return entries
  }

  const setStale = (on) => {
    if (stale === on) return
    stale = on
    if (onStale === 'refuse') list.setStale(on)
    events.emit(on ? 'stale' : 'synced', { lastSync: lastSync / 1000 })
  }

  /** A full reload; one at a time. Resolves true when it succeeded. */
  const reload = () => {
    if (reloading) return reloading
    pending = []
    reloading = (async () => {
      try {
        const entries = await load()
        if (closed) return false
        const during = pending
        pending = null
        // A key this store did not write (an empty or oversized id) is skipped, never fatal.
        list.replace(entries.filter((e) => validId(e.jti === undefined ? e.sub : e.jti)))
        for (const change of during) apply(change)
        lastSync = Date.now()
        setStale(false)
        return true
      } catch (err) {
        pending = null
        events.emit('error', err)
        return false
      } finally {
        reloading = null
      }
    })()
    return reloading
  }

  // The first load must succeed before this node serves anything.
  let first = true
  const onReady = () => {
    // Every reconnect of the subscriber: messages may have been lost meanwhile.
    if (first || closed) return
    reload()
  }
  const onError = (err) => events.emit('error', err)
  const subscription = await driver.subscriber(channel, onMessage, onReady, onError)
  first = false
  if (!(await reload())) {
    await subscription.close()
    throw codedError('ERR_REVOCATION_STALE', 'the first load of the revocation list from Redis failed')
  }

  const resyncTimer = setInterval(() => {
    list.prune()
    reload()
  }, resyncInterval * 1000)
  resyncTimer.unref()
  const staleTimer = setInterval(() => {
    if (Date.now() - lastSync > maxStaleness * 1000) setStale(true)
  }, Math.min(1000, maxStaleness * 250))
  staleTimer.unref()

  const write = async (key, value, expireAt, change) => {
    apply(change)
    await driver.command(['EVAL', WRITE_SCRIPT, 1, key, value, Math.ceil(expireAt), channel, JSON.stringify(change)])
  }

  const handle = {
    list,
    /** Revokes a token id on every node until exp (seconds since the epoch). */
    async revokeToken(jti, exp) {
      if (typeof jti !== 'string' || jti.length === 0) throw codedError('ERR_INVALID_OPTIONS', 'jti must be a non-empty string')
      if (typeof exp !== 'number' || !Number.isFinite(exp)) throw codedError('ERR_INVALID_OPTIONS', 'exp must be a number of seconds since the epoch')
      if (exp * 1000 <= Date.now()) return
      await write(jtiKey + jti, exp, exp, { t: 'jti', id: jti, x: exp })
    },
    /** Revokes, on every node, the tokens of sub issued before `before` (default now). */
    async revokeSubject(sub, before) {
      if (typeof sub !== 'string' || sub.length === 0) throw codedError('ERR_INVALID_OPTIONS', 'sub must be a non-empty string')
      const b = before === undefined ? Date.now() / 1000 : before
      if (typeof b !== 'number' || !Number.isFinite(b)) throw codedError('ERR_INVALID_OPTIONS', 'before must be a number of seconds since the epoch')
      await write(subKey + sub, b, b + list.subjectTtl, { t: 'sub', id: sub, x: b })
    },
    /** Reloads the whole list now; resolves true when it succeeded. */
    resync: () => reload(),
    /** { stale, lastSync (seconds since the epoch) } */
    status: () => ({ stale, lastSync: lastSync / 1000 }),
    /** 'stale' and 'synced' ({ lastSync }), 'error' (a Redis error; never fatal). */
    on(event, listener) {
      events.on(event, listener)
      return handle
    },
    off(event, listener) {
      events.off(event, listener)
      return handle
    },
    /** Stops syncing and closes the subscriber connection (not the client you gave). */
    async close() {
      if (closed) return
      closed = true
      clearInterval(resyncTimer)
      clearInterval(staleTimer)
      if (reloading) await reloading.catch(() => {})
      await subscription.close()
    },
  }
  return handle
}

module.exports = { redisRevocation, RevocationList }
