'use strict'

// AuthJsSession against the real libraries: tokens made by @auth/core 0.41 (Auth.js /
// NextAuth v5), by jose with the same key derivation (A256GCM, with and without kid),
// and by NextAuth v4 (`next-auth-v4`), decoded here; tokens encoded here decoded by
// those libraries; cookie headers chunked by @auth/core's own SessionStore; getToken()
// parity; and the rejections, each with its error code.
//
// This file is CommonJS on purpose: it is the "used from CommonJS, as NestJS does"
// check. @auth/core/jwt and jose are ESM-only and are loaded with import().

const { describe, test } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const path = require('node:path')
const zlib = require('node:zlib')
const { pathToFileURL } = require('node:url')

const { AuthJsSession } = require('..')
const jsonwebtoken = require('jsonwebtoken')
const v4jwt = require('next-auth-v4/jwt')

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const authCore = () => import('@auth/core/jwt')
const jose = () => import('jose')
/** @auth/core's SessionStore (the cookie chunker), not exported: loaded by file URL. */
const sessionStoreModule = () =>
  import(pathToFileURL(path.join(path.dirname(require.resolve('@auth/core/jwt')), 'lib', 'utils', 'cookie.js')).href)

const rand = (n = 16) => crypto.randomBytes(n).toString('hex')
// Fresh secrets each run: nothing below depends on fixed values.
const A = `secret-A-${rand()}`
const B = `secret-B-${rand()}`
const C = `secret-C-${rand()}`

const V5_NAME = 'authjs.session-token'
const V5_SECURE = '__Secure-authjs.session-token'
const V4_NAME = 'next-auth.session-token'
const V4_SECURE = '__Secure-next-auth.session-token'
const CHUNK_SIZE = 3936 // @auth/core: ALLOWED_COOKIE_SIZE 4096 - ESTIMATED_EMPTY_COOKIE_SIZE 160
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const nowSec = () => Math.floor(Date.now() / 1000)

const b64u = (x) => Buffer.from(x).toString('base64url')
const unb64u = (s) => Buffer.from(s, 'base64url')

/** The Auth.js key: HKDF-SHA256(secret, salt, "Auth.js Generated Encryption Key (salt)", len). */
function deriveKey(secret, salt, len) {
  return Buffer.from(crypto.hkdfSync('sha256', secret, salt, `Auth.js Generated Encryption Key (${salt})`, len))
}

async function thumbprint(key) {
  const { calculateJwkThumbprint } = await jose()
  return calculateJwkThumbprint({ kty: 'oct', k: b64u(key) }, key.length === 64 ? 'sha512' : 'sha256')
}

function header(token) {
  return JSON.parse(unb64u(token.split('.')[0]).toString('utf8'))
}

/** An A256GCM session token made by jose with Auth.js's key derivation. */
async function joseGcm(claims, secret, salt, { kid = true, exp = '1h' } = {}) {
  const { EncryptJWT } = await jose()
  const key = deriveKey(secret, salt, 32)
  const h = { alg: 'dir', enc: 'A256GCM' }
  if (kid) h.kid = await thumbprint(key)
  return new EncryptJWT(claims).setProtectedHeader(h).setIssuedAt().setExpirationTime(exp).setJti(crypto.randomUUID()).encrypt(key)
}

/** A compact A256GCM JWE built by hand with node:crypto (any header, any plaintext bytes). */
function rawGcmJwe(headerObj, plaintext, key) {
  const h = b64u(JSON.stringify(headerObj))
  const iv = crypto.randomBytes(12)
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(h, 'ascii'))
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return `${h}..${b64u(iv)}.${b64u(ct)}.${b64u(cipher.getAuthTag())}`
}

/** Replaces part `index` of a compact token by fn(decoded bytes), re-encoded. */
function mutatePart(token, index, fn) {
  const parts = token.split('.')
  const bytes = unb64u(parts[index])
  fn(bytes)
  parts[index] = b64u(bytes)
  return parts.join('.')
}

const { throwsCode } = require('./helpers/assert.js')

async function rejectsAny(promise) {
  await assert.rejects(promise)
}

/** A random string of n printable characters (base64url alphabet: no JSON escaping). */
const blob = (n) => crypto.randomBytes(Math.ceil((n * 3) / 4) + 3).toString('base64url').slice(0, n)

/** Chunks a cookie value exactly as @auth/core's SessionStore does, by its own code. */
async function authCoreChunks(name, value) {
  const { SessionStore } = await sessionStoreModule()
  const store = new SessionStore({ name, options: {} }, {}, { debug() {}, error() {}, warn() {} })
  return store.chunk(value, {}).map((c) => ({ name: c.name, value: c.value }))
}

function shuffled(list) {
  const out = list.slice()
  for (let i = out.length - 1; i > 0; i--) {
    const j = crypto.randomInt(i + 1)
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
}

function permutations(list) {
  if (list.length <= 1) return [list]
  return list.flatMap((x, i) => permutations([...list.slice(0, i), ...list.slice(i + 1)]).map((p) => [x, ...p]))
}

// ---------------------------------------------------------------------------
// Loading from CommonJS
// ---------------------------------------------------------------------------

test('CommonJS require exposes the AuthJsSession class', () => {
  assert.equal(typeof AuthJsSession, 'function')
  const s = new AuthJsSession({ secret: A })
  assert.ok(s instanceof AuthJsSession)
  for (const m of ['decode', 'encode', 'fromCookieHeader', 'fromHeaders']) assert.equal(typeof s[m], 'function', m)
  assert.equal(s.cookieName, V5_NAME)
})

// ---------------------------------------------------------------------------
// @auth/core tokens decoded here
// ---------------------------------------------------------------------------

describe('tokens made by @auth/core encode', () => {
  test('default salt (authjs.session-token): every claim, including iat/exp/jti', async () => {
    const { encode, decode } = await authCore()
    const claims = { sub: `user-${rand(4)}`, name: 'Ada', email: 'ada@example.com', picture: null, role: 'admin' }
    const token = await encode({ token: claims, secret: A, salt: V5_NAME })
    const h = header(token)
    assert.deepEqual(Object.keys(h).sort(), ['alg', 'enc', 'kid'])
    assert.equal(h.enc, 'A256CBC-HS512')
    const expected = await decode({ token, secret: A, salt: V5_NAME })
    const got = new AuthJsSession({ secret: A }).decode(token)
    assert.deepEqual(got, expected)
    assert.equal(got.sub, claims.sub)
    assert.equal(typeof got.iat, 'number')
    assert.equal(got.exp, got.iat + 30 * 24 * 60 * 60)
    assert.match(got.jti, UUID_V4)
  })

  test('__Secure- salt with secureCookie: true', async () => {
    const { encode } = await authCore()
    const token = await encode({ token: { sub: 'secure-user' }, secret: A, salt: V5_SECURE })
    const s = new AuthJsSession({ secret: A, secureCookie: true })
    assert.equal(s.cookieName, V5_SECURE)
    assert.equal(s.decode(token).sub, 'secure-user')
    // The plain-cookie instance derives another key (salt = its cookie name).
    throwsCode(() => new AuthJsSession({ secret: A }).decode(token), 'ERR_JWE_NO_MATCHING_SECRET')
  })

  test('custom cookieName: the salt defaults to it', async () => {
    const { encode } = await authCore()
    const name = 'my-app.session'
    const token = await encode({ token: { sub: 'custom-cookie' }, secret: A, salt: name })
    const s = new AuthJsSession({ secret: A, cookieName: name })
    assert.equal(s.cookieName, name)
    assert.equal(s.decode(token).sub, 'custom-cookie')
    assert.equal(s.fromCookieHeader(`${V5_NAME}=nope; ${name}=${token}`).sub, 'custom-cookie')
    throwsCode(() => new AuthJsSession({ secret: A }).decode(token), 'ERR_JWE_NO_MATCHING_SECRET')
  })

  test('explicit salt option (cookie name unchanged)', async () => {
    const { encode } = await authCore()
    const salt = `custom-salt-${rand(4)}`
    const token = await encode({ token: { sub: 'salted' }, secret: A, salt })
    const s = new AuthJsSession({ secret: A, salt })
    assert.equal(s.cookieName, V5_NAME)
    assert.equal(s.decode(token).sub, 'salted')
    assert.equal(s.fromCookieHeader(`${V5_NAME}=${token}`).sub, 'salted')
    // The salt wins over the cookie name.
    assert.equal(new AuthJsSession({ secret: A, cookieName: 'other-name', salt }).decode(token).sub, 'salted')
    throwsCode(() => new AuthJsSession({ secret: A, cookieName: 'other-name' }).decode(token), 'ERR_JWE_NO_MATCHING_SECRET')
  })

  test('rotated secret lists in every order (token made with A)', async () => {
    const { encode, decode } = await authCore()
    const token = await encode({ token: { sub: 'rotation' }, secret: A, salt: V5_NAME })
    const lists = [[A], [A, B], [B, A], [C, B, A], ...permutations([A, B, C])]
    for (const secret of lists) {
      const label = secret.map((s) => s[7]).join(',')
      const got = new AuthJsSession({ secret }).decode(token)
      assert.deepEqual(got, await decode({ token, secret, salt: V5_NAME }), label)
      assert.equal(got.sub, 'rotation', label)
    }
    for (const secret of [[B], [B, C], [C, B]]) {
      throwsCode(() => new AuthJsSession({ secret }).decode(token), 'ERR_JWE_NO_MATCHING_SECRET')
    }
  })

  test('a token @auth/core encoded with a secret list ([B, A]) is made with its first secret', async () => {
    const { encode } = await authCore()
    const token = await encode({ token: { sub: 'first' }, secret: [B, A], salt: V5_NAME })
    assert.equal(new AuthJsSession({ secret: [C, B] }).decode(token).sub, 'first')
    throwsCode(() => new AuthJsSession({ secret: A }).decode(token), 'ERR_JWE_NO_MATCHING_SECRET')
  })

  test('unicode and nested payloads: deepEqual with @auth/core decode', async () => {
    const { encode, decode } = await authCore()
    const claims = {
      sub: 'ünïcödé-用户-👩‍💻',
      name: 'Zoë Ångström — “quoted” \\ back\\slash \u2028 line sep',
      emoji: '🔐🍪\u{1F600}',
      rtl: 'مرحبا',
      nul: 'a\u0000b',
      nested: { a: [1, 2.5, -3, { b: null, c: [true, false, 'ß'] }], deep: { deeper: { deepest: '✓' } } },
      empty: { obj: {}, arr: [] },
      big: 2 ** 53 - 1,
      neg: -0.000123,
    }
    const token = await encode({ token: claims, secret: A, salt: V5_NAME })
    const expected = await decode({ token, secret: A, salt: V5_NAME })
    const got = new AuthJsSession({ secret: A }).decode(token)
    assert.deepEqual(got, expected)
    for (const k of Object.keys(claims)) assert.deepEqual(got[k], claims[k], k)
    for (const k of ['iat', 'exp', 'jti']) assert.equal(got[k], expected[k], k)
  })

  test('a "__proto__" claim is an own property, as JSON.parse (and @auth/core) makes it', async () => {
    // Claims come from JSON; a member named __proto__ must stay data, never become the
    // prototype of the returned object (an inherited `admin: true` would be read by
    // `claims.admin`).
    const { encode, decode } = await authCore()
    const claims = JSON.parse('{"sub":"proto","__proto__":{"admin":true},"nested":{"__proto__":{"x":1}}}')
    const token = await encode({ token: claims, secret: A, salt: V5_NAME })
    const expected = await decode({ token, secret: A, salt: V5_NAME })
    assert.equal(expected.admin, undefined)
    assert.ok(Object.hasOwn(expected, '__proto__'))
    const got = new AuthJsSession({ secret: A }).decode(token)
    assert.equal(Object.getPrototypeOf(got), Object.prototype, 'the claims object has a replaced prototype')
    assert.equal(got.admin, undefined, 'claims.admin is inherited from a __proto__ claim')
    assert.ok(Object.hasOwn(got, '__proto__'))
    assert.equal(got.nested.x, undefined, 'nested: claims.nested.x is inherited')
    assert.ok(Object.hasOwn(got.nested, '__proto__'))
    assert.deepEqual(got, expected)
  })
})

// ---------------------------------------------------------------------------
// Tokens encoded here, decoded by @auth/core
// ---------------------------------------------------------------------------

describe('tokens made by AuthJsSession.encode', () => {
  test('default maxAge: @auth/core decodes it; exp = iat + 30 days; jti is a UUID', async () => {
    const { decode } = await authCore()
    const s = new AuthJsSession({ secret: A })
    const before = nowSec()
    const token = s.encode({ sub: 'ours', name: 'Zoë 用户', nested: { list: [1, { x: 'y' }] } })
    const after = nowSec()
    const claims = await decode({ token, secret: A, salt: V5_NAME })
    assert.equal(claims.sub, 'ours')
    assert.equal(claims.name, 'Zoë 用户')
    assert.deepEqual(claims.nested, { list: [1, { x: 'y' }] })
    assert.ok(Number.isInteger(claims.iat) && claims.iat >= before && claims.iat <= after, `iat ${claims.iat}`)
    assert.equal(claims.exp, claims.iat + 30 * 24 * 60 * 60)
    assert.match(claims.jti, UUID_V4)
    assert.deepEqual(s.decode(token), claims)
    assert.notEqual(s.encode({ sub: 'ours' }).split('.')[2], s.encode({ sub: 'ours' }).split('.')[2], 'fresh IV each time')
  })

  test('header is what @auth/core writes (alg dir, A256CBC-HS512, kid = SHA-512 thumbprint)', async () => {
    const { encode } = await authCore()
    const ours = header(new AuthJsSession({ secret: A }).encode({}))
    const theirs = header(await encode({ token: {}, secret: A, salt: V5_NAME }))
    assert.deepEqual(ours, theirs)
    assert.deepEqual(ours, { alg: 'dir', enc: 'A256CBC-HS512', kid: await thumbprint(deriveKey(A, V5_NAME, 64)) })
  })

  test('{ maxAge }: exp = iat + maxAge; jti differs per token', async () => {
    const { decode } = await authCore()
    const s = new AuthJsSession({ secret: A })
    const t1 = s.encode({ sub: 'short' }, { maxAge: 3600 })
    const t2 = s.encode({ sub: 'short' }, { maxAge: 3600 })
    const c1 = await decode({ token: t1, secret: A, salt: V5_NAME })
    const c2 = await decode({ token: t2, secret: A, salt: V5_NAME })
    assert.equal(c1.exp, c1.iat + 3600)
    assert.match(c1.jti, UUID_V4)
    assert.match(c2.jti, UUID_V4)
    assert.notEqual(c1.jti, c2.jti)
  })

  test('the now option sets iat; exp = iat + maxAge', () => {
    const t0 = nowSec() - 100
    const s = new AuthJsSession({ secret: A, now: () => t0 + 0.75 })
    const claims = s.decode(s.encode({ sub: 'clock' }, { maxAge: 60 }))
    assert.equal(claims.iat, t0)
    assert.equal(claims.exp, t0 + 60)
  })

  test('__Secure- salt, custom cookie name and explicit salt: @auth/core decodes with the same salt', async () => {
    const { decode } = await authCore()
    const cases = [
      [{ secret: A, secureCookie: true }, V5_SECURE],
      [{ secret: A, cookieName: 'my-app.session' }, 'my-app.session'],
      [{ secret: A, salt: 'explicit-salt' }, 'explicit-salt'],
    ]
    for (const [options, salt] of cases) {
      const token = new AuthJsSession(options).encode({ sub: salt })
      assert.equal((await decode({ token, secret: A, salt })).sub, salt)
      await rejectsAny(decode({ token, secret: A, salt: salt === V5_NAME ? 'x' : V5_NAME }))
    }
  })

  test('with a secret list, the first secret encrypts (kid = thumbprint of the first)', async () => {
    const { decode, encode } = await authCore()
    const token = new AuthJsSession({ secret: [B, A] }).encode({ sub: 'list' })
    assert.equal((await decode({ token, secret: B, salt: V5_NAME })).sub, 'list')
    await rejectsAny(decode({ token, secret: A, salt: V5_NAME }))
    assert.equal(header(token).kid, header(await encode({ token: {}, secret: B, salt: V5_NAME })).kid)
    assert.equal(header(token).kid, await thumbprint(deriveKey(B, V5_NAME, 64)))
    // And it still decodes here after rotating B out of first place.
    assert.equal(new AuthJsSession({ secret: [C, B] }).decode(token).sub, 'list')
  })
})

// ---------------------------------------------------------------------------
// A256GCM tokens (jose, same derivation)
// ---------------------------------------------------------------------------

describe('A256GCM tokens made by jose', () => {
  test('with kid (SHA-256 thumbprint): decodes, as @auth/core decodes it', async () => {
    const { decode } = await authCore()
    const token = await joseGcm({ sub: 'gcm-kid', n: { ü: 1 } }, A, V5_NAME)
    assert.equal(header(token).enc, 'A256GCM')
    assert.ok(header(token).kid)
    const expected = await decode({ token, secret: A, salt: V5_NAME })
    assert.deepEqual(new AuthJsSession({ secret: A }).decode(token), expected)
    assert.deepEqual(new AuthJsSession({ secret: [C, B, A] }).decode(token), expected)
    throwsCode(() => new AuthJsSession({ secret: [B, C] }).decode(token), 'ERR_JWE_NO_MATCHING_SECRET')
  })

  test('without kid: the first secret decodes (as @auth/core), a later one does not', async () => {
    const { decode } = await authCore()
    const token = await joseGcm({ sub: 'gcm-nokid' }, A, V5_NAME, { kid: false })
    assert.equal(header(token).kid, undefined)
    const expected = await decode({ token, secret: A, salt: V5_NAME })
    assert.deepEqual(new AuthJsSession({ secret: A }).decode(token), expected)
    assert.deepEqual(new AuthJsSession({ secret: [A, B] }).decode(token), expected)
    // @auth/core uses the first secret when there is no kid; so does the addon.
    await rejectsAny(decode({ token, secret: [B, A], salt: V5_NAME }))
    throwsCode(() => new AuthJsSession({ secret: [B, A] }).decode(token), 'ERR_JWE_DECRYPTION_FAILED')
  })

  test('with the __Secure- salt', async () => {
    const token = await joseGcm({ sub: 'gcm-secure' }, A, V5_SECURE)
    assert.equal(new AuthJsSession({ secret: A, secureCookie: true }).decode(token).sub, 'gcm-secure')
  })
})

// ---------------------------------------------------------------------------
// NextAuth v4
// ---------------------------------------------------------------------------

describe('NextAuth v4 (format: v4)', () => {
  test('tokens from next-auth v4 encode decode; default cookie names', async () => {
    const claims = { sub: 'v4-user', name: 'Zoë', nested: { roles: ['a', 'b'] } }
    const token = await v4jwt.encode({ token: claims, secret: A })
    assert.deepEqual(header(token), { alg: 'dir', enc: 'A256GCM' })
    const expected = await v4jwt.decode({ token, secret: A })
    const s = new AuthJsSession({ secret: A, format: 'v4' })
    assert.equal(s.cookieName, V4_NAME)
    assert.equal(new AuthJsSession({ secret: A, format: 'v4', secureCookie: true }).cookieName, V4_SECURE)
    const got = s.decode(token)
    assert.deepEqual(got, expected)
    assert.equal(got.exp, got.iat + 30 * 24 * 60 * 60)
    assert.match(got.jti, UUID_V4)
    // A v5 decoder (other key derivation) does not read it.
    throwsCode(() => new AuthJsSession({ secret: A }).decode(token), 'ERR_JWE_DECRYPTION_FAILED')
  })

  test('a secret list where the right secret is second (and third)', async () => {
    const token = await v4jwt.encode({ token: { sub: 'v4-rot' }, secret: A })
    assert.equal(new AuthJsSession({ secret: [B, A], format: 'v4' }).decode(token).sub, 'v4-rot')
    assert.equal(new AuthJsSession({ secret: [C, B, A], format: 'v4' }).decode(token).sub, 'v4-rot')
    throwsCode(() => new AuthJsSession({ secret: [B, C], format: 'v4' }).decode(token), 'ERR_JWE_DECRYPTION_FAILED')
  })

  test('cookies: next-auth.session-token, and __Secure-next-auth.session-token with secureCookie', async () => {
    const token = await v4jwt.encode({ token: { sub: 'v4-cookie' }, secret: A })
    const plain = new AuthJsSession({ secret: A, format: 'v4' })
    const secure = new AuthJsSession({ secret: A, format: 'v4', secureCookie: true })
    assert.equal(plain.fromCookieHeader(`a=b; ${V4_NAME}=${token}`).sub, 'v4-cookie')
    assert.equal(secure.fromCookieHeader(`a=b; ${V4_NAME}=${token}`), null)
    assert.equal(secure.fromCookieHeader(`${V4_SECURE}=${token}; a=b`).sub, 'v4-cookie')
    assert.equal(plain.fromCookieHeader(`${V4_SECURE}=${token}`), null)
    assert.equal(plain.fromCookieHeader(`${V5_NAME}=${token}`), null)
  })

  test('a v4 salt option matches next-auth v4 encode({ salt })', async () => {
    const token = await v4jwt.encode({ token: { sub: 'v4-salt' }, secret: A, salt: 'v4salt' })
    assert.equal(new AuthJsSession({ secret: A, format: 'v4', salt: 'v4salt' }).decode(token).sub, 'v4-salt')
    throwsCode(() => new AuthJsSession({ secret: A, format: 'v4' }).decode(token), 'ERR_JWE_DECRYPTION_FAILED')
  })

  test('our v4 encode decodes with next-auth v4 decode', async () => {
    const s = new AuthJsSession({ secret: [A, B], format: 'v4' })
    const token = s.encode({ sub: 'ours-v4', name: 'Zoë 🔐' }, { maxAge: 600 })
    assert.deepEqual(header(token), { alg: 'dir', enc: 'A256GCM' })
    const claims = await v4jwt.decode({ token, secret: A })
    assert.equal(claims.sub, 'ours-v4')
    assert.equal(claims.name, 'Zoë 🔐')
    assert.equal(claims.exp, claims.iat + 600)
    assert.match(claims.jti, UUID_V4)
    await rejectsAny(v4jwt.decode({ token, secret: B }))
  })

  test('a v5 (A256CBC-HS512) token given to a v4 decoder: ERR_JWE_UNSUPPORTED', async () => {
    const { encode } = await authCore()
    const token = await encode({ token: { sub: 'v5' }, secret: A, salt: '' })
    throwsCode(() => new AuthJsSession({ secret: A, format: 'v4' }).decode(token), 'ERR_JWE_UNSUPPORTED')
  })
})

// ---------------------------------------------------------------------------
// Rejections
// ---------------------------------------------------------------------------

describe('rejections', () => {
  test('expiry: accepted within 15 s after exp, ERR_JWT_EXPIRED (claim exp) beyond; same boundary as jose', async () => {
    const { encode } = await authCore()
    const { jwtDecrypt } = await jose()
    const token = await encode({ token: { sub: 'exp' }, secret: A, salt: V5_NAME, maxAge: 60 })
    const { exp } = new AuthJsSession({ secret: A }).decode(token)
    const at = (t) => new AuthJsSession({ secret: A, now: () => t })
    const ref = (t) =>
      jwtDecrypt(token, deriveKey(A, V5_NAME, 64), { clockTolerance: 15, currentDate: new Date(t * 1000) }).then(
        () => 'ok',
        (e) => e.code
      )
    for (const t of [exp - 1, exp, exp + 14]) {
      assert.equal(at(t).decode(token).sub, 'exp', `at exp${t - exp >= 0 ? '+' : ''}${t - exp}`)
      assert.equal(await ref(t), 'ok')
    }
    for (const t of [exp + 15, exp + 16, exp + 86400]) {
      const err = throwsCode(() => at(t).decode(token), 'ERR_JWT_EXPIRED', `at exp+${t - exp}`)
      assert.equal(err.claim, 'exp')
      assert.equal(await ref(t), 'ERR_JWT_EXPIRED')
    }
    // clockTolerance option
    throwsCode(() => new AuthJsSession({ secret: A, clockTolerance: 0, now: () => exp + 1 }).decode(token), 'ERR_JWT_EXPIRED')
    assert.equal(new AuthJsSession({ secret: A, clockTolerance: 120, now: () => exp + 100 }).decode(token).sub, 'exp')
  })

  test('expiry on the real clock agrees with @auth/core decode', async () => {
    const { encode, decode } = await authCore()
    const expired = await encode({ token: { sub: 'old' }, secret: A, salt: V5_NAME, maxAge: -30 })
    const grace = await encode({ token: { sub: 'grace' }, secret: A, salt: V5_NAME, maxAge: -5 })
    await rejectsAny(decode({ token: expired, secret: A, salt: V5_NAME }))
    const s = new AuthJsSession({ secret: A })
    const err = throwsCode(() => s.decode(expired), 'ERR_JWT_EXPIRED')
    assert.equal(err.claim, 'exp')
    assert.equal((await decode({ token: grace, secret: A, salt: V5_NAME })).sub, 'grace')
    assert.equal(s.decode(grace).sub, 'grace')
  })

  test('nbf in the future beyond the tolerance: ERR_JWT_NOT_ACTIVE', async () => {
    const { EncryptJWT } = await jose()
    const key = deriveKey(A, V5_NAME, 64)
    const t0 = nowSec()
    const token = await new EncryptJWT({ sub: 'nbf' })
      .setProtectedHeader({ alg: 'dir', enc: 'A256CBC-HS512', kid: await thumbprint(key) })
      .setNotBefore(t0 + 100)
      .setExpirationTime(t0 + 1000)
      .encrypt(key)
    const err = throwsCode(() => new AuthJsSession({ secret: A, now: () => t0 }).decode(token), 'ERR_JWT_NOT_ACTIVE')
    assert.equal(err.claim, 'nbf')
    assert.equal(new AuthJsSession({ secret: A, now: () => t0 + 90 }).decode(token).sub, 'nbf')
  })

  test('wrong secret: ERR_JWE_NO_MATCHING_SECRET', async () => {
    const { encode } = await authCore()
    const token = await encode({ token: { sub: 'x' }, secret: A, salt: V5_NAME })
    throwsCode(() => new AuthJsSession({ secret: B }).decode(token), 'ERR_JWE_NO_MATCHING_SECRET')
    throwsCode(() => new AuthJsSession({ secret: A + ' ' }).decode(token), 'ERR_JWE_NO_MATCHING_SECRET')
  })

  test('wrong salt: ERR_JWE_NO_MATCHING_SECRET with kid, ERR_JWE_DECRYPTION_FAILED without', async () => {
    const { encode } = await authCore()
    const token = await encode({ token: { sub: 'x' }, secret: A, salt: V5_NAME })
    throwsCode(() => new AuthJsSession({ secret: A, salt: 'other' }).decode(token), 'ERR_JWE_NO_MATCHING_SECRET')
    throwsCode(() => new AuthJsSession({ secret: A, secureCookie: true }).decode(token), 'ERR_JWE_NO_MATCHING_SECRET')
    const noKid = await joseGcm({ sub: 'x' }, A, V5_NAME, { kid: false })
    throwsCode(() => new AuthJsSession({ secret: A, salt: 'other' }).decode(noKid), 'ERR_JWE_DECRYPTION_FAILED')
    throwsCode(() => new AuthJsSession({ secret: A, secureCookie: true }).decode(noKid), 'ERR_JWE_DECRYPTION_FAILED')
  })

  test('flipped bits in tag, ciphertext and IV: ERR_JWE_DECRYPTION_FAILED (and @auth/core rejects too)', async () => {
    const { encode, decode } = await authCore()
    const cbc = await encode({ token: { sub: 'tamper', pad: blob(100) }, secret: A, salt: V5_NAME })
    const gcm = await joseGcm({ sub: 'tamper' }, A, V5_NAME)
    const gcmNoKid = await joseGcm({ sub: 'tamper' }, A, V5_NAME, { kid: false })
    const s = new AuthJsSession({ secret: A })
    for (const [kind, token] of [['cbc', cbc], ['gcm', gcm], ['gcm-nokid', gcmNoKid]]) {
      assert.equal(s.decode(token).sub, 'tamper')
      for (const [partName, index] of [['IV', 2], ['ciphertext', 3], ['tag', 4]]) {
        const len = unb64u(token.split('.')[index]).length
        for (const pos of [0, len >> 1, len - 1]) {
          for (const bit of [0x01, 0x80]) {
            const bad = mutatePart(token, index, (b) => {
              b[pos] ^= bit
            })
            assert.notEqual(bad, token)
            throwsCode(() => s.decode(bad), 'ERR_JWE_DECRYPTION_FAILED', `${kind} ${partName}[${pos}]^${bit}`)
          }
        }
        if (kind === 'cbc') {
          const bad = mutatePart(token, index, (b) => {
            b[0] ^= 1
          })
          await rejectsAny(decode({ token: bad, secret: A, salt: V5_NAME }))
        }
      }
    }
  })

  test('altered header: each kind of change rejected with its code', async () => {
    const { encode, decode } = await authCore()
    const token = await encode({ token: { sub: 'hdr' }, secret: A, salt: V5_NAME })
    const s = new AuthJsSession({ secret: A })
    const [h, ...rest] = token.split('.')
    const hdr = header(token)
    const withHeader = (text) => [b64u(text), ...rest].join('.')

    // 1. Same members, other serialization (spaces, order): same kid, the AAD differs.
    const reserialized = withHeader(JSON.stringify({ kid: hdr.kid, enc: hdr.enc, alg: hdr.alg }, null, 1))
    throwsCode(() => s.decode(reserialized), 'ERR_JWE_DECRYPTION_FAILED', 'reserialized header')
    await rejectsAny(decode({ token: reserialized, secret: A, salt: V5_NAME }))
    // 2. An extra member: AAD differs.
    throwsCode(() => s.decode(withHeader(JSON.stringify({ ...hdr, x: 1 }))), 'ERR_JWE_DECRYPTION_FAILED', 'extra member')
    // 3. One character of the kid flipped: no secret has that kid.
    const kid = hdr.kid.slice(0, 10) + (hdr.kid[10] === 'A' ? 'B' : 'A') + hdr.kid.slice(11)
    throwsCode(() => s.decode(withHeader(JSON.stringify({ ...hdr, kid }))), 'ERR_JWE_NO_MATCHING_SECRET', 'kid flipped')
    // 4. enc switched to A256GCM: the SHA-512 kid matches no 32-byte key.
    throwsCode(() => s.decode(withHeader(JSON.stringify({ ...hdr, enc: 'A256GCM' }))), 'ERR_JWE_NO_MATCHING_SECRET', 'enc switched')
    // 5. A byte flipped in the raw header: no longer JSON.
    const flipped = [mutatePart(h, 0, (b) => { b[0] ^= 0x01 }), ...rest].join('.')
    throwsCode(() => s.decode(flipped), 'ERR_TOKEN_MALFORMED', 'header byte flipped')
    await rejectsAny(decode({ token: flipped, secret: A, salt: V5_NAME }))
    // 6. A character outside base64url in the header.
    throwsCode(() => s.decode(['*' + h.slice(1), ...rest].join('.')), 'ERR_TOKEN_MALFORMED', 'non-base64url header')
    // 7. No kid, enc unchanged: the first secret is tried, and the AAD differs.
    const { kid: _k, ...noKid } = hdr
    throwsCode(() => s.decode(withHeader(JSON.stringify(noKid))), 'ERR_JWE_DECRYPTION_FAILED', 'kid removed')
    // 8. enc A128GCM / alg missing.
    throwsCode(() => s.decode(withHeader(JSON.stringify({ ...hdr, enc: 'A128GCM' }))), 'ERR_JWE_UNSUPPORTED', 'enc A128GCM')
    throwsCode(() => s.decode(withHeader(JSON.stringify({ enc: hdr.enc, kid: hdr.kid }))), 'ERR_TOKEN_MALFORMED', 'alg missing')
  })

  test('truncated tokens: ERR_TOKEN_MALFORMED or ERR_JWE_DECRYPTION_FAILED, never accepted', async () => {
    const { encode } = await authCore()
    const token = await encode({ token: { sub: 'trunc' }, secret: A, salt: V5_NAME })
    const s = new AuthJsSession({ secret: A })
    const parts = token.split('.')
    // Fewer parts.
    throwsCode(() => s.decode(parts.slice(0, 4).join('.')), 'ERR_TOKEN_MALFORMED', '4 parts')
    throwsCode(() => s.decode(parts.slice(0, 2).join('.')), 'ERR_TOKEN_MALFORMED', '2 parts')
    // Cut inside the ciphertext: 4 parts.
    const cut = [...parts.slice(0, 3), parts[3].slice(0, parts[3].length >> 1)].join('.')
    throwsCode(() => s.decode(cut), 'ERR_TOKEN_MALFORMED', 'cut in the ciphertext')
    // Cut after the IV: 3 parts, which is the shape of a JWS.
    throwsCode(() => s.decode(parts.slice(0, 3).join('.')), 'ERR_TOKEN_WRONG_KIND', '3 parts')
    // Characters cut from the end of the tag: a base64url length error or a short tag,
    // depending on the random tag bits; either way rejected with one of these two codes.
    for (const n of [1, 2, 3, 4, 10]) {
      assert.throws(() => s.decode(token.slice(0, -n)), (e) => ['ERR_TOKEN_MALFORMED', 'ERR_JWE_DECRYPTION_FAILED'].includes(e.code), `cut ${n}`)
    }
    // Whole bytes removed from the tag / the ciphertext (still valid base64url).
    throwsCode(() => s.decode([...parts.slice(0, 4), b64u(unb64u(parts[4]).subarray(0, 16))].join('.')), 'ERR_JWE_DECRYPTION_FAILED', 'tag 16 bytes')
    throwsCode(() => s.decode([...parts.slice(0, 3), b64u(unb64u(parts[3]).subarray(0, 16)), parts[4]].join('.')), 'ERR_JWE_DECRYPTION_FAILED', 'ciphertext cut')
    throwsCode(() => s.decode([...parts.slice(0, 4), ''].join('.')), 'ERR_JWE_DECRYPTION_FAILED', 'empty tag')
    // A non-empty encrypted key with alg dir.
    throwsCode(() => s.decode([parts[0], 'AAAA', ...parts.slice(2)].join('.')), 'ERR_TOKEN_MALFORMED', 'encrypted key present')
  })

  test('a session without exp is refused (ERR_JWT_CLAIM_MISSING, claim exp): it would never expire', async () => {
    const { EncryptJWT } = await jose()
    const key = deriveKey(A, V5_NAME, 64)
    // jose's EncryptJWT with the session's own key, as Auth.js encodes, but no exp set.
    const forever = await new EncryptJWT({ sub: 'forever' })
      .setProtectedHeader({ alg: 'dir', enc: 'A256CBC-HS512', kid: await thumbprint(key) })
      .setIssuedAt()
      .encrypt(key)
    const s = new AuthJsSession({ secret: A })
    const err = throwsCode(() => s.decode(forever), 'ERR_JWT_CLAIM_MISSING')
    assert.equal(err.claim, 'exp')
    const until = await new EncryptJWT({ sub: 'until' })
      .setProtectedHeader({ alg: 'dir', enc: 'A256CBC-HS512', kid: await thumbprint(key) })
      .setIssuedAt()
      .setExpirationTime(nowSec() + 60)
      .encrypt(key)
    assert.equal(s.decode(until).sub, 'until')
  })

  test('zip header: ERR_JWE_UNSUPPORTED (the same token without zip decodes)', async () => {
    const key = deriveKey(A, V5_NAME, 32)
    const kid = await thumbprint(key)
    const exp = nowSec() + 3600
    const json = JSON.stringify({ sub: 'zip', exp })
    const control = rawGcmJwe({ alg: 'dir', enc: 'A256GCM', kid }, Buffer.from(json), key)
    const s = new AuthJsSession({ secret: A })
    assert.equal(s.decode(control).sub, 'zip')
    const zipped = rawGcmJwe({ alg: 'dir', enc: 'A256GCM', kid, zip: 'DEF' }, zlib.deflateRawSync(json), key)
    throwsCode(() => s.decode(zipped), 'ERR_JWE_UNSUPPORTED', 'zip DEF')
    const crit = rawGcmJwe({ alg: 'dir', enc: 'A256GCM', kid, crit: ['exp'], exp }, Buffer.from(json), key)
    throwsCode(() => s.decode(crit), 'ERR_TOKEN_MALFORMED', 'crit')
  })

  test('alg A256KW (a real jose token): ERR_JWE_UNSUPPORTED', async () => {
    const { CompactEncrypt } = await jose()
    const key = deriveKey(A, V5_NAME, 32)
    for (const enc of ['A256GCM', 'A256CBC-HS512']) {
      const token = await new CompactEncrypt(Buffer.from(JSON.stringify({ sub: 'kw', exp: nowSec() + 60 })))
        .setProtectedHeader({ alg: 'A256KW', enc })
        .encrypt(key)
      assert.equal(token.split('.').length, 5)
      assert.notEqual(token.split('.')[1], '')
      const err = throwsCode(() => new AuthJsSession({ secret: A }).decode(token), 'ERR_JWE_UNSUPPORTED', enc)
      assert.match(err.message, /A256KW/)
    }
  })

  test('a JWS (jsonwebtoken HS256): ERR_TOKEN_WRONG_KIND, pointing to JwtVerifier', () => {
    const jws = jsonwebtoken.sign({ sub: 'jws' }, A, { algorithm: 'HS256', expiresIn: 60 })
    const s = new AuthJsSession({ secret: A })
    const err = throwsCode(() => s.decode(jws), 'ERR_TOKEN_WRONG_KIND')
    assert.match(err.message, /JwtVerifier/)
    throwsCode(() => s.fromCookieHeader(`${V5_NAME}=${jws}`), 'ERR_TOKEN_WRONG_KIND')
    throwsCode(() => s.fromHeaders({ authorization: `Bearer ${jws}` }), 'ERR_TOKEN_WRONG_KIND')
  })

  test('empty and non-string tokens: ERR_TOKEN_MALFORMED', () => {
    const s = new AuthJsSession({ secret: A })
    throwsCode(() => s.decode(''), 'ERR_TOKEN_MALFORMED', 'empty string')
    throwsCode(() => s.decode('....'), 'ERR_TOKEN_MALFORMED', 'only dots')
    for (const v of [undefined, null, 42, true, {}, [], Buffer.from('a.b.c.d.e'), Symbol('t'), () => 'x']) {
      throwsCode(() => s.decode(v), 'ERR_TOKEN_MALFORMED', String(typeof v))
    }
    throwsCode(() => s.decode(), 'ERR_TOKEN_MALFORMED', 'no argument')
    throwsCode(() => s.fromCookieHeader(42), 'ERR_TOKEN_MALFORMED', 'cookie header number')
  })

  test('constructor: missing / empty secret, empty list, format v3: ERR_INVALID_OPTIONS', () => {
    const bad = [
      [undefined, 'no options'],
      [null, 'null options'],
      ['secret', 'a string as options'],
      [{}, 'no secret'],
      [{ secret: '' }, 'empty secret'],
      [{ secret: [] }, 'empty list'],
      [{ secret: [A, ''] }, 'an empty secret in the list'],
      [{ secret: 42 }, 'number secret'],
      [{ secret: A, format: 'v3' }, 'format v3'],
      [{ secret: A, format: 'V5' }, 'format V5'],
      [{ secret: A, clockTolerance: -1 }, 'negative clockTolerance'],
      [{ secret: A, maxTokenLength: 0 }, 'maxTokenLength 0'],
      [{ secret: A, cookieName: '' }, 'empty cookie name'],
      [{ secret: A, cookieName: 'a;b' }, 'cookie name with ;'],
    ]
    for (const [options, why] of bad) throwsCode(() => new AuthJsSession(options), 'ERR_INVALID_OPTIONS', why)
    throwsCode(() => new AuthJsSession(), 'ERR_INVALID_OPTIONS', 'no argument')
  })

  test('encode: bad maxAge or non-object claims: ERR_INVALID_OPTIONS', () => {
    const s = new AuthJsSession({ secret: A })
    throwsCode(() => s.encode({}, { maxAge: -1 }), 'ERR_INVALID_OPTIONS', 'negative maxAge')
    throwsCode(() => s.encode({}, { maxAge: Infinity }), 'ERR_INVALID_OPTIONS', 'infinite maxAge')
    throwsCode(() => s.encode([1, 2]), 'ERR_INVALID_OPTIONS', 'array claims')
    throwsCode(() => s.encode('claims'), 'ERR_INVALID_OPTIONS', 'string claims')
  })

  test('token longer than maxTokenLength: ERR_TOKEN_TOO_LARGE (equal length accepted)', async () => {
    const { encode } = await authCore()
    const token = await encode({ token: { sub: 'len' }, secret: A, salt: V5_NAME })
    throwsCode(() => new AuthJsSession({ secret: A, maxTokenLength: token.length - 1 }).decode(token), 'ERR_TOKEN_TOO_LARGE')
    assert.equal(new AuthJsSession({ secret: A, maxTokenLength: token.length }).decode(token).sub, 'len')
    // The default limit is 65536, checked before anything else.
    throwsCode(() => new AuthJsSession({ secret: A }).decode('a'.repeat(65537)), 'ERR_TOKEN_TOO_LARGE', 'default limit')
    const big = await encode({ token: { sub: 'big', pad: blob(50000) }, secret: A, salt: V5_NAME })
    assert.ok(big.length > 65536)
    throwsCode(() => new AuthJsSession({ secret: A }).decode(big), 'ERR_TOKEN_TOO_LARGE', 'real token over the default')
    assert.equal(new AuthJsSession({ secret: A, maxTokenLength: big.length }).decode(big).sub, 'big')
  })
})

// ---------------------------------------------------------------------------
// Cookie headers
// ---------------------------------------------------------------------------

describe('fromCookieHeader', () => {
  test('a big session chunked by @auth/core (.0, .1, ... of 3936 chars), shuffled among other cookies', async () => {
    const { encode, decode, getToken } = await authCore()
    const claims = { sub: 'big-session', profile: blob(6000), name: 'Zoë' }
    const token = await encode({ token: claims, secret: A, salt: V5_NAME })
    assert.ok(token.length > 2 * CHUNK_SIZE, `token of ${token.length} chars should make 3+ chunks`)
    const chunks = await authCoreChunks(V5_NAME, token)
    // The chunker is @auth/core's; check it is the documented rule.
    const expectedCount = Math.ceil(token.length / CHUNK_SIZE)
    assert.equal(chunks.length, expectedCount)
    chunks.forEach((c, i) => {
      assert.equal(c.name, `${V5_NAME}.${i}`)
      assert.equal(c.value, token.slice(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE))
    })
    const expected = await decode({ token, secret: A, salt: V5_NAME })
    const s = new AuthJsSession({ secret: A })
    const others = ['theme=dark', 'authjs.csrf-token=abc%7Cdef', 'authjs.callback-url=http%3A%2F%2Flocalhost', '_ga=GA1.1.123']
    const orders = [
      chunks.slice().reverse(),
      [chunks[1], ...chunks.slice(2), chunks[0]],
      shuffled(chunks),
    ]
    for (const order of orders) {
      const cookies = shuffled([...others, ...order.map((c) => `${c.name}=${c.value}`)])
      const header = cookies.join('; ')
      const got = s.fromCookieHeader(header)
      assert.deepEqual(got, expected)
      assert.equal(got.profile, claims.profile)
      // Same result as @auth/core's getToken on the same header.
      assert.deepEqual(await getToken({ req: { headers: { cookie: header } }, secret: A, secureCookie: false }), got)
      assert.deepEqual(s.fromHeaders({ cookie: header }), expected)
      assert.deepEqual(s.fromHeaders({ cookie: cookies }), expected, 'cookie as string[]')
    }
  })

  test('a small session is one cookie (no chunks) and decodes', async () => {
    const { encode } = await authCore()
    const token = await encode({ token: { sub: 'small' }, secret: A, salt: V5_NAME })
    const chunks = await authCoreChunks(V5_NAME, token)
    assert.deepEqual(chunks, [{ name: V5_NAME, value: token }])
    assert.equal(new AuthJsSession({ secret: A }).fromCookieHeader(`x=1;${V5_NAME}=${token};y=2`).sub, 'small')
  })

  test('quoted value (name="token") and surrounding whitespace', async () => {
    const { encode, getToken } = await authCore()
    const token = await encode({ token: { sub: 'quoted' }, secret: A, salt: V5_NAME })
    const s = new AuthJsSession({ secret: A })
    const header = `a=1; ${V5_NAME}="${token}"; b=2`
    assert.equal(s.fromCookieHeader(header).sub, 'quoted')
    // (Divergence, by design: @auth/core 0.41's vendored cookie parser keeps the quotes,
    // so its getToken() returns null for this header; the addon strips them.)
    assert.equal((await getToken({ req: { headers: { cookie: `a=1; ${V5_NAME}=${token}; b=2` } }, secret: A })).sub, 'quoted')
    assert.equal(s.fromCookieHeader(`  ${V5_NAME} =\t${token}  `).sub, 'quoted')
  })

  test('both prefixes: secureCookie reads only __Secure-, otherwise only the plain name', async () => {
    const { encode, getToken } = await authCore()
    const plainToken = await encode({ token: { sub: 'plain' }, secret: A, salt: V5_NAME })
    const secureToken = await encode({ token: { sub: 'secure' }, secret: A, salt: V5_SECURE })
    const plain = new AuthJsSession({ secret: A })
    const secure = new AuthJsSession({ secret: A, secureCookie: true })
    const both = `${V5_SECURE}=${secureToken}; ${V5_NAME}=${plainToken}`
    assert.equal(plain.fromCookieHeader(both).sub, 'plain')
    assert.equal(secure.fromCookieHeader(both).sub, 'secure')
    assert.equal((await getToken({ req: { headers: { cookie: both } }, secret: A, secureCookie: true })).sub, 'secure')
    assert.equal((await getToken({ req: { headers: { cookie: both } }, secret: A, secureCookie: false })).sub, 'plain')
    assert.equal(plain.fromCookieHeader(`${V5_SECURE}=${secureToken}`), null)
    assert.equal(secure.fromCookieHeader(`${V5_NAME}=${plainToken}`), null)
    // Chunked __Secure- cookie.
    const big = await encode({ token: { sub: 'secure-big', pad: blob(6000) }, secret: A, salt: V5_SECURE })
    const chunks = await authCoreChunks(V5_SECURE, big)
    assert.ok(chunks.length >= 2)
    const header = chunks.reverse().map((c) => `${c.name}=${c.value}`).join('; ')
    assert.equal(secure.fromCookieHeader(header).sub, 'secure-big')
    assert.equal(plain.fromCookieHeader(header), null)
  })

  test('no session cookie: null', () => {
    const s = new AuthJsSession({ secret: A })
    for (const header of ['', 'a=b', `${V5_NAME}x=1`, `x${V5_NAME}=1`, `${V5_NAME}.x=1`, `${V5_NAME}=`, `${V5_NAME}`, ';;;', 'authjs.csrf-token=abc']) {
      assert.equal(s.fromCookieHeader(header), null, JSON.stringify(header))
    }
  })

  test('a gap in the chunks or a duplicated chunk index: ERR_TOKEN_MALFORMED', async () => {
    const { encode } = await authCore()
    const token = await encode({ token: { sub: 'gap', pad: blob(6000) }, secret: A, salt: V5_NAME })
    const chunks = await authCoreChunks(V5_NAME, token)
    assert.ok(chunks.length >= 3)
    const s = new AuthJsSession({ secret: A })
    const h = (list) => list.map((c) => `${c.name}=${c.value}`).join('; ')
    throwsCode(() => s.fromCookieHeader(h([chunks[0], ...chunks.slice(2)])), 'ERR_TOKEN_MALFORMED', 'missing .1')
    throwsCode(() => s.fromCookieHeader(h(chunks.slice(1))), 'ERR_TOKEN_MALFORMED', 'missing .0')
    throwsCode(() => s.fromCookieHeader(h([...chunks, chunks[1]])), 'ERR_TOKEN_MALFORMED', 'duplicate .1')
    throwsCode(() => s.fromCookieHeader(h([...chunks, { name: chunks[0].name, value: 'x' }])), 'ERR_TOKEN_MALFORMED', 'duplicate .0')
    // A missing last chunk leaves a contiguous 0..n-2: the joined token is cut, never accepted.
    assert.throws(() => s.fromCookieHeader(h(chunks.slice(0, -1))), (e) => /^ERR_/.test(e.code))
  })

  test('a present but bad session cookie throws (not null)', async () => {
    const { encode } = await authCore()
    const s = new AuthJsSession({ secret: A })
    throwsCode(() => s.fromCookieHeader(`${V5_NAME}=garbage`), 'ERR_TOKEN_MALFORMED')
    const other = await encode({ token: { sub: 'x' }, secret: B, salt: V5_NAME })
    throwsCode(() => s.fromCookieHeader(`a=1; ${V5_NAME}=${other}`), 'ERR_JWE_NO_MATCHING_SECRET')
    const expired = await encode({ token: { sub: 'x' }, secret: A, salt: V5_NAME, maxAge: -60 })
    throwsCode(() => s.fromCookieHeader(`${V5_NAME}=${expired}`), 'ERR_JWT_EXPIRED')
    throwsCode(() => s.fromHeaders({ cookie: `${V5_NAME}=garbage` }), 'ERR_TOKEN_MALFORMED')
  })

  test('chunks adding up to more than maxTokenLength: ERR_TOKEN_TOO_LARGE', async () => {
    const { encode } = await authCore()
    const token = await encode({ token: { sub: 'big', pad: blob(6000) }, secret: A, salt: V5_NAME })
    const header = (await authCoreChunks(V5_NAME, token)).map((c) => `${c.name}=${c.value}`).join('; ')
    throwsCode(() => new AuthJsSession({ secret: A, maxTokenLength: token.length - 1 }).fromCookieHeader(header), 'ERR_TOKEN_TOO_LARGE')
    assert.equal(new AuthJsSession({ secret: A, maxTokenLength: token.length }).fromCookieHeader(header).sub, 'big')
  })
})

// ---------------------------------------------------------------------------
// fromHeaders (getToken)
// ---------------------------------------------------------------------------

describe('fromHeaders', () => {
  test('the cookie first, then Authorization: Bearer <url-encoded token>', async () => {
    const { encode, getToken } = await authCore()
    const cookieToken = await encode({ token: { sub: 'from-cookie' }, secret: A, salt: V5_NAME })
    const bearerToken = await encode({ token: { sub: 'from-bearer' }, secret: A, salt: V5_NAME })
    const s = new AuthJsSession({ secret: A })
    const authorization = 'Bearer ' + encodeURIComponent(bearerToken)
    const cookie = `a=1; ${V5_NAME}=${cookieToken}`
    assert.equal(s.fromHeaders({ cookie, authorization }).sub, 'from-cookie')
    assert.equal(s.fromHeaders({ cookie: 'a=1; b=2', authorization }).sub, 'from-bearer')
    assert.equal(s.fromHeaders({ authorization }).sub, 'from-bearer')
    // Percent-encoded dots are decoded, as getToken does with decodeURIComponent.
    const encoded = 'Bearer ' + bearerToken.replaceAll('.', '%2E')
    assert.equal(s.fromHeaders({ authorization: encoded }).sub, 'from-bearer')
    assert.deepEqual(s.fromHeaders({ authorization: encoded }), await getToken({ req: { headers: { authorization: encoded } }, secret: A }))
    assert.deepEqual(s.fromHeaders({ cookie, authorization }), await getToken({ req: { headers: { cookie, authorization } }, secret: A }))
  })

  test('neither cookie nor Authorization: null; another scheme (Basic): null', () => {
    const s = new AuthJsSession({ secret: A })
    assert.equal(s.fromHeaders({}), null)
    assert.equal(s.fromHeaders({ cookie: 'a=b' }), null)
    assert.equal(s.fromHeaders({ cookie: [] }), null)
    assert.equal(s.fromHeaders({ authorization: 'Basic ' + Buffer.from('user:pass').toString('base64') }), null)
    assert.equal(s.fromHeaders({ cookie: 'a=b', authorization: 'Basic dXNlcjpwYXNz' }), null)
    assert.equal(s.fromHeaders({ authorization: 'Bearer ' }), null)
  })

  test('cookie given as string[] (one cookie per element, as some frameworks pass it)', async () => {
    const { encode } = await authCore()
    const token = await encode({ token: { sub: 'array' }, secret: A, salt: V5_NAME })
    const s = new AuthJsSession({ secret: A })
    assert.equal(s.fromHeaders({ cookie: ['a=1', `${V5_NAME}=${token}`, 'b=2'] }).sub, 'array')
    assert.equal(s.fromHeaders({ cookie: [`${V5_NAME}=${token}`] }).sub, 'array')
    assert.equal(s.fromHeaders({ cookie: ['a=1', 'b=2'] }), null)
  })

  test('a bad Bearer token throws; v4 fromHeaders reads next-auth.session-token', async () => {
    const s = new AuthJsSession({ secret: A })
    throwsCode(() => s.fromHeaders({ authorization: 'Bearer not-a-token' }), 'ERR_TOKEN_MALFORMED')
    throwsCode(() => s.fromHeaders({ authorization: 'Bearer %zz' }), 'ERR_TOKEN_MALFORMED')
    const token = await v4jwt.encode({ token: { sub: 'v4h' }, secret: A })
    const v4 = new AuthJsSession({ secret: A, format: 'v4' })
    assert.equal(v4.fromHeaders({ cookie: `${V4_NAME}=${token}` }).sub, 'v4h')
    assert.equal(v4.fromHeaders({ authorization: `Bearer ${token}` }).sub, 'v4h')
  })
})

// ---------------------------------------------------------------------------
// Error messages never leak the token or the secret
// ---------------------------------------------------------------------------

test('error messages never contain the token, its parts, or the secret', async () => {
  const { encode } = await authCore()
  const token = await encode({ token: { sub: 'leak' }, secret: A, salt: V5_NAME })
  const expired = await encode({ token: { sub: 'leak' }, secret: A, salt: V5_NAME, maxAge: -60 })
  const parts = token.split('.').filter((p) => p.length >= 12)
  const jws = jsonwebtoken.sign({ sub: 'jws' }, A, { algorithm: 'HS256' })
  const secretLike = `${A}-not-used`
  const failures = [
    [token, () => new AuthJsSession({ secret: B }).decode(token)],
    [token, () => new AuthJsSession({ secret: [B, C] }).decode(token)],
    [token, () => new AuthJsSession({ secret: A, salt: 'x' }).decode(token)],
    [token, () => new AuthJsSession({ secret: A }).decode(mutatePart(token, 4, (b) => { b[0] ^= 1 }))],
    [token, () => new AuthJsSession({ secret: A }).decode(token.slice(0, -10) + '!!!!!!!!!!')],
    [token, () => new AuthJsSession({ secret: A, maxTokenLength: 10 }).decode(token)],
    [token, () => new AuthJsSession({ secret: A }).decode(token + '.' + token)],
    [token, () => new AuthJsSession({ secret: A }).decode('Bearer ' + token)],
    [token, () => new AuthJsSession({ secret: A }).fromCookieHeader(`${V5_NAME}=${token.slice(0, 50)}`)],
    [token, () => new AuthJsSession({ secret: B }).fromHeaders({ authorization: `Bearer ${token}` })],
    [expired, () => new AuthJsSession({ secret: A }).decode(expired)],
    [jws, () => new AuthJsSession({ secret: A }).decode(jws)],
    ['', () => new AuthJsSession({ secret: [secretLike, ''] })],
    ['', () => new AuthJsSession({ secret: secretLike, format: 'v3' })],
    ['', () => new AuthJsSession({ secret: { value: secretLike } })],
    ['', () => new AuthJsSession({ secret: [secretLike, 42] })],
  ]
  for (const [tok, fn] of failures) {
    let err
    try {
      fn()
    } catch (e) {
      err = e
    }
    assert.ok(err, `expected a failure: ${fn}`)
    assert.match(err.code, /^ERR_/)
    const text = `${err.message}\n${err.stack}\n${JSON.stringify(err)}\n${String(err)}`
    for (const secret of [A, B, C, secretLike]) assert.ok(!text.includes(secret), `secret in: ${err.message}`)
    if (tok) {
      assert.ok(!text.includes(tok), `token in: ${err.message}`)
      for (const p of tok === token ? parts : tok.split('.').filter((p) => p.length >= 12)) {
        assert.ok(!text.includes(p), `token part in: ${err.message}`)
      }
    }
  }
})
