'use strict'
// authbridge better-auth: checks a Better Auth session: a Cookie header (the signed
// session token and its cookie cache, chunks joined) or a cookie-cache value alone.

const { BetterAuthSession } = require('../../js/index.js')
const { help } = require('./usage.js')
const { UsageError, parse, tokenArgument, seconds, secretFromEnv, readKeyFile, stripTextNewlines } = require('./args.js')
const { json, out, err, failure } = require('./output.js')

function betterAuthCommand(argv) {
  const { options, positionals } = parse(argv, {
    '--cookie': 'value',
    '--secret-env': 'value',
    '--secret-file': 'value',
    '--secrets-env': 'value',
    '--secure-cookie': 'bool',
    '--cookie-prefix': 'value',
    '--strategy': 'value',
    '--cache-version': 'value',
    '--clock-tolerance': 'value',
  })
  if (options.help) return help()
  const clockTolerance = seconds('--clock-tolerance', options['clock-tolerance'])
  if (options.cookie !== undefined && positionals.length > 0) throw new UsageError('give either --cookie or one argument, not both')
  let input = options.cookie !== undefined ? options.cookie : tokenArgument(positionals)

  const sessionOptions = {}
  if (options['secret-env'] !== undefined) sessionOptions.secret = secretFromEnv(options['secret-env'])
  if (options['secret-file'] !== undefined) {
    const value = stripTextNewlines(readKeyFile('--secret-file', options['secret-file'])).toString('utf8')
    if (!value) throw new UsageError(`--secret-file ${options['secret-file']} is empty`)
    sessionOptions.secret = value
  }
  if (options['secrets-env'] !== undefined) sessionOptions.secrets = secretFromEnv(options['secrets-env'])
  if (sessionOptions.secret === undefined && sessionOptions.secrets === undefined) {
    // As better-auth reads its environment: BETTER_AUTH_SECRETS, and BETTER_AUTH_SECRET
    // (the only secret, or the legacy one beside the versions).
    if (process.env.BETTER_AUTH_SECRETS) sessionOptions.secrets = process.env.BETTER_AUTH_SECRETS
    if (process.env.BETTER_AUTH_SECRET) sessionOptions.secret = process.env.BETTER_AUTH_SECRET
    if (sessionOptions.secret === undefined && sessionOptions.secrets === undefined) {
      throw new UsageError('environment variable BETTER_AUTH_SECRET (or BETTER_AUTH_SECRETS) is not set; or use --secret-env / --secret-file / --secrets-env')
    }
  }
  if (options['secure-cookie']) sessionOptions.secureCookie = true
  if (options['cookie-prefix'] !== undefined) sessionOptions.cookiePrefix = options['cookie-prefix']
  if (options.strategy !== undefined) sessionOptions.strategy = options.strategy
  if (options['cache-version'] !== undefined) sessionOptions.version = options['cache-version']
  if (clockTolerance !== undefined) sessionOptions.clockTolerance = clockTolerance

  let data
  try {
    const session = new BetterAuthSession(sessionOptions)
    if (input.includes('=') || input.includes(';')) {
      input = input.replace(/^\s*cookie\s*:\s*/i, '')
      data = session.decodeCookieHeader(input)
      if (data === null) {
        err(`no Better Auth session cookie (${session.tokenCookieName} / ${session.dataCookieName})${namesHint(input)}`)
        return 1
      }
    } else {
      data = session.decode(input)
    }
  } catch (e) {
    return failure(e)
  }
  out(json(data))
  return 0
}

/** The names (never the values) of the Better Auth cookies present, to point at the flags. */
function namesHint(header) {
  const names = [...new Set(header.split(';').map((s) => s.slice(0, Math.max(0, s.indexOf('='))).trim()))]
    .filter((n) => /^(__Secure-)?[A-Za-z0-9_.-]{1,64}\.session_(token|data)(\.\d+)?$/.test(n))
  if (names.length === 0) return ''
  const secure = names.some((n) => n.startsWith('__Secure-'))
  return ` (found ${names.slice(0, 8).join(', ')}${secure ? ': add --secure-cookie' : ': check --cookie-prefix'})`
}

module.exports = { betterAuthCommand }
