'use strict'
// authbridge/metrics: the event stream (js/metrics/channels.js) and the collected state
// (js/metrics/state.js) as OpenTelemetry instruments (openTelemetryMetrics) or prom-client
// metrics (prometheusMetrics), plus traces of handshakes and key-set refreshes. Both peers are
// optional and loaded only when their function is called (js/peer.js). The entry points hand
// their events to the recorders registered here (js/metrics/channels.js addRecorder), which
// count them in plain JS (js/metrics/aggregate.js); the SDK or the registry reads the counts,
// the native counters and the tracked objects on collection.

const dc = require('node:diagnostics_channel')
const channels = require('./channels.js')
const state = require('./state.js')
const { requirePeer } = require('../core/peer.js')
const { optionsError, isModuleNotFound } = require('../core/errors.js')
const { health } = require('./health.js')
const aggregate = require('./aggregate.js')

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

// Attributes of a series, made once per combination (js/metrics/aggregate.js): the recorders
// take (transport, kind, source, code) for checks, (event, transport, kind, code) for
// lifetime events and (transport, code) for handshakes.
function otelCheckAttrs(transport, kind, source, code) {
  const attrs = { 'authbridge.transport': transport, 'authbridge.outcome': outcomeOf(code) }
  if (kind) attrs['authbridge.kind'] = kind
  if (source) attrs['authbridge.source'] = source
  if (code) attrs['error.type'] = code
  return attrs
}

function otelLifetimeAttrs(event, transport, kind, code) {
  const attrs = { 'authbridge.event': event, 'authbridge.transport': transport || 'unknown' }
  if (kind) attrs['authbridge.kind'] = kind
  if (code) attrs['error.type'] = code
  return attrs
}

function otelHandshakeAttrs(transport, code) {
  const attrs = { 'authbridge.transport': transport, 'authbridge.outcome': outcomeOf(code) }
  if (code) attrs['error.type'] = code
  return attrs
}

const promCheckLabels = (transport, kind, source, code) => ({ kind: kind || '', source: source || '', transport, outcome: outcomeOf(code), code: code || '' })

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
 * Registers `handlers` ({ check, handshake, lifetime } as a recorder, js/metrics/channels.js;
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

/** @opentelemetry/api from the application, or null when it is not installed. */
function otelApi(feature) {
  try {
    return requirePeer('@opentelemetry/api', feature)
  } catch (err) {
    if (err && err.code === 'ERR_PEER_MISSING') return null
    if (isModuleNotFound(err)) return null
    throw err
  }
}

/** Whether `provider` (a MeterProvider) is OpenTelemetry's no-op one (no SDK registered). */
function isNoopMeterProvider(api, provider) {
  try {
    return provider.getMeter('authbridge') === api.createNoopMeter()
  } catch {
    return true
  }
}

/** The tracer to use, or null when no SDK tracer provider is registered (nor given). */
function tracerOf(api, tracerProvider) {
  if (tracerProvider) return tracerProvider.getTracer('authbridge')
  const global = api.trace.getTracerProvider()
  const delegate = typeof global.getDelegate === 'function' ? global.getDelegate() : global
  const noop = new api.ProxyTracerProvider().getDelegate()
  return delegate === noop ? null : global.getTracer('authbridge')
}

// Handshake durations waiting for a collection, at most (then recorded at once).
const PENDING_MAX = 4096

const DISABLED = Object.freeze({ enabled: false, metrics: false, traces: false, close() {} })

/**
 * OpenTelemetry metrics (and traces) of authbridge through @opentelemetry/api: every instrument
 * of the README's table on `meterProvider` (default: the global one), spans for handshakes and
 * key-set refreshes on `tracerProvider` (default: the global one). Without an SDK (no provider
 * registered, or @opentelemetry/api not installed) it is a no-op: nothing is subscribed, so
 * the entry points publish nothing. Call it after the SDK has started. Returns { enabled,
 * metrics, traces, close() }.
 */
function openTelemetryMetrics(options = {}) {
  if (options === null || typeof options !== 'object') throw optionsError('openTelemetryMetrics options must be an object ({ meterProvider, tracerProvider, traces })')
  const api = otelApi('authbridge/metrics openTelemetryMetrics')
  if (!api) return DISABLED
  const provider = options.meterProvider || api.metrics.getMeterProvider()
  const meter = isNoopMeterProvider(api, provider) ? null : provider.getMeter('authbridge', require('../../package.json').version)
  const tracer = options.traces === false ? null : tracerOf(api, options.tracerProvider)
  if (!meter && !tracer) return DISABLED

  // The recorder's parts (js/metrics/channels.js addRecorder) and the jwks channel's handler.
  const handlers = { check: null, handshake: null, lifetime: null, jwks: null }
  let removeObservables = () => {}
  if (meter) {
    const m = METRICS
    const handshake = meter.createHistogram(m.handshake.otel, { unit: 's', description: m.handshake.help, advice: { explicitBucketBoundaries: HANDSHAKE_BUCKETS } })
    const refreshes = meter.createCounter(m.jwksRefreshes.otel, { unit: m.jwksRefreshes.unit, description: m.jwksRefreshes.help })
    // Counted here, observed on collection (see js/metrics/aggregate.js).
    const outcomes = aggregate.counter(otelCheckAttrs)
    const lifetimes = aggregate.counter(otelLifetimeAttrs)
    const gauge = (d) => meter.createObservableGauge(d.otel, { unit: d.unit, description: d.help })
    const observables = {
      outcomes: meter.createObservableCounter(m.outcomes.otel, { unit: m.outcomes.unit, description: m.outcomes.help }),
      lifetime: meter.createObservableCounter(m.lifetime.otel, { unit: m.lifetime.unit, description: m.lifetime.help }),
      verifier: meter.createObservableCounter(m.verifier.otel, { unit: m.verifier.unit, description: m.verifier.help }),
      connections: meter.createObservableUpDownCounter(m.connections.otel, { unit: m.connections.unit, description: m.connections.help }),
      revocationEntries: gauge(m.revocationEntries),
      syncStale: gauge(m.syncStale),
      syncAge: gauge(m.syncAge),
      jwksKeys: gauge(m.jwksKeys),
      jwksAge: gauge(m.jwksAge),
      jwksFailures: gauge(m.jwksFailures),
      jwksStale: gauge(m.jwksStale),
    }
    const batch = (r) => {
      flush()
      const o = observables
      for (const c of outcomes.values()) r.observe(o.outcomes, c.n, c.labels)
      for (const c of state.directCounts()) r.observe(o.outcomes, c.count, otelCheckAttrs(DIRECT, c.kind, c.source, c.code))
      for (const c of lifetimes.values()) r.observe(o.lifetime, c.n, c.labels)
      for (const c of state.nativeCounts()) {
        const attrs = { 'authbridge.kind': c.verifier, 'authbridge.outcome': outcomeOf(c.code) }
        if (c.code) attrs['error.type'] = c.code
        r.observe(o.verifier, c.count, attrs)
      }
      for (const [t, n] of state.connections()) r.observe(o.connections, n, { 'authbridge.transport': t })
      for (const l of state.revocationLists()) {
        r.observe(o.revocationEntries, l.tokens, { 'authbridge.revocation.store': l.store, 'authbridge.revocation.type': 'token' })
        r.observe(o.revocationEntries, l.subjects, { 'authbridge.revocation.store': l.store, 'authbridge.revocation.type': 'subject' })
      }
      for (const s of state.revocationSyncs()) {
        const attrs = { 'authbridge.revocation.store': s.store }
        r.observe(o.syncStale, s.stale ? 1 : 0, attrs)
        if (s.age !== null) r.observe(o.syncAge, s.age, attrs)
      }
      for (const k of state.keySets()) {
        const attrs = { 'authbridge.jwks': k.jwks }
        r.observe(o.jwksKeys, k.keys, attrs)
        if (k.age !== null) r.observe(o.jwksAge, k.age, attrs)
        r.observe(o.jwksFailures, k.failures, attrs)
        r.observe(o.jwksStale, k.stale ? 1 : 0, attrs)
      }
    }
    const list = Object.values(observables)
    meter.addBatchObservableCallback(batch, list)
    removeObservables = () => {
      flush()
      meter.removeBatchObservableCallback(batch, list)
    }
    handlers.check = outcomes.add
    handlers.lifetime = lifetimes.add
    // A histogram cannot be observed, and record() hashes its attributes (about 2 µs): the
    // durations are kept per combination and recorded on collection (the batch callback runs
    // before the SDK reads its synchronous instruments), or once PENDING_MAX are waiting,
    // with the attributes made once per combination and no context lookup.
    const pending = aggregate.combinations((t, c) => ({ attrs: otelHandshakeAttrs(t, c), values: [] }))
    let waiting = 0
    const flush = () => {
      waiting = 0
      for (const p of pending.values()) {
        for (let i = 0; i < p.values.length; i++) handshake.record(p.values[i], p.attrs, api.ROOT_CONTEXT)
        p.values.length = 0
      }
    }
    handlers.handshake = (transport, code, duration) => {
      pending(transport, code, null, null).values.push(duration)
      if (++waiting >= PENDING_MAX) flush()
    }
    handlers.jwks = (e) => {
      const attrs = { 'authbridge.jwks': state.jwksLabel({ jwksUri: e.uri }), 'authbridge.outcome': e.ok ? 'ok' : 'failed' }
      if (e.code) attrs['error.type'] = e.code
      refreshes.add(1, attrs)
    }
  }
  if (tracer) {
    const spanOf = (name, duration, attrs, code) => {
      const end = Date.now()
      const span = tracer.startSpan(name, { startTime: end - duration * 1000, attributes: attrs, kind: api.SpanKind.INTERNAL })
      if (code) span.setStatus({ code: api.SpanStatusCode.ERROR, message: code })
      span.end(end)
    }
    const count = handlers.handshake
    handlers.handshake = (transport, code, duration) => {
      if (count) count(transport, code, duration)
      spanOf('authbridge.handshake', duration, otelHandshakeAttrs(transport, code), code)
    }
    const refreshed = handlers.jwks
    handlers.jwks = (e) => {
      if (refreshed) refreshed(e)
      const attrs = { 'authbridge.jwks': state.jwksLabel({ jwksUri: e.uri }), 'authbridge.jwks.keys': e.keys }
      if (e.code) attrs['error.type'] = e.code
      spanOf('authbridge.jwks.refresh', e.duration, attrs, e.code)
    }
    // HTTP checks (passport, JwtService): an event on the request's active span, if any.
    const counted = handlers.check
    handlers.check = (transport, kind, source, code) => {
      if (counted) counted(transport, kind, source, code)
      if (transport !== 'http' && transport !== 'call') return
      const span = api.trace.getActiveSpan()
      if (!span) return
      const attrs = { 'authbridge.transport': transport, 'authbridge.outcome': outcomeOf(code) }
      if (kind) attrs['authbridge.kind'] = kind
      if (code) attrs['error.type'] = code
      span.addEvent('authbridge.auth', attrs)
    }
  }
  const unsubscribe = record(handlers)
  return {
    enabled: true,
    metrics: !!meter,
    traces: !!tracer,
    close() {
      unsubscribe()
      removeObservables()
    },
  }
}

/**
 * The same metrics on a prom-client Registry (`registry`, default prom-client's global
 * register), for apps that scrape /metrics without OpenTelemetry. `prefix` is put before
 * every name (default none). Returns { registry, close() } (close unregisters them).
 */
function prometheusMetrics(options = {}) {
  if (options === null || typeof options !== 'object') throw optionsError('prometheusMetrics options must be an object ({ registry, prefix })')
  const prom = requirePeer('prom-client', 'authbridge/metrics prometheusMetrics')
  const registry = options.registry || prom.register
  if (!registry || typeof registry.registerMetric !== 'function') throw optionsError('registry must be a prom-client Registry')
  const prefix = options.prefix === undefined ? '' : options.prefix
  if (typeof prefix !== 'string' || !/^[a-zA-Z_:]?[a-zA-Z0-9_:]*$/.test(prefix)) throw optionsError('prefix must be a Prometheus metric name prefix')
  const m = METRICS
  const names = []
  const def = (d, labelNames, extra = {}) => {
    names.push(prefix + d.prom)
    return { name: prefix + d.prom, help: d.help, labelNames, registers: [registry], ...extra }
  }
  const outcomeCounts = aggregate.counter(promCheckLabels)
  const lifetimeCounts = aggregate.counter((event, transport, kind, code) => ({ event, transport: transport || 'unknown', kind: kind || '', code: code || '' }))
  const handshakes = aggregate.histogram((transport, code) => ({ transport, outcome: outcomeOf(code), code: code || '' }), HANDSHAKE_BUCKETS)
  const counted = (d, labelNames, counts, more) =>
    new prom.Counter(
      def(d, labelNames, {
        collect() {
          this.reset()
          for (const c of counts.values()) if (c.n > 0) this.inc(c.labels, c.n)
          if (more) more((labels, n) => this.inc(labels, n))
        },
      }),
    )
  counted(m.outcomes, ['kind', 'source', 'transport', 'outcome', 'code'], outcomeCounts, (inc) => {
    for (const c of state.directCounts()) inc(promCheckLabels(DIRECT, c.kind, c.source, c.code), c.count)
  })
  counted(m.lifetime, ['event', 'transport', 'kind', 'code'], lifetimeCounts)
  const refreshes = new prom.Counter(def(m.jwksRefreshes, ['jwks', 'outcome', 'code']))
  names.push(prefix + m.handshake.prom)
  aggregate.promHistogram(registry, prefix + m.handshake.prom, m.handshake.help, handshakes)
  const verifierName = m.verifier.prom
  new prom.Counter(
    def({ ...m.verifier, prom: verifierName }, ['kind', 'outcome', 'code'], {
      collect() {
        this.reset()
        for (const c of state.nativeCounts()) this.inc({ kind: c.verifier, outcome: outcomeOf(c.code), code: c.code || '' }, c.count)
      },
    }),
  )
  const gauge = (d, labelNames, read) =>
    new prom.Gauge(
      def(d, labelNames, {
        collect() {
          this.reset()
          read((labels, v) => this.set(labels, v))
        },
      }),
    )
  gauge(m.connections, ['transport'], (set) => {
    for (const [t, n] of state.connections()) set({ transport: t }, n)
  })
  gauge(m.revocationEntries, ['store', 'type'], (set) => {
    for (const l of state.revocationLists()) {
      set({ store: l.store, type: 'token' }, l.tokens)
      set({ store: l.store, type: 'subject' }, l.subjects)
    }
  })
  gauge(m.syncStale, ['store'], (set) => {
    for (const s of state.revocationSyncs()) set({ store: s.store }, s.stale ? 1 : 0)
  })
  gauge(m.syncAge, ['store'], (set) => {
    for (const s of state.revocationSyncs()) if (s.age !== null) set({ store: s.store }, s.age)
  })
  gauge(m.jwksKeys, ['jwks'], (set) => {
    for (const k of state.keySets()) set({ jwks: k.jwks }, k.keys)
  })
  gauge(m.jwksAge, ['jwks'], (set) => {
    for (const k of state.keySets()) if (k.age !== null) set({ jwks: k.jwks }, k.age)
  })
  gauge(m.jwksFailures, ['jwks'], (set) => {
    for (const k of state.keySets()) set({ jwks: k.jwks }, k.failures)
  })
  gauge(m.jwksStale, ['jwks'], (set) => {
    for (const k of state.keySets()) set({ jwks: k.jwks }, k.stale ? 1 : 0)
  })
  const unsubscribe = record({
    check: outcomeCounts.add,
    lifetime: lifetimeCounts.add,
    handshake: handshakes.observe,
    jwks: (e) => refreshes.inc({ jwks: state.jwksLabel({ jwksUri: e.uri }), outcome: e.ok ? 'ok' : 'failed', code: e.code || '' }),
  })
  return {
    registry,
    close() {
      unsubscribe()
      for (const n of names) registry.removeSingleMetric(n)
    },
  }
}

module.exports = {
  openTelemetryMetrics,
  prometheusMetrics,
  health,
  nativeCounts: state.nativeCounts,
  directCounts: state.directCounts,
  channels: channels.NAMES,
  METRICS,
  HANDSHAKE_BUCKETS,
}
