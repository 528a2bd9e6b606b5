'use strict'
// The instruments of authbridge/metrics, by name (the README's table), and what both backends
// (js/metrics/otel.js, js/metrics/prom.js) share: the handshake buckets, the outcome of a
// code, the registration of their recorders (js/core/channels.js addRecorder) and of their
// handler of the authbridge:jwks channel.

const dc = require('node:diagnostics_channel')
const channels = require('../core/channels.js')

// Handshake time buckets, in seconds (50 µs .. 5 s: native checks take microseconds; a key
// refresh or an async Origin verdict can take a network round trip).
const HANDSHAKE_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

/** The instruments, by name: the one table both backends (and the README) follow. */
const METRICS = Object.freeze({
  outcomes: { otel: 'authbridge.auth.outcomes', prom: 'authbridge_auth_outcomes_total', unit: '{outcome}', help: 'Token checks at the entry points (Socket.IO, ws, graphql-ws, passport, JwtService, HandshakeAuthenticator called directly), by kind, source, transport, outcome and code' },
  verifier: { otel: 'authbridge.verifier.outcomes', prom: 'authbridge_verifier_outcomes_total', unit: '{outcome}', help: 'Calls of the bare verifiers (JwtVerifier#verify, AuthJsSession#decode, BetterAuthSession#decode), counted natively, by kind, outcome and code' },
  handshake: { otel: 'authbridge.handshake.duration', prom: 'authbridge_handshake_duration_seconds', unit: 's', help: 'WebSocket handshake authentication time, by transport, outcome and code' },
  lifetime: { otel: 'authbridge.connection.events', prom: 'authbridge_connection_events_total', unit: '{event}', help: 'Lifetime events of admitted connections (expired, revoked, refreshed, refresh_refused), by transport, kind and code' },
  connections: { otel: 'authbridge.connection.count', prom: 'authbridge_connections', unit: '{connection}', help: 'Authenticated connections held now, by transport' },
  revocationEntries: { otel: 'authbridge.revocation.entries', prom: 'authbridge_revocation_entries', unit: '{entry}', help: 'Entries of the revocation lists in use, by store and type (token, subject)' },
  syncStale: { otel: 'authbridge.revocation.sync.stale', prom: 'authbridge_revocation_sync_stale', unit: '1', help: '1 when the revocation list synced through Redis is stale, else 0, by store' },
  syncAge: { otel: 'authbridge.revocation.sync.age', prom: 'authbridge_revocation_sync_age_seconds', unit: 's', help: 'Seconds since the last successful sync of the revocation list from Redis, by store' },
  jwksKeys: { otel: 'authbridge.jwks.keys', prom: 'authbridge_jwks_keys', unit: '{key}', help: 'Keys held by each remote key set (RemoteJwks)' },
  jwksAge: { otel: 'authbridge.jwks.refresh.age', prom: 'authbridge_jwks_refresh_age_seconds', unit: 's', help: 'Seconds since the last good refresh of each remote key set' },
  jwksFailures: { otel: 'authbridge.jwks.refresh.failures', prom: 'authbridge_jwks_refresh_failures', unit: '{failure}', help: 'Failed refreshes in a row of each remote key set (0 after a good one)' },
  jwksStale: { otel: 'authbridge.jwks.stale', prom: 'authbridge_jwks_stale', unit: '1', help: '1 when a remote key set is stale (refreshes failing past staleWhileError), else 0' },
  jwksRefreshes: { otel: 'authbridge.jwks.refreshes', prom: 'authbridge_jwks_refreshes_total', unit: '{refresh}', help: 'Fetches of the remote key sets, by key set, outcome and code' },
})

const outcomeOf = (code) => (code ? 'refused' : 'accepted')

// The transport of HandshakeAuthenticator's direct calls (counted natively, src/metrics.rs).
const DIRECT = 'direct'

/** Subscribes `fn` to the authbridge:jwks channel; returns the unsubscriber. */
function subscribeJwks(fn) {
  dc.subscribe(channels.NAMES.jwks, fn)
  let done = false
  return () => {
    if (done) return
    done = true
    dc.unsubscribe(channels.NAMES.jwks, fn)
  }
}

const nothing = () => {}

/**
 * Registers `handlers` ({ check, handshake, lifetime } as a recorder, js/core/channels.js;
 * jwks on its channel); returns the function that removes them.
 */
function record(handlers) {
  const removeRecorder = channels.addRecorder({ check: handlers.check || nothing, handshake: handlers.handshake || nothing, lifetime: handlers.lifetime || nothing })
  const unsubscribe = handlers.jwks ? subscribeJwks(handlers.jwks) : nothing
  let done = false
  return () => {
    if (done) return
    done = true
    removeRecorder()
    unsubscribe()
  }
}

module.exports = { METRICS, HANDSHAKE_BUCKETS, DIRECT, outcomeOf, record }
