'use strict'
// What the CLI prints: text taken from a token is escaped so that it cannot drive the
// terminal or forge a line of output; library errors are printed as `code: message`.

const { errorLine, isCoded } = require('../../js/core/errors.js')

/**
 * Escapes control characters (C0, DEL, C1) and bidirectional overrides, so that text taken
 * from a token (claims, header values in error messages) cannot drive the terminal.
 * The result stays valid inside a JSON string.
 */
function clean(text) {
  return String(text).replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/**
 * As `clean`, and also escapes tab and newline: for a value printed on one line of its
 * own (a header's alg, enc or kid, a hint, a message), so that no value can start a
 * line of its own and forge output such as "Auth.js session: yes".
 */
function cleanLine(text) {
  return clean(text).replace(/[\t\n]/g, (c) => (c === '\n' ? '\\n' : '\\t'))
}

const json = (value) => clean(JSON.stringify(value, null, 2))
const out = (text) => process.stdout.write(`${text}\n`)
const err = (text) => process.stderr.write(`${cleanLine(text)}\n`)

/** Prints `code: message` of a library error; returns the exit code. */
function failure(e) {
  if (isCoded(e)) {
    let message = errorLine(e)
    if (/allowWeakSecret/.test(e.message)) message += ' (the CLI flag is --allow-weak-secret)'
    err(message)
    return 1
  }
  err(`error: ${e && e.message ? e.message : String(e)}`)
  return 1
}

module.exports = { clean, cleanLine, json, out, err, failure }
