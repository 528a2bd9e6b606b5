'use strict'
// openTelemetryMetrics (authbridge/metrics): the instruments of js/metrics/table.js on an
// OpenTelemetry meter, and spans of handshakes and key-set refreshes on a tracer, through
// @opentelemetry/api (an optional peer, loaded only when openTelemetryMetrics is called).
// The parts: the instruments (otelInstruments), the recording (otelMetricRecorders: counted
// in plain JS, js/metrics/aggregate.js; otelTraceRecorders: spans), the collection
// (otelCollector: the SDK reads the counts, the native counters and the tracked objects).

const state = require('./state.js')
const aggregate = require('./aggregate.js')
const { METRICS, HANDSHAKE_BUCKETS, DIRECT, outcomeOf, record } = require('./table.js')
const { requirePeer } = require('../core/peer.js')
const { optionsError, isModuleNotFound } = require('../core/errors.js')

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

/** The instruments on `meter`: the handshake histogram, the refresh counter, and the observables. */
function otelInstruments(meter) {
  const m = METRICS
  const gauge = (d) => meter.createObservableGauge(d.otel, { unit: d.unit, description: d.help })
  return {
    handshake: meter.createHistogram(m.handshake.otel, { unit: 's', description: m.handshake.help, advice: { explicitBucketBoundaries: HANDSHAKE_BUCKETS } }),
    refreshes: meter.createCounter(m.jwksRefreshes.otel, { unit: m.jwksRefreshes.unit, description: m.jwksRefreshes.help }),
    // Counted here, observed on collection (see js/metrics/aggregate.js).
    observables: {
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
    },
  }
}

/**
 * The batch callback of the observables `o`: first `flush()` (the waiting handshake
 * durations), then the counts of the entry points (`outcomes`, `lifetimes`), the native
 * counters and the tracked objects (js/metrics/state.js).
 */
function otelCollector(o, outcomes, lifetimes, flush) {
  return (r) => {
    flush()
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
}

/**
 * Handshake durations for `histogram`. A histogram cannot be observed, and record() hashes its
 * attributes (about 2 µs): the durations are kept per combination and recorded on collection
 * (the batch callback runs before the SDK reads its synchronous instruments), or once
 * PENDING_MAX are waiting, with the attributes made once per combination and no context
 * lookup. Returns { add(transport, code, duration), flush() }.
 */
function pendingHandshakes(api, histogram) {
  const pending = aggregate.combinations((t, c) => ({ attrs: otelHandshakeAttrs(t, c), values: [] }))
  let waiting = 0
  const flush = () => {
    waiting = 0
    for (const p of pending.values()) {
      for (let i = 0; i < p.values.length; i++) histogram.record(p.values[i], p.attrs, api.ROOT_CONTEXT)
      p.values.length = 0
    }
  }
  const add = (transport, code, duration) => {
    pending(transport, code, null, null).values.push(duration)
    if (++waiting >= PENDING_MAX) flush()
  }
  return { add, flush }
}

/**
 * The metrics' recorders on `meter`, into `handlers` ({ check, handshake, lifetime } as a
 * recorder, jwks on its channel), and their collection; returns the function that removes
 * the collection (after a last flush).
 */
function otelMetricRecorders(api, meter, handlers) {
  const { handshake, refreshes, observables } = otelInstruments(meter)
  const outcomes = aggregate.counter(otelCheckAttrs)
  const lifetimes = aggregate.counter(otelLifetimeAttrs)
  const durations = pendingHandshakes(api, handshake)
  const batch = otelCollector(observables, outcomes, lifetimes, durations.flush)
  const list = Object.values(observables)
  meter.addBatchObservableCallback(batch, list)
  handlers.check = outcomes.add
  handlers.lifetime = lifetimes.add
  handlers.handshake = durations.add
  handlers.jwks = (e) => {
    const attrs = { 'authbridge.jwks': state.jwksLabel({ jwksUri: e.uri }), 'authbridge.outcome': e.ok ? 'ok' : 'failed' }
    if (e.code) attrs['error.type'] = e.code
    refreshes.add(1, attrs)
  }
  return () => {
    durations.flush()
    meter.removeBatchObservableCallback(batch, list)
  }
}

/**
 * Spans on `tracer`, around the `handlers` of the metrics (when there are any): one per
 * handshake and per key-set refresh; an HTTP check (passport, JwtService) is an event on the
 * request's active span, if any.
 */
function otelTraceRecorders(api, tracer, handlers) {
  const spanOf = (name, duration, attrs, code) => {
    const end = Date.now()
    const span = tracer.startSpan(name, { startTime: end - duration * 1000, attributes: attrs, kind: api.SpanKind.INTERNAL })
    if (code) span.setStatus({ code: api.SpanStatusCode.ERROR, message: code })
    span.end(end)
  }
  const { handshake: count, jwks: refreshed, check: counted } = handlers
  handlers.handshake = (transport, code, duration) => {
    if (count) count(transport, code, duration)
    spanOf('authbridge.handshake', duration, otelHandshakeAttrs(transport, code), code)
  }
  handlers.jwks = (e) => {
    if (refreshed) refreshed(e)
    const attrs = { 'authbridge.jwks': state.jwksLabel({ jwksUri: e.uri }), 'authbridge.jwks.keys': e.keys }
    if (e.code) attrs['error.type'] = e.code
    spanOf('authbridge.jwks.refresh', e.duration, attrs, e.code)
  }
  handlers.check = (transport, kind, source, code) => {
    if (counted) counted(transport, kind, source, code)
    if (transport !== 'http' && transport !== 'call') return
    const span = api.trace.getActiveSpan()
    if (!span) return
    span.addEvent('authbridge.auth', otelCheckAttrs(transport, kind, null, code))
  }
}

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
  // The recorder's parts (js/core/channels.js addRecorder) and the jwks channel's handler.
  const handlers = { check: null, handshake: null, lifetime: null, jwks: null }
  const removeObservables = meter ? otelMetricRecorders(api, meter, handlers) : () => {}
  if (tracer) otelTraceRecorders(api, tracer, handlers)
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

module.exports = { openTelemetryMetrics }
