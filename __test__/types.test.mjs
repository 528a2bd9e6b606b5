// The hand-written declarations of the drop-ins (js/passport/index.d.ts, js/nest/jwt.d.ts) accept
// passport-jwt and @nestjs/jwt code with only the imports changed: tsc compiles
// __test__/types/dropins.mts (and refuses a loosening option there, to show it checks).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const tsc = (project) =>
  spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { cwd: root, encoding: 'utf8', timeout: 120000 })

test('passport-jwt and @nestjs/jwt usage type-checks against authbridge/passport and authbridge/nest', () => {
  const r = tsc(path.join(root, '__test__', 'types'))
  assert.equal(r.status, 0, r.stdout + r.stderr)
})

test('jsonWebTokenOptions.ignoreExpiration: true is a type error (it is refused at run time too)', () => {
  const dir = fs.mkdtempSync(path.join(root, '__test__', 'types', 'tmp-'))
  try {
    const src = fs.readFileSync(path.join(root, '__test__', 'types', 'dropins.mts'), 'utf8').replace("subject: 's' }", "subject: 's', ignoreExpiration: true }")
    assert.ok(src.includes('ignoreExpiration: true }'))
    fs.writeFileSync(path.join(dir, 'dropins.mts'), src)
    fs.copyFileSync(path.join(root, '__test__', 'types', 'tsconfig.json'), path.join(dir, 'tsconfig.json'))
    const r = tsc(dir)
    assert.notEqual(r.status, 0)
    assert.match(r.stdout, /dropins\.mts\(14,\d+\): error TS2322: Type 'true' is not assignable to type 'false'/)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('authbridge/ws, authbridge/graphql-ws and the Nest transport adapters type-check as an app uses them', () => {
  const r = tsc(path.join(root, '__test__', 'types-transports'))
  assert.equal(r.status, 0, r.stdout + r.stderr)
})
