'use strict'
// authbridge/metrics: the event stream (js/metrics/channels.js) and the collected state
// (js/metrics/state.js) as OpenTelemetry instruments (openTelemetryMetrics) or prom-client
// metrics (prometheusMetrics), plus traces of handshakes and key-set refreshes. Both peers are
// optional and loaded only when their function is called (js/peer.js). Nothing here is on a
// hot path: the entry points publish only while one of these is subscribed.

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
  outcomes: { otel: 'authbridge.auth.outcomes', prom: 'authbridge_auth_outcomes_total', unit: '{outcome}', help: 'Token checks at the entry points (Socket.IO, ws, graphql-ws, passport, JwtService), by kind, source, transport, outcome and code' },
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

// Fields that make a series, per event type (js/metrics/aggregate.js keys nested Maps on them).
const CHECK_FIELDS = ['transport', 'kind', 'source', 'code']
const LIFETIME_FIELDS = ['event', 'transport', 'kind', 'code']
const HANDSHAKE_FIELDS = ['transport', 'code']

function otelCheckAttrs(e) {
  const attrs = { 'authbridge.transport': e.transport, 'authbridge.outcome': outcomeOf(e.code) }
  if (e.kind) attrs['authbridge.kind'] = e.kind
  if (e.source) attrs['authbridge.source'] = e.source
  if (e.code) attrs['error.type'] = e.code
  return attrs
}

function otelLifetimeAttrs(e) {
  const attrs = { 'authbridge.event': e.event, 'authbridge.transport': e.transport || 'unknown' }
  if (e.kind) attrs['authbridge.kind'] = e.kind
  if (e.code) attrs['error.type'] = e.code
  return attrs
}

function otelHandshakeAttrs(e) {
  const attrs = { 'authbridge.transport': e.transport, 'authbridge.outcome': outcomeOf(e.code) }
  if (e.code) attrs['error.type'] = e.code
  return attrs
}

/** Subscribes `handlers` ({ check, handshake, lifetime, jwks }) to the channels; returns the unsubscriber. */
function subscribe(handlers) {
  const subs = []
  for (const [what, fn] of Object.entries(handlers)) {
    if (typeof fn !== 'function') continue
    dc.subscribe(channels.NAMES[what], fn)
    subs.push([channels.NAMES[what], fn])
  }
  let done = false
  return () => {
    if (done) return
    done = true
    for (const [name, fn] of subs) dc.unsubscribe(name, fn)
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

  const handlers = {}
  let removeObservables = () => {}
  if (meter) {
    const m = METRICS
    const handshake = meter.createHistogram(m.handshake.otel, { unit: 's', description: m.handshake.help, advice: { explicitBucketBoundaries: HANDSHAKE_BUCKETS } })
    const refreshes = meter.createCounter(m.jwksRefreshes.otel, { unit: m.jwksRefreshes.unit, description: m.jwksRefreshes.help })
    // Counted here, observed on collection (see js/metrics/aggregate.js).
    const outcomes = aggregate.counter(CHECK_FIELDS, otelCheckAttrs)
    const lifetimes = aggregate.counter(LIFETIME_FIELDS, otelLifetimeAttrs)
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
    handlers.check = (e) => outcomes.add(e)
    handlers.lifetime = (e) => lifetimes.add(e)
    // A histogram cannot be observed, and record() hashes its attributes (about 2 µs): the
    // durations are kept per combination and recorded on collection (the batch callback runs
    // before the SDK reads its synchronous instruments), or once PENDING_MAX are waiting.
    const pending = aggregate.combinations(HANDSHAKE_FIELDS, (e) => ({ attrs: otelHandshakeAttrs(e), values: [] }))
    let waiting = 0
    const flush = () => {
      waiting = 0
      for (const p of pending.values()) {
        for (let i = 0; i < p.values.length; i++) handshake.record(p.values[i], p.attrs)
        p.values.length = 0
      }
    }
    handlers.handshake = (e) => {
      pending(e).values.push(e.duration)
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
    const withMetric = (fn, trace) => (e) => {
      if (fn) fn(e)
      trace(e)
    }
    handlers.handshake = withMetric(handlers.handshake, (e) => {
      const attrs = { 'authbridge.transport': e.transport, 'authbridge.outcome': outcomeOf(e.code) }
      if (e.code) attrs['error.type'] = e.code
      spanOf('authbridge.handshake', e.duration, attrs, e.code)
    })
    handlers.jwks = withMetric(handlers.jwks, (e) => {
      const attrs = { 'authbridge.jwks': state.jwksLabel({ jwksUri: e.uri }), 'authbridge.jwks.keys': e.keys }
      if (e.code) attrs['error.type'] = e.code
      spanOf('authbridge.jwks.refresh', e.duration, attrs, e.code)
    })
    // HTTP checks (passport, JwtService): an event on the request's active span, if any.
    handlers.check = withMetric(handlers.check, (e) => {
      if (e.transport !== 'http' && e.transport !== 'call') return
      const span = api.trace.getActiveSpan()
      if (!span) return
      const attrs = { 'authbridge.transport': e.transport, 'authbridge.outcome': outcomeOf(e.code) }
      if (e.kind) attrs['authbridge.kind'] = e.kind
      if (e.code) attrs['error.type'] = e.code
      span.addEvent('authbridge.auth', attrs)
    })
  }
  const unsubscribe = subscribe(handlers)
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
  const outcomeCounts = aggregate.counter(CHECK_FIELDS, (e) => ({ kind: e.kind || '', source: e.source || '', transport: e.transport, outcome: outcomeOf(e.code), code: e.code || '' }))
  const lifetimeCounts = aggregate.counter(LIFETIME_FIELDS, (e) => ({ event: e.event, transport: e.transport || 'unknown', kind: e.kind || '', code: e.code || '' }))
  const handshakes = aggregate.histogram(HANDSHAKE_FIELDS, (e) => ({ transport: e.transport, outcome: outcomeOf(e.code), code: e.code || '' }), HANDSHAKE_BUCKETS)
  const counted = (d, labelNames, counts) =>
    new prom.Counter(
      def(d, labelNames, {
        collect() {
          this.reset()
          for (const c of counts.values()) if (c.n > 0) this.inc(c.labels, c.n)
        },
      }),
    )
  counted(m.outcomes, ['kind', 'source', 'transport', 'outcome', 'code'], outcomeCounts)
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
  const unsubscribe = subscribe({
    check: (e) => outcomeCounts.add(e),
    lifetime: (e) => lifetimeCounts.add(e),
    handshake: (e) => handshakes.observe(e, e.duration),
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
  channels: channels.NAMES,
  METRICS,
  HANDSHAKE_BUCKETS,
}
