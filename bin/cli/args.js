'use strict'
// Argument parsing, and reading the token and the secrets: secrets come only from
// environment variables or files, never from argv, and no error echoes a value.

const fs = require('node:fs')

/** Flags that would put a secret on argv: refused, whatever follows them. */
const REFUSED = new Set(['--secret', '--key', '--jwk', '--jwks', '--password', '--auth-secret', '-s', '-k'])

class UsageError extends Error {}

/** A flag name fit to echo in an error: only plain option names, never arbitrary text. */
function flagName(arg) {
  const name = arg.split('=')[0]
  return /^--?[A-Za-z][A-Za-z0-9-]{0,40}$/.test(name) ? name : 'an option'
}

/**
 * Parses argv against a spec: { flag: 'bool' | 'value' | 'list' }. Accepts `--flag value`
 * and `--flag=value`; `--` ends the options; a lone `-` is a positional (stdin).
 */
function parse(argv, spec) {
  const options = {}
  const positionals = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (arg === '-' || !arg.startsWith('-')) {
      positionals.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    const name = eq === -1 ? arg : arg.slice(0, eq)
    if (REFUSED.has(name)) {
      throw new UsageError(
        `${name} is refused: secrets on the command line end up in shell history and process lists; ` +
          'use --secret-env NAME (an environment variable) or a file (--key-file, --secret-file)',
      )
    }
    if (name === '--help' || name === '-h') {
      options.help = true
      continue
    }
    const kind = spec[name]
    if (!kind) throw new UsageError(`unknown option ${flagName(arg)}`)
    const key = name.slice(2)
    if (kind === 'bool') {
      if (eq !== -1) throw new UsageError(`${name} takes no value`)
      options[key] = true
      continue
    }
    let value
    if (eq !== -1) {
      value = arg.slice(eq + 1)
    } else {
      if (i + 1 >= argv.length) throw new UsageError(`${name} needs a value`)
      value = argv[++i]
    }
    if (kind === 'list') (options[key] ||= []).push(value)
    else if (key in options) throw new UsageError(`${name} given more than once`)
    else options[key] = value
  }
  return { options, positionals }
}

/** The one token argument; '-' reads it from stdin. */
function tokenArgument(positionals) {
  if (positionals.length === 0) throw new UsageError('missing the token argument (or - to read it from stdin)')
  // Never echo the extra arguments: one of them may be a secret typed by mistake.
  if (positionals.length > 1) throw new UsageError(`expected one token argument, got ${positionals.length}`)
  const arg = positionals[0]
  if (arg !== '-') return arg
  let text
  try {
    text = fs.readFileSync(0, 'utf8')
  } catch (e) {
    throw new UsageError(`cannot read the token from stdin (${e.code || 'error'})`)
  }
  text = text.trim()
  if (!text) throw new UsageError('stdin is empty: expected a token')
  return text
}

function seconds(name, value) {
  if (value === undefined) return undefined
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new UsageError(`${name} must be a number of seconds (0 or more)`)
  }
  return n
}

function secretFromEnv(name) {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError('--secret-env needs an environment variable name')
  const value = process.env[name]
  // Someone may pass the secret itself instead of a variable name: echo only what looks
  // like a variable name (UPPER_CASE, short, not a hex string).
  const shown = /^[A-Z_][A-Z0-9_]{0,39}$/.test(name) && !/^[0-9A-F]{16,}$/.test(name)
    ? `environment variable ${name}`
    : 'the environment variable named by --secret-env (it takes a variable name, not a secret)'
  if (value === undefined) throw new UsageError(`${shown} is not set`)
  if (value === '') throw new UsageError(`${shown} is empty`)
  return value
}

function readKeyFile(flag, path) {
  try {
    return fs.readFileSync(path)
  } catch (e) {
    // e.code only: never e.message, which for some errors could quote content.
    throw new UsageError(`cannot read ${flag} ${path} (${e.code || 'error'})`)
  }
}

/** A text file loses its trailing newlines (`echo secret > file`); binary content is kept as is. */
function stripTextNewlines(buf) {
  const text = buf.toString('utf8')
  if (!Buffer.from(text, 'utf8').equals(buf)) return buf
  return Buffer.from(text.replace(/[\r\n]+$/, ''), 'utf8')
}

module.exports = { REFUSED, UsageError, flagName, parse, tokenArgument, seconds, secretFromEnv, readKeyFile, stripTextNewlines }
