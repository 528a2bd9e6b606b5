// passport-jwt's own test suite, re-expressed against authbridge/passport.
//
// Follows passport-jwt 4.0.1 (MIT License, Copyright (c) Mike Nicholson), its files
//   test/strategy-init-test.js, test/strategy-requests-test.js,
//   test/strategy-validation-test.js, test/strategy-verify-test.js,
//   test/extractors-test.js and test/auth_header-test.js,
// case by case (the `it` titles are kept in the test names). The code is written anew for
// node:test; only the import differs, plus authbridge's documented strictness: algorithms are
// pinned (algorithms: ['HS256']), HMAC secrets are as long as the hash (SECRET has 64 bytes),
// tokens carry a numeric exp. Tokens are real (signed by jsonwebtoken), never mocked.
//
// Upstream cases that exercise passport-jwt's internals, and what stands here instead:
// - strategy-requests "verifies the right jwt", strategy-validation "should call with the
//   right secret / issuer / audience / algorithms / ignoreExpiration / maxAge /
//   clockTolerance option", strategy-verify "should call JwtVerifier with the value returned
//   from secretOrKeyProvider": they replace the Strategy.JwtVerifier hook (a sinon stub of
//   jsonwebtoken.verify) and read its arguments. authbridge has no such hook (verification is
//   native); each is re-expressed by its effect: a real token that passes only with that
//   secret / issuer / audience / algorithm / maxAge / clockTolerance, and one that fails.
// - "Should not try to verify anything" (sinon.assert.notCalled on the stub): re-expressed
//   as "neither the key provider nor the verify callback is called".
// - auth_header-test.js tests lib/auth_header.js, a module passport-jwt does not export:
//   its cases run through ExtractJwt.fromAuthHeaderWithScheme, which uses that parsing.
// - The upstream testdata token (exp as the string "9999999999", secret 'secret') is not
//   used: authbridge refuses a 6-byte HS256 secret and a non-numeric exp (documented).

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import querystring from 'node:querystring'
import url from 'node:url'
import { createRequire } from 'node:module'
import { Strategy, ExtractJwt } from 'authbridge/passport'

const require = createRequire(import.meta.url)
const jsonwebtoken = require('jsonwebtoken')
const { request, run } = require('./helpers/strategy.js')

const SECRET = crypto.randomBytes(64).toString('base64url').slice(0, 64)
const now = () => Math.floor(Date.now() / 1000)
const PAYLOAD = { sub: '1234567890', name: 'John Doe', iss: 'examplesoft.com' }
const sign = (claims = PAYLOAD, key = SECRET, opts = {}) => jsonwebtoken.sign({ exp: now() + 3600, ...claims }, key, opts)
const VALID = sign()
const bearer = (token) => request({ headers: { authorization: `bearer ${token}` } })
const HS256 = ['HS256']

describe('strategy-init-test.js: Strategy', () => {
  const strategy = new Strategy({ jwtFromRequest() {}, secretOrKey: SECRET, algorithms: HS256 }, () => {})

  test('should be named jwt', () => {
    assert.equal(strategy.name, 'jwt')
  })

  test('should throw if constructed without a verify callback', () => {
    assert.throws(() => new Strategy({ jwtFromRequest() {}, secretOrKey: SECRET, algorithms: HS256 }), {
      name: 'TypeError',
      message: 'JwtStrategy requires a verify callback',
    })
  })

  test('should throw if constructed neither a secretOrKey or a secretOrKeyProvider arg', () => {
    assert.throws(() => new Strategy({ jwtFromRequest() {}, secretOrKey: null, algorithms: HS256 }, () => {}), {
      name: 'TypeError',
      message: 'JwtStrategy requires a secret or key',
    })
  })

  test('should throw if constructed with both a secretOrKey and a secretOrKeyProvider', () => {
    assert.throws(
      () => new Strategy({ secretOrKey: SECRET, secretOrKeyProvider(req, token, done) {}, jwtFromRequest() {}, algorithms: HS256 }),
      TypeError,
    )
  })

  test('should throw if constructed without a jwtFromRequest arg', () => {
    assert.throws(() => new Strategy({ secretOrKey: SECRET, algorithms: HS256 }, () => {}), TypeError)
  })
})

describe('strategy-requests-test.js: Strategy', () => {
  test('handling request JWT present in request: verifies the right jwt', async () => {
    const seen = []
    const strategy = new Strategy({ jwtFromRequest: () => VALID, secretOrKey: SECRET, algorithms: HS256 }, (payload, next) => {
      seen.push(payload)
      return next(null, {}, {})
    })
    const out = await run(strategy)
    assert.equal(out.kind, 'success')
    assert.equal(seen.length, 1)
    assert.deepEqual(seen[0], jsonwebtoken.decode(VALID))
  })

  for (const [title, setup] of [
    ['handling request with NO JWT', (req) => (req.body = {})],
    ['handling request url set to url.Url instead of string', (req) => ((req.body = {}), (req.url = new url.Url('/')))],
  ]) {
    test(`${title}: should fail authentication (No auth token); should not try to verify anything`, async () => {
      let calls = 0
      const strategy = new Strategy(
        {
          jwtFromRequest() {},
          secretOrKeyProvider: (req, token, done) => {
            calls++
            done(null, SECRET)
          },
          algorithms: HS256,
        },
        (payload, next) => {
          calls++
          return next(null, {}, {})
        },
      )
      const req = request()
      setup(req)
      const out = await run(strategy, req)
      assert.equal(out.kind, 'fail')
      assert.ok(out.info && typeof out.info === 'object')
      assert.equal(out.info.message, 'No auth token')
      assert.equal(calls, 0)
    })
  }
})

describe('strategy-validation-test.js: Strategy', () => {
  describe('calling JWT validation function', () => {
    const make = () =>
      new Strategy(
        {
          issuer: 'TestIssuer',
          audience: 'TestAudience',
          secretOrKey: SECRET,
          algorithms: ['HS256', 'HS384'],
          ignoreExpiration: false,
          jsonWebTokenOptions: { clockTolerance: 10, maxAge: '1h' },
          jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        },
        (payload, next) => next(null, payload, {}),
      )
    const good = { iss: 'TestIssuer', aud: 'TestAudience', sub: 'u' }
    const outcome = async (token) => {
      const out = await run(make(), bearer(token))
      return out.kind === 'success' ? 'success' : `${out.info.name}: ${out.info.message}`
    }

    test('succeeds with a token that meets every option', async () => {
      assert.equal(await outcome(sign(good)), 'success')
    })
    test('should call with the right secret as an argument', async () => {
      assert.equal(await outcome(sign(good, 'x'.repeat(64))), 'JsonWebTokenError: invalid signature')
    })
    test('should call with the right issuer option', async () => {
      assert.equal(await outcome(sign({ ...good, iss: 'Other' })), 'JsonWebTokenError: jwt issuer invalid. expected: TestIssuer')
    })
    test('should call with the right audience option', async () => {
      assert.equal(await outcome(sign({ ...good, aud: 'Other' })), 'JsonWebTokenError: jwt audience invalid. expected: TestAudience')
    })
    test('should call with the right algorithms option', async () => {
      assert.equal(await outcome(sign(good, SECRET, { algorithm: 'HS384' })), 'success')
      assert.equal(await outcome(sign(good, SECRET, { algorithm: 'HS512' })), 'JsonWebTokenError: invalid algorithm')
    })
    test('should call with the right ignoreExpiration option', async () => {
      assert.equal(await outcome(sign({ ...good, exp: now() - 60 })), 'TokenExpiredError: jwt expired')
    })
    test('should call with the right maxAge option', async () => {
      assert.equal(await outcome(sign({ ...good, iat: now() - 2 * 3600 })), 'TokenExpiredError: maxAge exceeded')
      assert.equal(await outcome(sign({ ...good, iat: now() - 1800 })), 'success')
    })
    test('should call with the right clockTolerance option', async () => {
      assert.equal(await outcome(sign({ ...good, exp: now() - 3 })), 'success')
      assert.equal(await outcome(sign({ ...good, exp: now() - 60 })), 'TokenExpiredError: jwt expired')
    })
  })

  test('handling valid jwt: should call verify with the correct payload', async () => {
    let payload
    const strategy = new Strategy({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: SECRET, algorithms: HS256 }, (p, next) => {
      payload = p
      next(null, {}, {})
    })
    const out = await run(strategy, bearer(VALID))
    assert.equal(out.kind, 'success')
    assert.deepEqual(payload, jsonwebtoken.verify(VALID, SECRET))
  })

  test('handling failing jwt: should not call verify; should fail with error message', async () => {
    let calls = 0
    const strategy = new Strategy({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: SECRET, algorithms: HS256 }, () => calls++)
    const out = await run(strategy, bearer(sign({ ...PAYLOAD, exp: now() - 10 })))
    assert.equal(out.kind, 'fail')
    assert.equal(out.info.message, 'jwt expired')
    assert.equal(calls, 0)
  })

  test('handling an invalid authentication header: should not call verify; should fail with an Error', async () => {
    let calls = 0
    const strategy = new Strategy({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: SECRET, algorithms: HS256 }, () => calls++)
    const out = await run(strategy, request({ headers: { authorization: 'malformed' } }))
    assert.equal(out.kind, 'fail')
    assert.ok(out.info instanceof Error)
    assert.equal(calls, 0)
  })
})

describe('strategy-verify-test.js: Strategy', () => {
  const opts = (extra = {}) => ({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: SECRET, algorithms: HS256, ...extra })

  test('Handling a request with a valid JWT and succesful verification: should provide a user; should forward info', async () => {
    const strategy = new Strategy(opts(), (p, next) => next(null, { user_id: 1234567890 }, { foo: 'bar' }))
    const out = await run(strategy, bearer(VALID))
    assert.equal(out.kind, 'success')
    assert.equal(out.user.user_id, 1234567890)
    assert.equal(out.info.foo, 'bar')
  })

  test('handling a request with valid jwt and failed verification: should fail with info', async () => {
    const strategy = new Strategy(opts(), (p, next) => next(null, false, { message: 'invalid user' }))
    const out = await run(strategy, bearer(VALID))
    assert.equal(out.kind, 'fail')
    assert.equal(out.info.message, 'invalid user')
  })

  test('handling a request with a valid jwt and an error during verification: should error', async () => {
    const strategy = new Strategy(opts(), (p, next) => next(new Error('ERROR'), false, { message: 'invalid user' }))
    const out = await run(strategy, bearer(VALID))
    assert.equal(out.kind, 'error')
    assert.ok(out.err instanceof Error)
    assert.equal(out.err.message, 'ERROR')
  })

  test('handling a request with a valid jwt and an exception during verification: should error', async () => {
    const strategy = new Strategy(opts(), () => {
      throw new Error('EXCEPTION')
    })
    const out = await run(strategy, bearer(VALID))
    assert.equal(out.kind, 'error')
    assert.ok(out.err instanceof Error)
    assert.equal(out.err.message, 'EXCEPTION')
  })

  test('handling a request with a valid jwt and option passReqToCallback is true: will call verify with request as the first argument', async () => {
    let requestArg
    const strategy = new Strategy(opts({ passReqToCallback: true }), (req, payload, next) => {
      requestArg = req
      return next(null, { user_id: 1234567890 }, { foo: 'bar' })
    })
    const req = bearer(VALID)
    const out = await run(strategy, req)
    assert.equal(out.kind, 'success')
    assert.equal(requestArg, req)
  })

  test('handling a request when constructed with a secretOrKeyProvider function that succeeds', async () => {
    const fromCallback = `secret from callback ${'-'.repeat(48)}`
    const token = sign(PAYLOAD, fromCallback)
    const calls = []
    const strategy = new Strategy(
      {
        secretOrKeyProvider(req, raw, done) {
          calls.push([req, raw])
          done(null, fromCallback)
        },
        jwtFromRequest: () => token,
        algorithms: HS256,
      },
      (p, next) => next(null, { user_id: 'dont care' }, {}),
    )
    const req = request()
    const out = await run(strategy, req)
    // should call the fake secret or key provider with the reqeust / with the undecoded jwt
    assert.equal(calls.length, 1)
    assert.equal(calls[0][0], req)
    assert.equal(calls[0][1], token)
    // should call JwtVerifier with the value returned from secretOrKeyProvider: only that key verifies it
    assert.equal(out.kind, 'success')
    const other = await run(
      new Strategy({ secretOrKeyProvider: (r, t, done) => done(null, SECRET), jwtFromRequest: () => token, algorithms: HS256 }, (p, next) => next(null, {})),
    )
    assert.equal(other.kind, 'fail')
    assert.equal(other.info.message, 'invalid signature')
  })

  test('handling a request when constructed with a secretOrKeyProvider function that errors: should fail with the error message from the secretOrKeyProvider', async () => {
    const strategy = new Strategy(
      { secretOrKeyProvider: (req, token, done) => done('Error occurred looking for the secret'), jwtFromRequest: () => VALID, algorithms: HS256 },
      (p, next) => next(null, { user_id: 'dont care' }, {}),
    )
    const out = await run(strategy)
    assert.equal(out.kind, 'fail')
    assert.equal(out.info, 'Error occurred looking for the secret')
  })
})

describe('extractors-test.js: Token extractor', () => {
  describe('fromHeader', () => {
    const extractor = ExtractJwt.fromHeader('test_header')
    test('should return null no when token is present', () => assert.equal(extractor(request()), null))
    test('should return the value from the specified header', () => {
      assert.equal(extractor(request({ headers: { test_header: 'abcd123' } })), 'abcd123')
    })
  })

  describe('fromBodyField', () => {
    const extractor = ExtractJwt.fromBodyField('test_field')
    test('should return null when no body is present', () => assert.equal(extractor(request()), null))
    test('should return null when the specified body field is not present', () => assert.equal(extractor(request({ body: {} })), null))
    test('should return the value from the specified body field', () => {
      assert.equal(extractor(request({ body: { test_field: 'abcd123' } })), 'abcd123')
    })
    test('should work properly with querystring', () => {
      assert.equal(extractor(request({ body: querystring.parse('test_field=abcd123') })), 'abcd123')
    })
  })

  describe('fromUrlQueryParameter', () => {
    const extractor = ExtractJwt.fromUrlQueryParameter('test_param')
    test('should return null when the specified paramter is not present', () => assert.equal(extractor(request()), null))
    test('should return the value from the specified parameter', () => {
      assert.equal(extractor(request({ url: '/?test_param=abcd123' })), 'abcd123')
    })
  })

  describe('fromAuthHeaderWithScheme', () => {
    const extractor = ExtractJwt.fromAuthHeaderWithScheme('TEST_SCHEME')
    const withAuth = (v) => request({ headers: { authorization: v } })
    test('should return null when no auth header is present', () => assert.equal(extractor(request()), null))
    test('should return null when the auth header is present but the auth scheme doesnt match', () => {
      assert.equal(extractor(withAuth('NOT_TEST_SCHEME abcd123')), null)
    })
    test('should return the value from the authorization header with specified auth scheme', () => {
      assert.equal(extractor(withAuth('TEST_SCHEME abcd123')), 'abcd123')
    })
    test('should perform a case-insensivite string comparison', () => {
      assert.equal(extractor(withAuth('test_scheme abcd123')), 'abcd123')
    })
  })

  test('fromAuthHeader: should return the value from the authorization header with default JWT auth scheme', () => {
    assert.equal(ExtractJwt.fromAuthHeaderAsBearerToken()(request({ headers: { authorization: 'bearer abcd123' } })), 'abcd123')
  })

  describe('fromExtractors', () => {
    test('should raise a type error when the extractor is constructed with a non-array argument', () => {
      assert.throws(() => ExtractJwt.fromExtractors({}), TypeError)
    })
    const extractor = ExtractJwt.fromExtractors([ExtractJwt.fromAuthHeaderAsBearerToken(), ExtractJwt.fromHeader('authorization')])
    test('should return null when no extractor extracts token', () => assert.equal(extractor(request()), null))
    test('should return token found by least extractor', () => {
      assert.equal(extractor(request({ headers: { authorization: 'abcd123' } })), 'abcd123')
    })
    test('should return token found by first extractor', () => {
      assert.equal(extractor(request({ headers: { authorization: 'bearer abcd123' } })), 'abcd123')
    })
  })

  describe('versionOneCompatibility', () => {
    const extractor = ExtractJwt.versionOneCompatibility({})
    test('default behavior: should return the token in the default "JWT" auth header', () => {
      assert.equal(extractor(request({ headers: { authorization: 'JWT abcd123' } })), 'abcd123')
    })
    test('default behavior: should return the token in the default "auth_token" body field', () => {
      assert.equal(extractor(request({ body: { auth_token: 'xyzabcd' } })), 'xyzabcd')
    })
    test('default behavior: should return then token in the default "auth_token" query parameter', () => {
      assert.equal(extractor(request({ url: '/?auth_token=abcd123' })), 'abcd123')
    })
    test('user supplied parameters: should return the token in an auth header with a user specified auth scheme', () => {
      const e = ExtractJwt.versionOneCompatibility({ authScheme: 'MY_CUSTOM_AUTH_SCHEME' })
      assert.equal(e(request({ headers: { authorization: 'MY_CUSTOM_AUTH_SCHEME deadbeef' } })), 'deadbeef')
    })
    test('user supplied parameters: should return the token in a user supplied body field', () => {
      const e = ExtractJwt.versionOneCompatibility({ tokenBodyField: 'CUSTOM_BODY_FIELD' })
      assert.equal(e(request({ body: { CUSTOM_BODY_FIELD: 'badbeef' } })), 'badbeef')
    })
    test('user supplied parameters: should return the token in a user specified query parameter', () => {
      const e = ExtractJwt.versionOneCompatibility({ tokenQueryParameterName: 'CustomQueryParam' })
      assert.equal(e(request({ url: '/?CustomQueryParam=deadbeef' })), 'deadbeef')
    })
  })
})

describe('auth_header-test.js: Parsing Auth Header field-value (through fromAuthHeaderWithScheme)', () => {
  const scheme = ExtractJwt.fromAuthHeaderWithScheme('SCHEME')
  const withAuth = (v) => request({ headers: { authorization: v } })
  test('Should handle single space separated values', () => assert.equal(scheme(withAuth('SCHEME VALUE')), 'VALUE'))
  test('Should handle CRLF separator', () => assert.equal(scheme(withAuth('SCHEME\nVALUE')), 'VALUE'))
  test('Should handle malformed authentication headers with no scheme', () => assert.equal(scheme(withAuth('malformed')), null))
  test('Should return null when the auth header is not a string', () => assert.equal(scheme(withAuth({})), null))
})
