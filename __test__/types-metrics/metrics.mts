// authbridge/metrics and authbridge/metrics/nest as an app writes them.
import dc from 'node:diagnostics_channel'
import { MeterProvider } from '@opentelemetry/sdk-metrics'
import { Registry } from 'prom-client'
import { openTelemetryMetrics, prometheusMetrics, health, channels, nativeCounts, directCounts, type CheckEvent } from 'authbridge/metrics'
import { AuthbridgeObservabilityModule, AuthbridgeHealthIndicator } from 'authbridge/metrics/nest'

const otel = openTelemetryMetrics({ meterProvider: new MeterProvider() })
const enabled: boolean = otel.enabled
const prom = prometheusMetrics({ registry: new Registry(), prefix: 'app_' })
const text: Promise<string> = prom.registry.metrics()
const h = health({ maxSyncAge: 30 })
const down: boolean = h.status === 'down'
dc.subscribe(channels.check, (m) => {
  const e = m as CheckEvent
  const code: string | null = e.code
  void code
})
const counts: number = nativeCounts().reduce((n, c) => n + c.count, 0)
const direct: number = directCounts().filter((c) => c.kind === 'better-auth' && c.source === 'cookie' && c.code === null).length
dc.subscribe(channels.check, (m) => {
  const t: 'direct' | string = (m as CheckEvent).transport
  void t
})
const mod = AuthbridgeObservabilityModule.forRoot({ prometheus: true, health: { maxKeyAge: 3600 } })
const r = new AuthbridgeHealthIndicator().isHealthy('auth')
const up: 'up' | 'down' = r.auth.status
void enabled, text, down, counts, direct, mod, up
