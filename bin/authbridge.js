#!/usr/bin/env node
'use strict'

// authbridge command line: explain a token (inspect), verify an access token (verify),
// decode an Auth.js / NextAuth session (authjs), check a Better Auth session (better-auth).
//
// Secrets come only from environment variables or files, never from argv (argv ends up
// in shell history and in `ps`). Nothing here prints a secret or the raw token: errors
// name the flag, the variable or the file, never a value.
//
// Exit codes: 0 success, 1 the token was refused (or could not be read), 2 usage error.
// The commands are in bin/cli/ (inspect.js, verify.js, authjs.js, better-auth.js), argument parsing in
// bin/cli/args.js, output in bin/cli/output.js.

const { help } = require('./cli/usage.js')
const { REFUSED, UsageError, flagName, parse } = require('./cli/args.js')
const { out, err, failure } = require('./cli/output.js')

// The commands load the addon (and the command's code) only when they run.
const COMMANDS = {
  inspect: () => require('./cli/inspect.js').inspectCommand,
  verify: () => require('./cli/verify.js').verifyCommand,
  authjs: () => require('./cli/authjs.js').authjsCommand,
  'better-auth': () => require('./cli/better-auth.js').betterAuthCommand,
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
    default:
      if (Object.hasOwn(COMMANDS, command)) return COMMANDS[command]()(rest)
      if (REFUSED.has(String(command).split('=')[0])) parse([command], {})
      throw new UsageError(command.startsWith('-') ? `unknown option ${flagName(command)}` : 'unknown command (expected inspect, verify, authjs or better-auth)')
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
