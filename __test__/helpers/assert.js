'use strict'
const assert = require('node:assert/strict')

/** Runs fn, which must throw an Error with exactly `code`; returns the error. */
function throwsCode(fn, code, why = '') {
  let err
  try {
    fn()
  } catch (e) {
    err = e
  }
  assert.ok(err, `expected ${code}, nothing was thrown ${why}`)
  assert.ok(err instanceof Error, `expected an Error, got ${typeof err}`)
  assert.equal(err.code, code, `${why}: got ${err.code} (message: ${err.message})`)
  return err
}

/** The error a function throws (fails when it returns). */
function thrown(fn) {
  try {
    fn()
  } catch (err) {
    return err
  }
  assert.fail('expected an error')
}

module.exports = { throwsCode, thrown }
