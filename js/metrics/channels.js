'use strict'
// authbridge's event stream (issue 25): node:diagnostics_channel channels that every entry
// point publishes to, ONLY when someone subscribes (`channel.hasSubscribers`, a field read),
// so an app that watches nothing pays nothing. The bare native verifiers (JwtVerifier#verify,
// AuthJsSession#decode) count natively instead (src/metrics.rs; read with nativeCounts()).
//
// Channels (the README's "Metrics, traces and health" section documents the payloads):
//   authbridge:check      one per check at an entry point:
//                         { kind, source, transport, code, fingerprint }
//                         kind 'jwt' | 'authjs' | null (unknown when refused before the kind
//                         was known), source 'auth' | 'header' | 'cookie' | 'query' | null,
//                         transport 'socket.io' | 'ws' | 'graphql-ws' | 'http' (passport) |
//                         'call' (JwtService), code null when accepted, fingerprint the
//                         token's fingerprint (refusals; null when unknown). Never the token.
//   authbridge:handshake  one per WebSocket handshake: { transport, code, duration } (seconds)
//   authbridge:lifetime   { event: 'expired' | 'revoked' | 'refreshed' | 'refresh_refused',
//                         transport, kind, code }: 'revoked' is a connection closed by a
//                         revocation list (code ERR_TOKEN_REVOKED or ERR_REVOCATION_STALE)
//   authbridge:jwks       one per key-set fetch: { uri, ok, code, keys, duration }
// Objects whose state the metrics and health() read on collection (never on the hot path)
// are tracked here: RemoteJwks instances, authbridge/redis handles, connection watches.

const dc = require('node:diagnostics_channel')
const { performance } = require('node:perf_hooks')

const CHECK = dc.channel('authbridge:check')
const HANDSHAKE = dc.channel('authbridge:handshake')
const LIFETIME = dc.channel('authbridge:lifetime')
const JWKS = dc.channel('authbridge:jwks')

const NAMES = Object.freeze({ check: 'authbridge:check', handshake: 'authbridge:handshake', lifetime: 'authbridge:lifetime', jwks: 'authbridge:jwks' })

/** A refusal's outcome event (`err` as the entry point caught it). */
function refused(err, transport, kind = null, source = null) {
  const code = err && typeof err.code === 'string' && err.code.startsWith('ERR_') ? err.code : 'ERR_INTERNAL'
  const fingerprint = err && typeof err.fingerprint === 'string' ? err.fingerprint : null
  return { kind: (err && err.kind) || kind, source: (err && err.source) || source, transport, code, fingerprint }
}

/** Publishes an accepted check (call only when CHECK.hasSubscribers). */
function publishAccepted(kind, source, transport) {
  CHECK.publish({ kind: kind || null, source: source || null, transport, code: null, fingerprint: null })
}

/** Publishes a refused check (call only when CHECK.hasSubscribers). */
function publishRefused(err, transport, kind, source) {
  CHECK.publish(refused(err, transport, kind, source))
}

/** The start of a handshake: a time when someone listens, else 0 (nothing measured). */
function handshakeStart() {
  return HANDSHAKE.hasSubscribers ? performance.now() : 0
}

/** The end of a handshake started at `t0` (handshakeStart()); `code` null when admitted. */
function handshakeEnd(transport, t0, code) {
  if (t0 === 0 || !HANDSHAKE.hasSubscribers) return
  HANDSHAKE.publish({ transport, code: code || null, duration: (performance.now() - t0) / 1000 })
}

/** `promise` (resolving to { ok, code }) with its handshake timed when someone listens. */
function timeHandshake(transport, t0, promise) {
  if (t0 === 0) return promise
  return promise.then((r) => {
    handshakeEnd(transport, t0, r && !r.ok ? r.code || 'ERR_INTERNAL' : null)
    return r
  })
}

/** A lifetime event (a connection expired, revoked, refreshed, or its refresh refused). */
function lifetime(event, transport, kind, code) {
  if (LIFETIME.hasSubscribers) LIFETIME.publish({ event, transport: transport || null, kind: kind || null, code: code || null })
}

/** A key-set fetch of `jwks` (a RemoteJwks) started at `t0` (performance.now()) ended; `err` when it failed. */
function jwksFetched(jwks, t0, err) {
  if (!JWKS.hasSubscribers) return
  let st = null
  try {
    st = jwks.status()
  } catch {
    st = null
  }
  JWKS.publish({
    uri: st && st.jwksUri ? st.jwksUri : null,
    ok: !err,
    code: err ? (err && typeof err.code === 'string' && err.code.startsWith('ERR_') ? err.code : 'ERR_JWKS_FETCH_FAILED') : null,
    keys: st ? st.keyIds.length : 0,
    duration: (performance.now() - t0) / 1000,
  })
}

// --- tracked objects (read on collection) -------------------------------------------------

const tracked = { jwks: new Set(), redis: new Set(), watch: new Set() }
const refs = new WeakMap()

/** Tracks `obj` of `what` ('jwks' | 'redis' | 'watch') until untrack (held weakly). */
function track(what, obj) {
  const ref = new WeakRef(obj)
  refs.set(obj, ref)
  tracked[what].add(ref)
}

function untrack(what, obj) {
  const ref = refs.get(obj)
  if (ref) tracked[what].delete(ref)
}

/** The live tracked objects of `what`. */
function live(what) {
  const out = []
  for (const ref of tracked[what]) {
    const obj = ref.deref()
    if (obj === undefined) tracked[what].delete(ref)
    else out.push(obj)
  }
  return out
}

module.exports = {
  CHECK,
  HANDSHAKE,
  LIFETIME,
  JWKS,
  NAMES,
  refused,
  publishAccepted,
  publishRefused,
  handshakeStart,
  handshakeEnd,
  timeHandshake,
  lifetime,
  jwksFetched,
  track,
  untrack,
  live,
}
