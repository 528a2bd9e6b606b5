'use strict'
// js/core/errors.js: every code the JS glue and the CLI use is typed and documented, a missing
// peer is ERR_PEER_MISSING naming it, and codes are read back in one way.
// The Rust side's codes are checked against the same two lists by src/error.rs's tests.

const { test, describe } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')
const read = (rel) => fs.readFileSync(path.join(root, rel), 'utf8')

/** The ERR_ codes written as string literals in the JS sources (js/ and bin/, folders included). */
function codesInSources() {
  const files = ['js', 'bin'].flatMap((dir) =>
    fs.readdirSync(path.join(root, dir), { recursive: true }).filter((f) => f.endsWith('.js')).map((f) => `${dir}/${f}`),
  )
  const codes = new Map()
  for (const file of files) {
    for (const m of read(file).matchAll(/['"`](ERR_[A-Z0-9_]+)['"`]/g)) {
      if (!codes.has(m[1])) codes.set(m[1], file)
    }
  }
  return codes
}

describe('error codes of the JS glue', () => {
  test('every ERR_ code used in js/ and bin/ is in the ErrorCode union and the README error table', () => {
    const header = read('src/node/header.d.ts')
    const union = header.slice(header.indexOf('export type ErrorCode'), header.indexOf('export interface AuthbridgeError'))
    const readme = read('README.md')
    const codes = codesInSources()
    assert.ok(codes.has('ERR_INVALID_OPTIONS') && codes.has('ERR_PEER_MISSING'), 'the scan finds the codes')
    for (const [code, file] of codes) {
      // ERR_MODULE_NOT_FOUND is Node's own code, read (never thrown) when a module is missing.
      if (code === 'ERR_MODULE_NOT_FOUND') continue
      assert.ok(union.includes(`'${code}'`), `${code} (${file}) missing from the ErrorCode union in src/node/header.d.ts`)
      assert.ok(readme.includes(`| \`${code}\` |`), `${code} (${file}) missing from the README error table`)
    }
  })

  test('codes are read back with codeOf: an error without an authbridge code is ERR_INTERNAL (or the fallback)', () => {
    const { codeOf, codedError, optionsErrors } = require('../js/core/errors.js')
    assert.equal(codeOf(codedError('ERR_TOKEN_MALFORMED', 'x')), 'ERR_TOKEN_MALFORMED')
    assert.equal(codeOf(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), 'ERR_INTERNAL')
    assert.equal(codeOf(null, 'ERR_JWKS_FETCH_FAILED'), 'ERR_JWKS_FETCH_FAILED')
    const e = optionsErrors('authbridge Thing')('size must be a number')
    assert.equal(e.code, 'ERR_INVALID_OPTIONS')
    assert.equal(e.message, 'authbridge Thing: size must be a number')
    assert.equal(Object.getPrototypeOf(e), Error.prototype)
  })

  test('a peer dependency that is not installed is ERR_PEER_MISSING naming the package and the feature', () => {
    const { requirePeer } = require('../js/core/peer.js')
    assert.throws(
      () => requirePeer('authbridge-test-peer-that-is-not-installed', 'the test feature'),
      (e) =>
        e.code === 'ERR_PEER_MISSING' &&
        /the test feature needs authbridge-test-peer-that-is-not-installed/.test(e.message) &&
        /npm install authbridge-test-peer-that-is-not-installed/.test(e.message) &&
        e.cause && e.cause.code === 'MODULE_NOT_FOUND',
    )
  })
})
