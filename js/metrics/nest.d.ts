import type { DynamicModule } from '@nestjs/common'
import type { HealthOptions, HealthReport, OpenTelemetryMetricsOptions, PrometheusMetricsOptions, ObservabilityHandle, PrometheusHandle } from './index'

export interface AuthbridgeObservabilityOptions {
  /** prom-client metrics (true: on prom-client's global register). */
  prometheus?: true | PrometheusMetricsOptions
  /** OpenTelemetry metrics and traces (true: the global providers). */
  openTelemetry?: true | OpenTelemetryMetricsOptions
  /** With prometheus: the path the registry is served at; false: none. Default '/metrics'. */
  metricsPath?: string | false
  /** Options of AuthbridgeHealthIndicator (maxKeyAge, maxSyncAge, jwks, redis). */
  health?: HealthOptions
  /** Default true. */
  global?: boolean
}

/** @nestjs/terminus's result shape for authbridge's health. */
export type AuthbridgeHealthResult<K extends string = 'authbridge'> = {
  [key in K]: { status: 'up' | 'down'; reasons: string[]; jwks: HealthReport['jwks']; revocation: HealthReport['revocation'] }
}

/** For @nestjs/terminus: `health.check([() => indicator.isHealthy()])` (503 when down). */
export declare class AuthbridgeHealthIndicator {
  constructor(options?: AuthbridgeObservabilityOptions)
  isHealthy<K extends string = 'authbridge'>(key?: K, options?: HealthOptions): AuthbridgeHealthResult<K>
}

/** The started backends; closed with the application. */
export declare class AuthbridgeMetricsService {
  readonly prometheus: PrometheusHandle | null
  readonly openTelemetry: ObservabilityHandle | null
  /** The prom-client registry's text (the /metrics body). */
  metrics(): Promise<string>
}

/** Metrics and health in one import. */
export declare class AuthbridgeObservabilityModule {
  static forRoot(options?: AuthbridgeObservabilityOptions): DynamicModule
}

export declare const OBSERVABILITY_OPTIONS: unique symbol
