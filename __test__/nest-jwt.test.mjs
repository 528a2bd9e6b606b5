// authbridge/nest's JwtModule / JwtService as a drop-in for @nestjs/jwt, inside real Nest
// applications (NestFactory.createApplicationContext, and an HTTP app over loopback).
// Tokens are checked both ways against jsonwebtoken (what @nestjs/jwt uses), and error
// names, expiredAt and date are compared with jsonwebtoken's own errors for the same token.
//
// The swap test builds the auth module of Nest's documentation (POST /auth/login signs,
// a guard verifies on GET /auth/profile) once per library: `from '@nestjs/jwt'` and
// `from 'authbridge/nest'`, same code and same assertions. The @nestjs/jwt half runs when
// `@nestjs/jwt` resolves from here (a dev dependency), or when
// AUTHBRIDGE_TEST_NESTJS_JWT names its dist/index.js (an install outside the repository
// that reaches this repository's @nestjs/common); otherwise it is skipped, saying why.
//
// The files of the Nest app are plain JavaScript: decorators are applied as TypeScript's
// compiled output applies them (Module(...)(Class), Inject(token)(Class, undefined, i)).

import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import 'reflect-metadata'
import { NestFactory } from '@nestjs/core'
import { Body, Controller, Get, HttpCode, Inject, Injectable, Module, Post, Req, UnauthorizedException, UseGuards } from '@nestjs/common'
import * as authbridgeNest from 'authbridge/nest'

const require = createRequire(import.meta.url)
const jsonwebtoken = require('jsonwebtoken')
const native = require('authbridge')
const { thrown } = require('./helpers/assert.js')

const { JwtModule, JwtService, JsonWebTokenError, TokenExpiredError, NotBeforeError } = authbridgeNest

const NESTJS_JWT_INSTALL = 'npm i -D @nestjs/jwt@^12.0.2'

async function loadNestjsJwt() {
  try {
    return { lib: await import('@nestjs/jwt') }
  } catch (err) {
    if (err.code !== 'ERR_MODULE_NOT_FOUND') throw err
  }
  const entry = process.env.AUTHBRIDGE_TEST_NESTJS_JWT
  if (entry) return { lib: await import(pathToFileURL(entry).href) }
  return {
    skip:
      '@nestjs/jwt does not resolve from this repository (this test does not install it): ' +
      `run \`${NESTJS_JWT_INSTALL}\`, or set AUTHBRIDGE_TEST_NESTJS_JWT to the dist/index.js of an install that reaches this repository's @nestjs/common`,
  }
}

// Awaited before any test is declared: the file's tests (and its after hook) are all known
// before the runner starts them.
const nestjsJwt = await loadNestjsJwt()

// ---------------------------------------------------------------------------
// Keys, tokens, helpers
// ---------------------------------------------------------------------------

const rand = (n = 16) => crypto.randomBytes(n).toString('hex')
// 71 and 77 bytes: enough for HS512 (authbridge refuses secrets shorter than the hash output)
const SECRET = `secret-${rand(32)}`
const OTHER = `other-secret-${rand(32)}`
const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
const PRIVATE_PEM = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' })
const PUBLIC_PEM = rsa.publicKey.export({ type: 'spki', format: 'pem' })
const nowSec = () => Math.floor(Date.now() / 1000)
const b64u = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
const HS256 = { algorithms: ['HS256'] }

/** jsonwebtoken's HS256 token for these claims (no defaults added but iat). */
const hs = (claims, options = {}, secret = SECRET) => jsonwebtoken.sign(claims, secret, { algorithm: 'HS256', ...options })

function hmacToken(header, claims, secret) {
  const input = `${b64u(header)}.${b64u(claims)}`
  return `${input}.${crypto.createHmac('sha256', secret).update(input).digest('base64url')}`
}


/** What jsonwebtoken itself throws for this token and these options. */
function jsonwebtokenError(token, key, options) {
  return thrown(() => jsonwebtoken.verify(token, key, options))
}

/** Checks an authbridge verification error: jsonwebtoken's class and name, our code and claim. */
function assertJwtError(err, name, code, claim) {
  assert.ok(err instanceof Error, 'instanceof Error')
  assert.ok(err instanceof JsonWebTokenError, 'instanceof JsonWebTokenError')
  assert.equal(err.name, name)
  assert.equal(err.code, code, err.message)
  if (claim !== undefined) assert.equal(err.claim, claim)
  assert.ok(err.stack.startsWith(`${name}: `), err.stack.split('\n')[0])
  if (name === 'TokenExpiredError') assert.ok(err instanceof TokenExpiredError)
  if (name === 'NotBeforeError') assert.ok(err instanceof NotBeforeError)
}

/** The message the native verifier gives for this token (the drop-in keeps it in `reason`). */
function nativeMessage(token, options) {
  return thrown(() => new native.JwtVerifier(options).verify(token)).message
}

// Decorators applied by hand, as tsc's output does.
function injectable(Class, deps = []) {
  Injectable()(Class)
  deps.forEach((token, i) => Inject(token)(Class, undefined, i))
  Reflect.defineMetadata('design:paramtypes', deps.map(() => Object), Class)
  return Class
}

function nestModule(metadata, name = 'TestModule') {
  const Class = { [name]: class {} }[name]
  Module(metadata)(Class)
  return Class
}

function decorateMethod(Class, method, decorators, params = []) {
  const proto = Class.prototype
  const descriptor = Reflect.decorate(decorators, proto, method, Object.getOwnPropertyDescriptor(proto, method))
  Object.defineProperty(proto, method, descriptor)
  params.forEach((decorator, i) => decorator(proto, method, i))
}

const apps = []
after(async () => {
  for (const app of apps) await app.close()
})

/** Boots a Nest application context for this root module. */
async function boot(root) {
  const app = await NestFactory.createApplicationContext(root, { logger: false, abortOnError: false })
  apps.push(app)
  return app
}

/** The JwtService of an app whose root module imports JwtModule.register(options). */
async function serviceFor(options) {
  const app = await boot(nestModule({ imports: [JwtModule.register(options)] }))
  return app.get(JwtService)
}

/** Counts the native verifiers and signers built while fn runs. */
async function countPrepared(fn) {
  const counts = { verifiers: 0, signers: 0 }
  const { JwtVerifier, JwtSigner } = native
  native.JwtVerifier = new Proxy(JwtVerifier, { construct: (T, args) => (counts.verifiers++, new T(...args)) })
  native.JwtSigner = new Proxy(JwtSigner, { construct: (T, args) => (counts.signers++, new T(...args)) })
  try {
    await fn()
  } finally {
    native.JwtVerifier = JwtVerifier
    native.JwtSigner = JwtSigner
  }
  return counts
}

// ---------------------------------------------------------------------------
// JwtModule
// ---------------------------------------------------------------------------

describe('JwtModule and JwtService in a Nest application', () => {
  test('register (HS256, secret): tokens signed for jsonwebtoken, jsonwebtoken tokens verified', async () => {
    const AuthService = injectable(class AuthService {
      constructor(jwt) {
        this.jwt = jwt
      }
    }, [JwtService])
    const app = await boot(
      nestModule({
        imports: [
          JwtModule.register({
            secret: SECRET,
            signOptions: { algorithm: 'HS256', expiresIn: '15m', issuer: 'test-issuer', audience: 'api' },
            verifyOptions: { algorithms: ['HS256'], issuer: 'test-issuer', audience: 'api' },
          }),
        ],
        providers: [AuthService],
      }),
    )
    const jwt = app.get(AuthService).jwt
    assert.ok(jwt instanceof JwtService)
    assert.equal(jwt, app.get(JwtService), 'one JwtService in the module')

    const token = jwt.sign({ sub: 'u1', role: 'admin' })
    const claims = jsonwebtoken.verify(token, SECRET, { algorithms: ['HS256'], issuer: 'test-issuer', audience: 'api' })
    assert.equal(claims.sub, 'u1')
    assert.equal(claims.role, 'admin')
    assert.equal(claims.exp - claims.iat, 900)
    assert.ok(Math.abs(claims.iat - nowSec()) <= 2)
    assert.deepEqual(jsonwebtoken.decode(token, { complete: true }).header, { alg: 'HS256', typ: 'JWT' })
    assert.deepEqual(jwt.verify(token), claims)
    assert.equal(jsonwebtoken.verify(await jwt.signAsync({ sub: 'u2' }), SECRET, HS256).sub, 'u2')

    const theirs = hs({ sub: 'from-jsonwebtoken' }, { expiresIn: 60, issuer: 'test-issuer', audience: 'api' })
    assert.equal(jwt.verify(theirs).sub, 'from-jsonwebtoken')
    assert.equal((await jwt.verifyAsync(theirs)).sub, 'from-jsonwebtoken')
    // The module's verifyOptions apply: no aud, another issuer.
    assertJwtError(thrown(() => jwt.verify(hs({ sub: 'x' }, { expiresIn: 60, issuer: 'test-issuer' }))), 'JsonWebTokenError', 'ERR_JWT_CLAIM_MISSING', 'aud')
    assertJwtError(
      thrown(() => jwt.verify(hs({ sub: 'x' }, { expiresIn: 60, issuer: 'other', audience: 'api' }))),
      'JsonWebTokenError',
      'ERR_JWT_CLAIM_INVALID',
      'iss',
    )
  })

  test('register (RS256, privateKey/publicKey): algorithms from signOptions.algorithm; PEM and KeyObject keys', async () => {
    for (const [label, privateKey, publicKey] of [
      ['PEM', PRIVATE_PEM, PUBLIC_PEM],
      ['KeyObject', rsa.privateKey, rsa.publicKey],
    ]) {
      const jwt = await serviceFor({ privateKey, publicKey, signOptions: { algorithm: 'RS256', expiresIn: 300, keyid: 'k1' } })
      const token = jwt.sign({ sub: 'rsa-user' })
      const complete = jsonwebtoken.verify(token, PUBLIC_PEM, { algorithms: ['RS256'], complete: true })
      assert.deepEqual(complete.header, { alg: 'RS256', typ: 'JWT', kid: 'k1' }, label)
      assert.equal(complete.payload.exp - complete.payload.iat, 300, label)

      const theirs = jsonwebtoken.sign({ sub: 'theirs' }, PRIVATE_PEM, { algorithm: 'RS256', expiresIn: 60 })
      assert.equal(jwt.verify(theirs).sub, 'theirs', label)
      // Pinned to RS256: PS256 with the same key, and HS256 keyed with the public PEM, are refused.
      const ps = jsonwebtoken.sign({ sub: 'ps' }, PRIVATE_PEM, { algorithm: 'PS256', expiresIn: 60 })
      assertJwtError(thrown(() => jwt.verify(ps)), 'JsonWebTokenError', 'ERR_JWS_ALG_NOT_ALLOWED')
      const confused = hmacToken({ alg: 'HS256', typ: 'JWT' }, { sub: 'admin', exp: nowSec() + 60 }, PUBLIC_PEM)
      assertJwtError(thrown(() => jwt.verify(confused)), 'JsonWebTokenError', 'ERR_JWS_ALG_NOT_ALLOWED')
      assert.equal(jsonwebtokenError(confused, PUBLIC_PEM, { algorithms: ['RS256'] }).name, 'JsonWebTokenError')
    }
  })

  test('registerAsync: useFactory with inject of a config provider, global: true', async () => {
    const ConfigService = injectable(class ConfigService {
      constructor() {
        this.values = { JWT_SECRET: SECRET, JWT_TTL: '2h' }
      }
      get(key) {
        return this.values[key]
      }
    })
    const ConfigModule = nestModule({ providers: [ConfigService], exports: [ConfigService] }, 'ConfigModule')
    // A feature module that does not import JwtModule: JwtService reaches it because it is global.
    const UsersService = injectable(class UsersService {
      constructor(jwt) {
        this.jwt = jwt
      }
    }, [JwtService])
    const UsersModule = nestModule({ providers: [UsersService] }, 'UsersModule')

    const factoryCalls = []
    const jwtModule = (global) =>
      JwtModule.registerAsync({
        imports: [ConfigModule],
        inject: [ConfigService],
        useFactory: async (config) => {
          factoryCalls.push(config)
          return { secret: config.get('JWT_SECRET'), signOptions: { expiresIn: config.get('JWT_TTL') }, verifyOptions: HS256 }
        },
        global,
      })

    const app = await boot(nestModule({ imports: [jwtModule(true), UsersModule] }))
    assert.equal(factoryCalls.length, 1)
    assert.ok(factoryCalls[0] instanceof ConfigService, 'the factory got the injected config provider')
    const jwt = app.get(UsersService).jwt
    assert.ok(jwt instanceof JwtService)
    const claims = jsonwebtoken.verify(jwt.sign({ sub: 'async' }), SECRET, HS256)
    assert.equal(claims.exp - claims.iat, 7200)
    assert.equal(jwt.verify(hs({ sub: 'in' }, { expiresIn: 60 })).sub, 'in')

    // Without global, the feature module cannot see JwtService.
    await assert.rejects(
      NestFactory.createApplicationContext(nestModule({ imports: [jwtModule(false), UsersModule] }), { logger: false, abortOnError: false }),
      /JwtService/,
    )
  })

  test('registerAsync: useClass and useExisting (createJwtOptions)', async () => {
    const JwtConfig = injectable(class JwtConfig {
      createJwtOptions() {
        return { secret: SECRET, verifyOptions: HS256, signOptions: { expiresIn: 60 } }
      }
    })
    const byClass = await boot(nestModule({ imports: [JwtModule.registerAsync({ useClass: JwtConfig })] }))
    assert.equal(jsonwebtoken.verify(byClass.get(JwtService).sign({ sub: 'c' }), SECRET, HS256).sub, 'c')

    const ConfigModule = nestModule({ providers: [JwtConfig], exports: [JwtConfig] }, 'JwtConfigModule')
    const byExisting = await boot(nestModule({ imports: [JwtModule.registerAsync({ imports: [ConfigModule], useExisting: JwtConfig })] }))
    assert.equal(jsonwebtoken.verify(byExisting.get(JwtService).sign({ sub: 'e' }), SECRET, HS256).sub, 'e')
  })

  test('set-up errors: no algorithms is ERR_INVALID_OPTIONS when the app starts; bad keys and spans too', async () => {
    const start = (imports) => NestFactory.createApplicationContext(nestModule({ imports }), { logger: false, abortOnError: false })
    const noAlgorithms = (err) => err.code === 'ERR_INVALID_OPTIONS' && /verifyOptions\.algorithms/.test(err.message)
    await assert.rejects(start([JwtModule.register({ secret: SECRET })]), noAlgorithms)
    await assert.rejects(start([JwtModule.register({ secret: SECRET, verifyOptions: { ignoreExpiration: true } })]), noAlgorithms)
    await assert.rejects(start([JwtModule.registerAsync({ useFactory: () => ({ secret: SECRET }) })]), noAlgorithms)
    assert.ok(noAlgorithms(thrown(() => new JwtService({ secret: SECRET }))))
    assert.ok(noAlgorithms(thrown(() => new JwtService())))
    assert.equal(thrown(() => new JwtService({ verifyOptions: { algorithms: [] } })).code, 'ERR_INVALID_OPTIONS')

    // Keys and sign options are prepared at start-up: mistakes surface there.
    await assert.rejects(start([JwtModule.register({ secret: 'short', verifyOptions: HS256 })]), { code: 'ERR_INVALID_KEY' })
    await assert.rejects(start([JwtModule.register({ secret: SECRET, verifyOptions: { algorithms: ['RS256'] } })]), { code: 'ERR_INVALID_KEY' })
    await assert.rejects(start([JwtModule.register({ secret: SECRET, verifyOptions: { algorithms: ['HS256', 'RS256'] } })]), {
      code: 'ERR_INVALID_OPTIONS',
    })
    // '3600' is 3.6 s for jsonwebtoken and would be 1 h for authbridge: refused.
    await assert.rejects(start([JwtModule.register({ secret: SECRET, verifyOptions: HS256, signOptions: { expiresIn: '3600' } })]), (err) => {
      return err.code === 'ERR_INVALID_OPTIONS' && /milliseconds/.test(err.message)
    })

    // signOptions.algorithm alone pins verification to it.
    const long = crypto.randomBytes(48)
    const jwt = await serviceFor({ secret: long, signOptions: { algorithm: 'HS384', expiresIn: 60 } })
    const hs384 = jwt.sign({ sub: 'a' })
    assert.equal(jsonwebtoken.decode(hs384, { complete: true }).header.alg, 'HS384')
    assert.equal(jsonwebtoken.verify(hs384, long, { algorithms: ['HS384'] }).sub, 'a')
    assert.equal(jwt.verify(hs384).sub, 'a')
    assertJwtError(thrown(() => jwt.verify(hs({ sub: 'b' }, { expiresIn: 60 }, long))), 'JsonWebTokenError', 'ERR_JWS_ALG_NOT_ALLOWED')
  })

  test("errors keep jsonwebtoken's names and messages (and expiredAt, date), with authbridge's code and reason", async () => {
    const jwt = await serviceFor({ secret: SECRET, verifyOptions: HS256 })
    const now = nowSec()

    const expired = hs({ sub: 'x', exp: now - 120 })
    const e1 = thrown(() => jwt.verify(expired))
    assertJwtError(e1, 'TokenExpiredError', 'ERR_JWT_EXPIRED', 'exp')
    const j1 = jsonwebtokenError(expired, SECRET, HS256)
    assert.equal(e1.name, j1.name)
    assert.ok(e1.expiredAt instanceof Date)
    assert.equal(e1.expiredAt.getTime(), (now - 120) * 1000)
    assert.equal(e1.expiredAt.getTime(), j1.expiredAt.getTime())
    assert.equal(e1.message, j1.message)
    assert.equal(e1.reason, nativeMessage(expired, { algorithms: ['HS256'], key: SECRET }))
    // The usual catch blocks work.
    assert.ok(e1.name === 'TokenExpiredError' && e1 instanceof Error)
    await assert.rejects(jwt.verifyAsync(expired), (err) => err.name === 'TokenExpiredError' && err.code === 'ERR_JWT_EXPIRED')

    const early = hs({ sub: 'x', nbf: now + 3600, exp: now + 7200 })
    const e2 = thrown(() => jwt.verify(early))
    assertJwtError(e2, 'NotBeforeError', 'ERR_JWT_NOT_ACTIVE', 'nbf')
    const j2 = jsonwebtokenError(early, SECRET, HS256)
    assert.equal(e2.name, j2.name)
    assert.equal(e2.date.getTime(), (now + 3600) * 1000)
    assert.equal(e2.date.getTime(), j2.date.getTime())

    const forged = hs({ sub: 'admin', exp: now + 60 }, {}, OTHER)
    const e3 = thrown(() => jwt.verify(forged))
    assertJwtError(e3, 'JsonWebTokenError', 'ERR_JWS_SIGNATURE_INVALID')
    assert.equal(jsonwebtokenError(forged, SECRET, HS256).name, e3.name)
    assert.equal(e3.message, 'invalid signature')
    assert.equal(e3.reason, nativeMessage(forged, { algorithms: ['HS256'], key: SECRET }))

    const hs512 = hs({ sub: 'x', exp: now + 60 }, { algorithm: 'HS512' })
    assertJwtError(thrown(() => jwt.verify(hs512)), 'JsonWebTokenError', 'ERR_JWS_ALG_NOT_ALLOWED')
    assert.equal(jsonwebtokenError(hs512, SECRET, HS256).name, 'JsonWebTokenError')
    const none = `${b64u({ alg: 'none', typ: 'JWT' })}.${b64u({ sub: 'admin', exp: now + 60 })}.`
    assertJwtError(thrown(() => jwt.verify(none)), 'JsonWebTokenError', 'ERR_JWS_ALG_NOT_ALLOWED')

    assertJwtError(thrown(() => jwt.verify('not.a.jwt')), 'JsonWebTokenError', 'ERR_TOKEN_MALFORMED')
    assertJwtError(thrown(() => jwt.verify(undefined)), 'JsonWebTokenError', 'ERR_TOKEN_MALFORMED')
    // No exp: refused unless ignoreExpiration (jsonwebtoken would accept it).
    assertJwtError(thrown(() => jwt.verify(hs({ sub: 'x' }))), 'JsonWebTokenError', 'ERR_JWT_CLAIM_MISSING', 'exp')
    // A per-call mistake is a JsonWebTokenError too, with its code.
    assertJwtError(thrown(() => jwt.verify(hs({ sub: 'x', exp: now + 60 }), { maxAge: '3600' })), 'JsonWebTokenError', 'ERR_INVALID_OPTIONS')
    assertJwtError(thrown(() => jwt.verify(hs({ sub: 'x', exp: now + 60 }), { notAnOption: 1 })), 'JsonWebTokenError', 'ERR_INVALID_OPTIONS')
  })

  test('ignoreExpiration (and ignoreNotBefore): exp neither required nor checked; nbf, maxAge, signature, claims still are', async () => {
    const jwt = await serviceFor({ secret: SECRET, verifyOptions: { algorithms: ['HS256'], issuer: 'me' } })
    const now = nowSec()
    const ignore = { ignoreExpiration: true }
    const check = (token, options) => jwt.verify(token, options)

    const expired = hs({ sub: 'x', iss: 'me', exp: now - 3600 })
    assertJwtError(thrown(() => check(expired)), 'TokenExpiredError', 'ERR_JWT_EXPIRED')
    assert.equal(check(expired, ignore).sub, 'x')
    assert.equal(jsonwebtoken.verify(expired, SECRET, { ...HS256, ...ignore }).sub, 'x')
    assert.equal(check(hs({ sub: 'no-exp', iss: 'me' }), ignore).sub, 'no-exp')

    // nbf is still checked, with the clock tolerance, as jsonwebtoken does.
    const early = hs({ sub: 'x', iss: 'me', exp: now - 3600, nbf: now + 10 })
    const e = thrown(() => check(early, ignore))
    assertJwtError(e, 'NotBeforeError', 'ERR_JWT_NOT_ACTIVE', 'nbf')
    assert.equal(e.date.getTime(), jsonwebtokenError(early, SECRET, { ...HS256, ...ignore }).date.getTime())
    assert.equal(check(early, { ...ignore, clockTolerance: 30 }).sub, 'x')
    assertJwtError(thrown(() => check(early, { ...ignore, clockTolerance: 5 })), 'NotBeforeError', 'ERR_JWT_NOT_ACTIVE')

    // maxAge still applies.
    const old = hs({ sub: 'x', iss: 'me', iat: now - 600, exp: now - 300 })
    const m = thrown(() => check(old, { ...ignore, maxAge: 60 }))
    assertJwtError(m, 'TokenExpiredError', 'ERR_JWT_EXPIRED', 'iat')
    assert.equal(m.expiredAt.getTime(), jsonwebtokenError(old, SECRET, { ...HS256, ...ignore, maxAge: 60 }).expiredAt.getTime())
    assert.equal(check(old, { ...ignore, maxAge: '15m' }).sub, 'x')
    assertJwtError(thrown(() => check(hs({ sub: 'x', iss: 'me' }, { noTimestamp: true }), { ...ignore, maxAge: 60 })), 'JsonWebTokenError', 'ERR_JWT_CLAIM_MISSING', 'iat')

    // Signature, algorithm and the other claims are still checked.
    assertJwtError(thrown(() => check(hs({ sub: 'x', iss: 'me', exp: now - 10 }, {}, OTHER), ignore)), 'JsonWebTokenError', 'ERR_JWS_SIGNATURE_INVALID')
    assertJwtError(thrown(() => check(hs({ sub: 'x', iss: 'me', exp: now - 10 }, { algorithm: 'HS512' }), ignore)), 'JsonWebTokenError', 'ERR_JWS_ALG_NOT_ALLOWED')
    assertJwtError(thrown(() => check(hs({ sub: 'x', iss: 'other', exp: now - 10 }), ignore)), 'JsonWebTokenError', 'ERR_JWT_CLAIM_INVALID', 'iss')
    // exp must still be a number (jsonwebtoken would not look at it).
    const textExp = hmacToken({ alg: 'HS256', typ: 'JWT' }, { sub: 'x', iss: 'me', exp: 'soon' }, SECRET)
    assert.equal(jsonwebtoken.verify(textExp, SECRET, { ...HS256, ...ignore }).exp, 'soon')
    assertJwtError(thrown(() => check(textExp, ignore)), 'JsonWebTokenError', 'ERR_JWT_CLAIM_INVALID', 'exp')

    // ignoreNotBefore: the reverse.
    const future = hs({ sub: 'x', iss: 'me', nbf: now + 3600, exp: now + 7200 })
    assert.equal(check(future, { ignoreNotBefore: true }).sub, 'x')
    assertJwtError(thrown(() => check(expired, { ignoreNotBefore: true })), 'TokenExpiredError', 'ERR_JWT_EXPIRED', 'exp')
    assert.equal(thrown(() => check(expired, { ignoreNotBefore: true })).expiredAt.getTime(), (now - 3600) * 1000)

    // At module level.
    const lenient = await serviceFor({ secret: SECRET, verifyOptions: { algorithms: ['HS256'], ignoreExpiration: true } })
    assert.equal(lenient.verify(expired).sub, 'x')
    assertJwtError(thrown(() => lenient.verify(early)), 'NotBeforeError', 'ERR_JWT_NOT_ACTIVE')
  })

  test('clockTolerance and clockTimestamp, per call and per module', async () => {
    const jwt = await serviceFor({ secret: SECRET, verifyOptions: HS256 })
    const now = nowSec()
    const justExpired = hs({ sub: 'x', exp: now - 10 })
    const soon = hs({ sub: 'x', nbf: now + 10, exp: now + 3600 })
    assert.equal(jwt.verify(justExpired, { clockTolerance: 30 }).sub, 'x')
    assertJwtError(thrown(() => jwt.verify(justExpired, { clockTolerance: 5 })), 'TokenExpiredError', 'ERR_JWT_EXPIRED')
    assert.equal(jwt.verify(soon, { clockTolerance: 30 }).sub, 'x')
    assertJwtError(thrown(() => jwt.verify(soon, { clockTolerance: 5 })), 'NotBeforeError', 'ERR_JWT_NOT_ACTIVE')
    for (const [token, tol] of [[justExpired, 30], [soon, 30]]) {
      assert.equal(jsonwebtoken.verify(token, SECRET, { ...HS256, clockTolerance: tol }).sub, 'x', 'jsonwebtoken agrees')
    }
    const tolerant = await serviceFor({ secret: SECRET, verifyOptions: { algorithms: ['HS256'], clockTolerance: 30 } })
    assert.equal(tolerant.verify(justExpired).sub, 'x')
    assert.equal(tolerant.verify(soon).sub, 'x')

    // clockTimestamp: the time to check against.
    assert.equal(jwt.verify(justExpired, { clockTimestamp: now - 60 }).sub, 'x')
    assertJwtError(thrown(() => jwt.verify(soon, { clockTimestamp: now - 60 })), 'NotBeforeError', 'ERR_JWT_NOT_ACTIVE')
    assertJwtError(thrown(() => jwt.verify(justExpired, { clockTimestamp: now })), 'TokenExpiredError', 'ERR_JWT_EXPIRED')
    assert.equal(jsonwebtoken.verify(justExpired, SECRET, { ...HS256, clockTimestamp: now - 60 }).sub, 'x')
    assert.equal(jwt.verify(hs({ sub: 'x', exp: now - 3600 }), { ignoreExpiration: true, clockTimestamp: now }).sub, 'x')
  })

  test('maxAge: seconds or a duration, with the tolerance; expiredAt is iat + maxAge', async () => {
    const jwt = await serviceFor({ secret: SECRET, verifyOptions: HS256 })
    const now = nowSec()
    const token = hs({ sub: 'x', iat: now - 120, exp: now + 3600 })
    const e = thrown(() => jwt.verify(token, { maxAge: 60 }))
    assertJwtError(e, 'TokenExpiredError', 'ERR_JWT_EXPIRED', 'iat')
    assert.equal(e.expiredAt.getTime(), (now - 60) * 1000)
    assert.equal(e.expiredAt.getTime(), jsonwebtokenError(token, SECRET, { ...HS256, maxAge: 60 }).expiredAt.getTime())
    assert.equal(jsonwebtokenError(token, SECRET, { ...HS256, maxAge: '1m' }).name, 'TokenExpiredError')
    assertJwtError(thrown(() => jwt.verify(token, { maxAge: '1m' })), 'TokenExpiredError', 'ERR_JWT_EXPIRED', 'iat')
    assert.equal(jwt.verify(token, { maxAge: '5m' }).sub, 'x')
    assert.equal(jwt.verify(token, { maxAge: 300 }).sub, 'x')
    assert.equal(jwt.verify(token, { maxAge: 60, clockTolerance: 90 }).sub, 'x')
    assertJwtError(thrown(() => jwt.verify(hs({ sub: 'x', exp: now + 60 }, { noTimestamp: true }), { maxAge: 60 })), 'JsonWebTokenError', 'ERR_JWT_CLAIM_MISSING', 'iat')
    // Unit-less strings are milliseconds for jsonwebtoken: refused.
    assertJwtError(thrown(() => jwt.verify(token, { maxAge: '300' })), 'JsonWebTokenError', 'ERR_INVALID_OPTIONS')
    const moduleMaxAge = await serviceFor({ secret: SECRET, verifyOptions: { algorithms: ['HS256'], maxAge: '1m' } })
    const m = thrown(() => moduleMaxAge.verify(token))
    assertJwtError(m, 'TokenExpiredError', 'ERR_JWT_EXPIRED', 'iat')
    assert.equal(m.expiredAt.getTime(), (now - 60) * 1000)
  })

  test('per-call options override the module (secret, algorithm, expiresIn, claims), as in @nestjs/jwt', async () => {
    const jwt = await serviceFor({ secret: SECRET, signOptions: { expiresIn: '15m', issuer: 'me' }, verifyOptions: { algorithms: ['HS256'], issuer: 'me' } })

    const other = jwt.sign({ sub: 'o' }, { secret: OTHER })
    assert.equal(jsonwebtoken.verify(other, OTHER, HS256).iss, 'me', 'module signOptions still apply')
    assert.equal(jsonwebtokenError(other, SECRET, HS256).message, 'invalid signature')
    assertJwtError(thrown(() => jwt.verify(other)), 'JsonWebTokenError', 'ERR_JWS_SIGNATURE_INVALID')
    assert.equal(jwt.verify(other, { secret: OTHER }).sub, 'o')
    assert.equal((await jwt.verifyAsync(other, { secret: OTHER })).sub, 'o')
    assert.equal(jsonwebtoken.verify(await jwt.signAsync({ sub: 'a' }, { secret: OTHER }), OTHER, HS256).sub, 'a')
    assert.equal(jwt.verify(hs({ sub: 't', iss: 'me', exp: nowSec() + 60 }, {}, OTHER), { secret: OTHER }).sub, 't')

    const custom = jsonwebtoken.verify(jwt.sign({ role: 'r' }, { expiresIn: '1h', subject: 'u9', jwtid: 'j1', audience: ['a', 'b'] }), SECRET, HS256)
    assert.deepEqual([custom.exp - custom.iat, custom.sub, custom.jti, custom.aud, custom.iss], [3600, 'u9', 'j1', ['a', 'b'], 'me'])
    assert.equal(jwt.verify(jwt.sign({}, { audience: 'a' }), { audience: ['a', 'z'] }).aud, 'a')
    assertJwtError(thrown(() => jwt.verify(jwt.sign({}, { audience: 'a' }), { audience: 'z' })), 'JsonWebTokenError', 'ERR_JWT_CLAIM_INVALID', 'aud')
    assert.equal(jwt.verify(jwt.sign({}, { jwtid: 'id-1' }), { jwtid: 'id-1' }).jti, 'id-1')
    assertJwtError(thrown(() => jwt.verify(jwt.sign({}, { jwtid: 'id-1' }), { jwtid: 'id-2' })), 'JsonWebTokenError', 'ERR_JWT_CLAIM_INVALID', 'jti')
    // As jsonwebtoken: a claim given twice is an error.
    assert.match(thrown(() => jwt.sign({ sub: 'a' }, { subject: 'b' })).message, /payload already has an "sub" property/)
    assert.match(thrown(() => jsonwebtoken.sign({ sub: 'a' }, SECRET, { subject: 'b' })).message, /payload already has an "sub" property/)
    assert.equal(thrown(() => jwt.sign({ exp: 1 }, { expiresIn: 60 })).message, thrown(() => jsonwebtoken.sign({ exp: 1 }, SECRET, { expiresIn: 60 })).message)
    assert.equal(thrown(() => jwt.sign('a string payload')).code, 'ERR_INVALID_OPTIONS')
    assert.equal(thrown(() => jwt.sign({}, { expiresIn: '60' })).code, 'ERR_INVALID_OPTIONS')
    assert.equal(thrown(() => jwt.sign({}, { expiresn: 60 })).code, 'ERR_INVALID_OPTIONS', 'unknown sign options are refused, as jsonwebtoken does')

    // Algorithm per call: the module's verification stays pinned to HS256.
    const hs512 = jwt.sign({ sub: 'x' }, { algorithm: 'HS512' })
    assert.equal(jsonwebtoken.decode(hs512, { complete: true }).header.alg, 'HS512')
    assertJwtError(thrown(() => jwt.verify(hs512)), 'JsonWebTokenError', 'ERR_JWS_ALG_NOT_ALLOWED')
    assert.equal(jwt.verify(hs512, { algorithms: ['HS512'] }).sub, 'x')
    const { header } = jwt.verify(jwt.sign({}, { keyid: 'k2', header: { typ: 'at+jwt' } }), { complete: true })
    assert.deepEqual(header, { alg: 'HS256', typ: 'at+jwt', kid: 'k2' })

    // A service whose keys come per call only (publicKey per call on an RS256 module).
    const perCall = await serviceFor({ verifyOptions: { algorithms: ['RS256'] } })
    const rs = jsonwebtoken.sign({ sub: 'rs' }, PRIVATE_PEM, { algorithm: 'RS256', expiresIn: 60 })
    assert.equal(perCall.verify(rs, { publicKey: PUBLIC_PEM }).sub, 'rs')
    assert.equal(jsonwebtoken.verify(perCall.sign({ sub: 'p' }, { privateKey: PRIVATE_PEM, expiresIn: 60 }), PUBLIC_PEM).sub, 'p')
    assertJwtError(thrown(() => perCall.verify(rs)), 'JsonWebTokenError', 'ERR_INVALID_OPTIONS')
  })

  test('verifiers and signers are prepared once per distinct options, not per call', async () => {
    const jwt = await serviceFor({ secret: SECRET, signOptions: { expiresIn: '15m' }, verifyOptions: HS256 })
    const mine = jwt.sign({ sub: 'm' })
    const other = hs({ sub: 'o' }, { expiresIn: 60 }, OTHER)
    const counts = await countPrepared(async () => {
      for (let i = 0; i < 200; i++) {
        assert.equal(jwt.verify(mine).sub, 'm') // module verifier, prepared at start-up
        assert.equal(jwt.verify(other, { secret: OTHER }).sub, 'o') // +1 verifier
        assert.equal((await jwt.verifyAsync(other, { secret: OTHER, complete: true })).payload.sub, 'o') // same one
        assert.equal(jwt.verify(mine, { maxAge: '1h' }).sub, 'm') // +1
        assert.equal(jwt.verify(mine, { ignoreExpiration: true }).sub, 'm') // +1
        jwt.sign({ n: i }) // module signer, prepared at start-up
        jwt.sign({ n: i }, { secret: OTHER, jwtid: crypto.randomUUID(), subject: `u${i}` }) // +1 signer: jti and sub do not shape it
        await jwt.signAsync({ n: i }, { expiresIn: '1h' }) // +1
      }
    })
    assert.deepEqual(counts, { verifiers: 3, signers: 2 })

    // secretOrKeyProvider: called per call, but each key it returns is prepared once.
    const calls = []
    const provided = await serviceFor({
      verifyOptions: HS256,
      secretOrKeyProvider: (type, tokenOrPayload) => {
        calls.push(type)
        return typeof tokenOrPayload === 'string' && jsonwebtoken.decode(tokenOrPayload).tenant === 'b' ? OTHER : SECRET
      },
    })
    const a = provided.sign({ tenant: 'a' }, { expiresIn: 60 })
    const b = jsonwebtoken.sign({ tenant: 'b' }, OTHER, { expiresIn: 60 })
    const providerCounts = await countPrepared(async () => {
      for (let i = 0; i < 100; i++) {
        assert.equal(provided.verify(a).tenant, 'a')
        assert.equal((await provided.verifyAsync(b)).tenant, 'b')
      }
    })
    assert.deepEqual(providerCounts, { verifiers: 2, signers: 0 })
    assert.ok(calls.includes(authbridgeNest.JwtSecretRequestType.SIGN) && calls.includes(authbridgeNest.JwtSecretRequestType.VERIFY))
    const asyncProvider = await serviceFor({ verifyOptions: HS256, secretOrKeyProvider: async () => SECRET })
    assert.ok(thrown(() => asyncProvider.verify(a)) instanceof authbridgeNest.WrongSecretProviderError, 'a Promise from the provider needs verifyAsync')
    assert.equal((await asyncProvider.verifyAsync(a)).tenant, 'a')
  })

  test('decode: the payload, or { header, payload, signature } with complete, without verification', async () => {
    const jwt = await serviceFor({ secret: SECRET, verifyOptions: HS256 })
    const now = nowSec()
    for (const token of [
      hs({ sub: 'x', exp: now + 60 }),
      hs({ sub: 'expired', exp: now - 60 }),
      hs({ sub: 'forged', exp: now + 60 }, { keyid: 'k' }, OTHER),
      jsonwebtoken.sign({ sub: 'rsa', aud: ['a', 'b'] }, PRIVATE_PEM, { algorithm: 'RS256' }),
    ]) {
      assert.deepEqual(jwt.decode(token), jsonwebtoken.decode(token))
      assert.deepEqual(jwt.decode(token, { complete: true }), jsonwebtoken.decode(token, { complete: true }))
      const { header, payload, signature } = jwt.decode(token, { complete: true })
      assert.equal(typeof header.alg, 'string')
      assert.equal(typeof payload.sub, 'string')
      assert.equal(signature, token.split('.')[2])
    }
    assert.equal(jwt.decode('garbage'), null)
    assert.equal(jsonwebtoken.decode('garbage'), null)
    assert.equal(jwt.decode('garbage', { complete: true }), null)
  })
})

// ---------------------------------------------------------------------------
// The swap: Nest's documented auth module, with @nestjs/jwt and with authbridge/nest
// ---------------------------------------------------------------------------


/**
 * Nest's documentation auth example (docs.nestjs.com/security/authentication), the only
 * difference between the two apps being where JwtModule and JwtService come from:
 *   import { JwtModule, JwtService } from '@nestjs/jwt'      // before
 *   import { JwtModule, JwtService } from 'authbridge/nest'  // after
 */
function authAppModule({ JwtModule, JwtService }) {
  const jwtConstants = { secret: SECRET }

  const UsersService = injectable(class UsersService {
    constructor() {
      this.users = [
        { userId: 1, username: 'john', password: 'changeme' },
        { userId: 2, username: 'maria', password: 'guess' },
      ]
    }
    async findOne(username) {
      return this.users.find((user) => user.username === username)
    }
  })
  const UsersModule = nestModule({ providers: [UsersService], exports: [UsersService] }, 'UsersModule')

  const AuthService = injectable(class AuthService {
    constructor(usersService, jwtService) {
      this.usersService = usersService
      this.jwtService = jwtService
    }
    async signIn(username, pass) {
      const user = await this.usersService.findOne(username)
      if (user?.password !== pass) throw new UnauthorizedException()
      const payload = { sub: user.userId, username: user.username }
      return { access_token: await this.jwtService.signAsync(payload) }
    }
  }, [UsersService, JwtService])

  const AuthGuard = injectable(class AuthGuard {
    constructor(jwtService) {
      this.jwtService = jwtService
    }
    async canActivate(context) {
      const request = context.switchToHttp().getRequest()
      const [type, token] = request.headers.authorization?.split(' ') ?? []
      if (type !== 'Bearer' || !token) throw new UnauthorizedException()
      try {
        request.user = await this.jwtService.verifyAsync(token, { secret: jwtConstants.secret })
      } catch (err) {
        // What apps do with jsonwebtoken's errors: branch on the name, read expiredAt.
        if (err.name === 'TokenExpiredError') throw new UnauthorizedException(`TokenExpiredError at ${err.expiredAt.toISOString()}`)
        throw new UnauthorizedException(err.name)
      }
      return true
    }
  }, [JwtService])

  const AuthController = injectable(class AuthController {
    constructor(authService) {
      this.authService = authService
    }
    signIn(signInDto) {
      return this.authService.signIn(signInDto.username, signInDto.password)
    }
    getProfile(req) {
      return req.user
    }
  }, [AuthService])
  Controller('auth')(AuthController)
  decorateMethod(AuthController, 'signIn', [HttpCode(200), Post('login')], [Body()])
  decorateMethod(AuthController, 'getProfile', [UseGuards(AuthGuard), Get('profile')], [Req()])

  const AuthModule = nestModule(
    {
      imports: [
        UsersModule,
        JwtModule.register({
          global: true,
          secret: jwtConstants.secret,
          signOptions: { expiresIn: '60s', algorithm: 'HS256' },
          verifyOptions: { algorithms: ['HS256'] },
        }),
      ],
      providers: [AuthService],
      controllers: [AuthController],
    },
    'AuthModule',
  )
  return nestModule({ imports: [AuthModule] }, 'AppModule')
}

async function startHttp(lib) {
  const app = await NestFactory.create(authAppModule(lib), { logger: false, abortOnError: false })
  apps.push(app)
  await app.listen(0, '127.0.0.1')
  const url = `http://127.0.0.1:${app.getHttpServer().address().port}`
  const call = async (method, path, { token, body } = {}) => {
    const headers = { 'content-type': 'application/json' }
    if (token) headers.authorization = `Bearer ${token}`
    const res = await fetch(url + path, { method, headers, body: body && JSON.stringify(body), signal: AbortSignal.timeout(5000) })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : null }
  }
  return { login: (username, password) => call('POST', '/auth/login', { body: { username, password } }), profile: (token) => call('GET', '/auth/profile', { token }) }
}

/** The same assertions, whichever library the app uses. Returns a token the app issued. */
async function assertAuthApp(http) {
  const now = nowSec()
  const ok = await http.login('john', 'changeme')
  assert.equal(ok.status, 200)
  const token = ok.body.access_token
  const claims = jsonwebtoken.verify(token, SECRET, HS256)
  assert.deepEqual({ sub: claims.sub, username: claims.username, ttl: claims.exp - claims.iat }, { sub: 1, username: 'john', ttl: 60 })
  assert.deepEqual(jsonwebtoken.decode(token, { complete: true }).header, { alg: 'HS256', typ: 'JWT' })

  const profile = await http.profile(token)
  assert.equal(profile.status, 200)
  assert.deepEqual(profile.body, claims)
  const theirs = hs({ sub: 2, username: 'maria' }, { expiresIn: 60 })
  assert.deepEqual((await http.profile(theirs)).body, jsonwebtoken.decode(theirs))

  assert.equal((await http.login('john', 'wrong')).status, 401)
  const refused = async (t, message) => {
    const r = await http.profile(t)
    assert.equal(r.status, 401, message)
    assert.deepEqual(r.body, { message, error: 'Unauthorized', statusCode: 401 })
  }
  assert.deepEqual((await http.profile(undefined)).body, { message: 'Unauthorized', statusCode: 401 })
  await refused(hs({ sub: 1, exp: now - 30 }), `TokenExpiredError at ${new Date((now - 30) * 1000).toISOString()}`)
  await refused(hs({ sub: 1, nbf: now + 3600, exp: now + 7200 }), 'NotBeforeError')
  await refused(hs({ sub: 1, exp: now + 60 }, {}, OTHER), 'JsonWebTokenError')
  await refused(hs({ sub: 1, exp: now + 60 }, { algorithm: 'HS512' }), 'JsonWebTokenError')
  await refused(`${b64u({ alg: 'none', typ: 'JWT' })}.${b64u({ sub: 1, exp: now + 60 })}.`, 'JsonWebTokenError')
  await refused('not-a-jwt', 'JsonWebTokenError')
  return token
}

describe('swap: the same Nest auth module with @nestjs/jwt and with authbridge/nest', () => {
  const issued = {}
  let servers = {}

  test('authbridge/nest', async () => {
    servers.authbridge = await startHttp(authbridgeNest)
    issued.authbridge = await assertAuthApp(servers.authbridge)
  })

  test('@nestjs/jwt', { skip: nestjsJwt.skip }, async () => {
    servers.nestjs = await startHttp(nestjsJwt.lib)
    issued.nestjs = await assertAuthApp(servers.nestjs)
  })

  test('tokens issued by either app are accepted by the other', { skip: nestjsJwt.skip }, async () => {
    assert.ok(issued.authbridge && issued.nestjs, 'both apps ran')
    assert.equal((await servers.nestjs.profile(issued.authbridge)).status, 200)
    assert.equal((await servers.authbridge.profile(issued.nestjs)).status, 200)
  })
})
