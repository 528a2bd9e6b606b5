'use strict'
// authbridge/nest: an IoAdapter that authenticates every Socket.IO connection, on every
// namespace, before it is established (Nest guards run per event, after connection).
// @nestjs/platform-socket.io is an optional peer dependency, loaded only here.

const { IoAdapter } = require('@nestjs/platform-socket.io')
const { socketIoAuth, useOnAllNamespaces, HandshakeAuthenticator } = require('./socket.io.js')

let Logger = null
try {
  Logger = require('@nestjs/common').Logger
} catch {
  Logger = null
}

class AuthenticatedSocketAdapter extends IoAdapter {
  /**
   * @param appOrHttpServer the Nest application (as for IoAdapter)
   * @param options HandshakeOptions, or a HandshakeAuthenticator
   * @param settings { onFailure?, onSuccess?, expiry? } as for socketIoAuth
   */
  constructor(appOrHttpServer, options, settings = {}) {
    super(appOrHttpServer)
    const logger = Logger ? new Logger('AuthenticatedSocketAdapter') : null
    const onFailure = (info) => {
      if (logger) logger.debug(`refused ${info.namespace || '/'}: ${info.code} (source ${info.source}, token ${info.fingerprint})`)
      if (typeof settings.onFailure === 'function') settings.onFailure(info)
    }
    this.authenticator = options instanceof HandshakeAuthenticator ? options : new HandshakeAuthenticator(options)
    this.authMiddleware = socketIoAuth(this.authenticator, { ...settings, onFailure })
  }

  createIOServer(port, options) {
    const server = super.createIOServer(port, options)
    // Nest calls this once per server; gateways' namespaces are created on it later.
    if (!server.__authbridge) {
      Object.defineProperty(server, '__authbridge', { value: true })
      useOnAllNamespaces(server, this.authMiddleware)
    }
    return server
  }
}

module.exports = { AuthenticatedSocketAdapter, HandshakeAuthenticator, socketIoAuth }
