'use strict'
// health(): whether this node can authenticate correctly right now (issue 25): its remote key
// sets are loaded and fresh, its revocation lists synced through Redis are current. Reads the
// RemoteJwks instances and authbridge/redis handles alive in the process (or those given).
// The Nest side (AuthbridgeHealthIndicator, AuthbridgeObservabilityModule) is in
// js/metrics/nest.js, exported by authbridge/metrics/nest.

const state = require('./state.js')
const { optionsError } = require('../core/errors.js')

function seconds(o, name) {
  const v = o[name]
  if (v === undefined) return null
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw optionsError(`health: ${name} must be a number of seconds above 0`)
  return v
}

function listOf(o, name) {
  const v = o[name]
  if (v === undefined) return null
  if (!Array.isArray(v)) throw optionsError(`health: ${name} must be an array`)
  return v
}

/**
 * { status: 'up' | 'down', reasons: string[], jwks: [...], revocation: [...] }.
 * Down when a key set has no keys loaded, is stale, or (maxKeyAge) was last refreshed longer
 * ago; when a revocation list synced through Redis is stale, or (maxSyncAge) was last synced
 * longer ago. Options: { jwks?: RemoteJwks[], redis?: handles[] (default: every live one),
 * maxKeyAge?, maxSyncAge? (seconds) }. Reasons never hold a token or a secret.
 */
function health(options = {}) {
  if (options === null || typeof options !== 'object') throw optionsError('health options must be an object ({ jwks, redis, maxKeyAge, maxSyncAge })')
  const maxKeyAge = seconds(options, 'maxKeyAge')
  const maxSyncAge = seconds(options, 'maxSyncAge')
  const onlyJwks = listOf(options, 'jwks')
  const onlyRedis = listOf(options, 'redis')
  const now = Date.now()
  const reasons = []
  const jwks = []
  for (const k of onlyJwks ? onlyJwks.map((j) => keySetOf(j, now)) : state.keySets(now)) {
    let reason = null
    if (!k.ready || k.keys === 0) reason = `key set ${k.jwks} has no keys loaded${k.lastError ? ` (${k.lastError})` : ''}`
    else if (k.stale) reason = `key set ${k.jwks} is stale: ${k.failures} refreshes failed in a row${k.lastError ? ` (${k.lastError})` : ''}`
    else if (maxKeyAge !== null && k.age !== null && k.age > maxKeyAge) reason = `key set ${k.jwks} was last refreshed ${Math.round(k.age)} s ago (maxKeyAge ${maxKeyAge} s)`
    if (reason) reasons.push(reason)
    jwks.push({ jwks: k.jwks, up: !reason, keys: k.keys, lastRefresh: k.lastRefresh, failures: k.failures, reason })
  }
  const revocation = []
  for (const s of onlyRedis ? onlyRedis.map((h) => syncOf(h, now)) : state.revocationSyncs(now)) {
    let reason = null
    const ago = s.age === null ? 'never synced' : `last synced ${Math.round(s.age)} s ago`
    if (s.stale) reason = `revocation list ${s.store} is stale (${ago})`
    else if (maxSyncAge !== null && (s.age === null || s.age > maxSyncAge)) reason = `revocation list ${s.store} ${ago} (maxSyncAge ${maxSyncAge} s)`
    if (reason) reasons.push(reason)
    revocation.push({ store: s.store, up: !reason, stale: s.stale, lastSync: s.lastSync, reason })
  }
  return { status: reasons.length === 0 ? 'up' : 'down', reasons, jwks, revocation }
}

function keySetOf(j, now) {
  if (!j || typeof j.status !== 'function') throw optionsError('health: jwks must hold RemoteJwks instances')
  return state.keySetOf(j, now)
}

function syncOf(h, now) {
  if (!h || typeof h.status !== 'function' || !h.keys) throw optionsError('health: redis must hold authbridge/redis handles')
  return state.syncOf(h, now)
}

module.exports = { health }
