#!/usr/bin/env node
'use strict'

// authbridge command line: explain a token (inspect), verify an access token (verify),
// decode an Auth.js / NextAuth session (authjs).
//
// Secrets come only from environment variables or files, never from argv (argv ends up
// in shell history and in `ps`). Nothing here prints a secret or the raw token: errors
// name the flag, the variable or the file, never a value.
//
// Exit codes: 0 success, 1 the token was refused (or could not be read), 2 usage error.

const fs = require('node:fs')

const USAGE = `authbridge: inspect, verify and decode JWTs and Auth.js / NextAuth sessions

Usage:
  authbridge inspect [--json] <token>
  authbridge verify --alg ALG [--alg ALG ...] <key source> [options] <token>
  authbridge authjs [--secret-env NAME ...] [options] <token | Cookie header>
  authbridge --help | --version

  <token> may be '-' to read it from stdin (surrounding whitespace is trimmed).

inspect   Explains a token without any key: kind, Auth.js session or not, header, the
          unverified claims of a JWS, times ("expired 3 min ago") and hints about usual
          mistakes. Never prints the signature or the ciphertext. Exit 1 when the token
          cannot be decoded at all.
  --json                  print the inspection object as JSON

verify    Verifies a JWS with pinned algorithms; prints the claims as JSON.
  --alg ALG               allowed algorithm (repeatable), e.g. HS256, RS256, ES256, EdDSA
  key source, exactly one:
  --secret-env NAME       HMAC secret from the environment variable NAME
  --key-file PATH         HMAC secret or PEM public key from a file (trailing newlines
                          of a text file are removed)
  --jwk-file PATH         one JWK (JSON) from a file
  --jwks-file PATH        a JWK Set (JSON) from a file
  --jwks-uri URL          a JWK Set fetched from URL (https)
  (none, with one --issuer URL: the keys are discovered from the issuer's
   /.well-known/openid-configuration)
  --allow-http            permit plain http for --jwks-uri / discovery (loopback, tests)
  --issuer X              expected iss (repeatable: any of them)
  --audience Y            expected aud (repeatable: any of them)
  --subject S             expected sub
  --clock-tolerance N     seconds of leeway for exp / nbf (default 0)
  --allow-weak-secret     accept HMAC secrets shorter than the hash output

authjs    Decrypts an Auth.js (v5) or NextAuth v4 session token; prints its claims as
          JSON. An argument containing '=' or ';' is read as a Cookie header (chunked
          cookies .0, .1, ... are joined); otherwise as the token itself.
  --secret-env NAME       secret from the environment variable NAME (repeatable, for
                          rotation; default AUTH_SECRET)
  --secret-file PATH      secret from a file (repeatable; trailing newlines removed)
  --secure-cookie         read __Secure-authjs.session-token (as on https)
  --cookie-name N         the session cookie name
  --salt S                the HKDF salt (default: the cookie name; '' for --v4)
  --v4                    NextAuth v4 format (cookie next-auth.session-token)
  --clock-tolerance N     seconds of leeway for exp (default 15)

Secrets are never accepted on the command line (--secret, --key, ... are refused).
Exit codes: 0 success, 1 token refused or unreadable, 2 usage error.
`

/** The algorithm names, from the addon (written once, in src/alg.rs). */
const algorithmNames = () => addon().supportedAlgorithms()

/** Flags that would put a secret on argv: refused, whatever follows them. */
const REFUSED = new Set(['--secret', '--key', '--jwk', '--jwks', '--password', '--auth-secret', '-s', '-k'])

class UsageError extends Error {}

// ---------------------------------------------------------------------------
// Output helpers
// ---------------------------------------------------------------------------

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

/** A flag name fit to echo in an error: only plain option names, never arbitrary text. */
function flagName(arg) {
  const name = arg.split('=')[0]
  return /^--?[A-Za-z][A-Za-z0-9-]{0,40}$/.test(name) ? name : 'an option'
}

// ---------------------------------------------------------------------------
// Argument parsing
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------

function addon() {
  return require('../js/index.js')
}

/** Prints `code: message` of a library error; returns the exit code. */
function failure(e) {
  if (e && typeof e.code === 'string' && e.code.startsWith('ERR_')) {
    let message = `${e.code}: ${e.message}`
    if (/allowWeakSecret/.test(e.message)) message += ' (the CLI flag is --allow-weak-secret)'
    err(message)
    return 1
  }
  err(`error: ${e && e.message ? e.message : String(e)}`)
  return 1
}

function inspectCommand(argv) {
  const { options, positionals } = parse(argv, { '--json': 'bool' })
  if (options.help) return help()
  const token = tokenArgument(positionals)
  const report = addon().inspect(token)
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

function verifyCommand(argv) {
  const { options, positionals } = parse(argv, {
    '--alg': 'list',
    '--secret-env': 'list',
    '--key-file': 'list',
    '--jwk-file': 'list',
    '--jwks-file': 'list',
    '--jwks-uri': 'list',
    '--allow-http': 'bool',
    '--issuer': 'list',
    '--audience': 'list',
    '--subject': 'value',
    '--clock-tolerance': 'value',
    '--allow-weak-secret': 'bool',
  })
  if (options.help) return help()
  const algorithms = options.alg || []
  if (algorithms.length === 0) throw new UsageError('verify needs --alg (e.g. --alg HS256): the algorithm is pinned, never taken from the token')
  for (const alg of algorithms) {
    if (!algorithmNames().includes(alg)) {
      throw new UsageError(`--alg must be one of ${algorithmNames().join(', ')}${/^none$/i.test(alg) ? " ('none' is never accepted)" : ''}`)
    }
  }
  const sources = ['secret-env', 'key-file', 'jwk-file', 'jwks-file', 'jwks-uri'].flatMap((k) => (options[k] || []).map((v) => [k, v]))
  // No key source and one issuer URL: the keys are discovered from the issuer.
  if (sources.length === 0 && options.issuer && options.issuer.length === 1 && /^https?:\/\//i.test(options.issuer[0])) sources.push(['issuer', options.issuer[0]])
  if (sources.length === 0) throw new UsageError('verify needs one key source: --secret-env NAME, --key-file PATH, --jwk-file PATH, --jwks-file PATH, --jwks-uri URL or one --issuer URL')
  if (sources.length > 1) throw new UsageError('verify takes exactly one key source (--secret-env, --key-file, --jwk-file, --jwks-file or --jwks-uri)')
  const clockTolerance = seconds('--clock-tolerance', options['clock-tolerance'])
  const token = tokenArgument(positionals)

  const [source, value] = sources[0]
  const verifierOptions = { algorithms }
  if (source === 'secret-env') verifierOptions.key = secretFromEnv(value)
  else if (source === 'key-file') verifierOptions.key = stripTextNewlines(readKeyFile('--key-file', value))
  else if (source === 'jwk-file') verifierOptions.jwk = readKeyFile('--jwk-file', value).toString('utf8')
  else if (source === 'jwks-file') verifierOptions.jwks = readKeyFile('--jwks-file', value).toString('utf8')
  else if (source === 'jwks-uri') verifierOptions.jwksUri = value
  if (source === 'jwks-uri' || source === 'issuer') verifierOptions.jwksOptions = { allowHttp: options['allow-http'] === true }
  if (options.issuer) verifierOptions.issuer = options.issuer.length === 1 ? options.issuer[0] : options.issuer
  if (options.audience) verifierOptions.audience = options.audience.length === 1 ? options.audience[0] : options.audience
  if (options.subject !== undefined) verifierOptions.subject = options.subject
  if (clockTolerance !== undefined) verifierOptions.clockTolerance = clockTolerance
  if (options['allow-weak-secret']) verifierOptions.allowWeakSecret = true

  if (source === 'jwks-uri' || source === 'issuer') {
    // A remote key set: one load (discovery included), then the same verification.
    let verifier
    try {
      verifier = new (addon().JwtVerifier)(verifierOptions)
    } catch (e) {
      return failure(e)
    }
    return verifier.remoteJwks
      .ready()
      .then(() => verifier.verify(token))
      .then(
        (claims) => {
          out(json(claims))
          return 0
        },
        (e) => failure(e),
      )
      .finally(() => verifier.remoteJwks.close())
  }

  let claims
  try {
    claims = new (addon().JwtVerifier)(verifierOptions).verify(token)
  } catch (e) {
    return failure(e)
  }
  out(json(claims))
  return 0
}

function authjsCommand(argv) {
  const { options, positionals } = parse(argv, {
    '--secret-env': 'list',
    '--secret-file': 'list',
    '--secure-cookie': 'bool',
    '--cookie-name': 'value',
    '--salt': 'value',
    '--v4': 'bool',
    '--clock-tolerance': 'value',
  })
  if (options.help) return help()
  const clockTolerance = seconds('--clock-tolerance', options['clock-tolerance'])
  let input = tokenArgument(positionals)

  const secret = []
  const envNames = options['secret-env'] || (options['secret-file'] ? [] : ['AUTH_SECRET'])
  for (const name of envNames) secret.push(secretFromEnv(name))
  for (const path of options['secret-file'] || []) {
    const value = stripTextNewlines(readKeyFile('--secret-file', path)).toString('utf8')
    if (!value) throw new UsageError(`--secret-file ${path} is empty`)
    secret.push(value)
  }

  const sessionOptions = { secret: secret.length === 1 ? secret[0] : secret }
  if (options['secure-cookie']) sessionOptions.secureCookie = true
  if (options['cookie-name'] !== undefined) sessionOptions.cookieName = options['cookie-name']
  if (options.salt !== undefined) sessionOptions.salt = options.salt
  if (options.v4) sessionOptions.format = 'v4'
  if (clockTolerance !== undefined) sessionOptions.clockTolerance = clockTolerance

  let claims
  try {
    const session = new (addon().AuthJsSession)(sessionOptions)
    if (input.includes('=') || input.includes(';')) {
      input = input.replace(/^\s*cookie\s*:\s*/i, '')
      claims = session.fromCookieHeader(input)
      if (claims === null) {
        err(`no session cookie named ${session.cookieName}${cookieNamesHint(input, session.cookieName)}`)
        return 1
      }
    } else {
      claims = session.decode(input)
    }
  } catch (e) {
    return failure(e)
  }
  out(json(claims))
  return 0
}

/**
 * A cookie name fit to print: from a `name=value` segment, an RFC 6265 token of at most
 * 64 characters, and nothing shaped like a JOSE segment (a token pasted without '=' or
 * with '=' after it would otherwise be listed as a "name").
 */
function printableCookieName(segment) {
  const eq = segment.indexOf('=')
  if (eq <= 0) return null
  const name = segment.slice(0, eq).trim()
  if (name.length === 0 || name.length > 64) return null
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) return null
  if (/eyJ/.test(name) || name.split('.').some((part) => /^[A-Za-z0-9_-]{20,}$/.test(part))) return null
  return name
}

/** Names (never values) of session-like cookies present, to point at the right flags. */
function cookieNamesHint(header, wanted) {
  const names = [...new Set(header.split(';').map(printableCookieName).filter(Boolean))]
  const base = (n) => n.replace(/\.\d+$/, '')
  const sessions = [...new Set(names.map(base).filter((n) => /session-token$/.test(n) && n !== wanted))]
  if (sessions.length === 0) return names.length ? ` (cookies present: ${names.slice(0, 20).join(', ')})` : ''
  const tips = sessions.map((n) => {
    if (n === '__Secure-authjs.session-token') return `${n}: add --secure-cookie`
    if (n === 'next-auth.session-token') return `${n}: add --v4`
    if (n === '__Secure-next-auth.session-token') return `${n}: add --v4 --secure-cookie`
    return `${n}: add --cookie-name ${n}`
  })
  return ` (found ${tips.join('; ')})`
}

function help() {
  out(USAGE)
  return 0
}

function version() {
  out(require('../package.json').version)
  return 0
}

function main(argv) {
  const [command, ...rest] = argv
  switch (command) {
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      return help()
    case '--version':
    case '-v':
      return version()
    case 'inspect':
      return inspectCommand(rest)
    case 'verify':
      return verifyCommand(rest)
    case 'authjs':
      return authjsCommand(rest)
    default:
      if (REFUSED.has(String(command).split('=')[0])) parse([command], {})
      throw new UsageError(command.startsWith('-') ? `unknown option ${flagName(command)}` : 'unknown command (expected inspect, verify or authjs)')
  }
}

function fail(e) {
  if (e instanceof UsageError) {
    err(`authbridge: ${e.message}`)
    err("run 'authbridge --help' for usage")
    process.exitCode = 2
  } else {
    process.exitCode = failure(e)
  }
}

try {
  const code = main(process.argv.slice(2))
  // verify with --jwks-uri / --issuer fetches the keys first.
  if (code && typeof code.then === 'function') code.then((c) => (process.exitCode = c), fail)
  else process.exitCode = code
} catch (e) {
  fail(e)
}
