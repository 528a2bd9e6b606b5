'use strict'
// What the two Nest adapters of authbridge/nest (AuthenticatedSocketAdapter,
// AuthenticatedWsAdapter) share: their Nest base class, loaded from an optional peer, and
// their authenticator with its logging.

const { HandshakeAuthenticator } = require('../index.js')
const { requirePeer } = require('../core/peer.js')
const { codeOf, errorLine } = require('../core/errors.js')

const { Logger } = requirePeer('@nestjs/common', 'authbridge/nest')

/**
 * `name` of the optional peer `pkg` (js/core/peer.js), for the adapter `feature`; without the
 * peer, a class whose construction throws ERR_PEER_MISSING (the rest of authbridge/nest works).
 */
function peerBase(pkg, name, feature) {
  try {
    return requirePeer(pkg, feature)[name]
  } catch (err) {
    if (codeOf(err) !== 'ERR_PEER_MISSING') throw err
    const missing = err
    return class PeerUnavailable {
      constructor() {
        throw missing
      }
    }
  }
}

/**
 * An adapter's authenticator (`options`: HandshakeOptions, or a HandshakeAuthenticator) and
 * its settings' additions: `onFailure` logs a refusal at debug on the Logger `name` (where:
 * `info[place]`, the namespace or the path; the token by fingerprint), then calls the
 * settings' own; `revocation` is the settings', else the options' (not an authenticator's).
 * A remote key set's refresh failures are logged at warn, never a token.
 */
function adapterAuth(name, place, options, settings) {
  const logger = new Logger(name)
  const onFailure = (info) => {
    logger.debug(`refused ${info[place] || '/'}: ${info.code} (source ${info.source}, token ${info.fingerprint})`)
    if (typeof settings.onFailure === 'function') settings.onFailure(info)
  }
  const authenticator = options instanceof HandshakeAuthenticator ? options : new HandshakeAuthenticator(options)
  // A remote key set (jwt.jwks: RemoteJwks, jwksUri, issuer).
  const remote = authenticator.remoteJwks
  if (remote) remote.on('refreshError', (e) => logger.warn(`JWK Set refresh failed: ${errorLine(e)}`))
  const revocation = settings.revocation || (options instanceof HandshakeAuthenticator ? undefined : options && options.revocation)
  return { authenticator, onFailure, revocation }
}

module.exports = { peerBase, adapterAuth }
