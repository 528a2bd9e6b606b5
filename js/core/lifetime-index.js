'use strict'
// The revocation index of the connection watch (js/core/connection-lifetime.js): admitted
// connections by the key of their `jti`, of their `sub`, of their identity (what auth_refresh
// compares) and of their `sid` (a session id claim) where they have one, and the lookups a
// change of a revocation list makes in it: 'token' by jti, 'subject' by sub (and identity),
// 'merge' / 'reload' with `entries` by those ids, any change carrying `sid` by sid.

const { revocationKeyOf } = require('../../index.js')
const { ShardedMap } = require('./sharded.js')

/**
 * Who a token is for, for auth_refresh: `identity(claims)` when given, else the `sub` claim;
 * null unless a non-empty string (or a finite number from `identity`).
 */
function identityOf(identity, claims) {
  let id
  try {
    id = identity ? identity(claims) : claims && claims.sub
  } catch {
    return null
  }
  if (typeof id === 'string' && id !== '') return id
  if (identity && typeof id === 'number' && Number.isFinite(id)) return id
  return null
}

// An index maps a key to its one connection, or to a Bucket when several share it (most
// keys have one: a jti names one token), which keeps the index small.
class Bucket extends Set {}

function addTo(map, key, conn) {
  if (key === null) return
  const v = map.get(key)
  if (v === undefined) map.set(key, conn)
  else if (v instanceof Bucket) v.add(conn)
  else if (v !== conn) map.set(key, new Bucket([v, conn]))
}

function deleteFrom(map, key, conn) {
  if (key === null) return
  const v = map.get(key)
  if (v === conn) map.delete(key)
  else if (v instanceof Bucket && v.delete(conn) && v.size === 1) map.set(key, v.values().next().value)
}

/**
 * The four indexes. A connection's keys are kept on its watch entry ({ jti, sub, id, sid }),
 * so that it leaves the indexes without its claims being read again. `identity` is the
 * watch's identity function (the identity index is filled only when one is given).
 */
class RevocationIndex {
  constructor(identity) {
    this.identity = identity
    this.byJti = new ShardedMap()
    this.bySub = new ShardedMap()
    this.byIdentity = new ShardedMap()
    this.bySid = new ShardedMap()
  }

  add(conn, entry) {
    const claims = conn.claims
    if (!claims || typeof claims !== 'object') return
    entry.jti = revocationKeyOf(claims.jti)
    entry.sub = revocationKeyOf(claims.sub)
    // The identity index only when it is not the sub (an `identity` function is given).
    const id = this.identity ? identityOf(this.identity, claims) : null
    entry.id = id === null ? null : revocationKeyOf(id) ?? String(id)
    entry.sid = revocationKeyOf(claims.sid)
    addTo(this.byJti, entry.jti, conn)
    addTo(this.bySub, entry.sub, conn)
    addTo(this.byIdentity, entry.id, conn)
    addTo(this.bySid, entry.sid, conn)
  }

  remove(conn, entry) {
    deleteFrom(this.byJti, entry.jti, conn)
    deleteFrom(this.bySub, entry.sub, conn)
    deleteFrom(this.byIdentity, entry.id, conn)
    deleteFrom(this.bySid, entry.sid, conn)
    entry.jti = entry.sub = entry.id = entry.sid = null
  }

  /** `watch.check(conn)` for each connection filed under `id` in `map`. */
  lookup(map, id, watch) {
    if (id === undefined || id === null) return
    // Changes name ids by their key text, the index files connections the same way.
    const key = revocationKeyOf(id)
    const v = key === null ? undefined : map.get(key)
    if (v === undefined) return
    if (v instanceof Bucket) for (const conn of [...v]) watch.check(conn)
    else watch.check(v)
  }

  /**
   * Checks (`watch.check`) the connections a change names. Returns false when the change
   * needs a sweep instead: 'stale', an `overflow`, a 'merge' / 'reload' without `entries`, any
   * change not understood that names no ids. 'prune' and 'fresh' can refuse no one: none.
   */
  checkNamed(c, watch) {
    return checkNamedBy(this, c, watch)
  }
}

/** RevocationIndex#checkNamed: the lookups in `index` that the change `c` calls for. */
function checkNamedBy(index, c, watch) {
  switch (c.type) {
    case 'prune':
    case 'fresh':
      return true
    case 'token':
      index.lookup(index.byJti, c.jti, watch)
      break
    case 'subject':
      index.lookup(index.bySub, c.sub, watch)
      index.lookup(index.byIdentity, c.sub, watch)
      break
    case 'merge':
    case 'reload':
      if (c.overflow === true || !Array.isArray(c.entries)) return false
      for (const e of c.entries) {
        if (!e || typeof e !== 'object') continue
        index.lookup(index.byJti, e.jti, watch)
        index.lookup(index.bySub, e.sub, watch)
        index.lookup(index.byIdentity, e.sub, watch)
        index.lookup(index.bySid, e.sid, watch)
      }
      break
    default:
      if (c.type === 'stale' || (c.jti == null && c.sub == null && c.sid == null)) return false
      index.lookup(index.byJti, c.jti, watch)
      index.lookup(index.bySub, c.sub, watch)
      index.lookup(index.byIdentity, c.sub, watch)
  }
  if (c.sid != null) index.lookup(index.bySid, c.sid, watch)
  return true
}

module.exports = { RevocationIndex, identityOf }
