'use strict'
// The private keys of the package main's classes (js/index.js): what the part files that work on
// an instance (js/passport/handshake.js) read, with one home.

module.exports = {
  // The native handles: kDirect for the public methods, their outcomes counted natively as
  // 'direct' checks (src/metrics.rs); kHandle for the _-prefixed twins the integrations call,
  // which report their own outcomes with their transport.
  kHandle: Symbol('authbridge.handle'),
  kDirect: Symbol('authbridge.directHandle'),
  /** HandshakeOptions.trustProxy as a predicate (js/core/origin.js), or null. */
  kTrust: Symbol('authbridge.trustProxy'),
  kField: Symbol('authbridge.authField'),
  kRule: Symbol('authbridge.originRule'),
  kRemote: Symbol('authbridge.remoteJwks'),
  kLists: Symbol('authbridge.revocationLists'),
  kClock: Symbol('authbridge.hasClock'),
  kLookup: Symbol('authbridge.betterAuthLookup'),
}
