'use strict'
// authbridge/metrics: the event stream (js/core/channels.js) and the collected state
// (js/metrics/state.js) as OpenTelemetry instruments (openTelemetryMetrics) or prom-client
// metrics (prometheusMetrics), plus traces of handshakes and key-set refreshes. Both peers are
// optional and loaded only when their function is called (js/core/peer.js). The entry points hand
// their events to the recorders registered here (js/core/channels.js addRecorder), which
// count them in plain JS (js/metrics/aggregate.js); the SDK or the registry reads the counts,
// the native counters and the tracked objects on collection. The instruments' table:
// js/metrics/table.js; the backends: js/metrics/otel.js, js/metrics/prom.js.

const channels = require('../core/channels.js')
const state = require('./state.js')
const { health } = require('./health.js')
const { METRICS, HANDSHAKE_BUCKETS } = require('./table.js')
const { openTelemetryMetrics } = require('./otel.js')
const { prometheusMetrics } = require('./prom.js')

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
