// Typed claims (issue 23 item 5): tsc compiles __test__/types/claims.mts (strict) and
// claims-loose.mts (strictNullChecks off, as `nest new` writes it) against index.d.ts and the
// subpath declarations; with the `@ts-expect-error` directives removed, each line they
// guard is a compile error, so the types refuse what they should as well as accept.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const types = path.join(root, '__test__', 'types')
const tsc = (project) =>
  spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { cwd: root, encoding: 'utf8', timeout: 120000 })

test('claims are typed: registered claims, app claims through the generics, expiresAtOf from the root', () => {
  const r = tsc(path.join(types, 'tsconfig.claims.json'))
  assert.equal(r.status, 0, r.stdout + r.stderr)
})

test('without strictNullChecks, claims.exp * 1000 compiles as written', () => {
  const r = tsc(path.join(types, 'tsconfig.claims-loose.json'))
  assert.equal(r.status, 0, r.stdout + r.stderr)
})

for (const [file, config] of [['claims.mts', 'tsconfig.claims.json'], ['claims-loose.mts', 'tsconfig.claims-loose.json']]) {
  test(`${file}: every line under a @ts-expect-error is a compile error without it`, () => {
    const dir = fs.mkdtempSync(path.join(types, 'tmp-'))
    try {
      const lines = fs.readFileSync(path.join(types, file), 'utf8').split('\n')
      const expected = []
      const kept = []
      for (const line of lines) {
        if (line.trim().startsWith('// @ts-expect-error')) {
          kept.push('') // keeps the line numbers
          expected.push(kept.length + 1)
        } else kept.push(line)
      }
      assert.ok(expected.length >= 2, 'the file has refusals to check')
      fs.writeFileSync(path.join(dir, file), kept.join('\n'))
      const cfg = JSON.parse(fs.readFileSync(path.join(types, config), 'utf8'))
      cfg.extends = '../tsconfig.json'
      fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(cfg))
      const r = tsc(dir)
      assert.notEqual(r.status, 0)
      const errorLines = [...new Set([...r.stdout.matchAll(new RegExp(`${file.replace('.', '\\.')}\\((\\d+),\\d+\\): error TS`, 'g'))].map((m) => Number(m[1])))]
      assert.deepEqual(errorLines.sort((a, b) => a - b), expected, r.stdout)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
}
