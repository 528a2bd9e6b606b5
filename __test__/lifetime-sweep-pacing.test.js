'use strict'

// The pacing of the connection watch's sweep (js/core/lifetime-sweep.js, issue 21 item 1):
// a 'stale' sweep closes every connection in the end; no slice closes more than the sweep
// allows it (`allowed`, FIRST_CLOSES for a new watch); the allowance comes down when the turns
// that follow the closes are long (a close whose cost lands after the slice); a connection that
// tells when its close has settled counts against the allowance until then, and a close that
// never settles is forgotten after SETTLE_MS. No figure of speed is asserted: counts only
// (a loaded machine only makes the turns longer, which makes the sweep allow fewer closes).
// Plain connections and a real RevocationList going stale.

const { describe, test } = require('node:test')
const assert = require('node:assert/strict')

const { RevocationList, HandshakeAuthenticator } = require('..')
const { ConnectionWatch } = require('../js/core/connection-lifetime.js')
const { FIRST_CLOSES, MAX_CLOSES, TURN_MS } = require('../js/core/lifetime-sweep.js')

const nowSec = () => Math.floor(Date.now() / 1000)
const authenticator = () => new HandshakeAuthenticator({ jwt: { algorithms: ['HS256'], key: 'k'.repeat(32) } })

/** Waits for `fn()` to be true, polling every 5 ms (bounded). */
async function until(fn, ms = 20000) {
  const end = Date.now() + ms
  while (!fn()) {
    if (Date.now() > end) throw new Error('condition not reached')
    await new Promise((r) => setTimeout(r, 5))
  }
}

/**
 * A watch over `n` plain connections (`extra(c)` adds to each) and its list; `closes` records,
 * per close, the slice it happened in and the sweep's allowance then.
 */
function watched(n, extra = () => {}) {
  const list = new RevocationList()
  const watch = new ConnectionWatch({ authenticator: authenticator(), revocation: list, expiry: false })
  const exp = nowSec() + 900
  const conns = []
  const closes = []
  for (let i = 0; i < n; i++) {
    const c = {
      kind: 'jwt',
      claims: { sub: `u${i}`, jti: `j-${i}`, iat: nowSec() - 10, exp },
      closed: false,
      get open() {
        return !c.closed
      },
      notify() {},
      close() {
        c.closed = true
        closes.push({ slice: watch.stats().slices, allowed: watch.sweeper.allowed })
      },
    }
    extra(c)
    conns.push(c)
    watch.admit(c)
  }
  return { list, watch, conns, closes }
}

/** The closes per slice, in slice order. */
function perSlice(closes) {
  const by = new Map()
  for (const { slice } of closes) by.set(slice, (by.get(slice) || 0) + 1)
  return [...by.values()]
}

describe('the sweep paces its closes by the loop turn', () => {
  test('stale: every connection closed in the end, no slice closing more than its allowance, the first at most FIRST_CLOSES', async () => {
    const { list, watch, conns, closes } = watched(20000)
    list.setStale(true)
    assert.ok(closes.length <= FIRST_CLOSES, `the first slice closed ${closes.length}`)
    await until(() => !watch.sweeping)
    assert.equal(conns.filter((c) => c.closed).length, conns.length)
    assert.equal(watch.stats().connections, 0)
    const by = new Map()
    for (const { slice, allowed } of closes) {
      const seen = by.get(slice) || { n: 0, allowed }
      seen.n++
      by.set(slice, seen)
    }
    for (const [slice, { n, allowed }] of by) assert.ok(n <= allowed && allowed <= MAX_CLOSES, `slice ${slice}: ${n} closes, ${allowed} allowed`)
    // Cheap closes let the allowance grow: far fewer slices than connections.
    assert.ok(watch.stats().slices < conns.length / 4, `${watch.stats().slices} slices for ${conns.length} closes`)
    watch.close()
  })

  test('closes whose cost lands after the slice bring the allowance down to a turn under TURN_MS', async () => {
    // Each close leaves TURN_MS / 2 + 1 ms of work to the next turn (a busy wait run by
    // setImmediate, as a transport's close I/O would be): two closes in a slice make the turn
    // that follows it longer than TURN_MS, so after the first two slices none closes more than 2.
    const spin = TURN_MS / 2 + 1
    const { list, watch, conns, closes } = watched(40)
    for (const c of conns) {
      const close = c.close
      c.close = () => {
        close()
        setImmediate(() => {
          const end = performance.now() + spin
          while (performance.now() < end);
        })
      }
    }
    list.setStale(true)
    await until(() => !watch.sweeping)
    assert.equal(conns.filter((c) => c.closed).length, conns.length)
    const counts = perSlice(closes)
    assert.ok(counts[0] <= FIRST_CLOSES, `first slice ${counts[0]}`)
    assert.ok(
      counts.slice(2).every((n) => n <= 2),
      `closes per slice ${counts.join(',')}`,
    )
    assert.ok(watch.sweeper.allowed <= 2, `allowed ${watch.sweeper.allowed}`)
    watch.close()
  })

  test('closes in flight (settled(fn)) count against the allowance until they settle; one that never settles is forgotten', async () => {
    const pending = []
    const { list, watch, conns } = watched(12, (c) => {
      c.settled = (fn) => pending.push(fn)
    })
    list.setStale(true)
    // The first slice fills the window; turns go by, nothing more is closed while none settles.
    const first = conns.filter((c) => c.closed).length
    assert.ok(first >= 1 && first <= FIRST_CLOSES, `first ${first}`)
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
    assert.equal(conns.filter((c) => c.closed).length, first)
    assert.equal(watch.sweeping, true)
    // They settle: the sweep goes on.
    for (const fn of pending.splice(0)) fn()
    await until(() => conns.filter((c) => c.closed).length > first)
    // From now on nothing settles: the window is forgotten after SETTLE_MS, and the sweep ends.
    await until(() => !watch.sweeping)
    assert.equal(conns.filter((c) => c.closed).length, conns.length)
    watch.close()
  })
})
