'use strict'
// authbridge/metrics/nest: metrics and health in one Nest import.
//   AuthbridgeObservabilityModule.forRoot({ prometheus?, openTelemetry?, metricsPath?, health?, global? })
//   AuthbridgeHealthIndicator: for @nestjs/terminus (HealthCheckService.check([() => indicator.isHealthy()]))
//   AuthbridgeMetricsService: the started backends ({ prometheus, openTelemetry }), closed with the app.
// @nestjs/terminus itself is not required: the indicator returns terminus's result shape
// ({ [key]: { status: 'up' | 'down', ... } }), which HealthCheckService turns into 200 / 503.

const { Module, Injectable, Inject, Controller, Get, Header } = require('../core/peer.js').requirePeer('@nestjs/common', 'authbridge/metrics/nest')
const { health } = require('./health.js')
const { openTelemetryMetrics, prometheusMetrics } = require('./index.js')
const { optionsErrors } = require('../core/errors.js')

const OPTIONS = Symbol.for('authbridge:OBSERVABILITY_OPTIONS')
const optionsError = optionsErrors('authbridge AuthbridgeObservabilityModule')

/** The health options of the module's `health` setting (maxKeyAge, maxSyncAge, jwks, redis). */
function healthOptionsOf(o) {
  return o && o.health && typeof o.health === 'object' ? o.health : {}
}

class AuthbridgeHealthIndicator {
  constructor(options) {
    this.options = healthOptionsOf(options)
  }

  /**
   * Terminus's result for `key` (default 'authbridge'): status 'up' or 'down', with the reasons
   * when down, and the state of every key set and Redis-synced revocation list.
   */
  isHealthy(key = 'authbridge', options) {
    const h = health({ ...this.options, ...(options || {}) })
    return { [key]: { status: h.status, reasons: h.reasons, jwks: h.jwks, revocation: h.revocation } }
  }
}
Injectable()(AuthbridgeHealthIndicator)
Inject(OPTIONS)(AuthbridgeHealthIndicator, undefined, 0)
Reflect.defineMetadata('design:paramtypes', [Object], AuthbridgeHealthIndicator)

class AuthbridgeMetricsService {
  constructor(options) {
    const o = options || {}
    this.options = o
    /** prometheusMetrics()'s handle once started, else null. */
    this.prometheus = null
    /** openTelemetryMetrics()'s handle once started, else null. */
    this.openTelemetry = null
  }

  onModuleInit() {
    const o = this.options
    if (o.openTelemetry && !this.openTelemetry) this.openTelemetry = openTelemetryMetrics(o.openTelemetry === true ? {} : o.openTelemetry)
    if (o.prometheus && !this.prometheus) this.prometheus = prometheusMetrics(o.prometheus === true ? {} : o.prometheus)
  }

  onModuleDestroy() {
    if (this.openTelemetry) this.openTelemetry.close()
    if (this.prometheus) this.prometheus.close()
    this.openTelemetry = this.prometheus = null
  }

  /** The prom-client registry's text (the /metrics body). */
  metrics() {
    if (!this.prometheus) this.onModuleInit()
    return this.prometheus.registry.metrics()
  }
}
Injectable()(AuthbridgeMetricsService)
Inject(OPTIONS)(AuthbridgeMetricsService, undefined, 0)
Reflect.defineMetadata('design:paramtypes', [Object], AuthbridgeMetricsService)

/** A controller serving the prom-client registry at `path`. */
function metricsController(path, contentType) {
  class AuthbridgeMetricsController {
    constructor(service) {
      this.service = service
    }
    metrics() {
      return this.service.metrics()
    }
  }
  Controller()(AuthbridgeMetricsController)
  Inject(AuthbridgeMetricsService)(AuthbridgeMetricsController, undefined, 0)
  Reflect.defineMetadata('design:paramtypes', [AuthbridgeMetricsService], AuthbridgeMetricsController)
  const proto = AuthbridgeMetricsController.prototype
  const d = Object.getOwnPropertyDescriptor(proto, 'metrics')
  Get(path)(proto, 'metrics', d)
  Header('Content-Type', contentType)(proto, 'metrics', d)
  Reflect.defineMetadata('design:paramtypes', [], proto, 'metrics')
  return AuthbridgeMetricsController
}

class AuthbridgeObservabilityModule {
  /**
   * { prometheus?: true | { registry?, prefix? }, openTelemetry?: true | { meterProvider?,
   * tracerProvider?, traces? }, metricsPath?: string | false (with prometheus; default
   * '/metrics'), health?: { maxKeyAge?, maxSyncAge?, jwks?, redis? }, global? (default true) }
   */
  static forRoot(options = {}) {
    const o = options || {}
    if (typeof o !== 'object') throw optionsError('options must be an object')
    const path = o.metricsPath === undefined ? '/metrics' : o.metricsPath
    if (path !== false && typeof path !== 'string') throw optionsError('metricsPath must be a path or false')
    const controllers = []
    if (o.prometheus && path !== false) {
      const prom = require('../core/peer.js').requirePeer('prom-client', 'authbridge/metrics/nest (prometheus)')
      const registry = (o.prometheus !== true && o.prometheus.registry) || prom.register
      controllers.push(metricsController(path, registry.contentType || 'text/plain; version=0.0.4; charset=utf-8'))
    }
    return {
      module: AuthbridgeObservabilityModule,
      global: o.global !== false,
      controllers,
      providers: [{ provide: OPTIONS, useValue: o }, AuthbridgeMetricsService, AuthbridgeHealthIndicator],
      exports: [AuthbridgeMetricsService, AuthbridgeHealthIndicator],
    }
  }
}
Module({})(AuthbridgeObservabilityModule)

module.exports = { AuthbridgeObservabilityModule, AuthbridgeHealthIndicator, AuthbridgeMetricsService, OBSERVABILITY_OPTIONS: OPTIONS }
