'use strict'
// authbridge/nest: JwtModule and JwtService, a drop-in for @nestjs/jwt on the native
// verifier and signer. Same module API (register, registerAsync with useFactory /
// useClass / useExisting, global) and the same option names (jsonwebtoken's). The service
// is in js/nest/jwt-service.js, jsonwebtoken's errors in js/core/jwt-errors.js, the verify
// options in js/core/jwt-options.js. @nestjs/common is an optional peer dependency, loaded only
// here.

const { Module } = require('../core/peer.js').requirePeer('@nestjs/common', 'authbridge/nest')
const { JwtService, WrongSecretProviderError, JwtSecretRequestType, JWT_MODULE_OPTIONS } = require('./jwt-service.js')
const { JsonWebTokenError, TokenExpiredError, NotBeforeError } = require('../core/jwt-errors.js')
const { optionsError } = require('../core/errors.js')

class JwtModule {
  static register(options) {
    const o = options || {}
    return { module: JwtModule, global: o.global, providers: [{ provide: JWT_MODULE_OPTIONS, useValue: o }] }
  }

  static registerAsync(options) {
    const o = options || {}
    if (!o.useFactory && !o.useClass && !o.useExisting) {
      throw optionsError('authbridge JwtModule.registerAsync needs useFactory, useClass or useExisting')
    }
    return {
      module: JwtModule,
      global: o.global,
      imports: o.imports || [],
      providers: [...JwtModule.createAsyncProviders(o), ...(o.extraProviders || [])],
    }
  }

  static createAsyncProviders(options) {
    if (options.useExisting || options.useFactory) return [JwtModule.createAsyncOptionsProvider(options)]
    return [JwtModule.createAsyncOptionsProvider(options), { provide: options.useClass, useClass: options.useClass }]
  }

  static createAsyncOptionsProvider(options) {
    if (options.useFactory) {
      return { provide: JWT_MODULE_OPTIONS, useFactory: options.useFactory, inject: options.inject || [] }
    }
    return {
      provide: JWT_MODULE_OPTIONS,
      useFactory: async (factory) => await factory.createJwtOptions(),
      inject: [options.useExisting || options.useClass],
    }
  }
}

Module({ providers: [JwtService], exports: [JwtService] })(JwtModule)

module.exports = {
  JwtModule,
  JwtService,
  JsonWebTokenError,
  TokenExpiredError,
  NotBeforeError,
  WrongSecretProviderError,
  JwtSecretRequestType,
}
