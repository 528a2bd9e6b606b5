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
