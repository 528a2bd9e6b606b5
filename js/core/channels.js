'use strict'
// authbridge's event stream (issue 25): node:diagnostics_channel channels that every entry
// point publishes to, and the recorders of the metric backends. The bare native verifiers
// (JwtVerifier, AuthJsSession, BetterAuthSession) and HandshakeAuthenticator's direct calls
// count natively instead (src/metrics.rs; read with nativeCounts()).
//
// The entry points report through the functions below. Each event goes to the recorders of
// the metric backends (openTelemetryMetrics / prometheusMetrics register one each: plain
// values, no event object, no channel dispatch) and is published on its channel only while
// someone subscribes to that channel (`channel.hasSubscribers`, a field read), so an app that
// watches nothing pays a field read and a flag test per event.
//
// Channels (the README's "Metrics, traces and health" section documents the payloads):
//   authbridge:check      one per check at an entry point:
//                         { kind, source, transport, code, fingerprint }
//                         kind 'jwt' | 'authjs' | 'better-auth' | null (unknown when refused
//                         before the kind was known), source 'auth' | 'header' | 'cookie' |
//                         'query' | null, transport 'socket.io' | 'ws' | 'graphql-ws' | 'http'
//                         (passport) | 'call' (JwtService) | 'direct' (HandshakeAuthenticator
//                         called by the app itself), code null when accepted, fingerprint the
//                         token's fingerprint (refusals; null when unknown). Never the token.
//   authbridge:handshake  one per WebSocket handshake: { transport, code, duration } (seconds)
//   authbridge:lifetime   { event: 'expired' | 'revoked' | 'refreshed' | 'refresh_refused',
//                         transport, kind, code }: 'revoked' is a connection closed by a
//                         revocation list (code ERR_TOKEN_REVOKED or ERR_REVOCATION_STALE)
//   authbridge:jwks       one per key-set fetch: { uri, ok, code, keys, duration }
// The 'direct' checks are counted natively (src/metrics.rs) and read on collection: the
// recorders never see them, the channel does.
// Objects whose state the metrics and health() read on collection (never on the hot path)
// are tracked here: RemoteJwks instances, authbridge/redis handles, connection watches.

const dc = require('node:diagnostics_channel')
const { performance } = require('node:perf_hooks')

const CHECK = dc.channel('authbridge:check')
const HANDSHAKE = dc.channel('authbridge:handshake')
const LIFETIME = dc.channel('authbridge:lifetime')
const JWKS = dc.channel('authbridge:jwks')

const NAMES = Object.freeze({ check: 'authbridge:check', handshake: 'authbridge:handshake', lifetime: 'authbridge:lifetime', jwks: 'authbridge:jwks' })

// The backends' recorders: { check(transport, kind, source, code), handshake(transport, code,
// seconds), lifetime(event, transport, kind, code) }. `recording` is true while there is one.
let recorders = []
let recording = false

/** Registers a backend's recorder; returns the function that removes it. */
function addRecorder(recorder) {
  recorders = [...recorders, recorder]
  recording = true
  return () => {
    recorders = recorders.filter((r) => r !== recorder)
    recording = recorders.length > 0
  }
}

/** An error's code as reported: its ERR_ code, else ERR_INTERNAL. */
const codeOf = (err) => (err && typeof err.code === 'string' && err.code.startsWith('ERR_') ? err.code : 'ERR_INTERNAL')

/** The fingerprint of a refusal: the error's, else that of `token` when given (computed only here). */
function fingerprintOf(err, token) {
  if (err && typeof err.fingerprint === 'string') return err.fingerprint
  if (typeof token !== 'string') return null
  try {
    return require('../../index.js').tokenFingerprint(token)
  } catch {
    return null
  }
}

/** A refusal's outcome event (`err` as the entry point caught it; `token` only for its fingerprint). */
function refused(err, transport, kind = null, source = null, token = undefined) {
  return { kind: (err && err.kind) || kind || null, source: (err && err.source) || source || null, transport, code: codeOf(err), fingerprint: fingerprintOf(err, token) }
}

/** An accepted check at an entry point. */
function reportAccepted(kind, source, transport) {
  if (recording) {
    const k = kind || null
    const s = source || null
    for (let i = 0; i < recorders.length; i++) recorders[i].check(transport, k, s, null)
  }
  if (CHECK.hasSubscribers) CHECK.publish({ kind: kind || null, source: source || null, transport, code: null, fingerprint: null })
}

/**
 * A refused check at an entry point: `err` as caught (its code, kind, source, fingerprint);
 * `token`, when the error has no fingerprint, is fingerprinted only for a channel subscriber.
 */
function reportRefused(err, transport, kind, source, token) {
  if (recording) {
    const k = (err && err.kind) || kind || null
    const s = (err && err.source) || source || null
    const code = codeOf(err)
    for (let i = 0; i < recorders.length; i++) recorders[i].check(transport, k, s, code)
  }
  if (CHECK.hasSubscribers) CHECK.publish(refused(err, transport, kind, source, token))
}

/** For 'direct' checks (counted natively): published on the channel only. */
function publishDirect(err, result) {
  if (!CHECK.hasSubscribers) return
  CHECK.publish(err === null ? { kind: result.kind || null, source: result.source || null, transport: 'direct', code: null, fingerprint: null } : refused(err, 'direct'))
}

/** The start of a handshake: a time when someone records or listens, else 0 (nothing measured). */
function handshakeStart() {
  return recording || HANDSHAKE.hasSubscribers ? performance.now() : 0
}

/** The end of a handshake started at `t0` (handshakeStart()); `code` null when admitted. */
function handshakeEnd(transport, t0, code) {
  if (t0 === 0) return
  const duration = (performance.now() - t0) / 1000
  const c = code || null
  for (let i = 0; i < recorders.length; i++) recorders[i].handshake(transport, c, duration)
  if (HANDSHAKE.hasSubscribers) HANDSHAKE.publish({ transport, code: c, duration })
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
  const t = transport || null
  const k = kind || null
  const c = code || null
  for (let i = 0; i < recorders.length; i++) recorders[i].lifetime(event, t, k, c)
  if (LIFETIME.hasSubscribers) LIFETIME.publish({ event, transport: t, kind: k, code: c })
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
  addRecorder,
  codeOf,
  refused,
  reportAccepted,
  reportRefused,
  publishDirect,
  handshakeStart,
  handshakeEnd,
  timeHandshake,
  lifetime,
  jwksFetched,
  track,
  untrack,
  live,
}
