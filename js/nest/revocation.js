'use strict'
// RevocationModule / RevocationService (exported by authbridge/nest): one RevocationList
// per application, in memory or kept in sync across nodes by Redis (authbridge/redis).
// Give `service.list` to the socket adapter, the passport Strategy and JwtModule as
// `revocation`; call `revokeSubject` from a sign-out controller.

const { Module, Injectable, Inject } = require('../core/peer.js').requirePeer('@nestjs/common', 'authbridge/nest')
const { RevocationList } = require('../../index.js')
const { redisRevocation } = require('../redis/index.js')
const { optionsErrors } = require('../core/errors.js')

const REVOCATION_OPTIONS = Symbol.for('authbridge:REVOCATION_OPTIONS')

const optionsError = optionsErrors('authbridge RevocationModule')

class RevocationService {
  /**
   * @param options { redis?: { client, prefix?, resyncInterval?, maxStaleness?, onStale? },
   *   subjectTtl?, list? }
   */
  constructor(options = {}) {
    const o = options || {}
    if (o.redis !== undefined && (o.redis === null || typeof o.redis !== 'object' || !o.redis.client)) {
      throw optionsError('redis must be { client, ... } with a node-redis or ioredis client')
    }
    this.options = o
    /** The list every verifier should be given (the same object for the app's lifetime). */
    this.list = o.list instanceof RevocationList ? o.list : new RevocationList(o.subjectTtl === undefined ? undefined : { subjectTtl: o.subjectTtl })
    /** The authbridge/redis handle once started (null without Redis). */
    this.store = null
  }

  async onModuleInit() {
    if (this.options.redis && !this.store) this.store = await redisRevocation({ ...this.options.redis, list: this.list })
  }

  async onModuleDestroy() {
    if (this.store) await this.store.close()
    this.store = null
  }

  /** Revokes a token id until exp (seconds), on every node when Redis is configured. */
  async revokeToken(jti, exp) {
    if (this.store) return this.store.revokeToken(jti, exp)
    this.list.revokeToken(jti, exp)
  }

  /** Revokes the tokens of sub issued before `before` (seconds, default now): sign out everywhere, ban. */
  async revokeSubject(sub, before) {
    if (this.store) return this.store.revokeSubject(sub, before)
    this.list.revokeSubject(sub, before)
  }

  /** Whether verified claims are revoked (synchronous, in memory). */
  isRevoked(claims) {
    return this.list.isRevoked(claims)
  }
}

Injectable()(RevocationService)
Inject(REVOCATION_OPTIONS)(RevocationService, undefined, 0)
Reflect.defineMetadata('design:paramtypes', [Object], RevocationService)

class RevocationModule {
  /** Static options: { redis?: { client, ... }, subjectTtl?, list?, global? (default true) }. */
  static forRoot(options = {}) {
    const o = options || {}
    return {
      module: RevocationModule,
      global: o.global !== false,
      providers: [{ provide: REVOCATION_OPTIONS, useValue: o }, RevocationService],
      exports: [RevocationService],
    }
  }

  /** From configuration: { imports?, useFactory, inject?, global? }. */
  static forRootAsync(options = {}) {
    const o = options || {}
    if (typeof o.useFactory !== 'function') throw optionsError('forRootAsync needs useFactory')
    return {
      module: RevocationModule,
      global: o.global !== false,
      imports: o.imports || [],
      providers: [{ provide: REVOCATION_OPTIONS, useFactory: o.useFactory, inject: o.inject || [] }, RevocationService],
      exports: [RevocationService],
    }
  }
}

Module({})(RevocationModule)

module.exports = { RevocationModule, RevocationService, REVOCATION_OPTIONS }
