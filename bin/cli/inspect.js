'use strict'
// authbridge inspect: explains a token without any key.

const { inspect } = require('../../js/index.js')
const { help } = require('./usage.js')
const { parse, tokenArgument } = require('./args.js')
const { clean, cleanLine, json, out } = require('./output.js')

function inspectCommand(argv) {
  const { options, positionals } = parse(argv, { '--json': 'bool' })
  if (options.help) return help()
  const token = tokenArgument(positionals)
  const report = inspect(token)
  if (options.json) {
    out(json(report))
    return report.error ? 1 : 0
  }
  const lines = []
  const kinds = { jws: 'JWS (signed JWT)', jwe: 'JWE (encrypted)', unknown: 'unknown (not a compact JWS or JWE)' }
  lines.push(`kind:            ${kinds[report.kind] || report.kind}`)
  lines.push(`Auth.js session: ${report.authJsSession ? 'yes (alg dir; decode it with `authbridge authjs`)' : 'no'}`)
  for (const field of ['alg', 'enc', 'kid']) {
    if (report[field] !== null && report[field] !== undefined) {
      lines.push(`${`${field}:`.padEnd(17)}${cleanLine(typeof report[field] === 'string' ? report[field] : JSON.stringify(report[field]))}`)
    }
  }
  if (report.header) lines.push('header:', indent(JSON.stringify(report.header, null, 2)))
  if (report.claims) {
    lines.push('claims (unverified: nothing here is checked):', indent(JSON.stringify(report.claims, null, 2)))
  } else if (report.kind === 'jwe') {
    lines.push('claims:          encrypted')
  }
  const times = Object.entries(report.times || {})
  if (times.length) {
    lines.push('times:')
    for (const [name, t] of times) lines.push(`  ${cleanLine(name).padEnd(4)} ${cleanLine(String(t.iso ?? t.at)).padEnd(21)} ${cleanLine(t.relative)}`)
  }
  if (report.hints.length) {
    lines.push('hints:')
    for (const hint of report.hints) lines.push(`  - ${cleanLine(hint)}`)
  }
  if (report.error) lines.push(`error:           ${cleanLine(report.error)}`)
  out(clean(lines.join('\n')))
  return report.error ? 1 : 0
}

function indent(text) {
  return text.split('\n').map((l) => `  ${l}`).join('\n')
}

module.exports = { inspectCommand }
