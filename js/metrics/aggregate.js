'use strict'
// The per-event side of authbridge/metrics, kept to a few Map lookups and additions: counts
// and handshake-time buckets are aggregated here, in plain JS, and handed to OpenTelemetry or
// prom-client only on collection. (An SDK's add() / record() and prom-client's inc() /
// observe() hash their attributes on every call: about 1 to 4 µs each, measured in
// benchmark/metrics.mjs.)

/**
 * A lookup of the value for the combination of `fields` of an event, made by `make(event)` on
 * first sight. Nested Maps keyed by the field values themselves (interned strings or null):
 * no key string is built per event.
 */
function combinations(fields, make) {
  const root = new Map()
  const last = fields.length - 1
  const all = []
  const lookup = (e) => {
    let m = root
    for (let i = 0; i < last; i++) {
      const k = e[fields[i]]
      let n = m.get(k)
      if (n === undefined) {
        n = new Map()
        m.set(k, n)
      }
      m = n
    }
    const k = e[fields[last]]
    let v = m.get(k)
    if (v === undefined) {
      v = make(e)
      m.set(k, v)
      all.push(v)
    }
    return v
  }
  lookup.values = () => all
  return lookup
}

/** Counts per combination: `{ labels, n }` entries (labels made once by `labelsOf`). */
function counter(fields, labelsOf) {
  const lookup = combinations(fields, (e) => ({ labels: labelsOf(e), n: 0 }))
  return {
    add(e) {
      lookup(e).n++
    },
    values: lookup.values,
  }
}

/** A histogram per combination: `{ labels, counts (per bucket, last: +Inf), sum, count }`. */
function histogram(fields, labelsOf, buckets) {
  const size = buckets.length
  const lookup = combinations(fields, (e) => ({ labels: labelsOf(e), counts: new Float64Array(size + 1), sum: 0, count: 0 }))
  return {
    observe(e, value) {
      const h = lookup(e)
      let i = 0
      while (i < size && value > buckets[i]) i++
      h.counts[i]++
      h.sum += value
      h.count++
    },
    values: lookup.values,
    buckets,
  }
}

/**
 * `h` (a histogram of this file) as a prom-client metric of `registry` named `name`: the
 * registry's text has the usual _bucket (cumulative, le), _sum and _count series.
 */
function promHistogram(registry, name, help, h) {
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    async get() {
      const values = []
      for (const s of h.values()) {
        let acc = 0
        for (let i = 0; i <= h.buckets.length; i++) {
          acc += s.counts[i]
          values.push({ metricName: `${name}_bucket`, labels: { ...s.labels, le: i < h.buckets.length ? h.buckets[i] : '+Inf' }, value: acc })
        }
        values.push({ metricName: `${name}_sum`, labels: s.labels, value: s.sum })
        values.push({ metricName: `${name}_count`, labels: s.labels, value: s.count })
      }
      return { name, help, type: 'histogram', values, aggregator: 'sum' }
    },
    reset() {
      for (const s of h.values()) {
        s.counts.fill(0)
        s.sum = 0
        s.count = 0
      }
    },
  }
  registry.registerMetric(metric)
  return metric
}

module.exports = { combinations, counter, histogram, promHistogram }
