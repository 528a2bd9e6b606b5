'use strict'
// js/core/sharded.js: the Maps and Sets of a node's connections, split so that no delete
// rehashes all of them at once (issue 21: a sweep slice <= 5 ms at 50,000 connections).
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { ShardedMap, ShardedSet, shardOf, SHARDS, SPLIT_AT } = require('../js/core/sharded.js')

/** A deterministic stream of numbers in [0, 1). */
function random(seed) {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

test('ShardedMap behaves as a Map under a random mix of keys and operations', () => {
  const rnd = random(7)
  const objects = Array.from({ length: 300 }, (_, i) => (i % 50 === 0 ? Object.freeze({ i }) : { i }))
  const keyOf = () => {
    const r = rnd()
    if (r < 0.4) return objects[Math.floor(rnd() * objects.length)]
    if (r < 0.8) return `id-${Math.floor(rnd() * 400)}`
    return Math.floor(rnd() * 200) - 20
  }
  const map = new ShardedMap()
  const ref = new Map()
  for (let step = 0; step < 20000; step++) {
    const key = keyOf()
    const op = rnd()
    if (op < 0.5) {
      assert.equal(map.set(key, step), map)
      ref.set(key, step)
    } else if (op < 0.8) assert.equal(map.delete(key), ref.delete(key))
    else assert.equal(map.has(key), ref.has(key))
    assert.equal(map.get(key), ref.get(key))
    assert.equal(map.size, ref.size)
  }
  assert.deepEqual(new Set(map.keys()), new Set(ref.keys()))
  assert.deepEqual(new Map(map.entries()), ref)
  assert.deepEqual(new Map(map), ref)
  assert.deepEqual([...map.values()].sort(), [...ref.values()].sort())
})

test('ShardedMap spreads connections and ids over its parts', () => {
  const map = new ShardedMap()
  for (let i = 0; i < 3200; i++) map.set({ conn: i }, i)
  for (let i = 0; i < 3200; i++) map.set(`0d6f1c1e-5d0b-4a57-9d43-${String(i).padStart(12, '0')}`, i)
  for (let i = 0; i < 3200; i++) map.set(`user-${i}`, i)
  const sizes = map.parts.map((p) => (p === null ? 0 : p.size))
  assert.equal(sizes.length, SHARDS)
  assert.equal(sizes.reduce((a, b) => a + b, 0), 9600)
  // Even spread: 300 a part; none holds more than twice that.
  assert.ok(Math.max(...sizes) < 600 && Math.min(...sizes) > 100, `parts hold ${sizes.join(', ')}`)
})

test('a ShardedMap key iterator is live, as a Map one: a sweep that deletes as it goes visits each key once', () => {
  const map = new ShardedMap()
  const conns = Array.from({ length: 5000 }, (_, i) => ({ i }))
  for (const c of conns) map.set(c, c.i)
  const it = map.keys()
  const seen = new Set()
  // Deletes the visited key and, now and then, one not yet visited (a disconnect meanwhile).
  const gone = new Set()
  for (let r = it.next(); !r.done; r = it.next()) {
    assert.ok(!seen.has(r.value) && !gone.has(r.value))
    seen.add(r.value)
    map.delete(r.value)
    if (r.value.i % 7 === 0) {
      const other = conns[(r.value.i * 31 + 11) % conns.length]
      if (!seen.has(other) && map.delete(other)) gone.add(other)
    }
  }
  assert.equal(seen.size + gone.size, conns.length)
  assert.equal(map.size, 0)
  assert.deepEqual([...map.keys()], [])
})

test('shardOf: objects keep their part without a visible property; frozen ones are part 0', () => {
  const conn = { claims: { sub: 'a' } }
  const k = shardOf(conn)
  assert.ok(Number.isInteger(k) && k >= 0 && k < SHARDS)
  assert.equal(shardOf(conn), k)
  assert.deepEqual(Object.keys(conn), ['claims'])
  assert.equal(JSON.stringify(conn), '{"claims":{"sub":"a"}}')
  assert.equal(shardOf(Object.freeze({})), 0)
  const refusing = new Proxy({}, { defineProperty() { throw new Error('no') } })
  assert.equal(shardOf(refusing), 0)
  assert.equal(shardOf('user-1'), shardOf('user-1'))
  assert.equal(shardOf(42), shardOf(42))
  // Keys of every kind map into the parts.
  for (const key of ['', 'x', 'a'.repeat(100), 0, -1, 1.5, NaN, true, null, undefined, Symbol('s'), () => {}]) {
    const part = shardOf(key)
    assert.ok(Number.isInteger(part) && part >= 0 && part < SHARDS, `${String(key)} -> ${part}`)
  }
})

test('ShardedSet: one Set until SPLIT_AT entries, then split over parts, holding the same', () => {
  const set = new ShardedSet()
  const conns = Array.from({ length: SPLIT_AT * 2 }, (_, i) => ({ i }))
  for (const c of conns.slice(0, SPLIT_AT - 1)) set.add(c)
  assert.equal(set.parts, null)
  set.add(conns[0])
  assert.equal(set.size, SPLIT_AT - 1)
  for (const c of conns.slice(SPLIT_AT - 1)) set.add(c)
  assert.notEqual(set.parts, null)
  assert.equal(set.size, conns.length)
  assert.ok(set.parts.filter((p) => p !== null).length > SHARDS / 2)
  assert.deepEqual(new Set(set), new Set(conns))
  for (const c of conns) assert.equal(set.has(c), true)
  assert.equal(set.has({}), false)
  for (const c of conns.filter((c) => c.i % 2)) assert.equal(set.delete(c), true)
  assert.equal(set.delete(conns[1]), false)
  assert.equal(set.size, SPLIT_AT)
  assert.deepEqual(new Set(set), new Set(conns.filter((c) => c.i % 2 === 0)))
  set.clear()
  assert.equal(set.size, 0)
  assert.deepEqual([...set], [])
  set.add(conns[3])
  assert.deepEqual([...set], [conns[3]])
})
