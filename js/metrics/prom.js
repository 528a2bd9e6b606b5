'use strict'
// prometheusMetrics (authbridge/metrics): the instruments of js/metrics/table.js on a
// prom-client Registry (an optional peer, loaded only when prometheusMetrics is called). The
// parts: the options (promOptions), the counters and the histogram, counted in plain JS
// (js/metrics/aggregate.js) and recorded through the channels (promCounters), and the gauges
// of the tracked objects, read on collection (promGauges).

const state = require('./state.js')
const aggregate = require('./aggregate.js')
const { METRICS, HANDSHAKE_BUCKETS, DIRECT, outcomeOf, record } = require('./table.js')
const { requirePeer } = require('../core/peer.js')
const { optionsError } = require('../core/errors.js')

const promCheckLabels = (transport, kind, source, code) => ({ kind: kind || '', source: source || '', transport, outcome: outcomeOf(code), code: code || '' })

/** { prom, registry, prefix } from the options, checked (prom-client is loaded here). */
function promOptions(options) {
  if (options === null || typeof options !== 'object') throw optionsError('prometheusMetrics options must be an object ({ registry, prefix })')
  const prom = requirePeer('prom-client', 'authbridge/metrics prometheusMetrics')
  const registry = options.registry || prom.register
  if (!registry || typeof registry.registerMetric !== 'function') throw optionsError('registry must be a prom-client Registry')
  const prefix = options.prefix === undefined ? '' : options.prefix
  if (typeof prefix !== 'string' || !/^[a-zA-Z_:]?[a-zA-Z0-9_:]*$/.test(prefix)) throw optionsError('prefix must be a Prometheus metric name prefix')
  return { prom, registry, prefix }
}

/**
 * The configuration of a metric `d` of the table, with `extra` (its collect()), on the registry;
 * its name goes to `names` (unregistered on close).
 */
function definer(registry, prefix, names) {
  return (d, labelNames, extra = {}) => {
    names.push(prefix + d.prom)
    return { name: prefix + d.prom, help: d.help, labelNames, registers: [registry], ...extra }
  }
}

/**
 * The counters and the handshake histogram; returns the recorder's parts (js/core/channels.js
 * addRecorder) and the jwks channel's handler, as record() takes them.
 */
function promCounters(prom, def, registry, prefix, names) {
  const m = METRICS
  const outcomeCounts = aggregate.counter(promCheckLabels)
  const lifetimeCounts = aggregate.counter((event, transport, kind, code) => ({ event, transport: transport || 'unknown', kind: kind || '', code: code || '' }))
  const handshakes = aggregate.histogram((transport, code) => ({ transport, outcome: outcomeOf(code), code: code || '' }), HANDSHAKE_BUCKETS)
  // A counter whose value is read on collection: the counts of `counts`, then what `more` adds.
  const counted = (d, labelNames, counts, more) =>
    new prom.Counter(
      def(d, labelNames, {
        collect() {
          this.reset()
          if (counts) for (const c of counts.values()) if (c.n > 0) this.inc(c.labels, c.n)
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
  counted(m.verifier, ['kind', 'outcome', 'code'], null, (inc) => {
    for (const c of state.nativeCounts()) inc({ kind: c.verifier, outcome: outcomeOf(c.code), code: c.code || '' }, c.count)
  })
  return {
    check: outcomeCounts.add,
    lifetime: lifetimeCounts.add,
    handshake: handshakes.observe,
    jwks: (e) => refreshes.inc({ jwks: state.jwksLabel({ jwksUri: e.uri }), outcome: e.ok ? 'ok' : 'failed', code: e.code || '' }),
  }
}

/** The gauges of the tracked objects (js/metrics/state.js), each read on collection. */
function promGauges(prom, def) {
  const m = METRICS
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
}

/**
 * The same metrics on a prom-client Registry (`registry`, default prom-client's global
 * register), for apps that scrape /metrics without OpenTelemetry. `prefix` is put before
 * every name (default none). Returns { registry, close() } (close unregisters them).
 */
function prometheusMetrics(options = {}) {
  const { prom, registry, prefix } = promOptions(options)
  const names = []
  const def = definer(registry, prefix, names)
  const recorders = promCounters(prom, def, registry, prefix, names)
  promGauges(prom, def)
  const unsubscribe = record(recorders)
  return {
    registry,
    close() {
      unsubscribe()
      for (const n of names) registry.removeSingleMetric(n)
    },
  }
}

module.exports = { prometheusMetrics }
