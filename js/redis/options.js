'use strict'
// authbridge/redis: the options of redisRevocation, checked, and the keys they name.

const { RevocationList } = require('../../index.js')
const { codedError } = require('../core/errors.js')
const { redisClientKind } = require('./driver.js')

/** What was passed, for an error message: the constructor's name or the type. */
function describe(value) {
  if (value === null) return 'null'
  if (typeof value !== 'object' && typeof value !== 'function') return typeof value
  const name = value.constructor && value.constructor.name
  return name ? `a ${name}` : 'an object without a constructor'
}

function seconds(name, value, fallback, min) {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw codedError('ERR_INVALID_OPTIONS', `${name} must be a finite number of seconds, at least ${min}`)
  }
  return value
}

/**
 * redisRevocation's options checked, with their defaults:
 * { client, kind, list, prefix, resyncInterval, maxStaleness, onStale, logLength }.
 */
function redisOptions(options) {
  const o = options || {}
  const kind = redisClientKind(o.client)
  if (!kind) {
    throw codedError(
      'ERR_INVALID_OPTIONS',
      `client must be a node-redis v5 client (createClient, createCluster or createSentinel) or an ioredis client (Redis or Cluster); got ${describe(o.client)}`,
    )
  }
  if (o.list !== undefined && !(o.list instanceof RevocationList)) throw codedError('ERR_INVALID_OPTIONS', `list must be a RevocationList; got ${describe(o.list)}`)
  const prefix = o.prefix === undefined ? 'authbridge:' : o.prefix
  if (typeof prefix !== 'string' || prefix.length === 0 || /[{}]/.test(prefix)) {
    throw codedError('ERR_INVALID_OPTIONS', 'prefix must be a non-empty string without { or } (it is the hash tag of every key)')
  }
  const resyncInterval = seconds('resyncInterval', o.resyncInterval, 5, 0.1)
  const maxStaleness = seconds('maxStaleness', o.maxStaleness, 60, 0.1)
  if (maxStaleness <= resyncInterval) {
    throw codedError('ERR_INVALID_OPTIONS', 'maxStaleness must be longer than resyncInterval (a healthy node checks the log every resyncInterval)')
  }
  const onStale = o.onStale === undefined ? 'accept' : o.onStale
  if (onStale !== 'accept' && onStale !== 'refuse') throw codedError('ERR_INVALID_OPTIONS', "onStale must be 'accept' or 'refuse'")
  const logLength = o.logLength === undefined ? 10000 : o.logLength
  if (!Number.isSafeInteger(logLength) || logLength < 100) throw codedError('ERR_INVALID_OPTIONS', 'logLength must be an integer, at least 100')
  const list = o.list || new RevocationList()
  return { client: o.client, kind, list, prefix, resyncInterval, maxStaleness, onStale, logLength }
}

/** The keys (every one carries the hash tag {prefix}), KEYS in the scripts' order, and the channel. */
function keysOf(prefix) {
  const tag = `{${prefix}}`
  const keys = { jti: tag + 'revoked:jti', sub: tag + 'revoked:sub', log: tag + 'log', epoch: tag + 'epoch' }
  return { keys, KEYS: [keys.jti, keys.sub, keys.log, keys.epoch], channel: tag + 'changes' }
}

module.exports = { describe, redisOptions, keysOf }
