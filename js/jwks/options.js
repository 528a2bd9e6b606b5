'use strict'
// RemoteJwks' options: the defaults and the checks, with the key set's source (a jwksUri, or an
// issuer for discovery) and the fetch to use. No state: js/jwks/index.js keeps it.

const { optionsErrors } = require('../core/errors.js')
const { checkUrl } = require('./http.js')

const DEFAULTS = Object.freeze({
  cooldown: 30,
  refreshInterval: 600,
  timeout: 5,
  staleWhileError: 43200,
  maxBytes: 524288,
  maxKeys: 100,
})

const optionsError = optionsErrors('RemoteJwks')

function secondsOption(o, name, { min = 0 } = {}) {
  const v = o[name]
  if (v === undefined) return DEFAULTS[name]
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw optionsError(`${name} must be a finite number of seconds, at least ${min}`)
  return v
}

function countOption(o, name) {
  const v = o[name]
  if (v === undefined) return DEFAULTS[name]
  if (!Number.isInteger(v) || v < 1) throw optionsError(`${name} must be a whole number, at least 1`)
  return v
}

/** initialJwks (a JWK Set object or its JSON text) as JSON text, or undefined. */
function initialText(initialJwks) {
  if (initialJwks === undefined) return undefined
  const text = typeof initialJwks === 'string' ? initialJwks : JSON.stringify(initialJwks)
  if (typeof text !== 'string') throw optionsError('initialJwks must be a JWK Set object or its JSON text')
  return text
}

/**
 * The checked options (`o`: seconds, counts, allowHttp, headers, onUpdate), the configured
 * jwksUri as a URL (null under discovery), the issuer (under discovery), the fetch and the
 * initial set's text (`initial`, or undefined).
 */
function remoteOptions(options) {
  if (!options || typeof options !== 'object') throw optionsError('options must be an object with jwksUri or issuer')
  const o = {
    cooldown: secondsOption(options, 'cooldown'),
    refreshInterval: secondsOption(options, 'refreshInterval', { min: 1 }),
    timeout: secondsOption(options, 'timeout', { min: 0.001 }),
    staleWhileError: secondsOption(options, 'staleWhileError'),
    maxBytes: countOption(options, 'maxBytes'),
    maxKeys: countOption(options, 'maxKeys'),
    allowHttp: options.allowHttp === true,
    headers: {},
    onUpdate: options.onUpdate,
  }
  if (options.allowHttp !== undefined && typeof options.allowHttp !== 'boolean') throw optionsError('allowHttp must be a boolean')
  if (options.onUpdate !== undefined && typeof options.onUpdate !== 'function') throw optionsError('onUpdate must be a function')
  if (options.fetch !== undefined && typeof options.fetch !== 'function') throw optionsError('fetch must be a function (the fetch API)')
  if (options.headers !== undefined) {
    if (!options.headers || typeof options.headers !== 'object') throw optionsError('headers must be an object of strings')
    for (const [k, v] of Object.entries(options.headers)) {
      if (typeof v !== 'string') throw optionsError(`headers.${k} must be a string`)
      o.headers[k] = v
    }
  }
  const hasUri = options.jwksUri !== undefined
  const hasIssuer = options.issuer !== undefined
  if (hasUri === hasIssuer) throw optionsError('give exactly one of jwksUri or issuer')
  let configured = null
  let issuer
  if (hasUri) {
    if (typeof options.jwksUri !== 'string') throw optionsError('jwksUri must be a string')
    configured = checkUrl(options.jwksUri, o.allowHttp, 'jwksUri')
  } else {
    if (typeof options.issuer !== 'string') throw optionsError('issuer must be a string')
    checkUrl(options.issuer, o.allowHttp, 'issuer')
    issuer = options.issuer
  }
  if (typeof globalThis.fetch !== 'function' && !options.fetch) throw optionsError('this Node has no global fetch: pass the fetch option')
  const initial = initialText(options.initialJwks)
  return { o, configured, issuer, fetch: options.fetch || globalThis.fetch, initial }
}

module.exports = { DEFAULTS, remoteOptions }
