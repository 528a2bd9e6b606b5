// The hand-written declarations of authbridge/metrics and authbridge/metrics/nest
// (js/metrics/*.d.ts) accept an app's usage: tsc compiles __test__/types-metrics/metrics.mts.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

test('authbridge/metrics and authbridge/metrics/nest type-check as an app uses them', () => {
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, '__test__', 'types-metrics')], { cwd: root, encoding: 'utf8', timeout: 120000 })
  assert.equal(r.status, 0, r.stdout + r.stderr)
})
