'use strict'
// The per-event side of authbridge/metrics, kept to a few comparisons and an addition: counts
// and handshake-time buckets are aggregated here, in plain JS, and handed to OpenTelemetry or
// prom-client only on collection. (An SDK's add() / record() and prom-client's inc() /
// observe() hash their attributes on every call: about 1 to 2 µs each.)

/**
 * A lookup of the value for a combination of four values (interned strings or null), made by
 * `make(a, b, c, d)` on first sight: nested Maps keyed by the values themselves (no key
 * string built per event), behind a one-entry cache of the last combination (a steady stream
 * of the same outcome costs four comparisons).
 */
function combinations(make) {
  const root = new Map()
  const all = []
  let la, lb, lc, ld
  let last
  const step = (m, k) => {
    let n = m.get(k)
    if (n === undefined) {
      n = new Map()
      m.set(k, n)
    }
    return n
  }
  const lookup = (a, b, c, d) => {
    if (last !== undefined && a === la && b === lb && c === lc && d === ld) return last
    const m = step(step(step(root, a), b), c)
    let v = m.get(d)
    if (v === undefined) {
      v = make(a, b, c, d)
      m.set(d, v)
      all.push(v)
    }
    la = a
    lb = b
    lc = c
    ld = d
    last = v
    return v
  }
  lookup.values = () => all
  return lookup
}

/** Counts per combination: `{ labels, n }` entries (labels made once by `labelsOf(a, b, c, d)`). */
function counter(labelsOf) {
  const lookup = combinations((a, b, c, d) => ({ labels: labelsOf(a, b, c, d), n: 0 }))
  return {
    add(a, b, c, d) {
      lookup(a, b, c, d).n++
    },
    values: lookup.values,
  }
}

/** A histogram per combination of two values: `{ labels, counts (per bucket, last: +Inf), sum, count }`. */
function histogram(labelsOf, buckets) {
  const size = buckets.length
  const lookup = combinations((a, b) => ({ labels: labelsOf(a, b), counts: new Float64Array(size + 1), sum: 0, count: 0 }))
  return {
    observe(a, b, value) {
      const h = lookup(a, b, null, null)
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
