'use strict'

// The `authbridge` command line (bin/authbridge.js), run for real as a child process with
// secrets in its environment, against tokens made by jsonwebtoken, @auth/core (Auth.js v5)
// and next-auth v4. Every run is checked for leaks: no secret may appear in stdout or
// stderr, whatever the outcome.
// The CLI's other tests sit with the feature they attack: attacks.test.js (finding 4:
// forged output lines, a PEM in --key-file taken as an HMAC secret) and jwks.test.js
// ('integrations': verify --jwks-uri and --issuer discovery).

const { describe, test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { pathToFileURL } = require('node:url')

const jsonwebtoken = require('jsonwebtoken')
const v4jwt = require('next-auth-v4/jwt')

const BIN = path.join(__dirname, '..', 'bin', 'authbridge.js')
const authCore = () => import('@auth/core/jwt')
const sessionStoreModule = () =>
  import(pathToFileURL(path.join(path.dirname(require.resolve('@auth/core/jwt')), 'lib', 'utils', 'cookie.js')).href)

const rand = (n = 32) => crypto.randomBytes(n).toString('hex')
const nowSec = () => Math.floor(Date.now() / 1000)

// Fresh secrets each run; every one of them is checked against every output.
const JWT_SECRET = `jwt-${rand()}`
const JWT_SECRET_512 = `jwt512-${rand(48)}`
const AUTH_SECRET = `auth-${rand()}`
const AUTH_SECRET_OLD = `auth-old-${rand()}`
const FILE_SECRET = `file-${rand()}`
const SECRETS = [JWT_SECRET, JWT_SECRET_512, AUTH_SECRET, AUTH_SECRET_OLD, FILE_SECRET]

const ENV = {
  PATH: process.env.PATH,
  JWT_SECRET,
  JWT_SECRET_512,
  AUTH_SECRET,
  AUTH_SECRET_1: AUTH_SECRET_OLD,
  EMPTY_SECRET: '',
}

const V5_NAME = 'authjs.session-token'
const V5_SECURE = '__Secure-authjs.session-token'

/**
 * Runs the CLI; asserts that no secret (nor the private key) leaks into its output.
 * `forbidden` adds strings that must not appear either (the raw token, a signature).
 */
function run(args, { env = ENV, input, forbidden = [] } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, input, encoding: 'utf8', timeout: 30_000 })
  assert.equal(r.error, undefined, `spawn failed: ${r.error}`)
  const output = `${r.stdout}\n${r.stderr}`
  for (const s of [...SECRETS, ...forbidden]) {
    assert.ok(!output.includes(s), `output of \`authbridge ${args[0]}\` leaks a secret or the token`)
  }
  if (rsa) assert.ok(!output.includes(rsa.privateJwk.d), 'output leaks the private key')
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const json = (r) => JSON.parse(r.stdout)
const hs256 = (claims, options = {}) => jsonwebtoken.sign(claims, JWT_SECRET, { algorithm: 'HS256', ...options })
const signatureOf = (token) => token.split('.')[2]

let tmp
let rsa
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'authbridge-cli-'))
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
  rsa = {
    privateKey,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }),
    publicJwk: publicKey.export({ format: 'jwk' }),
    privateJwk: privateKey.export({ format: 'jwk' }),
  }
})
after(() => fs.rmSync(tmp, { recursive: true, force: true }))

function file(name, content) {
  const p = path.join(tmp, name)
  fs.writeFileSync(p, content)
  return p
}

async function authjsToken(claims, { secret = AUTH_SECRET, salt = V5_NAME, maxAge } = {}) {
  const { encode } = await authCore()
  return encode({ token: claims, secret, salt, ...(maxAge ? { maxAge } : {}) })
}

/** A Cookie header chunked by @auth/core's own SessionStore, chunks in reverse order among other cookies. */
async function chunkedCookie(name, token) {
  const { SessionStore } = await sessionStoreModule()
  const store = new SessionStore({ name, options: {} }, {}, { debug() {}, error() {}, warn() {} })
  const chunks = store.chunk(token, {})
  return { count: chunks.length, header: ['theme=dark', ...chunks.reverse().map((c) => `${c.name}=${c.value}`), 'x=1'].join('; ') }
}

// ---------------------------------------------------------------------------

describe('help and usage', () => {
  test('--help, help and no arguments print the usage, exit 0', () => {
    for (const args of [['--help'], ['-h'], ['help'], [], ['verify', '--help'], ['authjs', '--help']]) {
      const r = run(args)
      assert.equal(r.code, 0, args.join(' '))
      assert.match(r.stdout, /Usage:/)
      assert.match(r.stdout, /authbridge inspect/)
      assert.match(r.stdout, /authbridge verify/)
      assert.match(r.stdout, /authbridge authjs/)
    }
  })

  test('--version prints the package version', () => {
    const r = run(['--version'])
    assert.equal(r.code, 0)
    assert.equal(r.stdout.trim(), require('../package.json').version)
  })

  test('an unknown command or option is a usage error (exit 2), and its value is not echoed', () => {
    let r = run(['frobnicate'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /unknown command/)
    assert.equal(r.stdout, '')
    r = run(['verify', '--alg', 'HS256', '--secret-env', 'JWT_SECRET', '--nope=some-value', hs256({ exp: nowSec() + 60 })])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /unknown option --nope/)
    assert.ok(!r.stderr.includes('some-value'))
    r = run(['inspect', '--bogus', 'a.b.c'])
    assert.equal(r.code, 2)
  })

  test('a missing token, or more than one, is a usage error; extra arguments are not echoed', () => {
    let r = run(['inspect'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /missing the token/)
    // A secret pasted as an argument by mistake must not come back in the error.
    const token = hs256({ exp: nowSec() + 60 })
    r = run(['verify', '--alg', 'HS256', '--secret-env', 'JWT_SECRET', 'pasted-by-mistake-xyz', token], { forbidden: [token] })
    assert.equal(r.code, 2)
    assert.ok(!r.stderr.includes('pasted-by-mistake-xyz'))
  })

  test('--secret and other secrets on argv are refused (exit 2), the value is never echoed', () => {
    const token = hs256({ exp: nowSec() + 60 })
    for (const args of [
      ['verify', '--alg', 'HS256', '--secret', 'argv-secret-value', token],
      ['verify', '--alg', 'HS256', '--secret=argv-secret-value', token],
      ['verify', '--alg', 'HS256', '--key', 'argv-secret-value', token],
      ['authjs', '--secret', 'argv-secret-value', token],
      ['--secret', 'argv-secret-value'],
    ]) {
      const r = run(args, { forbidden: ['argv-secret-value', token] })
      assert.equal(r.code, 2, args.join(' '))
      assert.match(r.stderr, /--(secret|key) is refused/)
      assert.match(r.stderr, /--secret-env/)
      assert.equal(r.stdout, '')
    }
  })
})

describe('inspect', () => {
  test('a JWS: kind, header, claims, times and hints, never the signature or the raw token', () => {
    const token = hs256({ sub: 'user-1', role: 'admin', exp: nowSec() - 180, iat: nowSec() - 600 }, { keyid: 'k1' })
    const r = run(['inspect', token], { forbidden: [token, signatureOf(token)] })
    assert.equal(r.code, 0)
    assert.match(r.stdout, /kind: +JWS/)
    assert.match(r.stdout, /Auth\.js session: no/)
    assert.match(r.stdout, /alg: +HS256/)
    assert.match(r.stdout, /kid: +k1/)
    assert.match(r.stdout, /"sub": "user-1"/)
    assert.match(r.stdout, /"role": "admin"/)
    assert.match(r.stdout, /unverified/)
    assert.match(r.stdout, /exp .*expired 3 min ago/)
    assert.match(r.stdout, /iat .*issued 10 min ago/)
    assert.match(r.stdout, /hints:\n {2}- the token expired 3 min ago/)
  })

  test('--json prints the inspect object of the core', () => {
    const token = hs256({ sub: 'user-1', exp: nowSec() + 900 })
    const r = run(['inspect', '--json', token], { forbidden: [token, signatureOf(token)] })
    assert.equal(r.code, 0)
    const v = json(r)
    assert.deepEqual(v, { ...require('..').inspect(token), times: v.times })
    assert.equal(v.kind, 'jws')
    assert.equal(v.authJsSession, false)
    assert.equal(v.claims.sub, 'user-1')
    assert.match(v.times.exp.relative, /^expires in 1[45] min$/)
    assert.equal(v.error, null)
  })

  test('an Auth.js session (JWE): kind, Auth.js yes, header, claims encrypted, never the ciphertext', async () => {
    const token = await authjsToken({ sub: 'user-2', email: 'secret-mail@example.com' })
    const [, , iv, ciphertext, tag] = token.split('.')
    const r = run(['inspect', token], { forbidden: [token, iv, ciphertext, tag] })
    assert.equal(r.code, 0)
    assert.match(r.stdout, /kind: +JWE/)
    assert.match(r.stdout, /Auth\.js session: yes/)
    assert.match(r.stdout, /"enc": "A256CBC-HS512"/)
    assert.match(r.stdout, /claims: +encrypted/)
    assert.match(r.stdout, /AuthJsSession/)
    assert.ok(!r.stdout.includes('secret-mail'))
    const j = json(run(['inspect', '--json', token], { forbidden: [token, iv, ciphertext, tag] }))
    assert.equal(j.kind, 'jwe')
    assert.equal(j.authJsSession, true)
    assert.equal(j.claims, null)
  })

  test('garbage and "Bearer x": hints, the error, exit 1', () => {
    let r = run(['inspect', 'not-a-token'])
    assert.equal(r.code, 1)
    assert.match(r.stdout, /kind: +unknown/)
    assert.match(r.stdout, /3 parts \(JWS\) or 5 \(JWE\); this has 1/)
    assert.match(r.stdout, /error: +ERR_TOKEN_MALFORMED/)
    r = run(['inspect', 'Bearer x'])
    assert.equal(r.code, 1)
    assert.match(r.stdout, /starts with 'Bearer '/)
    const j = json(run(['inspect', '--json', 'Bearer x']))
    assert.equal(j.kind, 'unknown')
    assert.match(j.error, /^ERR_TOKEN_MALFORMED/)
    assert.ok(j.hints.some((h) => h.includes('Bearer')))
  })

  test('a Bearer-prefixed real token is still explained, with the hint', () => {
    const token = hs256({ sub: 'u', exp: nowSec() + 60 })
    const r = run(['inspect', `Bearer ${token}`], { forbidden: [token, signatureOf(token)] })
    assert.equal(r.code, 0)
    assert.match(r.stdout, /kind: +JWS/)
    assert.match(r.stdout, /Bearer/)
  })

  test('control characters and bidi overrides in claims are escaped, not sent to the terminal', () => {
    const token = hs256({ sub: 'a\u001b[31mred\u202eevil\u009b', exp: nowSec() + 60 })
    const r = run(['inspect', token])
    assert.equal(r.code, 0)
    assert.ok(!/[\u001b\u202e\u009b]/.test(r.stdout))
    assert.match(r.stdout, /\\u001b\[31mred\\u202eevil\\u009b/)
  })

  test("'-' reads the token from stdin, trimmed", () => {
    const token = hs256({ sub: 'from-stdin', exp: nowSec() + 60 })
    const r = run(['inspect', '--json', '-'], { input: `  ${token}\n\n`, forbidden: [signatureOf(token)] })
    assert.equal(r.code, 0)
    assert.equal(json(r).claims.sub, 'from-stdin')
    assert.deepEqual(json(r).hints, [])
    const empty = run(['inspect', '-'], { input: ' \n' })
    assert.equal(empty.code, 2)
    assert.match(empty.stderr, /stdin is empty/)
  })
})

describe('verify', () => {
  test('HS256 from an environment variable: prints the claims, exit 0', () => {
    const token = hs256({ sub: 'user-1', scope: 'read', exp: nowSec() + 60 }, { issuer: 'https://issuer', audience: 'api' })
    const r = run(['verify', '--alg', 'HS256', '--secret-env', 'JWT_SECRET', '--issuer', 'https://issuer', '--audience', 'api', token],
      { forbidden: [token, signatureOf(token)] })
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stderr, '')
    const claims = json(r)
    assert.equal(claims.sub, 'user-1')
    assert.equal(claims.scope, 'read')
    assert.equal(claims.iss, 'https://issuer')
    // --flag=value works too, and several --alg of one family.
    const r2 = run(['verify', '--alg=HS256', '--alg=HS384', '--secret-env=JWT_SECRET', token])
    assert.equal(r2.code, 0, r2.stderr)
  })

  test('expired: ERR_JWT_EXPIRED on stderr, exit 1, nothing on stdout; --clock-tolerance accepts it', () => {
    const token = hs256({ sub: 'u', exp: nowSec() - 120 })
    const r = run(['verify', '--alg', 'HS256', '--secret-env', 'JWT_SECRET', token], { forbidden: [token, signatureOf(token)] })
    assert.equal(r.code, 1)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /^ERR_JWT_EXPIRED: the token expired 2 min ago/)
    const tolerated = run(['verify', '--alg', 'HS256', '--secret-env', 'JWT_SECRET', '--clock-tolerance', '300', token])
    assert.equal(tolerated.code, 0, tolerated.stderr)
    assert.equal(json(tolerated).sub, 'u')
  })

  test('wrong algorithm: ERR_JWS_ALG_NOT_ALLOWED, exit 1', () => {
    const token = hs256({ sub: 'u', exp: nowSec() + 60 })
    const r = run(['verify', '--alg', 'HS512', '--secret-env', 'JWT_SECRET_512', token])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^ERR_JWS_ALG_NOT_ALLOWED: /)
  })

  test('wrong secret, issuer, audience: their codes, exit 1', () => {
    const token = jsonwebtoken.sign({ sub: 'u', exp: nowSec() + 60, iss: 'a', aud: 'b' }, JWT_SECRET_512, { algorithm: 'HS256' })
    let r = run(['verify', '--alg', 'HS256', '--secret-env', 'JWT_SECRET', token])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^ERR_JWS_SIGNATURE_INVALID: /)
    r = run(['verify', '--alg', 'HS256', '--secret-env', 'JWT_SECRET_512', '--issuer', 'other', token])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^ERR_JWT_CLAIM_INVALID: /)
    r = run(['verify', '--alg', 'HS256', '--secret-env', 'JWT_SECRET_512', '--audience', 'x', '--audience', 'b', token])
    assert.equal(r.code, 0, r.stderr)
  })

  test('an Auth.js session given to verify: ERR_TOKEN_WRONG_KIND', async () => {
    const token = await authjsToken({ sub: 'u' })
    const r = run(['verify', '--alg', 'HS256', '--secret-env', 'JWT_SECRET', token], { forbidden: [token] })
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^ERR_TOKEN_WRONG_KIND: /)
  })

  test('a short secret: ERR_INVALID_KEY naming --allow-weak-secret, which accepts it', () => {
    const env = { ...ENV, SHORT: 'short-secret' }
    const token = jsonwebtoken.sign({ sub: 'u', exp: nowSec() + 60 }, 'short-secret')
    let r = run(['verify', '--alg', 'HS256', '--secret-env', 'SHORT', token], { env, forbidden: ['short-secret'] })
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^ERR_INVALID_KEY: /)
    assert.match(r.stderr, /--allow-weak-secret/)
    r = run(['verify', '--alg', 'HS256', '--secret-env', 'SHORT', '--allow-weak-secret', token], { env, forbidden: ['short-secret'] })
    assert.equal(r.code, 0, r.stderr)
  })

  test('a missing or empty environment variable: named, no value printed, exit 2', () => {
    const token = hs256({ sub: 'u', exp: nowSec() + 60 })
    let r = run(['verify', '--alg', 'HS256', '--secret-env', 'NOT_SET_ANYWHERE', token])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /environment variable NOT_SET_ANYWHERE is not set/)
    assert.equal(r.stdout, '')
    r = run(['verify', '--alg', 'HS256', '--secret-env', 'EMPTY_SECRET', token])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /environment variable EMPTY_SECRET is empty/)
    // The secret itself passed as the variable name is not echoed.
    r = run(['verify', '--alg', 'HS256', '--secret-env', 'looksLikeAValue0123456789', token], { forbidden: ['looksLikeAValue0123456789'] })
    assert.equal(r.code, 2)
    assert.match(r.stderr, /is not set/)
  })

  test('usage errors: no --alg, alg none, no key source, two key sources, a bad tolerance (exit 2)', () => {
    const token = hs256({ sub: 'u', exp: nowSec() + 60 })
    const cases = [
      [['verify', '--secret-env', 'JWT_SECRET', token], /needs --alg/],
      [['verify', '--alg', 'none', '--secret-env', 'JWT_SECRET', token], /'none' is never accepted/],
      [['verify', '--alg', 'HS999', '--secret-env', 'JWT_SECRET', token], /--alg must be one of/],
      [['verify', '--alg', 'HS256', token], /needs one key source/],
      [['verify', '--alg', 'HS256', '--secret-env', 'JWT_SECRET', '--jwk-file', '/nonexistent', token], /exactly one key source/],
      [['verify', '--alg', 'HS256', '--secret-env', 'JWT_SECRET', '--clock-tolerance', 'soon', token], /--clock-tolerance must be/],
      [['verify', '--alg', 'HS256', '--key-file', path.join(os.tmpdir(), `missing-${rand(4)}`), token], /cannot read --key-file .*ENOENT/],
      [['verify', '--alg'], /--alg needs a value/],
    ]
    for (const [args, message] of cases) {
      const r = run(args)
      assert.equal(r.code, 2, args.join(' '))
      assert.match(r.stderr, message)
      assert.equal(r.stdout, '')
    }
  })

  test('--key-file: an HMAC secret (trailing newline removed) and an RSA public key (PEM)', () => {
    const secretFile = file('hmac.txt', `${FILE_SECRET}\n`)
    const token = jsonwebtoken.sign({ sub: 'file', exp: nowSec() + 60 }, FILE_SECRET)
    let r = run(['verify', '--alg', 'HS256', '--key-file', secretFile, token])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(json(r).sub, 'file')

    const pem = file('public.pem', rsa.publicPem)
    const rs = jsonwebtoken.sign({ sub: 'rsa', exp: nowSec() + 60 }, rsa.privateKey, { algorithm: 'RS256' })
    r = run(['verify', '--alg', 'RS256', '--alg', 'PS256', '--key-file', pem, rs])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(json(r).sub, 'rsa')
    // An HS256 token forged with the public key as secret is refused.
    const forged = jsonwebtoken.sign({ sub: 'forged', exp: nowSec() + 60 }, 'x'.repeat(32))
    r = run(['verify', '--alg', 'RS256', '--key-file', pem, forged])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^ERR_JWS_ALG_NOT_ALLOWED: /)
  })

  test('--jwk-file and --jwks-file (kid picks the key)', () => {
    const jwk = file('key.jwk', JSON.stringify(rsa.publicJwk))
    const jwks = file('keys.jwks', JSON.stringify({ keys: [{ ...rsa.publicJwk, kid: 'k1', use: 'sig' }] }))
    const token = jsonwebtoken.sign({ sub: 'jwk', exp: nowSec() + 60 }, rsa.privateKey, { algorithm: 'RS256', keyid: 'k1' })
    let r = run(['verify', '--alg', 'RS256', '--jwk-file', jwk, token])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(json(r).sub, 'jwk')
    r = run(['verify', '--alg', 'RS256', '--jwks-file', jwks, token])
    assert.equal(r.code, 0, r.stderr)
    const other = jsonwebtoken.sign({ sub: 'jwk', exp: nowSec() + 60 }, rsa.privateKey, { algorithm: 'RS256', keyid: 'k2' })
    r = run(['verify', '--alg', 'RS256', '--jwks-file', jwks, other])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^ERR_JWKS_NO_MATCHING_KEY: /)
    // A bad JWK file: the library's code, the content not echoed.
    const bad = file('bad.jwk', `{"kty":"oct","k":"${FILE_SECRET}"`)
    r = run(['verify', '--alg', 'RS256', '--jwk-file', bad, token])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^ERR_INVALID_KEY: /)
  })

  test("'-' reads the token from stdin", () => {
    const token = hs256({ sub: 'piped', exp: nowSec() + 60 })
    const r = run(['verify', '--alg', 'HS256', '--secret-env', 'JWT_SECRET', '-'], { input: `${token}\n`, forbidden: [signatureOf(token)] })
    assert.equal(r.code, 0, r.stderr)
    assert.equal(json(r).sub, 'piped')
  })
})

describe('authjs', () => {
  test('a token made by @auth/core: the claims, exit 0 (AUTH_SECRET by default)', async () => {
    const token = await authjsToken({ sub: 'user-9', name: 'Ada', email: 'ada@example.com' })
    for (const args of [['authjs', '--secret-env', 'AUTH_SECRET', token], ['authjs', token]]) {
      const r = run(args, { forbidden: [token] })
      assert.equal(r.code, 0, r.stderr)
      const claims = json(r)
      assert.equal(claims.sub, 'user-9')
      assert.equal(claims.email, 'ada@example.com')
      assert.equal(typeof claims.exp, 'number')
    }
  })

  test('a Cookie header (with a Cookie: prefix too), and one without the session cookie', async () => {
    const token = await authjsToken({ sub: 'cookie-user' })
    let r = run(['authjs', '--secret-env', 'AUTH_SECRET', `theme=dark; ${V5_NAME}=${token}; x=1`], { forbidden: [token] })
    assert.equal(r.code, 0, r.stderr)
    assert.equal(json(r).sub, 'cookie-user')
    r = run(['authjs', `Cookie: ${V5_NAME}=${token}`], { forbidden: [token] })
    assert.equal(r.code, 0, r.stderr)

    r = run(['authjs', '--secret-env', 'AUTH_SECRET', 'theme=dark; other=1'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^no session cookie named authjs\.session-token/)
    assert.equal(r.stdout, '')
    // The secure cookie present but not asked for: the hint names the flag, never the value.
    r = run(['authjs', `${V5_SECURE}=${token}`], { forbidden: [token] })
    assert.equal(r.code, 1)
    assert.match(r.stderr, /no session cookie named authjs\.session-token .*--secure-cookie/)
  })

  test('a chunked Cookie header (@auth/core SessionStore chunks, any order), --secure-cookie', async () => {
    const big = { sub: 'big', profile: crypto.randomBytes(6000).toString('base64') }
    const token = await authjsToken(big, { salt: V5_SECURE })
    const { count, header } = await chunkedCookie(V5_SECURE, token)
    assert.ok(count >= 2, `expected chunks, got ${count}`)
    const r = run(['authjs', '--secure-cookie', header], { forbidden: [token] })
    assert.equal(r.code, 0, r.stderr)
    assert.equal(json(r).profile, big.profile)
    // Through stdin (a big header is better piped than passed on argv).
    const piped = run(['authjs', '--secure-cookie', '-'], { input: `${header}\n` })
    assert.equal(piped.code, 0, piped.stderr)
    assert.equal(json(piped).sub, 'big')
  })

  test('a rotated secret list: a token of the old secret decodes with both, not with the new alone', async () => {
    const token = await authjsToken({ sub: 'rotated' }, { secret: AUTH_SECRET_OLD })
    let r = run(['authjs', '--secret-env', 'AUTH_SECRET', '--secret-env', 'AUTH_SECRET_1', token], { forbidden: [token] })
    assert.equal(r.code, 0, r.stderr)
    assert.equal(json(r).sub, 'rotated')
    r = run(['authjs', '--secret-env', 'AUTH_SECRET', `${V5_NAME}=${token}`], { forbidden: [token] })
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^ERR_JWE_NO_MATCHING_SECRET: /)
  })

  test('--secret-file, --salt and --cookie-name', async () => {
    const secretFile = file('auth-secret', `${FILE_SECRET}\r\n`)
    const token = await authjsToken({ sub: 'custom' }, { secret: FILE_SECRET, salt: 'my-session' })
    let r = run(['authjs', '--secret-file', secretFile, '--cookie-name', 'my-session', `my-session=${token}`], { forbidden: [token] })
    assert.equal(r.code, 0, r.stderr)
    assert.equal(json(r).sub, 'custom')
    r = run(['authjs', '--secret-file', secretFile, '--salt', 'my-session', token], { forbidden: [token] })
    assert.equal(r.code, 0, r.stderr)
    r = run(['authjs', '--secret-file', secretFile, token], { forbidden: [token] })
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^ERR_JWE_NO_MATCHING_SECRET: /)
  })

  test('--v4 reads a NextAuth v4 token', async () => {
    const token = await v4jwt.encode({ token: { sub: 'v4-user' }, secret: AUTH_SECRET })
    let r = run(['authjs', '--v4', token], { forbidden: [token] })
    assert.equal(r.code, 0, r.stderr)
    assert.equal(json(r).sub, 'v4-user')
    r = run(['authjs', '--v4', `next-auth.session-token=${token}`], { forbidden: [token] })
    assert.equal(r.code, 0, r.stderr)
    // Without --v4, the cookie hint says so.
    r = run(['authjs', `next-auth.session-token=${token}`], { forbidden: [token] })
    assert.equal(r.code, 1)
    assert.match(r.stderr, /--v4/)
  })

  test('failures: a JWS, an expired session, a missing secret variable', async () => {
    const jws = hs256({ sub: 'u', exp: nowSec() + 60 })
    let r = run(['authjs', jws], { forbidden: [jws] })
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^ERR_TOKEN_WRONG_KIND: /)

    const { encode } = await authCore()
    const expired = await encode({ token: { sub: 'u' }, secret: AUTH_SECRET, salt: V5_NAME, maxAge: -60 })
    r = run(['authjs', expired], { forbidden: [expired] })
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^ERR_JWT_EXPIRED: /)

    const env = { PATH: process.env.PATH }
    r = run(['authjs', jws], { env })
    assert.equal(r.code, 2)
    assert.match(r.stderr, /environment variable AUTH_SECRET is not set/)
    r = run(['authjs', '--secret-env', 'AUTH_SECRET', '--secret-env', 'AUTH_SECRET_2', jws])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /environment variable AUTH_SECRET_2 is not set/)
  })
})
