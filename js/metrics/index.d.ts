import type { ErrorCode, RemoteJwks } from '../../index'
import type { RedisRevocation } from '../redis/index'

/** Where a checked token came from (null: unknown, or a token given directly). */
export type CheckSource = 'auth' | 'header' | 'cookie' | 'query' | null
/** Which entry point checked it: the WebSocket transports, passport ('http'), JwtService ('call'), a HandshakeAuthenticator the app calls ('direct'). */
export type CheckTransport = 'socket.io' | 'ws' | 'graphql-ws' | 'http' | 'call' | 'direct'

/** A message of the `authbridge:check` diagnostics channel: one per check at an entry point. Never the token. */
export interface CheckEvent {
  kind: 'jwt' | 'authjs' | 'better-auth' | null
  source: CheckSource
  transport: CheckTransport
  /** null when accepted. */
  code: ErrorCode | null
  /** The token's fingerprint (tokenFingerprint) for refusals where the token was read; else null. */
  fingerprint: string | null
}

/** A message of `authbridge:handshake`: one per WebSocket handshake. */
export interface HandshakeEvent {
  transport: 'socket.io' | 'ws' | 'graphql-ws'
  code: ErrorCode | null
  /** Seconds. */
  duration: number
}

/** A message of `authbridge:lifetime`, from the connection watch every transport shares. */
export interface LifetimeEvent {
  /** 'revoked': closed by a revocation list (code ERR_TOKEN_REVOKED or ERR_REVOCATION_STALE). */
  event: 'expired' | 'revoked' | 'refreshed' | 'refresh_refused'
  transport: 'socket.io' | 'ws' | 'graphql-ws' | 'unknown' | null
  kind: 'jwt' | 'authjs' | null
  code: ErrorCode | null
}

/** A message of `authbridge:jwks`: one per key-set fetch of a RemoteJwks. */
export interface JwksEvent {
  uri: string | null
  ok: boolean
  code: ErrorCode | null
  /** Keys held after the fetch. */
  keys: number
  /** Seconds. */
  duration: number
}

/** The diagnostics channel names (subscribe with node:diagnostics_channel). */
export declare const channels: {
  readonly check: 'authbridge:check'
  readonly handshake: 'authbridge:handshake'
  readonly lifetime: 'authbridge:lifetime'
  readonly jwks: 'authbridge:jwks'
}

/** One non-zero native counter of the bare verifiers (JwtVerifier, AuthJsSession, BetterAuthSession called by the app). */
export interface VerifierCount {
  verifier: 'jwt' | 'authjs' | 'betterauth'
  code: ErrorCode | null
  count: number
}

/** The bare verifiers' outcome counters, process-wide, read now. */
export declare function nativeCounts(): VerifierCount[]

/** One non-zero native counter of HandshakeAuthenticator's public methods called directly (transport 'direct'). */
export interface DirectCount {
  kind: 'jwt' | 'authjs' | 'better-auth' | null
  source: 'auth' | 'header' | 'cookie' | 'query' | null
  code: ErrorCode | null
  count: number
}

/** The outcome counters of HandshakeAuthenticator's direct calls, process-wide, read now. */
export declare function directCounts(): DirectCount[]

/** Structural types of @opentelemetry/api's providers (the peer is optional). */
export interface MeterProviderLike {
  getMeter(name: string, version?: string, options?: object): any
}
export interface TracerProviderLike {
  getTracer(name: string, version?: string, options?: object): any
}

export interface OpenTelemetryMetricsOptions {
  /** Default: the global MeterProvider (@opentelemetry/api's metrics.getMeterProvider()). */
  meterProvider?: MeterProviderLike
  /** Default: the global TracerProvider. */
  tracerProvider?: TracerProviderLike
  /** false: no spans. Default true (when a tracer provider is registered or given). */
  traces?: boolean
}

export interface ObservabilityHandle {
  /** false: no SDK (nothing subscribed, nothing counted). */
  readonly enabled: boolean
  readonly metrics: boolean
  readonly traces: boolean
  /** Unsubscribes and removes the observable callbacks. */
  close(): void
}

/**
 * authbridge's instruments (README "Metrics, traces and health") on an OpenTelemetry
 * MeterProvider, and spans for handshakes and key-set refreshes. A no-op without an SDK.
 */
export declare function openTelemetryMetrics(options?: OpenTelemetryMetricsOptions): ObservabilityHandle

/** A prom-client Registry (structural: the peer is optional). */
export interface PromRegistryLike {
  registerMetric(metric: any): void
  removeSingleMetric(name: string): void
  metrics(): Promise<string>
  readonly contentType: string
}

export interface PrometheusMetricsOptions {
  /** Default: prom-client's global `register`. */
  registry?: PromRegistryLike
  /** Put before every metric name. Default ''. */
  prefix?: string
}

export interface PrometheusHandle {
  readonly registry: PromRegistryLike
  /** Unsubscribes and unregisters the metrics. */
  close(): void
}

/** The same metrics on a prom-client Registry. Throws ERR_PEER_MISSING without prom-client. */
export declare function prometheusMetrics(options?: PrometheusMetricsOptions): PrometheusHandle

export interface HealthOptions {
  /** The key sets to check. Default: every RemoteJwks alive in the process. */
  jwks?: RemoteJwks[]
  /** The authbridge/redis handles to check. Default: every open one. */
  redis?: RedisRevocation[]
  /** Seconds: down when a key set's last good refresh is older. */
  maxKeyAge?: number
  /** Seconds: down when a revocation list's last sync from Redis is older. */
  maxSyncAge?: number
}

export interface HealthReport {
  status: 'up' | 'down'
  /** Why it is down (never a token or a secret). */
  reasons: string[]
  jwks: Array<{ jwks: string; up: boolean; keys: number; lastRefresh: number | null; failures: number; reason: string | null }>
  revocation: Array<{ store: string; up: boolean; stale: boolean; lastSync: number; reason: string | null }>
}

/** Whether this node can authenticate correctly now: key sets loaded and fresh, revocation synced. */
export declare function health(options?: HealthOptions): HealthReport

/** The instruments: OpenTelemetry name, Prometheus name, unit and description. */
export declare const METRICS: Readonly<Record<string, { otel: string; prom: string; unit: string; help: string }>>
/** The handshake histogram's bucket boundaries, in seconds. */
export declare const HANDSHAKE_BUCKETS: number[]
