'use strict'

// Hostile input for every public entry point: JwtVerifier.verify / verifyComplete,
// verifyJws, AuthJsSession.decode / fromCookieHeader / fromHeaders,
// HandshakeAuthenticator.authenticate / verifyToken, decodeUnverified, and inspect
// (which must never throw and always return an object).
//
// Valid base tokens come from the real libraries (jsonwebtoken, @auth/core); every
// malformed token is built by hand with base64url and node:crypto, and, where the
// point is what the bytes hold (invalid UTF-8, duplicate members, deep nesting,
// odd claims), it is correctly signed (HMAC-SHA256) or correctly encrypted
// (A256CBC-HS512 / A256GCM with the Auth.js key derivation), so that the defect
// under test is the only one. Every row names the exact error code for every entry
// point it runs through; `null` means "returns null" (no session present) and 'ok'
// means "accepted".
//
// Run: node --test __test__/

const { describe, test } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const { spawn } = require('node:child_process')
const path = require('node:path')
const jsonwebtoken = require('jsonwebtoken')

const { JwtVerifier, verifyJws, AuthJsSession, HandshakeAuthenticator, decodeUnverified, inspect } = require('..')
const keys = require('./helpers/keys')

// ---------------------------------------------------------------------------
// Secrets, keys, configured instances
// ---------------------------------------------------------------------------

const SECRET = crypto.randomBytes(32)
const AUTH_SECRET = `hostile-auth-secret-${crypto.randomBytes(16).toString('hex')}`
const OTHER_AUTH_SECRET = `other-auth-secret-${crypto.randomBytes(16).toString('hex')}`
const COOKIE = 'authjs.session-token'
const AUD = 'api'

const nowSec = () => Math.floor(Date.now() / 1000)
const b64u = (x) => (Buffer.isBuffer(x) ? x : Buffer.from(typeof x === 'string' ? x : JSON.stringify(x))).toString('base64url')
const raw = (...pieces) => Buffer.concat(pieces.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))))
const authCore = () => import('@auth/core/jwt')

const JWT_OPTIONS = { algorithms: ['HS256'], key: SECRET, audience: AUD }
const verifier = new JwtVerifier(JWT_OPTIONS)
const session = new AuthJsSession({ secret: AUTH_SECRET })
const handshake = new HandshakeAuthenticator({ jwt: JWT_OPTIONS, authjs: { secret: AUTH_SECRET } })

/** HMAC-SHA256 of a signing input with SECRET, as a compact JWS. */
function signText(signingInput, secret = SECRET) {
  return `${signingInput}.${crypto.createHmac('sha256', secret).update(signingInput).digest('base64url')}`
}
/** A JWS over exactly these header and payload bytes (objects are JSON, strings and Buffers are taken as they are). */
const hsJws = (header, payload) => signText(`${b64u(header)}.${b64u(payload)}`)
const H = { alg: 'HS256', typ: 'JWT' }
const goodClaims = (extra = {}) => ({ sub: 'hostile', aud: AUD, iat: nowSec(), exp: nowSec() + 600, ...extra })

// Auth.js v5 key derivation (HKDF-SHA256, salt = cookie name) and RFC 7638 kid.
function authKey(len, secret = AUTH_SECRET, salt = COOKIE) {
  return Buffer.from(crypto.hkdfSync('sha256', secret, salt, `Auth.js Generated Encryption Key (${salt})`, len))
}
function thumbprint(key) {
  const json = `{"k":"${b64u(key)}","kty":"oct"}`
  return crypto.createHash(key.length === 64 ? 'sha512' : 'sha256').update(json).digest('base64url')
}
const CBC_KEY = authKey(64)
const GCM_KEY = authKey(32)
const CBC_HEADER = { alg: 'dir', enc: 'A256CBC-HS512', kid: thumbprint(CBC_KEY) }
const GCM_HEADER = { alg: 'dir', enc: 'A256GCM', kid: thumbprint(GCM_KEY) }

/** A compact JWE, A256CBC-HS512 (RFC 7518 5.2) over any plaintext bytes, header as given. */
function jweCbc(header, plaintext, { key = CBC_KEY, iv = crypto.randomBytes(16), tagLen = 32 } = {}) {
  const h = b64u(header)
  const c = crypto.createCipheriv('aes-256-cbc', key.subarray(32), iv)
  const ct = Buffer.concat([c.update(raw(plaintext)), c.final()])
  const al = Buffer.alloc(8)
  al.writeBigUInt64BE(BigInt(h.length * 8))
  const tag = crypto.createHmac('sha512', key.subarray(0, 32)).update(raw(h, iv, ct, al)).digest().subarray(0, tagLen)
  return [h, '', b64u(iv), b64u(ct), b64u(tag)].join('.')
}
/** A compact JWE, AES-256-GCM over any plaintext bytes; any IV and tag length node:crypto allows. */
function jweGcm(header, plaintext, { key = GCM_KEY, iv = crypto.randomBytes(12), tagLen = 16 } = {}) {
  const h = b64u(header)
  const c = crypto.createCipheriv('aes-256-gcm', key, iv, { authTagLength: tagLen })
  c.setAAD(Buffer.from(h, 'ascii'))
  const ct = Buffer.concat([c.update(raw(plaintext)), c.final()])
  return [h, '', b64u(iv), b64u(ct), b64u(c.getAuthTag())].join('.')
}
const sessionClaims = (extra = {}) => JSON.stringify({ sub: 'hostile', iat: nowSec(), exp: nowSec() + 600, jti: crypto.randomUUID(), ...extra })

// Tokens the real libraries make, once.
let fixturesPromise
function fixtures() {
  fixturesPromise ??= (async () => {
    const jwt = jsonwebtoken.sign({ sub: 'hostile', aud: AUD }, SECRET, { algorithm: 'HS256', expiresIn: '10m' })
    const { encode } = await authCore()
    const sessionToken = await encode({ token: { sub: 'hostile' }, secret: AUTH_SECRET, salt: COOKIE, maxAge: 600 })
    const otherSession = await encode({ token: { sub: 'intruder' }, secret: OTHER_AUTH_SECRET, salt: COOKIE, maxAge: 600 })
    return { jwt, session: sessionToken, otherSession }
  })()
  return fixturesPromise
}

// ---------------------------------------------------------------------------
// Row runner
// ---------------------------------------------------------------------------

/** Every token entry point, with the way a token reaches it. */
const ENTRY = {
  verify: (t) => verifier.verify(t),
  verifyComplete: (t) => verifier.verifyComplete(t),
  verifyJws: (t) => verifyJws(t, { algorithms: ['HS256'], key: SECRET }),
  decode: (t) => session.decode(t),
  // a string token travels as the session cookie; anything else is passed as the header itself
  fromCookieHeader: (t) => session.fromCookieHeader(typeof t === 'string' ? `${COOKIE}=${t}` : t),
  // a string token travels as Authorization: Bearer; anything else as the header value itself
  fromHeaders: (t) => session.fromHeaders({ authorization: typeof t === 'string' ? `Bearer ${t}` : t }),
  authenticate: (t) => handshake.authenticate({ auth: { token: t }, headers: {}, query: {} }),
  verifyToken: (t) => handshake.verifyToken(t),
  decodeUnverified: (t) => decodeUnverified(t),
}
const ALL = Object.keys(ENTRY)

const preview = (v) => {
  try {
    const s = Buffer.isBuffer(v) ? `<Buffer ${v.length} bytes>` : JSON.stringify(v)
    return s === undefined ? String(v) : s.slice(0, 120)
  } catch {
    return String(v)
  }
}

/**
 * Runs fn and compares with `expected`: an error code, null (returns null), 'ok'
 * (returns an object) or a function that checks the result. Returns a mismatch
 * description or null. `secretText` must not appear in an error message.
 */
function outcome(fn, expected, secretText) {
  let result
  let err
  try {
    result = fn()
  } catch (e) {
    err = e
  }
  if (err !== undefined) {
    if (!(err instanceof Error)) return `threw a non-Error: ${preview(err)}`
    if (typeof secretText === 'string' && secretText.length >= 12 && err.message.includes(secretText)) {
      return `${err.code}, but the message repeats the token: ${err.message.slice(0, 160)}`
    }
    if (typeof expected === 'string' && expected.startsWith('ERR_')) {
      return err.code === expected ? null : `expected ${expected}, got ${err.code}: ${err.message.slice(0, 160)}`
    }
    return `expected ${expected === null ? 'null' : 'a result'}, got ${err.code}: ${err.message.slice(0, 160)}`
  }
  if (typeof expected === 'string' && expected.startsWith('ERR_')) return `expected ${expected}, got a result: ${preview(result)}`
  if (expected === null) return result === null ? null : `expected null, got ${preview(result)}`
  if (expected === 'ok') return result !== null && typeof result === 'object' ? null : `expected a result, got ${preview(result)}`
  if (typeof expected === 'function') {
    try {
      expected(result)
      return null
    } catch (e) {
      return `result check failed: ${e.message}`
    }
  }
  throw new Error(`bad expectation ${expected}`)
}

/** inspect never throws, always returns an object, and never repeats a signature or ciphertext. */
function inspectMismatch(token) {
  let r
  try {
    r = inspect(token)
  } catch (e) {
    return `inspect threw ${e && e.code}: ${e && e.message}`
  }
  if (r === null || typeof r !== 'object') return `inspect returned ${preview(r)}`
  if (!['jws', 'jwe', 'unknown'].includes(r.kind)) return `inspect kind ${preview(r.kind)}`
  if (!Array.isArray(r.hints)) return 'inspect hints is not an array'
  if (typeof token === 'string') {
    const parts = token.split('.')
    const last = parts.length === 3 || parts.length === 5 ? parts.at(-1) : ''
    if (last.length >= 16 && JSON.stringify(r).includes(last)) return 'inspect repeats the signature / tag'
    if (parts.length === 5 && parts[3].length >= 16 && JSON.stringify(r).includes(parts[3])) return 'inspect repeats the ciphertext'
  }
  return null
}

/** One test per row: every listed entry point, then inspect. */
function runRows(section, rows, columns, defaults = {}) {
  describe(section, () => {
    for (const row of rows) {
      test(row.name, async () => {
        const f = await fixtures()
        const token = await row.token(f)
        const secretText = typeof token === 'string' ? token : row.secretText
        const mismatches = []
        for (const entry of columns) {
          const expected = entry in row.expect ? row.expect[entry] : entry in defaults ? defaults[entry] : row.expect['*']
          if (expected === undefined) throw new Error(`row ${row.name}: no expectation for ${entry}`)
          const m = outcome(() => ENTRY[entry](token), expected, secretText)
          if (m) mismatches.push(`${entry}: ${m}`)
        }
        const im = inspectMismatch(token)
        if (im) mismatches.push(im)
        assert.deepEqual(mismatches, [], `${row.name}`)
      })
    }
  })
}

// ---------------------------------------------------------------------------
// 1. Any token argument, every entry point
// ---------------------------------------------------------------------------

const MAL = 'ERR_TOKEN_MALFORMED'
const NON_STRINGS = [
  // probes: a number is never coerced to a string
  ['a number', () => 42, { '*': MAL, fromHeaders: 'ERR_INVALID_OPTIONS' }],
  // probes: null is "no token" where the caller looks for one (handshake, headers), malformed where a token is required
  ['null', () => null, { '*': MAL, authenticate: 'ERR_TOKEN_MISSING', fromHeaders: 'ERR_INVALID_OPTIONS' }],
  // probes: undefined (a missing argument)
  ['undefined', () => undefined, { '*': MAL, authenticate: 'ERR_TOKEN_MISSING', fromHeaders: null }],
  // probes: a plain object holding the token is not unwrapped
  ['an object holding the token', (f) => ({ token: f.jwt }), { '*': MAL, fromHeaders: 'ERR_INVALID_OPTIONS' }],
  // probes: an object whose toString returns a valid token is never coerced
  ['an object with toString() returning a valid token', (f) => ({ toString: () => f.jwt }), { '*': MAL, fromHeaders: 'ERR_INVALID_OPTIONS' }],
  // probes: a String wrapper object (typeof 'object') is not a string
  ['a String object', (f) => new String(f.jwt), { '*': MAL, fromHeaders: 'ERR_INVALID_OPTIONS' }],
  // probes: a Buffer holding the token bytes
  ['a Buffer of the token', (f) => Buffer.from(f.jwt), { '*': MAL, fromHeaders: 'ERR_INVALID_OPTIONS' }],
  // probes: an array holding the token
  ['an array holding the token', (f) => [f.jwt], { '*': MAL, fromHeaders: 'ERR_INVALID_OPTIONS' }],
  // probes: a symbol (cannot even be converted implicitly in JS)
  ['a symbol', () => Symbol('token'), { '*': MAL, fromHeaders: 'ERR_INVALID_OPTIONS' }],
  // probes: a bigint
  ['a bigint', () => 10n ** 30n, { '*': MAL, fromHeaders: 'ERR_INVALID_OPTIONS' }],
]

const ANY_TOKEN_ROWS = [
  ...NON_STRINGS.map(([what, make, expect]) => ({
    name: `not a string: ${what}`,
    token: make,
    // a wrapped token must not be echoed in a message either
    secretText: undefined,
    expect,
  })),
  // probes: the empty string (no token: null / missing where the caller looks for one)
  { name: 'empty string', token: () => '', expect: { '*': MAL, fromCookieHeader: null, fromHeaders: null, authenticate: 'ERR_TOKEN_MISSING' } },
  // probes: only whitespace (trimmed away by the cookie and handshake readers)
  { name: 'whitespace only', token: () => '   ', expect: { '*': MAL, fromCookieHeader: null, fromHeaders: null, authenticate: 'ERR_TOKEN_MISSING' } },
  // probes: a Bearer prefix with a junk token (the handshake strips the prefix; the token is still junk)
  { name: "'Bearer x'", token: () => 'Bearer x', expect: { '*': MAL } },
  // probes: a 3-part token of more than 1 MiB: refused by length before any parsing, everywhere
  { name: 'a 1 MiB token', token: () => `${b64u(H)}.${'A'.repeat(1 << 20)}.${'A'.repeat(43)}`, expect: { '*': 'ERR_TOKEN_TOO_LARGE' } },
  // probes: 10,000 dots (no quadratic split, no allocation per part)
  { name: '10,000 dots', token: () => '.'.repeat(10000), expect: { '*': MAL } },
  // probes: 10,000 dots between valid-looking parts (split stops after 5 parts)
  { name: 'a valid token followed by 10,000 dots', token: (f) => f.jwt + '.'.repeat(10000), expect: { '*': MAL } },
  // probes: a lone surrogate (not valid UTF-16; napi converts it) in a token-shaped string
  { name: 'a lone UTF-16 surrogate', token: () => 'eyJh\ud800.e30.AAAA', expect: { '*': MAL, decode: 'ERR_TOKEN_WRONG_KIND', fromCookieHeader: 'ERR_TOKEN_WRONG_KIND', fromHeaders: 'ERR_TOKEN_WRONG_KIND' } },
]

runRows('any token argument, every entry point', ANY_TOKEN_ROWS, ALL)

test('non-string Authorization values: ERR_INVALID_OPTIONS, and the message never repeats the header value (README: messages never contain the token)', async () => {
  const { jwt } = await fixtures()
  const leaks = []
  for (const value of [new String(`Bearer ${jwt}`), [`Bearer ${jwt}`], { toString: () => `Bearer ${jwt}` }]) {
    let err
    try {
      session.fromHeaders({ authorization: value })
    } catch (e) {
      err = e
    }
    assert.ok(err, 'a non-string authorization is refused')
    assert.equal(err.code, 'ERR_INVALID_OPTIONS')
    if (err.message.includes(jwt)) leaks.push(`${Array.isArray(value) ? 'array' : typeof value}: ${err.message.slice(0, 100)}...`)
  }
  assert.deepEqual(leaks, [], 'error messages that repeat the token')
})

// ---------------------------------------------------------------------------
// 2. JWS: base64url, bytes, JSON, claims (correctly signed unless the point is the signature)
// ---------------------------------------------------------------------------

const JWS_COLUMNS = ['verify', 'verifyComplete', 'verifyJws', 'verifyToken', 'authenticate', 'decodeUnverified', 'decode']
const JWS_DEFAULTS = { decode: 'ERR_TOKEN_WRONG_KIND' } // a 3-part token given to the session decoder

/** A payload of `len` base64url characters ending in a character with unused bits set. */
function nonCanonical(b64) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  assert.notEqual(b64.length % 4, 0, 'needs a partial final quantum')
  const i = alphabet.indexOf(b64.at(-1))
  return b64.slice(0, -1) + alphabet[i | 1] // a non-zero low bit (2 or 4 bits are unused)
}
/** Claims whose base64url has a partial last quantum (length % 4 === 2). */
function claimsWithPartialQuantum() {
  for (let n = 0; ; n++) {
    const p = b64u(goodClaims({ pad: 'x'.repeat(n) }))
    if (p.length % 4 === 2) return p
  }
}
const deep = (n) => '['.repeat(n) + ']'.repeat(n)
const deepObj = (n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)
const exp = () => nowSec() + 600

const JWS_ROWS = [
  // control: a hand-signed token with our helper is accepted (so the rows below fail for their defect only)
  { name: 'control: hand-signed valid token', token: () => hsJws(H, goodClaims()), expect: { '*': 'ok' } },
  // control: the jsonwebtoken token is accepted
  { name: 'control: jsonwebtoken token', token: (f) => f.jwt, expect: { '*': 'ok' } },

  // --- base64url (the signature is computed over the altered text, so only the encoding is wrong)
  // probes: '=' padding on the payload
  { name: "base64url: '=' padding on the payload (re-signed)", token: () => signText(`${b64u(H)}.${claimsWithPartialQuantum()}==`), expect: { '*': MAL } },
  // probes: '=' padding on the signature
  { name: "base64url: '=' padding on the signature", token: () => hsJws(H, goodClaims()) + '=', expect: { '*': MAL, decodeUnverified: 'ok' } },
  // probes: standard-alphabet '+' in the signature
  { name: "base64url: '+' in the signature", token: () => { const t = hsJws(H, goodClaims()); return t.slice(0, -5) + '+' + t.slice(-4) }, expect: { '*': MAL, decodeUnverified: 'ok' } },
  // probes: standard-alphabet '/' in the header (re-signed)
  { name: "base64url: '/' in the header (re-signed)", token: () => signText(`${b64u(H).slice(0, 4)}/${b64u(H).slice(5)}.${b64u(goodClaims())}`), expect: { '*': MAL } },
  // probes: a space inside the payload (re-signed)
  { name: 'base64url: a space inside the payload (re-signed)', token: () => { const p = b64u(goodClaims()); return signText(`${b64u(H)}.${p.slice(0, 10)} ${p.slice(10)}`) }, expect: { '*': MAL } },
  // probes: a tab and a newline inside the header (re-signed)
  { name: 'base64url: tab and newline inside the header (re-signed)', token: () => { const h = b64u(H); return signText(`${h.slice(0, 6)}\t\n${h.slice(6)}.${b64u(goodClaims())}`) }, expect: { '*': MAL } },
  // probes: non-canonical last character of the payload (unused bits set; decodes to the same bytes in lax decoders)
  { name: 'base64url: non-canonical last char of the payload (re-signed)', token: () => signText(`${b64u(H)}.${nonCanonical(claimsWithPartialQuantum())}`), expect: { '*': MAL } },
  // probes: non-canonical last character of the signature (43 chars: 2 unused bits)
  { name: 'base64url: non-canonical last char of the signature', token: () => { const [h, p, s] = hsJws(H, goodClaims()).split('.'); return `${h}.${p}.${nonCanonical(s)}` }, expect: { '*': MAL, decodeUnverified: 'ok' } },
  // probes: a signature part of one base64url character (impossible length)
  { name: 'base64url: impossible length (1 char) signature', token: () => `${b64u(H)}.${b64u(goodClaims())}.A`, expect: { '*': MAL, decodeUnverified: 'ok' } },

  // --- bytes and JSON, correctly signed
  // probes: byte 0xff inside a string of the header
  { name: 'invalid UTF-8 (0xff) in the header', token: () => hsJws(raw('{"alg":"HS256","x":"', Buffer.from([0xff]), '"}'), goodClaims()), expect: { '*': MAL } },
  // probes: byte 0xff inside a claim; verifyJws returns raw payload bytes without parsing
  { name: 'invalid UTF-8 (0xff) in the payload', token: () => hsJws(H, raw(`{"exp":${exp()},"aud":"api","name":"`, Buffer.from([0xff, 0xfe]), '"}')), expect: { '*': MAL, verifyJws: 'ok' } },
  // probes: an overlong UTF-8 encoding of '/' (0xc0 0xaf) in the payload
  { name: 'overlong UTF-8 (0xc0 0xaf) in the payload', token: () => hsJws(H, raw(`{"exp":${exp()},"aud":"api","p":"`, Buffer.from([0xc0, 0xaf]), '"}')), expect: { '*': MAL, verifyJws: 'ok' } },
  // probes: a UTF-8 BOM before the header JSON
  { name: 'UTF-8 BOM before the header JSON', token: () => hsJws(raw(Buffer.from([0xef, 0xbb, 0xbf]), JSON.stringify(H)), goodClaims()), expect: { '*': MAL } },
  // probes: header text that is not JSON
  { name: 'invalid JSON header', token: () => hsJws('{"alg":"HS256",}', goodClaims()), expect: { '*': MAL } },
  // probes: payload text that is not JSON (verifyJws: any payload bytes)
  { name: 'invalid JSON payload', token: () => hsJws(H, `{"exp":${exp()},"aud":"api"`), expect: { '*': MAL, verifyJws: 'ok' } },
  // probes: trailing garbage after the payload object
  { name: 'payload JSON followed by garbage', token: () => hsJws(H, `{"exp":${exp()},"aud":"api"} x`), expect: { '*': MAL, verifyJws: 'ok' } },
  // probes: NaN literal (not JSON)
  { name: 'payload with a NaN literal', token: () => hsJws(H, `{"exp":NaN,"aud":"api"}`), expect: { '*': MAL, verifyJws: 'ok' } },
  // probes: a number that overflows a double (JSON.parse gives Infinity)
  { name: 'exp 1e400 (overflows to Infinity)', token: () => hsJws(H, '{"exp":1e400,"aud":"api"}'), expect: { '*': MAL, verifyJws: 'ok' } },
  // probes: a lone surrogate escape (JSON.parse accepts it; the strict parser does not)
  { name: 'payload with a lone surrogate escape \\ud800', token: () => hsJws(H, `{"exp":${exp()},"aud":"api","n":"\\ud800"}`), expect: { '*': MAL, verifyJws: 'ok' } },
  // probes: duplicate top-level claim (parser differential: first-wins vs last-wins)
  { name: 'duplicate top-level claim (sub twice)', token: () => hsJws(H, `{"exp":${exp()},"aud":"api","sub":"user","sub":"admin"}`), expect: { '*': MAL, verifyJws: 'ok' } },
  // probes: duplicate exp (which exp would be checked?)
  { name: 'duplicate exp claim (expired, then future)', token: () => hsJws(H, `{"aud":"api","exp":1,"exp":${exp()}}`), expect: { '*': MAL, verifyJws: 'ok' } },
  // probes: duplicate member inside a nested object
  { name: 'duplicate nested member', token: () => hsJws(H, `{"exp":${exp()},"aud":"api","roles":{"admin":false,"admin":true}}`), expect: { '*': MAL, verifyJws: 'ok' } },
  // probes: duplicate member inside an object in an array
  { name: 'duplicate member in an object inside an array', token: () => hsJws(H, `{"exp":${exp()},"aud":"api","x":[{"a":1,"a":2}]}`), expect: { '*': MAL, verifyJws: 'ok' } },
  // probes: duplicates spelled differently (escape of the same name)
  { name: 'duplicate claim through a \\u escape (sub / s\\u0075b)', token: () => hsJws(H, `{"exp":${exp()},"aud":"api","sub":"user","s\\u0075b":"admin"}`), expect: { '*': MAL, verifyJws: 'ok' } },
  // probes: duplicate alg in the header (HS256 then none)
  { name: 'duplicate header member (alg HS256, then none)', token: () => hsJws('{"alg":"HS256","alg":"none"}', goodClaims()), expect: { '*': MAL } },
  // probes: duplicate member nested in the header
  { name: 'duplicate nested header member', token: () => hsJws('{"alg":"HS256","x":{"k":1,"k":2}}', goodClaims()), expect: { '*': MAL } },
  // probes: 200-deep array nesting in the payload (recursion bound)
  { name: '200-deep array nesting in the payload', token: () => hsJws(H, `{"exp":${exp()},"aud":"api","x":${deep(200)}}`), expect: { '*': MAL, verifyJws: 'ok' } },
  // probes: 200-deep object nesting in the payload
  { name: '200-deep object nesting in the payload', token: () => hsJws(H, `{"exp":${exp()},"aud":"api","x":${deepObj(200)}}`), expect: { '*': MAL, verifyJws: 'ok' } },
  // probes: 200-deep nesting in the header
  { name: '200-deep nesting in the header', token: () => hsJws(`{"alg":"HS256","x":${deep(200)}}`, goodClaims()), expect: { '*': MAL } },
  // probes: 5,000-deep nesting in the payload (no stack overflow)
  { name: '5,000-deep nesting in the payload', token: () => hsJws(H, `{"exp":${exp()},"aud":"api","x":${deep(5000)}}`), expect: { '*': MAL, verifyJws: 'ok' } },
  // probes: 100-deep nesting is fine (the bound is not too tight)
  { name: '100-deep nesting in the payload is accepted', token: () => hsJws(H, `{"exp":${exp()},"aud":"api","x":${deep(100)}}`), expect: { '*': 'ok' } },
  // probes: payload that is a JSON array
  { name: 'payload that is a JSON array', token: () => hsJws(H, `[{"exp":${exp()}}]`), expect: { '*': MAL, verifyJws: 'ok' } },
  // probes: payload that is JSON null
  { name: 'payload that is JSON null', token: () => hsJws(H, 'null'), expect: { '*': MAL, verifyJws: 'ok' } },
  // probes: header that is a JSON array
  { name: 'header that is a JSON array', token: () => hsJws('["HS256"]', goodClaims()), expect: { '*': MAL } },
  // probes: header that is a JSON string
  { name: 'header that is a JSON string', token: () => hsJws('"HS256"', goodClaims()), expect: { '*': MAL } },
  // probes: empty header part
  { name: 'empty header part', token: () => { const [, p, s] = hsJws(H, goodClaims()).split('.'); return `.${p}.${s}` }, expect: { '*': MAL } },

  // --- header member types (decodeUnverified performs no checks: it returns the header as it is)
  // probes: alg a number
  { name: 'alg not a string (number)', token: () => hsJws({ alg: 256 }, goodClaims()), expect: { '*': MAL, decodeUnverified: 'ok' } },
  // probes: alg null
  { name: 'alg null', token: () => hsJws({ alg: null }, goodClaims()), expect: { '*': MAL, decodeUnverified: 'ok' } },
  // probes: alg an array containing the pinned algorithm
  { name: "alg ['HS256'] (an array)", token: () => hsJws({ alg: ['HS256'] }, goodClaims()), expect: { '*': MAL, decodeUnverified: 'ok' } },
  // probes: alg an object
  { name: 'alg an object', token: () => hsJws({ alg: { name: 'HS256' } }, goodClaims()), expect: { '*': MAL, decodeUnverified: 'ok' } },
  // probes: kid an object
  { name: 'kid not a string (object)', token: () => hsJws({ alg: 'HS256', kid: { id: 1 } }, goodClaims()), expect: { '*': MAL, decodeUnverified: 'ok' } },
  // probes: kid a number
  { name: 'kid not a string (number)', token: () => hsJws({ alg: 'HS256', kid: 7 }, goodClaims()), expect: { '*': MAL, decodeUnverified: 'ok' } },
  // probes: typ a number
  { name: 'typ not a string (number)', token: () => hsJws({ alg: 'HS256', typ: 1 }, goodClaims()), expect: { '*': MAL, decodeUnverified: 'ok' } },
  // probes: typ an array
  { name: 'typ not a string (array)', token: () => hsJws({ alg: 'HS256', typ: ['JWT'] }, goodClaims()), expect: { '*': MAL, decodeUnverified: 'ok' } },
  // probes: no alg at all
  { name: 'header without alg', token: () => hsJws({ typ: 'JWT' }, goodClaims()), expect: { '*': MAL, decodeUnverified: 'ok' } },

  // --- claim values (verifyJws does no claim checks; decodeUnverified neither)
  // probes: exp as a numeric string
  { name: 'exp as a string', token: () => hsJws(H, goodClaims({ exp: String(exp()) })), expect: { '*': 'ERR_JWT_CLAIM_INVALID', verifyJws: 'ok', decodeUnverified: 'ok' } },
  // probes: exp as a float in the future: a NumericDate may be non-integer (RFC 7519 2): accepted
  { name: 'exp as a float in the future (accepted)', token: () => hsJws(H, goodClaims({ exp: exp() + 0.5 })), expect: { '*': 'ok' } },
  // probes: exp as a float just in the past
  { name: 'exp as a float in the past', token: () => hsJws(H, goodClaims({ exp: nowSec() - 10.5 })), expect: { '*': 'ERR_JWT_EXPIRED', verifyJws: 'ok', decodeUnverified: 'ok' } },
  // probes: negative exp
  { name: 'exp negative', token: () => hsJws(H, goodClaims({ exp: -1 })), expect: { '*': 'ERR_JWT_EXPIRED', verifyJws: 'ok', decodeUnverified: 'ok' } },
  // probes: exp -0
  { name: 'exp -0', token: () => hsJws(H, `{"aud":"api","exp":-0}`), expect: { '*': 'ERR_JWT_EXPIRED', verifyJws: 'ok', decodeUnverified: 'ok' } },
  // probes: exp 1e300, a finite far-future NumericDate: accepted (the issuer signed it), no overflow
  { name: 'exp 1e300 (finite, far future: accepted)', token: () => hsJws(H, '{"aud":"api","exp":1e300}'), expect: { '*': (r) => assert.ok(r) } },
  // probes: exp "NaN" (a string that is NaN when coerced)
  { name: "exp 'NaN' (string)", token: () => hsJws(H, goodClaims({ exp: 'NaN' })), expect: { '*': 'ERR_JWT_CLAIM_INVALID', verifyJws: 'ok', decodeUnverified: 'ok' } },
  // probes: exp "Infinity" (a string)
  { name: "exp 'Infinity' (string)", token: () => hsJws(H, goodClaims({ exp: 'Infinity' })), expect: { '*': 'ERR_JWT_CLAIM_INVALID', verifyJws: 'ok', decodeUnverified: 'ok' } },
  // probes: exp null / true / array
  { name: 'exp null', token: () => hsJws(H, goodClaims({ exp: null })), expect: { '*': 'ERR_JWT_CLAIM_INVALID', verifyJws: 'ok', decodeUnverified: 'ok' } },
  { name: 'exp true', token: () => hsJws(H, goodClaims({ exp: true })), expect: { '*': 'ERR_JWT_CLAIM_INVALID', verifyJws: 'ok', decodeUnverified: 'ok' } },
  { name: 'exp as an array [future]', token: () => hsJws(H, goodClaims({ exp: [exp()] })), expect: { '*': 'ERR_JWT_CLAIM_INVALID', verifyJws: 'ok', decodeUnverified: 'ok' } },
  // probes: nbf 1e300 (not active for ever) and nbf as a string
  { name: 'nbf 1e300', token: () => hsJws(H, `{"aud":"api","exp":${exp()},"nbf":1e300}`), expect: { '*': 'ERR_JWT_NOT_ACTIVE', verifyJws: 'ok', decodeUnverified: 'ok' } },
  { name: 'nbf as a string', token: () => hsJws(H, goodClaims({ nbf: '0' })), expect: { '*': 'ERR_JWT_CLAIM_INVALID', verifyJws: 'ok', decodeUnverified: 'ok' } },
  // probes: iat as a string
  { name: 'iat as a string', token: () => hsJws(H, goodClaims({ iat: 'yesterday' })), expect: { '*': 'ERR_JWT_CLAIM_INVALID', verifyJws: 'ok', decodeUnverified: 'ok' } },
  // probes: aud as a nested array holding the expected audience
  { name: "aud as a nested array [['api']]", token: () => hsJws(H, goodClaims({ aud: [[AUD]] })), expect: { '*': 'ERR_JWT_CLAIM_INVALID', verifyJws: 'ok', decodeUnverified: 'ok' } },
  // probes: aud an object keyed by the expected audience
  { name: "aud as an object { api: true }", token: () => hsJws(H, goodClaims({ aud: { [AUD]: true } })), expect: { '*': 'ERR_JWT_CLAIM_INVALID', verifyJws: 'ok', decodeUnverified: 'ok' } },
  // probes: aud an array mixing the expected audience and a number
  { name: "aud ['api', 5]", token: () => hsJws(H, goodClaims({ aud: [AUD, 5] })), expect: { '*': 'ERR_JWT_CLAIM_INVALID', verifyJws: 'ok', decodeUnverified: 'ok' } },
  // probes: aud an empty array
  { name: 'aud []', token: () => hsJws(H, goodClaims({ aud: [] })), expect: { '*': 'ERR_JWT_CLAIM_INVALID', verifyJws: 'ok', decodeUnverified: 'ok' } },
  // probes: aud with different case / a trailing space
  { name: "aud 'API ' (case and whitespace)", token: () => hsJws(H, goodClaims({ aud: 'API ' })), expect: { '*': 'ERR_JWT_CLAIM_INVALID', verifyJws: 'ok', decodeUnverified: 'ok' } },
]

runRows('JWS: base64url, bytes, JSON and claims', JWS_ROWS, JWS_COLUMNS, JWS_DEFAULTS)

// ---------------------------------------------------------------------------
// 3. Keys: JWKs that must be refused, through every way a key gets in
// ---------------------------------------------------------------------------

describe('keys: refused JWKs, through jwk, jwks, verifyJws, HandshakeAuthenticator and setJwks', () => {
  const ec = () => keys.ec('P-256').publicJwk
  const rsa = () => keys.rsa().publicJwk
  const flipLastBit = (b64) => {
    const b = Buffer.from(b64, 'base64url')
    b[b.length - 1] ^= 1
    return b64u(b)
  }
  const octOf = (n) => ({ kty: 'oct', k: b64u(crypto.randomBytes(n)) })
  const KEY_ROWS = [
    // probes: an EC key labelled kty RSA
    ['EC key with kty RSA', ['ES256'], () => ({ ...ec(), kty: 'RSA' })],
    // probes: an EC key labelled kty oct (an HMAC algorithm must not use it either)
    ['EC key with kty oct, for ES256', ['ES256'], () => ({ ...ec(), kty: 'oct' })],
    ['EC key with kty oct, for HS256', ['HS256'], () => ({ ...ec(), kty: 'oct' })],
    // probes: unknown / wrong-case / non-string kty
    ["kty 'foo'", ['ES256'], () => ({ ...ec(), kty: 'foo' })],
    ["kty 'ec' (wrong case)", ['ES256'], () => ({ ...ec(), kty: 'ec' })],
    ['kty a number', ['ES256'], () => ({ ...ec(), kty: 1 })],
    ['no kty', ['ES256'], () => { const { kty, ...k } = ec(); return k }],
    // probes: a P-256 point labelled P-384 (wrong crv for the algorithm and for the coordinates)
    ['P-256 key labelled crv P-384, for ES256', ['ES256'], () => ({ ...ec(), crv: 'P-384' })],
    ['P-256 key labelled crv P-384, for ES384', ['ES384'], () => ({ ...ec(), crv: 'P-384' })],
    // probes: unsupported curve names
    ["crv 'secp256k1'", ['ES256'], () => ({ ...ec(), crv: 'secp256k1' })],
    ['no crv', ['ES256'], () => { const { crv, ...k } = ec(); return k }],
    // probes: invalid-curve attack material: a point not on the curve
    ['off-curve EC point (y with its last bit flipped)', ['ES256'], () => ({ ...ec(), y: flipLastBit(ec().y) })],
    ['EC point (0, 0)', ['ES256'], () => ({ ...ec(), x: b64u(Buffer.alloc(32)), y: b64u(Buffer.alloc(32)) })],
    ['EC x coordinate >= p (all 0xff)', ['ES256'], () => ({ ...ec(), x: b64u(Buffer.alloc(32, 0xff)) })],
    ['EC x of 31 bytes', ['ES256'], () => ({ ...ec(), x: b64u(Buffer.alloc(31, 1)) })],
    ['EC x not a string', ['ES256'], () => ({ ...ec(), x: 5 })],
    // probes: RSA public exponent 1 (signature = message), 2 (even), 0 and empty
    ['RSA e=1', ['RS256'], () => ({ ...rsa(), e: 'AQ' })],
    ['RSA e=2', ['RS256'], () => ({ ...rsa(), e: 'Ag' })],
    ['RSA e=0', ['RS256'], () => ({ ...rsa(), e: 'AA' })],
    ['RSA e empty', ['RS256'], () => ({ ...rsa(), e: '' })],
    // probes: RSA keys under 2048 bits
    ['RSA 1024-bit', ['RS256'], () => keys.rsa('small', 1024).publicJwk],
    ['RSA 1024-bit for PS256', ['PS256'], () => keys.rsa('small', 1024).publicJwk],
    ['RSA 2047-bit modulus', ['RS256'], () => { const n = Buffer.from(rsa().n, 'base64url'); n[0] = 0x7f; return { ...rsa(), n: b64u(n) } }],
    // probes: HMAC JWKs shorter than the hash output (RFC 7518 3.2), and empty
    ['oct 31 bytes for HS256', ['HS256'], () => octOf(31)],
    ['oct 47 bytes for HS384', ['HS384'], () => octOf(47)],
    ['oct 63 bytes for HS512', ['HS512'], () => octOf(63)],
    ['oct 32 bytes for HS256+HS512', ['HS256', 'HS512'], () => octOf(32)],
    ['oct 1 byte for HS256', ['HS256'], () => octOf(1)],
    ["oct k ''", ['HS256'], () => ({ kty: 'oct', k: '' })],
    // probes: an oct k that is not strict base64url
    ['oct k with padding', ['HS256'], () => ({ kty: 'oct', k: b64u(crypto.randomBytes(32)) + '=' })],
    ['oct k with standard-alphabet characters', ['HS256'], () => ({ kty: 'oct', k: crypto.randomBytes(48).toString('base64').replace(/[-_]/g, '+') + '/+' })],
    // probes: an oct "secret" that is a public key in disguise (algorithm confusion)
    ['oct k = base64url of an RSA public key PEM', ['HS256'], () => ({ kty: 'oct', k: b64u(keys.rsa().publicPem) })],
    ['oct k = base64url of an SPKI DER', ['HS256'], () => ({ kty: 'oct', k: b64u(keys.rsa().publicKey.export({ type: 'spki', format: 'der' })) })],
    // probes: OKP keys of the wrong size / curve
    ['Ed25519 x of 31 bytes', ['EdDSA'], () => ({ ...keys.ed25519().publicJwk, x: b64u(Buffer.alloc(31, 3)) })],
    ["OKP crv 'X25519' (an ECDH key)", ['EdDSA'], () => ({ ...keys.ed25519().publicJwk, crv: 'X25519' })],
    // probes: use / key_ops / alg forbidding verification
    ["use 'enc'", ['RS256'], () => ({ ...rsa(), use: 'enc' })],
    ["key_ops ['encrypt']", ['RS256'], () => ({ ...rsa(), key_ops: ['encrypt'] })],
    ["alg 'RSA-OAEP' (an encryption key)", ['RS256'], () => ({ ...rsa(), alg: 'RSA-OAEP' })],
    // probes: not an object
    ['JWK that is a JSON array', ['RS256'], () => [rsa()]],
    ['JWK that is a number', ['RS256'], () => 5],
  ]

  for (const [name, algorithms, make] of KEY_ROWS) {
    test(`${name} -> ERR_INVALID_KEY everywhere`, async () => {
      const { jwt } = await fixtures()
      const jwk = make()
      const mismatches = []
      const ways = {
        'new JwtVerifier({ jwk })': () => new JwtVerifier({ algorithms, jwk }),
        'new JwtVerifier({ jwk: JSON text })': () => new JwtVerifier({ algorithms, jwk: JSON.stringify(jwk) }),
        'new JwtVerifier({ jwks: { keys: [jwk] } })': () => new JwtVerifier({ algorithms, jwks: { keys: [jwk] } }),
        'verifyJws(token, { jwk })': () => verifyJws(jwt, { algorithms, jwk }),
        'new HandshakeAuthenticator({ jwt: { jwk } })': () => new HandshakeAuthenticator({ jwt: { algorithms, jwk } }),
      }
      for (const [way, fn] of Object.entries(ways)) {
        const m = outcome(fn, 'ERR_INVALID_KEY')
        if (m) mismatches.push(`${way}: ${m}`)
      }
      // setJwks is atomic: on error the old keys stay and still verify.
      if (algorithms.every((a) => a.startsWith('HS'))) {
        const k64 = crypto.randomBytes(64)
        const v = new JwtVerifier({ algorithms, jwks: { keys: [{ kty: 'oct', k: b64u(k64) }] } })
        const m = outcome(() => v.setJwks({ keys: [jwk] }), 'ERR_INVALID_KEY')
        if (m) mismatches.push(`setJwks: ${m}`)
        const token = jsonwebtoken.sign({ sub: 'old-key' }, k64, { algorithm: algorithms[0], expiresIn: 60 })
        assert.equal(v.verify(token).sub, 'old-key', 'the old key still verifies after a refused setJwks')
      }
      assert.deepEqual(mismatches, [])
    })
  }

  test('a JWK Set mixing one good key and refused keys keeps only the good one', async () => {
    const { jwt } = await fixtures()
    const good = { kty: 'oct', k: b64u(SECRET), kid: 'good' }
    const v = new JwtVerifier({ algorithms: ['HS256'], jwks: { keys: [{ kty: 'oct', k: '', kid: 'empty' }, octOf(16), { ...ec(), kid: 'ec' }, good] } })
    const claims = v.verify(jwt) // no kid: every usable key is tried, and only `good` is usable
    assert.equal(claims.sub, 'hostile')
    const byKid = (kid) => hsJws({ alg: 'HS256', kid }, goodClaims())
    assert.equal(v.verify(byKid('good')).sub, 'hostile')
    assert.equal(outcome(() => v.verify(byKid('empty')), 'ERR_JWKS_NO_MATCHING_KEY'), null)
    assert.equal(outcome(() => v.verify(byKid('ec')), 'ERR_JWKS_NO_MATCHING_KEY'), null)
  })

  test('an encrypted private key PEM is refused at once, without reading a passphrase from stdin', async () => {
    // OpenSSL's default PEM passphrase callback prompts ("Enter PEM pass phrase:") and
    // reads stdin. A server whose stdin is an open pipe would block in the constructor.
    // The child keeps stdin open and never writes to it; it must finish with
    // ERR_INVALID_KEY for both the verifier and the signer, and print no prompt.
    const script = `
      const { JwtVerifier, JwtSigner } = require(${JSON.stringify(path.join(__dirname, '..'))})
      const crypto = require('node:crypto')
      const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' })
      const codes = []
      for (const make of [() => new JwtVerifier({ algorithms: ['RS256'], key: pem }), () => new JwtSigner({ algorithm: 'RS256', key: pem })]) {
        try { make(); codes.push('accepted') } catch (e) { codes.push(e.code) }
      }
      console.log(JSON.stringify(codes))`
    const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const exited = await new Promise((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        resolve(false)
      }, 5000)
      child.on('exit', () => {
        clearTimeout(timer)
        resolve(true)
      })
    })
    child.stdin.destroy()
    assert.ok(exited, `the constructor blocked waiting for a passphrase on stdin (stderr: ${JSON.stringify(stderr.slice(0, 80))})`)
    assert.doesNotMatch(stderr, /pass ?phrase/i, 'OpenSSL prompted for a passphrase')
    assert.deepEqual(JSON.parse(stdout.trim()), ['ERR_INVALID_KEY', 'ERR_INVALID_KEY'])
  })
})

// ---------------------------------------------------------------------------
// 4. JWE (Auth.js sessions)
// ---------------------------------------------------------------------------

const JWE_COLUMNS = ['decode', 'fromCookieHeader', 'fromHeaders', 'authenticate', 'verifyToken', 'verify', 'decodeUnverified']
const JWE_DEFAULTS = { verify: 'ERR_TOKEN_WRONG_KIND', decodeUnverified: 'ok' }
const withHeader = (token, header) => [b64u(header), ...token.split('.').slice(1)].join('.')
const partsOf = (token) => token.split('.')
const setPart = (token, i, value) => { const p = partsOf(token); p[i] = value; return p.join('.') }
const UNSUP = 'ERR_JWE_UNSUPPORTED'
const DECFAIL = 'ERR_JWE_DECRYPTION_FAILED'

const JWE_ROWS = [
  // controls: the @auth/core token and the hand-made CBC / GCM tokens decode (so the rows below fail for their defect only)
  { name: 'control: @auth/core session token', token: (f) => f.session, expect: { '*': 'ok' } },
  { name: 'control: hand-made A256CBC-HS512 token', token: () => jweCbc(CBC_HEADER, sessionClaims()), expect: { '*': 'ok' } },
  { name: 'control: hand-made A256GCM token', token: () => jweGcm(GCM_HEADER, sessionClaims()), expect: { '*': 'ok' } },

  // --- header: alg, enc, zip, p2c, crit, kid
  // probes: zip DEF on the @auth/core token (decompression bomb surface): refused before decryption
  { name: "zip 'DEF' added to an @auth/core token", token: (f) => withHeader(f.session, { ...JSON.parse(Buffer.from(partsOf(f.session)[0], 'base64url')), zip: 'DEF' }), expect: { '*': UNSUP } },
  // probes: zip DEF on a correctly encrypted token whose plaintext is deflated claims
  { name: "zip 'DEF' on a correctly encrypted, deflated session", token: () => jweCbc({ ...CBC_HEADER, zip: 'DEF' }, require('node:zlib').deflateRawSync(sessionClaims())), expect: { '*': UNSUP } },
  // probes: PBES2 with p2c = 2^31 must be refused from the header, before any key derivation (the call must return)
  { name: 'PBES2-HS256+A128KW with p2c 2^31 (returns at once)', token: () => [b64u({ alg: 'PBES2-HS256+A128KW', enc: 'A256CBC-HS512', p2c: 2 ** 31, p2s: b64u(crypto.randomBytes(16)) }), b64u(crypto.randomBytes(72)), b64u(crypto.randomBytes(16)), b64u(crypto.randomBytes(32)), b64u(crypto.randomBytes(32))].join('.'), expect: { '*': UNSUP } },
  // probes: PBES2 with p2c 2^31 and the Auth.js kid (a kid match must not lead to key derivation either)
  { name: 'PBES2-HS512+A256KW with p2c 2^31 and the Auth.js kid', token: () => [b64u({ alg: 'PBES2-HS512+A256KW', enc: 'A256CBC-HS512', kid: CBC_HEADER.kid, p2c: 2 ** 31, p2s: 'AAAAAAAAAAAAAAAAAAAAAA' }), b64u(crypto.randomBytes(72)), b64u(crypto.randomBytes(16)), b64u(crypto.randomBytes(32)), b64u(crypto.randomBytes(32))].join('.'), expect: { '*': UNSUP } },
  // probes: alg dir with a p2c member (meaningless): the header changed, so the tag fails
  { name: 'alg dir with a p2c member 2^31 (header altered: tag mismatch)', token: (f) => withHeader(f.session, { ...CBC_HEADER, p2c: 2 ** 31 }), expect: { '*': DECFAIL } },
  // probes: key-wrapping and key-agreement algs (alg != dir)
  { name: "alg 'A256KW'", token: () => jweCbc({ ...CBC_HEADER, alg: 'A256KW' }, sessionClaims()), expect: { '*': UNSUP } },
  { name: "alg 'RSA-OAEP-256'", token: () => jweCbc({ ...CBC_HEADER, alg: 'RSA-OAEP-256' }, sessionClaims()), expect: { '*': UNSUP } },
  { name: "alg 'ECDH-ES'", token: () => jweCbc({ ...CBC_HEADER, alg: 'ECDH-ES' }, sessionClaims()), expect: { '*': UNSUP } },
  { name: "alg 'none'", token: () => jweCbc({ ...CBC_HEADER, alg: 'none' }, sessionClaims()), expect: { '*': UNSUP } },
  { name: "alg 'DIR' (wrong case)", token: () => jweCbc({ ...CBC_HEADER, alg: 'DIR' }, sessionClaims()), expect: { '*': UNSUP } },
  // probes: alg missing / not a string (decodeUnverified returns the header as it is)
  { name: 'no alg', token: () => jweCbc({ enc: 'A256CBC-HS512', kid: CBC_HEADER.kid }, sessionClaims()), expect: { '*': MAL } },
  { name: 'alg a number', token: () => jweCbc({ ...CBC_HEADER, alg: 1 }, sessionClaims()), expect: { '*': MAL } },
  // probes: enc Auth.js never uses
  { name: "enc 'A128GCM'", token: () => jweGcm({ alg: 'dir', enc: 'A128GCM' }, sessionClaims()), expect: { '*': UNSUP } },
  { name: "enc 'A128CBC-HS256'", token: () => jweCbc({ alg: 'dir', enc: 'A128CBC-HS256' }, sessionClaims()), expect: { '*': UNSUP } },
  { name: 'enc a number', token: () => jweCbc({ alg: 'dir', enc: 512 }, sessionClaims()), expect: { '*': MAL } },
  // probes: crit in a JWE header
  { name: "crit ['exp'] in the JWE header", token: () => jweCbc({ ...CBC_HEADER, crit: ['exp'], exp: 1 }, sessionClaims()), expect: { '*': MAL } },
  // probes: the kid of another AUTH_SECRET (real @auth/core token)
  { name: 'kid of another secret (@auth/core token made with another AUTH_SECRET)', token: (f) => f.otherSession, expect: { '*': 'ERR_JWE_NO_MATCHING_SECRET' } },
  // probes: our CBC kid on a GCM token (a kid names a key of one enc only)
  { name: 'CBC key kid on an A256GCM token', token: () => jweGcm({ ...GCM_HEADER, kid: CBC_HEADER.kid }, sessionClaims()), expect: { '*': 'ERR_JWE_NO_MATCHING_SECRET' } },
  // probes: kid not a string
  { name: 'kid an object', token: () => jweCbc({ ...CBC_HEADER, kid: { k: 1 } }, sessionClaims()), expect: { '*': MAL } },
  // probes: duplicate members in the protected header (enc twice)
  { name: 'duplicate header member (enc twice)', token: () => jweCbc(`{"alg":"dir","enc":"A128GCM","enc":"A256CBC-HS512","kid":"${CBC_HEADER.kid}"}`, sessionClaims()), expect: { '*': MAL, decodeUnverified: MAL } },
  // probes: header that is a JSON array
  { name: 'header that is a JSON array', token: () => jweCbc('["dir","A256CBC-HS512"]', sessionClaims()), expect: { '*': MAL, decodeUnverified: MAL } },
  // probes: invalid UTF-8 in the protected header
  { name: 'invalid UTF-8 (0xff) in the protected header', token: () => jweCbc(raw('{"alg":"dir","enc":"A256CBC-HS512","x":"', Buffer.from([0xff]), '"}'), sessionClaims()), expect: { '*': MAL, decodeUnverified: MAL } },

  // --- IV and tag lengths (one code for all: no oracle)
  // probes: a 12-byte IV on CBC (correct MAC over it)
  { name: 'A256CBC-HS512 with a 12-byte IV (MAC correct over it)', token: () => { const t = jweCbc(CBC_HEADER, sessionClaims()); return setPart(t, 2, b64u(crypto.randomBytes(12))) }, expect: { '*': DECFAIL } },
  // probes: a 16-byte IV on GCM, correctly encrypted and tagged with it (GCM accepts any IV length; A256GCM mandates 96 bits)
  { name: 'A256GCM with a 16-byte IV, correctly encrypted', token: () => jweGcm(GCM_HEADER, sessionClaims(), { iv: crypto.randomBytes(16) }), expect: { '*': DECFAIL } },
  // probes: an empty IV
  { name: 'empty IV', token: (f) => setPart(f.session, 2, ''), expect: { '*': DECFAIL } },
  // probes: CBC tag truncated to 16 bytes (a correct prefix of the real MAC)
  { name: 'A256CBC-HS512 tag truncated to 16 bytes (a correct prefix)', token: () => jweCbc(CBC_HEADER, sessionClaims(), { tagLen: 16 }), expect: { '*': DECFAIL } },
  // probes: CBC tag of 1 byte (a correct prefix): brute-forceable if accepted
  { name: 'A256CBC-HS512 tag truncated to 1 byte (a correct prefix)', token: () => jweCbc(CBC_HEADER, sessionClaims(), { tagLen: 1 }), expect: { '*': DECFAIL } },
  // probes: CBC tag of 64 bytes (the full HMAC-SHA512, untruncated)
  { name: 'A256CBC-HS512 with the full 64-byte HMAC as tag', token: () => jweCbc(CBC_HEADER, sessionClaims(), { tagLen: 64 }), expect: { '*': DECFAIL } },
  // probes: GCM tag of 4 bytes, correctly computed with authTagLength 4
  { name: 'A256GCM with a correct 4-byte tag', token: () => jweGcm(GCM_HEADER, sessionClaims(), { tagLen: 4 }), expect: { '*': DECFAIL } },
  // probes: GCM tag of 12 bytes, correctly computed
  { name: 'A256GCM with a correct 12-byte tag', token: () => jweGcm(GCM_HEADER, sessionClaims(), { tagLen: 12 }), expect: { '*': DECFAIL } },
  // probes: an empty tag
  { name: 'empty tag', token: (f) => setPart(f.session, 4, ''), expect: { '*': DECFAIL } },
  // probes: an empty ciphertext
  { name: 'empty ciphertext', token: (f) => setPart(f.session, 3, ''), expect: { '*': DECFAIL } },
  // probes: ciphertext with one flipped bit (tag check first)
  { name: 'ciphertext with one bit flipped', token: (f) => { const ct = Buffer.from(partsOf(f.session)[3], 'base64url'); ct[0] ^= 1; return setPart(f.session, 3, b64u(ct)) }, expect: { '*': DECFAIL } },

  // --- structure and base64url
  // probes: a 6-part token
  { name: '6-part token', token: (f) => f.session + '.AAAA', expect: { '*': MAL, verify: MAL, decodeUnverified: MAL } },
  // probes: a 4-part token
  { name: '4-part token', token: (f) => partsOf(f.session).slice(0, 4).join('.'), expect: { '*': MAL, verify: MAL, decodeUnverified: MAL } },
  // probes: an encrypted-key part with alg dir
  { name: 'non-empty encrypted key with alg dir', token: (f) => setPart(f.session, 1, b64u(crypto.randomBytes(64))), expect: { '*': MAL } },
  // probes: '=' padding on the tag
  { name: "'=' padding on the tag", token: (f) => f.session + '=', expect: { '*': MAL } },
  // probes: '+' in the ciphertext
  { name: "'+' in the ciphertext", token: (f) => { const ct = partsOf(f.session)[3]; return setPart(f.session, 3, '+' + ct.slice(1)) }, expect: { '*': MAL } },
  // probes: non-canonical last character of the IV (22 chars: 4 unused bits)
  { name: 'non-canonical last char of the IV', token: (f) => setPart(f.session, 2, nonCanonical(partsOf(f.session)[2])), expect: { '*': MAL } },

  // --- plaintext (correctly encrypted with the Auth.js key)
  // probes: invalid UTF-8 in the decrypted claims
  { name: 'invalid UTF-8 (0xff) in the session claims', token: () => jweCbc(CBC_HEADER, raw(`{"exp":${exp()},"name":"`, Buffer.from([0xff]), '"}')), expect: { '*': MAL } },
  // probes: decrypted claims that are not JSON
  { name: 'session claims that are not JSON', token: () => jweCbc(CBC_HEADER, `{"exp":${exp()},`), expect: { '*': MAL } },
  // probes: duplicate claim in the session (top level)
  { name: 'duplicate session claim (sub twice)', token: () => jweCbc(CBC_HEADER, `{"exp":${exp()},"sub":"user","sub":"admin"}`), expect: { '*': MAL } },
  // probes: duplicate claim nested in the session
  { name: 'duplicate nested session claim', token: () => jweGcm(GCM_HEADER, `{"exp":${exp()},"user":{"role":"user","role":"admin"}}`), expect: { '*': MAL } },
  // probes: 200-deep nesting in the session
  { name: '200-deep nesting in the session claims', token: () => jweCbc(CBC_HEADER, `{"exp":${exp()},"x":${deep(200)}}`), expect: { '*': MAL } },
  // probes: session claims that are a JSON array
  { name: 'session claims that are a JSON array', token: () => jweCbc(CBC_HEADER, '[1,2,3]'), expect: { '*': MAL } },
  // probes: exp as a string / "NaN" / negative / float / 1e300 in a session
  { name: 'session exp as a string', token: () => jweCbc(CBC_HEADER, sessionClaims({ exp: String(exp()) })), expect: { '*': 'ERR_JWT_CLAIM_INVALID' } },
  { name: "session exp 'NaN'", token: () => jweCbc(CBC_HEADER, sessionClaims({ exp: 'NaN' })), expect: { '*': 'ERR_JWT_CLAIM_INVALID' } },
  { name: 'session exp negative', token: () => jweCbc(CBC_HEADER, sessionClaims({ exp: -1 })), expect: { '*': 'ERR_JWT_EXPIRED' } },
  { name: 'session exp float in the future (accepted)', token: () => jweCbc(CBC_HEADER, sessionClaims({ exp: exp() + 0.25 })), expect: { '*': 'ok' } },
  { name: 'session exp 1e300 (accepted)', token: () => jweCbc(CBC_HEADER, `{"sub":"x","exp":1e300}`), expect: { '*': 'ok' } },
  { name: 'session exp 1e400 (out of range)', token: () => jweCbc(CBC_HEADER, `{"sub":"x","exp":1e400}`), expect: { '*': MAL } },
]

runRows('JWE (Auth.js session tokens)', JWE_ROWS, JWE_COLUMNS, JWE_DEFAULTS)

// ---------------------------------------------------------------------------
// 5. Cookie headers
// ---------------------------------------------------------------------------

describe('cookie headers', () => {
  const filler = (n = 500, size = 200) => Array.from({ length: n }, (_, i) => `c${i}=${'v'.repeat(size)}`)
  const COOKIE_ENTRY = {
    fromCookieHeader: (h) => session.fromCookieHeader(h),
    'fromHeaders({ cookie })': (h) => session.fromHeaders({ cookie: h }),
    'fromHeaders({ cookie: [...] })': (h) => session.fromHeaders({ cookie: h.split('; ') }),
    authenticate: (h) => handshake.authenticate({ auth: {}, headers: { cookie: h }, query: {} }),
  }
  const isSession = (r) => assert.equal((r.claims ?? r).sub, 'hostile')
  /** `absent` is what each entry point answers when no session is present. */
  const absent = { fromCookieHeader: null, 'fromHeaders({ cookie })': null, 'fromHeaders({ cookie: [...] })': null, authenticate: 'ERR_TOKEN_MISSING' }
  const all = (v) => Object.fromEntries(Object.keys(COOKIE_ENTRY).map((k) => [k, v]))

  const COOKIE_ROWS = [
    // probes: 100 KiB, 500 cookies, no session among them: a linear scan, no session
    ['100 KiB header of 500 cookies, no session', () => filler().join('; '), absent],
    // probes: the session in the middle of 500 cookies
    ['100 KiB header of 500 cookies, the session in the middle', (f) => { const c = filler(); c.splice(250, 0, `${COOKIE}=${f.session}`); return c.join('; ') }, all(isSession)],
    // probes: the session as the last of 500 cookies
    ['100 KiB header of 500 cookies, the session last', (f) => [...filler(), `${COOKIE}=${f.session}`].join('; '), all(isSession)],
    // probes: 1 MiB header of 10,000 cookies without a session (returns promptly)
    ['1 MiB header of 10,000 cookies, no session', () => filler(10000, 100).join('; '), absent],
    // probes: the session split into 500 chunks arriving in random order among 500 other cookies
    ['session in 500 shuffled chunks among 500 other cookies', (f) => {
      const size = Math.ceil(f.session.length / 500)
      const chunks = Array.from({ length: 500 }, (_, i) => `${COOKIE}.${i}=${f.session.slice(i * size, (i + 1) * size)}`)
      const all2 = [...chunks, ...filler()]
      for (let i = all2.length - 1; i > 0; i--) { const j = crypto.randomInt(i + 1); [all2[i], all2[j]] = [all2[j], all2[i]] }
      return all2.join('; ')
    }, all(isSession)],
    // probes: 500 chunks adding up to 100 KiB (over maxTokenLength 65536)
    ['500 chunks of 200 bytes (100 KiB, over maxTokenLength)', () => Array.from({ length: 500 }, (_, i) => `${COOKIE}.${i}=${'A'.repeat(200)}`).join('; '), all('ERR_TOKEN_TOO_LARGE')],
    // probes: chunk suffix .99999999999 (a huge index: no allocation by index)
    ['chunk suffix .99999999999 alone', (f) => `${COOKIE}.99999999999=${f.session}`, all(MAL)],
    ['chunk .0 plus chunk .99999999999', (f) => `${COOKIE}.0=${f.session}; ${COOKIE}.99999999999=x`, all(MAL)],
    // probes: a chunk index that overflows 64 bits
    ['chunk suffix .99999999999999999999999 (over 64 bits)', (f) => `${COOKIE}.0=${f.session}; ${COOKIE}.99999999999999999999999=x`, all(MAL)],
    // probes: duplicate chunk indexes
    ['duplicate chunk index (.0 twice)', (f) => `${COOKIE}.0=${f.session.slice(0, 100)}; ${COOKIE}.1=${f.session.slice(100)}; ${COOKIE}.0=${f.session.slice(0, 100)}`, all(MAL)],
    // probes: the same index spelled .0 and .00
    ['chunk .0 and chunk .00 (same index)', (f) => `${COOKIE}.0=${f.session}; ${COOKIE}.00=x`, all(MAL)],
    // probes: a gap in the chunks
    ['chunks .0 and .2 (gap)', (f) => `${COOKIE}.0=${f.session.slice(0, 100)}; ${COOKIE}.2=${f.session.slice(100)}`, all(MAL)],
    // probes: non-numeric suffixes are other cookies (no session)
    ['non-numeric suffixes only (.x, .1a, .-1, .+1, .1.0, ".")', (f) => ['x', '1a', '-1', '+1', '1.0', ''].map((s) => `${COOKIE}.${s}=${f.session}`).join('; '), absent],
    // probes: non-numeric suffixes next to the plain session cookie (the plain one counts)
    ['non-numeric suffixes plus the plain session cookie', (f) => `${COOKIE}.x=junk; ${COOKIE}.1a=junk; ${COOKIE}=${f.session}`, all(isSession)],
    // probes: chunks win over the plain cookie even when the plain one is valid
    ['a bad chunk next to a valid plain cookie (chunks win)', (f) => `${COOKIE}=${f.session}; ${COOKIE}.0=junk`, all(MAL)],
    // probes: 500 copies of the session cookie name, first one junk (first occurrence wins)
    ['500 copies of the session cookie, the first one junk', (f) => [`${COOKIE}=junk`, ...Array(499).fill(`${COOKIE}=${f.session}`)].join('; '), all(MAL)],
    // probes: a cookie header of only separators
    ['10,000 semicolons', () => ';'.repeat(10000), absent],
  ]

  for (const [name, make, expect] of COOKIE_ROWS) {
    test(name, async () => {
      const f = await fixtures()
      const header = make(f)
      const mismatches = []
      for (const [entry, fn] of Object.entries(COOKIE_ENTRY)) {
        const m = outcome(() => fn(header), expect[entry])
        if (m) mismatches.push(`${entry}: ${m}`)
      }
      assert.deepEqual(mismatches, [])
    })
  }
})

// ---------------------------------------------------------------------------
// 6. Handshake objects
// ---------------------------------------------------------------------------

describe('handshake objects', () => {
  const HANDSHAKE_ROWS = [
    // probes: not an object at all
    ['null handshake', () => null, 'ERR_INVALID_OPTIONS'],
    ['undefined handshake', () => undefined, 'ERR_INVALID_OPTIONS'],
    ['string handshake', (f) => f.jwt, 'ERR_INVALID_OPTIONS'],
    ['number handshake', () => 1, 'ERR_INVALID_OPTIONS'],
    // probes: empty / odd containers hold no token
    ['empty object', () => ({}), 'ERR_TOKEN_MISSING'],
    ['an array', () => [], 'ERR_TOKEN_MISSING'],
    ['auth a string (not an object)', (f) => ({ auth: f.jwt }), 'ERR_TOKEN_MISSING'],
    ['headers an array', (f) => ({ headers: [`Bearer ${f.jwt}`] }), 'ERR_TOKEN_MISSING'],
    // probes: the query source is off by default, even with a valid token
    ['a valid token in the query (off by default)', (f) => ({ query: { token: f.jwt } }), 'ERR_TOKEN_MISSING'],
    // probes: Authorization of another scheme is ignored
    ['Authorization: Basic', () => ({ headers: { authorization: 'Basic dXNlcjpwYXNz' } }), 'ERR_TOKEN_MISSING'],
    // probes: non-string header values are ignored, not coerced
    ['Authorization a number', () => ({ headers: { authorization: 5 } }), 'ERR_TOKEN_MISSING'],
    ['cookie a number', () => ({ headers: { cookie: 5 } }), 'ERR_TOKEN_MISSING'],
    // probes: a bad token in auth is refused even when the header holds a good one
    ['junk in auth.token, valid token in the header', (f) => ({ auth: { token: 'junk' }, headers: { authorization: `Bearer ${f.jwt}` } }), MAL],
    // probes: a getter that throws: the caller's own error propagates (no crash, no swallowed exception)
    ['auth.token getter that throws', () => ({ auth: { get token() { throw Object.assign(new Error('getter'), { code: 'E_HOSTILE_GETTER' }) } } }), 'E_HOSTILE_GETTER'],
    // probes: a Proxy whose every get throws
    ['a Proxy throwing on every get', () => new Proxy({}, { get() { throw Object.assign(new Error('proxy'), { code: 'E_HOSTILE_PROXY' }) } }), 'E_HOSTILE_PROXY'],
  ]
  for (const [name, make, code] of HANDSHAKE_ROWS) {
    test(`${name} -> ${code}`, async () => {
      const f = await fixtures()
      const h = make(f)
      let err
      try {
        handshake.authenticate(h)
      } catch (e) {
        err = e
      }
      assert.ok(err, 'refused')
      assert.equal(err.code, code, err.message)
    })
  }

  test('the addon still works after every hostile row above', async () => {
    const { jwt, session: s } = await fixtures()
    assert.equal(verifier.verify(jwt).sub, 'hostile')
    assert.equal(session.decode(s).sub, 'hostile')
    assert.equal(handshake.authenticate({ auth: { token: s } }).kind, 'authjs')
    assert.equal(typeof inspect(jwt), 'object')
  })
})

// The internal hot functions take the number an instance's _handle() returns: any other
// number (a made-up one, another kind's, one whose instance was collected) is refused with
// ERR_INVALID_OPTIONS, never another instance's verification and never a crash.
describe('internal handles', () => {
  const native = require('../index.js')
  const secret = 'hostile-handles-secret-'.padEnd(40, 'h')
  const token = jsonwebtoken.sign({ sub: 'u' }, secret, { algorithm: 'HS256', expiresIn: 60 })
  const code = (fn) => {
    try {
      fn()
    } catch (err) {
      return err.code
    }
    return 'ok'
  }

  test('a handle names its own instance only', () => {
    const v = new native.JwtVerifier({ algorithms: ['HS256'], key: secret })
    const h = new native.HandshakeAuthenticator({ jwt: { algorithms: ['HS256'], key: secret } })
    const s = new native.AuthJsSession({ secret })
    assert.equal(JSON.parse(native._jwtVerifyText(v._handle(), token)).sub, 'u')
    assert.equal(v._handle(), v._handle())
    for (const bad of [h._handle(), s._handle(), -1, 0.5, 2 ** 60, NaN, Infinity, v._handle() + 2 ** 24]) {
      assert.equal(code(() => native._jwtVerifyText(bad, token)), 'ERR_INVALID_OPTIONS', String(bad))
    }
    assert.equal(code(() => native._handshakeVerifyToken(v._handle(), token)), 'ERR_INVALID_OPTIONS')
    assert.equal(code(() => native._authjsDecodeText(h._handle(), token)), 'ERR_INVALID_OPTIONS')
  })

  test('the raw hot functions: a handle that is not a number, missing or extra arguments, a token that is not a string', () => {
    const v = new native.JwtVerifier({ algorithms: ['HS256'], key: secret })
    const h = new native.HandshakeAuthenticator({ jwt: { algorithms: ['HS256'], key: secret } })
    const hot = ['_jwtVerifyText', '_authjsDecodeText', '_handshakeVerifyToken', '_handshakeAuthToken', '_handshakeVerifyBearer', '_handshakeAuthenticate']
    for (const name of hot) {
      for (const bad of [undefined, null, String(v._handle()), {}, [v._handle()], true, 10n]) {
        assert.equal(code(() => native[name](bad, token)), 'ERR_INVALID_OPTIONS', `${name}(${String(bad)})`)
      }
      assert.equal(code(() => native[name]()), 'ERR_INVALID_OPTIONS', `${name}()`)
    }
    // Missing arguments are undefined; extra ones are ignored.
    assert.equal(code(() => native._jwtVerifyText(v._handle())), 'ERR_TOKEN_MALFORMED')
    assert.equal(JSON.parse(native._jwtVerifyText(v._handle(), token, 'extra', {})).sub, 'u')
    for (const bad of [undefined, 42, {}, Buffer.from(token)]) {
      assert.equal(code(() => native._jwtVerifyText(v._handle(), bad)), 'ERR_TOKEN_MALFORMED', String(bad))
    }
    assert.equal(native._handshakeVerifyBearer(h._handle(), 'Basic abc'), null)
    assert.equal(native._handshakeAuthToken(h._handle(), 42), null)
    assert.equal(code(() => native._handshakeAuthenticate(h._handle())), 'ERR_TOKEN_MISSING')
    assert.equal(code(() => native._handshakeAuthenticate(h._handle(), undefined, undefined, `Bearer ${token}`, undefined, undefined, undefined, 'yes')), 'ERR_INVALID_OPTIONS')
    assert.equal(JSON.parse(native._handshakeAuthenticate(h._handle(), undefined, undefined, `Bearer ${token}`)).sub, 'u')
  })

  test('a JS callback that throws inside a hot call (a now function, an allowedOrigins matcher): a coded error, and the next call works', () => {
    const broken = () => {
      throw new TypeError('clock broke')
    }
    const v = new JwtVerifier({ algorithms: ['HS256'], key: secret, now: broken })
    const h = new HandshakeAuthenticator({ jwt: { algorithms: ['HS256'], key: secret, now: broken }, authjs: { secret: AUTH_SECRET, now: broken } })
    assert.equal(code(() => v.verify(token)), 'ERR_INVALID_OPTIONS')
    assert.equal(code(() => h.authenticate({ auth: { token } })), 'ERR_INVALID_OPTIONS')
    assert.equal(code(() => h.authenticate({ headers: { authorization: `Bearer ${token}` } })), 'ERR_INVALID_OPTIONS')
    assert.equal(code(() => h.verifyToken(token)), 'ERR_INVALID_OPTIONS')
    const m = new HandshakeAuthenticator({ authjs: { secret: AUTH_SECRET }, allowedOrigins: [() => { throw new RangeError('matcher broke') }] })
    const cookie = `${COOKIE}=a.b.c.d.e`
    assert.equal(code(() => m.authenticate({ headers: { origin: 'https://a.example', host: 'b.example', cookie } })), 'ERR_ORIGIN_NOT_ALLOWED')
    // Nothing is left pending: the same process verifies on.
    assert.equal(new JwtVerifier({ algorithms: ['HS256'], key: secret }).verify(token).sub, 'u')
  })

  test('a collected instance frees its handle; the next one in its slot gets another number', () => {
    // In a child with --expose-gc, so that collection can be forced.
    const script = `
      const native = require(${JSON.stringify(path.join(__dirname, '..', 'index.js'))})
      const key = ${JSON.stringify(secret)}
      const token = ${JSON.stringify(token)}
      let v = new native.JwtVerifier({ algorithms: ['HS256'], key })
      const old = v._handle()
      v = null
      for (let i = 0; i < 20; i++) global.gc()
      setImmediate(() => {
        global.gc()
        const fresh = new native.JwtVerifier({ algorithms: ['HS256'], key })
        const id = fresh._handle()
        let code = 'ok'
        try { native._jwtVerifyText(old, token) } catch (err) { code = err.code }
        console.log(JSON.stringify({ same: id === old, sameSlot: id % 2 ** 24 === old % 2 ** 24, code, fresh: JSON.parse(native._jwtVerifyText(id, token)).sub }))
      })`
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--expose-gc', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
      let out = ''
      child.stdout.on('data', (d) => (out += d))
      child.on('error', reject)
      child.on('exit', (status) => {
        try {
          assert.equal(status, 0)
          const r = JSON.parse(out)
          assert.equal(r.same, false)
          assert.equal(r.code, 'ERR_INVALID_OPTIONS')
          assert.equal(r.fresh, 'u')
          resolve()
        } catch (err) {
          reject(err)
        }
      })
    })
  })
})
