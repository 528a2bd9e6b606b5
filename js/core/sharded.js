'use strict'
// Maps and Sets that hold a node's connections (the watch's entries and revocation index in
// js/core/connection-lifetime.js and js/core/lifetime-index.js, the expiry groups in
// js/core/lifetime-timers.js), split over SHARDS parts.
//
// V8 shrinks a Map or a Set when a delete leaves it a quarter full: that one delete rehashes
// every entry left. At 50,000 connections it is a 1.5-2.5 ms block inside one close, and the
// entries, the jti index and the identity index shrink at the same close when the connections
// leave together (a 'stale' sweep closing every one): 4-5 ms at once, past what a sweep slice
// may take (issue 21: 5 ms). Split, each part shrinks on its own, with 1/SHARDS of the
// entries, at its own close, and a sweep slice reads its clock between two of them.

const SHARDS = 32
const TOP = 27 // 32 - log2(SHARDS): a 32-bit hash's top bits pick the part
const SHARD = Symbol('authbridge.shard')
let turn = 0

/**
 * The part of `key`: for an object, a number given in turn and kept on it (a non-enumerable,
 * read-only symbol property; part 0 for an object that takes none: frozen, or a Proxy that
 * refuses it); for a string, a hash of its last 8 characters and its length; for a number, a
 * hash of its 32-bit integer part (-0 and 0 alike, as a Map). The same key always lands in the
 * same part.
 */
function shardOf(key) {
  if (typeof key === 'string') {
    let h = key.length
    for (let i = key.length > 8 ? key.length - 8 : 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x9e3779b1)
    return h >>> TOP
  }
  if ((typeof key === 'object' && key !== null) || typeof key === 'function') {
    const k = key[SHARD]
    if (k !== undefined) return k
    if (!Object.isExtensible(key)) return 0
    const mine = turn++ & (SHARDS - 1)
    try {
      Object.defineProperty(key, SHARD, { value: mine })
    } catch {
      return 0 // a Proxy that refuses it
    }
    return mine
  }
  if (typeof key === 'number') return Math.imul(key | 0, 0x9e3779b1) >>> TOP
  return 0
}

/**
 * A Map over SHARDS Maps (made as keys land in them). `keys()` visits part after part, each
 * through a live iterator (as a Map's: a key deleted before its turn is skipped; one added to
 * a part not yet reached is visited).
 */
class ShardedMap {
  constructor() {
    this.parts = new Array(SHARDS).fill(null)
    this.size = 0
  }

  get(key) {
    const part = this.parts[shardOf(key)]
    return part === null ? undefined : part.get(key)
  }

  has(key) {
    const part = this.parts[shardOf(key)]
    return part !== null && part.has(key)
  }

  set(key, value) {
    const k = shardOf(key)
    let part = this.parts[k]
    if (part === null) this.parts[k] = part = new Map()
    const before = part.size
    part.set(key, value)
    this.size += part.size - before
    return this
  }

  delete(key) {
    const part = this.parts[shardOf(key)]
    if (part === null || !part.delete(key)) return false
    this.size--
    return true
  }

  *keys() {
    for (const part of this.parts) if (part !== null) yield* part.keys()
  }

  *values() {
    for (const part of this.parts) if (part !== null) yield* part.values()
  }

  *entries() {
    for (const part of this.parts) if (part !== null) yield* part.entries()
  }

  [Symbol.iterator]() {
    return this.entries()
  }
}

/** Entries a ShardedSet holds in one Set before it splits. */
const SPLIT_AT = 2048

/**
 * A Set that splits over SHARDS Sets once it holds SPLIT_AT entries (most hold a few: the
 * connections whose tokens expire in the same millisecond). No live iteration: a split moves
 * the entries (iterate a copy, `[...set]`).
 */
class ShardedSet {
  constructor() {
    this.one = new Set()
    this.parts = null
    this.size = 0
  }

  add(value) {
    if (this.parts === null) {
      this.one.add(value)
      this.size = this.one.size
      if (this.size >= SPLIT_AT) this.split()
      return this
    }
    const k = shardOf(value)
    let part = this.parts[k]
    if (part === null) this.parts[k] = part = new Set()
    const before = part.size
    part.add(value)
    this.size += part.size - before
    return this
  }

  has(value) {
    if (this.parts === null) return this.one.has(value)
    const part = this.parts[shardOf(value)]
    return part !== null && part.has(value)
  }

  delete(value) {
    if (this.parts === null) {
      if (!this.one.delete(value)) return false
    } else {
      const part = this.parts[shardOf(value)]
      if (part === null || !part.delete(value)) return false
    }
    this.size--
    return true
  }

  clear() {
    this.one = new Set()
    this.parts = null
    this.size = 0
  }

  split() {
    const all = this.one
    this.one = null
    this.parts = new Array(SHARDS).fill(null)
    this.size = 0
    for (const value of all) this.add(value)
  }

  *[Symbol.iterator]() {
    if (this.parts === null) yield* this.one
    else for (const part of this.parts) if (part !== null) yield* part
  }
}

module.exports = { ShardedMap, ShardedSet, shardOf, SHARDS, SPLIT_AT }
