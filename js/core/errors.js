'use strict'
// authbridge's JS errors: coded errors are made here, and codes are read back here.
// Every error the JS glue throws or reports carries a stable `code` from the addon's union
// (ErrorCode in index.d.ts, the README's error table); nothing else reads `err.code`.
// - Argument and option errors are plain Errors, as the addon throws them. TypeError only
//   where a drop-in copies its original (passport-jwt's Strategy and ExtractJwt).
// - jsonwebtoken's error classes (JsonWebTokenError, ...) are in js/core/jwt-errors.js: the
//   drop-ins' public behaviour.

/** An Error with `code` and the members of `extra` (status, cause, ...). */
function codedError(code, message, extra) {
  return Object.assign(new Error(message), extra, { code })
}

/** A TypeError with `code`, for the drop-ins whose original throws a TypeError there. */
function codedTypeError(code, message) {
  return Object.assign(new TypeError(message), { code })
}

/** ERR_INVALID_OPTIONS: an option or argument of the wrong type or value (the message names it). */
function optionsError(message) {
  return codedError('ERR_INVALID_OPTIONS', message)
}

/** An ERR_INVALID_OPTIONS maker whose messages start with `prefix` (such as 'authbridge JwtService'). */
const optionsErrors = (prefix) => (message) => optionsError(`${prefix}: ${message}`)

/** Whether `err` carries an authbridge code (ERR_...). */
function isCoded(err) {
  return !!err && typeof err.code === 'string' && err.code.startsWith('ERR_')
}

/** The authbridge code of `err`, or `fallback` for anything else (a bug, a foreign error). */
function codeOf(err, fallback = 'ERR_INTERNAL') {
  return isCoded(err) ? err.code : fallback
}

/** `code: message`, for a log line or the CLI (never more than the error's own message). */
function errorLine(err) {
  return `${codeOf(err)}: ${err && typeof err.message === 'string' ? err.message : String(err)}`
}

/** What a refusal may report about itself: its code, where the token came from, its fingerprint. */
function refusalInfo(err) {
  return { code: codeOf(err), source: (err && err.source) || null, fingerprint: (err && err.fingerprint) || null }
}

/** Calls a user hook (a logger, onUpdate, ...) with `arg`; what it throws never reaches authbridge's path. */
function callHook(fn, arg) {
  if (typeof fn !== 'function') return
  try {
    fn(arg)
  } catch {
    // A hook must never break authentication or the refresh cycle.
  }
}

/** Whether `err` says a module could not be found (CommonJS or ESM resolution). */
function isModuleNotFound(err) {
  return !!err && (err.code === 'MODULE_NOT_FOUND' || err.code === 'ERR_MODULE_NOT_FOUND')
}

/** ERR_PEER_MISSING: `feature` needs the optional peer dependency `id`, which is not installed. */
function peerMissing(id, feature, cause) {
  const detail = cause && typeof cause.message === 'string' ? `: ${cause.message.split('\n')[0]}` : ''
  return codedError('ERR_PEER_MISSING', `${feature} needs ${id} installed in the application (npm install ${id})${detail}`, { cause })
}

module.exports = {
  codedError,
  codedTypeError,
  optionsError,
  optionsErrors,
  isCoded,
  codeOf,
  errorLine,
  refusalInfo,
  callHook,
  isModuleNotFound,
  peerMissing,
}
