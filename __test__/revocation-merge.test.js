'use strict'

// RevocationList#merge (the contract of the revocation round): adds entries keeping the
// stricter per id, never removes, all or nothing, one 'merge' change listing what changed
// (at most 1024, else overflow); 'reload' (replace) lists what it added or made stricter.

const { test } = require('node:test')
const assert = require('node:assert/strict')

const { RevocationList } = require('..')
const { throwsCode } = require('./helpers/assert.js')

const byId = (a, b) => String(a.jti ?? a.sub).localeCompare(String(b.jti ?? b.sub))
const plain = (e) => Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined))

test('merge keeps the stricter entry per id, removes nothing, and emits one change', () => {
  const now = 1_000_000
  const list = new RevocationList({ now: () => now })
  list.revokeToken('keep', now + 100)
  list.revokeSubject('ada', now - 50)
  const changes = []
  list.on('change', (c) => changes.push(c))
  const r = list.merge([
    { jti: 'keep', exp: now + 10 }, // earlier: kept as is
    { jti: 'new', exp: now + 60 },
    { jti: 7, exp: now + 60 }, // a number, keyed '7'
    { sub: 'ada', before: now - 10 }, // stricter
    { sub: 1, before: now },
    { jti: 'gone', exp: now - 1 }, // already past: left out
  ])
  assert.deepEqual(r, { added: 3, stricter: 1 })
  assert.equal(changes.length, 1)
  const c = changes[0]
  assert.equal(c.type, 'merge')
  assert.equal(c.overflow, false)
  assert.equal(c.version, list.version)
  assert.deepEqual(c.entries.map(plain).sort(byId), [
    { sub: '1', before: now },
    { jti: '7', exp: now + 60 },
    { sub: 'ada', before: now - 10 },
    { jti: 'new', exp: now + 60 },
  ].sort(byId))
  assert.deepEqual(list.size(), { tokens: 3, subjects: 2 })
  assert.equal(list.isRevoked({ jti: 'keep' }), true)
  assert.equal(list.isRevoked({ sub: 1, iat: now - 1 }), true)
  // Nothing new: no change event.
  assert.deepEqual(list.merge([{ jti: 'new', exp: now + 30 }]), { added: 0, stricter: 0 })
  assert.equal(changes.length, 1)
  // All or nothing: one bad entry, nothing added, no event.
  for (const bad of [{ jti: 'x' }, { sub: '', before: now }, { jti: 1.5, exp: now + 5 }, { jti: 'a', exp: now + 5, sub: 'b', before: now }, { sub: { id: 1 }, before: now }]) {
    throwsCode(() => list.merge([{ jti: 'fine', exp: now + 5 }, bad]), 'ERR_INVALID_OPTIONS', JSON.stringify(bad))
  }
  assert.equal(list.isRevoked({ jti: 'fine' }), false)
  assert.equal(changes.length, 1)
})

test('more than 1024 changed: overflow and no entries; replace lists what it added or made stricter', () => {
  const now = 2_000_000
  const list = new RevocationList({ now: () => now })
  const changes = []
  list.on('change', (c) => changes.push(c))
  const many = Array.from({ length: 1025 }, (_, i) => ({ jti: `t${i}`, exp: now + 60 }))
  assert.deepEqual(list.merge(many), { added: 1025, stricter: 0 })
  assert.deepEqual([changes[0].type, changes[0].overflow, changes[0].entries], ['merge', true, []])
  assert.equal(list.size().tokens, 1025)
  const exactly = Array.from({ length: 1024 }, (_, i) => ({ sub: `u${i}`, before: now }))
  list.merge(exactly)
  assert.deepEqual([changes[1].overflow, changes[1].entries.length], [false, 1024])

  list.replace([{ jti: 't1', exp: now + 60 }, { jti: 't2', exp: now + 90 }, { jti: 'fresh', exp: now + 60 }, { sub: 'u1', before: now + 1 }])
  const reload = changes[2]
  assert.equal(reload.type, 'reload')
  assert.equal(reload.overflow, false)
  assert.deepEqual(reload.entries.map(plain).sort(byId), [{ jti: 'fresh', exp: now + 60 }, { jti: 't2', exp: now + 90 }, { sub: 'u1', before: now + 1 }].sort(byId))
  assert.deepEqual(list.size(), { tokens: 3, subjects: 1 })
})

test('_mergePairs (the Redis load path) merges [id, score text] pairs, skips malformed ones by index, emits one change', () => {
  const now = 1_000_000
  const list = new RevocationList({ now: () => now })
  const changes = []
  list.on('change', (c) => changes.push(c))
  const pairs = ['a', String(now + 60), '', String(now + 60), 'x'.repeat(1025), String(now + 60), 'b', '-1', 'c', 'inf', 'd', String(now + 30.5)]
  assert.deepEqual(list._mergePairs('jti', pairs), { added: 2, stricter: 0, skipped: [2, 4, 6, 8] })
  assert.equal(list.isRevoked({ jti: 'a' }), true)
  assert.equal(list.isRevoked({ jti: 'd' }), true)
  assert.deepEqual(list.size(), { tokens: 2, subjects: 0 })
  assert.equal(changes.length, 1)
  assert.equal(changes[0].type, 'merge')
  assert.deepEqual(changes[0].entries.map(plain).sort(byId), [{ jti: 'a', exp: now + 60 }, { jti: 'd', exp: now + 30.5 }])
  assert.deepEqual(list._mergePairs('sub', ['ada', String(now - 5)]), { added: 1, stricter: 0, skipped: [] })
  assert.equal(list.isRevoked({ sub: 'ada', iat: now - 10 }), true)
  // Nothing new: no change.
  assert.deepEqual(list._mergePairs('jti', ['a', String(now + 1)]), { added: 0, stricter: 0, skipped: [] })
  assert.equal(changes.length, 2)
  throwsCode(() => list._mergePairs('both', []), 'ERR_INVALID_OPTIONS')
  throwsCode(() => list._mergePairs('jti', 'a,1'), 'ERR_INVALID_OPTIONS')
  throwsCode(() => list._mergePairs('jti', [1, 2]), 'ERR_INVALID_OPTIONS')
})
