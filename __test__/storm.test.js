// The connection storm (benchmark/storm.mjs) in a smaller size: half the handshakes
// invalid, every one answered as it should be, no refused socket receiving a broadcast,
// the server process alive and its memory back near where it started.
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')

test('a bounded Socket.IO storm: valid accepted, invalid refused with their codes, nothing leaked', { timeout: 120000 }, () => {
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(__dirname, '..', 'benchmark', 'storm.mjs'), '800', '80'], { encoding: 'utf8', timeout: 110000 })
  assert.equal(r.status, 0, `storm failed:\n${r.stdout}\n${r.stderr}`)
  const summary = JSON.parse(r.stdout.trim().split('\n').pop())
  assert.equal(summary.handshakes, 800)
  assert.equal(summary.accepted, 400)
  assert.equal(summary.refused, 400)
  assert.equal(summary.problems, 0)
  assert.equal(summary.leakedBroadcasts, 0)
  assert.ok(summary.rssEndMB - summary.rssStartMB < 64, `RSS grew ${summary.rssEndMB - summary.rssStartMB} MB`)
})
