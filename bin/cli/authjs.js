'use strict'
// authbridge authjs: decrypts an Auth.js (v5) or NextAuth v4 session token or Cookie header.

const { AuthJsSession } = require('../../js/index.js')
const { help } = require('./usage.js')
const { UsageError, parse, tokenArgument, seconds, secretFromEnv, readKeyFile, stripTextNewlines } = require('./args.js')
const { json, out, err, failure } = require('./output.js')

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
    const session = new AuthJsSession(sessionOptions)
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

module.exports = { authjsCommand }
