'use strict'
// The package main: everything the native binding (../index.js) exports, plus RemoteJwks,
// with JwtVerifier and HandshakeAuthenticator extended to accept `jwks: RemoteJwks` (or
// `jwksUri` / an `issuer` to discover it from) and to wait for a key refresh in their
// async variants. A verifier without a remote set is the native object, untouched: no
// JS runs on its verify path.

const native = require('../index.js')
const { RemoteJwks, missed } = require('./jwks.js')

const kRemote = Symbol('authbridge.remoteJwks')

function hasKeyMaterial(o) {
  return (o.key !== undefined && o.key !== null) || (o.jwk !== undefined && o.jwk !== null) || (o.jwks !== undefined && o.jwks !== null)
}

/**
 * Verifier options with a remote set resolved: `jwks: RemoteJwks` as given, or one built
 * from `jwksUri`, or from `issuer` (discovery) when no key is given. `jwksOptions` holds
 * the RemoteJwks options for the built one.
 */
function withRemote(o) {
  if (!o || typeof o !== 'object') return { options: o, remote: null }
  if (o.jwks instanceof RemoteJwks) return { options: o, remote: o.jwks }
  if (hasKeyMaterial(o)) return { options: o, remote: null }
  const extra = o.jwksOptions && typeof o.jwksOptions === 'object' ? o.jwksOptions : {}
  let remote = null
  if (o.jwksUri !== undefined) remote = new RemoteJwks({ ...extra, jwksUri: o.jwksUri })
  else if (typeof o.issuer === 'string' && /^https?:\/\//i.test(o.issuer)) remote = new RemoteJwks({ ...extra, issuer: o.issuer })
  if (!remote) return { options: o, remote: null }
  return { options: { ...o, jwks: remote }, remote }
}

/** Runs `fn`; on a retryable key-set error waits for the shared refresh and runs it once more. */
async function retryOnce(remote, fn) {
  try {
    return fn()
  } catch (err) {
    const wait = missed(remote, err)
    if (!wait) throw err
    await wait
    return fn()
  }
}

/** Wraps a sync method so that an unknown kid starts the shared refresh. */
function notifying(remote, method, self) {
  return function (...args) {
    try {
      return method.apply(self, args)
    } catch (err) {
      missed(remote, err)
      throw err
    }
  }
}

/** Marks `self` as reading `remote` and wraps its sync `methods` (of `Native`) with `notifying`. */
function attachRemote(self, remote, Native, methods) {
  Object.defineProperty(self, kRemote, { value: remote })
  for (const name of methods) self[name] = notifying(remote, Native.prototype[name], self)
}

class JwtVerifier extends native.JwtVerifier {
  constructor(options) {
    const { options: o, remote } = withRemote(options)
    super(o)
    if (remote) attachRemote(this, remote, native.JwtVerifier, ['verify', 'verifyComplete'])
  }

  /** The RemoteJwks this verifier reads, or null. */
  get remoteJwks() {
    return this[kRemote] || null
  }

  /** As verify; with a remote set, an unknown kid waits for the refresh and retries once. */
  verifyAsync(token) {
    return retryOnce(this[kRemote], () => native.JwtVerifier.prototype.verify.call(this, token))
  }

  /** As verifyComplete, asynchronously (see verifyAsync). */
  verifyCompleteAsync(token) {
    return retryOnce(this[kRemote], () => native.JwtVerifier.prototype.verifyComplete.call(this, token))
  }
}

class HandshakeAuthenticator extends native.HandshakeAuthenticator {
  constructor(options) {
    let o = options
    let remote = null
    if (options && typeof options === 'object' && options.jwt && typeof options.jwt === 'object') {
      const r = withRemote(options.jwt)
      if (r.remote) {
        remote = r.remote
        o = { ...options, jwt: r.options }
      }
    }
    super(o)
    if (remote) attachRemote(this, remote, native.HandshakeAuthenticator, ['authenticate', 'verifyToken'])
  }

  /** The RemoteJwks the jwt side reads, or null. */
  get remoteJwks() {
    return this[kRemote] || null
  }

  /** As authenticate; an unknown kid waits for the key refresh and retries once. */
  authenticateAsync(handshake, originAllowed) {
    return retryOnce(this[kRemote], () => native.HandshakeAuthenticator.prototype.authenticate.call(this, handshake, originAllowed))
  }

  /** As verifyToken, asynchronously (see authenticateAsync). */
  verifyTokenAsync(token) {
    return retryOnce(this[kRemote], () => native.HandshakeAuthenticator.prototype.verifyToken.call(this, token))
  }
}

/** As the native verifyJws; with `jwks: RemoteJwks`, an unknown kid starts the refresh. */
function verifyJws(token, options) {
  try {
    return native.verifyJws(token, options)
  } catch (err) {
    if (options && options.jwks instanceof RemoteJwks) missed(options.jwks, err)
    throw err
  }
}

/** As verifyJws; with `jwks: RemoteJwks`, an unknown kid waits for the refresh and retries once. */
function verifyJwsAsync(token, options) {
  const remote = options && options.jwks instanceof RemoteJwks ? options.jwks : null
  return retryOnce(remote, () => native.verifyJws(token, options))
}

// Spread from require() so that ESM `import { X } from 'authbridge'` sees every name
// (Node's CommonJS export detection follows a spread require as a re-export).
module.exports = {
  ...require('../index.js'),
  JwtVerifier,
  HandshakeAuthenticator,
  verifyJws,
  verifyJwsAsync,
  RemoteJwks,
}
