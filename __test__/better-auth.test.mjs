// BetterAuthSession against real better-auth 1.7: betterAuth() with its memory adapter,
// sign-up (once per user, for the whole file: its password hashing is slow) and sign-in
// through auth.handler, and the Set-Cookie headers it answers with, in each cookie-cache
// strategy, with and without __Secure- (an https baseURL), chunked (a large additional
// user field), with secret versions and a rotated secret. Each accepted session is
// compared with better-auth's own auth.api.getSession for the same Cookie header; the
// refusals (tampered, expired, wrong version, other secret, other strategy) with codes.

import { describe, test, before } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { BetterAuthSession } from '../js/index.js'
import { makeAuth, memoryDb, signUp, signIn, cookieHeader, getSession, SECRET } from './helpers/better-auth.mjs'

const STRATEGIES = ['compact', 'jwt', 'jwe']
const additionalFields = { bio: { type: 'string', required: false } }
const db = memoryDb()
const EMAIL = 'ada@example.com'
const BIG = 'big@example.com'

function throwsCode(fn, code, claim) {
  assert.throws(fn, (err) => {
    assert.equal(err.code, code, err.message)
    if (claim) assert.equal(err.claim, claim)
    return true
  })
}

/** Signs in EMAIL with a betterAuth() of these options; the Cookie header and getSession's answer. */
async function session(options, email = EMAIL) {
  const { auth, baseURL } = makeAuth({ db, additionalFields, ...options })
  const { setCookies } = await signIn(auth, baseURL, email)
  const header = cookieHeader(setCookies)
  return { auth, setCookies, header, theirs: await getSession(auth, header) }
}

/** One cookie's value from a Cookie header (chunks joined), as a parser gives it. */
function cookieValue(header, name) {
  const pairs = header.split('; ').map((p) => [p.slice(0, p.indexOf('=')), decodeURIComponent(p.slice(p.indexOf('=') + 1))])
  const plain = pairs.find(([n]) => n === name)
  if (plain) return plain[1]
  return pairs.filter(([n]) => n.startsWith(name + '.')).sort((a, b) => a[0].localeCompare(b[0], 'en', { numeric: true })).map(([, v]) => v).join('')
}

const plainJSON = (v) => JSON.parse(JSON.stringify(v))

before(async () => {
  const { auth, baseURL } = makeAuth({ db, additionalFields })
  await signUp(auth, baseURL, { email: EMAIL, name: 'Ada "the first" Lovelace \u2028', bio: 'short' })
  await signUp(auth, baseURL, { email: BIG, name: 'Big', bio: 'b'.repeat(6000) })
})

describe('BetterAuthSession: cookies set by better-auth 1.7', () => {
  for (const strategy of STRATEGIES) {
    for (const secure of [false, true]) {
      test(`${strategy}${secure ? ', __Secure- (https)' : ''}: same session and user as auth.api.getSession`, async () => {
        const { header, theirs } = await session({ strategy, secure })
        assert.ok(theirs, 'better-auth accepts its own cookie')
        const prefix = secure ? '__Secure-' : ''
        assert.match(header, new RegExp(`^${prefix}better-auth\\.session_token=.*; ${prefix}better-auth\\.session_data=`))
        for (const pinned of [strategy, undefined]) {
          const ba = new BetterAuthSession({ secret: SECRET, strategy: pinned, secureCookie: secure })
          const ours = ba.decodeCookieHeader(header)
          assert.equal(ours.strategy, strategy)
          assert.deepEqual(ours.session, plainJSON(theirs.session))
          assert.deepEqual(ours.user, plainJSON(theirs.user))
          assert.equal(ours.version, '1')
          assert.ok(Math.abs(ours.cacheExpiresAt - (Date.now() + 300_000)) < 5000)
          assert.equal(ours.expiresAt, Math.min(ours.cacheExpiresAt, Date.parse(ours.session.expiresAt)))
          // The other cookie names read nothing.
          assert.equal(new BetterAuthSession({ secret: SECRET, secureCookie: !secure }).decodeCookieHeader(header), null)
        }
      })
    }

    test(`${strategy}, chunked (a 6000-character user field): .0, .1, ... joined`, async () => {
      const { header, theirs } = await session({ strategy }, BIG)
      assert.match(header, /better-auth\.session_data\.1=/)
      const ours = new BetterAuthSession({ secret: SECRET, strategy }).decodeCookieHeader(header)
      assert.equal(ours.user.bio.length, 6000)
      assert.deepEqual(ours.user, plainJSON(theirs.user))
    })
  }
})

describe('BetterAuthSession: refusals, each with its code', () => {
  const made = {}
  before(async () => {
    for (const strategy of STRATEGIES) made[strategy] = await session({ strategy })
  })
  const data = (strategy) => cookieValue(made[strategy].header, 'better-auth.session_data')

  test('tampered caches', () => {
    const ba = new BetterAuthSession({ secret: SECRET })
    const compact = JSON.parse(Buffer.from(data('compact'), 'base64url').toString())
    compact.session.user.email = 'admin@example.com'
    throwsCode(() => ba.decode(Buffer.from(JSON.stringify(compact)).toString('base64url')), 'ERR_JWS_SIGNATURE_INVALID')
    const [h, p, s] = data('jwt').split('.')
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString())
    payload.user.id = 'someone-else'
    throwsCode(() => ba.decode(`${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`), 'ERR_JWS_SIGNATURE_INVALID')
    const parts = data('jwe').split('.')
    parts[3] = parts[3].slice(0, -2) + (parts[3].endsWith('AA') ? 'BA' : 'AA')
    throwsCode(() => ba.decode(parts.join('.')), 'ERR_JWE_DECRYPTION_FAILED')
    // An alg better-auth never signs with, even with the right secret: pinned to HS256.
    throwsCode(() => ba.decode(`${Buffer.from('{"alg":"HS512"}').toString('base64url')}.${p}.${s}`), 'ERR_JWS_ALG_NOT_ALLOWED')
  })

  test('expired: the cache after maxAge (jwe with 15 s of tolerance), and a short maxAge', async () => {
    for (const [strategy, tolerance, claim] of [['compact', 0, 'expiresAt'], ['jwt', 0, 'exp'], ['jwe', 15, 'exp']]) {
      const at = (s) => new BetterAuthSession({ secret: SECRET, now: () => s })
      const exp = at(Date.now() / 1000).decode(data(strategy)).cacheExpiresAt / 1000
      assert.equal(at(exp + tolerance - 1).decode(data(strategy)).strategy, strategy)
      throwsCode(() => at(exp + tolerance + 1).decode(data(strategy)), 'ERR_JWT_EXPIRED', claim)
    }
    const short = await session({ strategy: 'compact', maxAge: 1 })
    await new Promise((r) => setTimeout(r, 1100))
    throwsCode(() => new BetterAuthSession({ secret: SECRET }).decodeCookieHeader(short.header), 'ERR_JWT_EXPIRED', 'expiresAt')
  })

  test('cookie-cache version: bumped by the deployment', async () => {
    const v2 = await session({ strategy: 'jwe', version: 'v2' })
    assert.ok(v2.theirs)
    assert.equal(new BetterAuthSession({ secret: SECRET, version: 'v2' }).decodeCookieHeader(v2.header).version, 'v2')
    throwsCode(() => new BetterAuthSession({ secret: SECRET }).decodeCookieHeader(v2.header), 'ERR_JWT_CLAIM_INVALID', 'version')
    throwsCode(() => new BetterAuthSession({ secret: SECRET, version: 'v2' }).decode(data('compact')), 'ERR_JWT_CLAIM_INVALID', 'version')
  })

  test('another secret, and a value in another strategy than the pinned one', () => {
    const other = new BetterAuthSession({ secret: 'not-the-secret-not-the-secret-not-the' })
    throwsCode(() => other.decode(data('compact')), 'ERR_JWS_SIGNATURE_INVALID')
    throwsCode(() => other.decode(data('jwt')), 'ERR_JWS_SIGNATURE_INVALID')
    throwsCode(() => other.decode(data('jwe')), 'ERR_JWE_NO_MATCHING_SECRET')
    throwsCode(() => other.decodeCookieHeader(made.jwe.header), 'ERR_JWS_SIGNATURE_INVALID') // the token first
    for (const strategy of STRATEGIES) {
      for (const pinned of STRATEGIES.filter((s) => s !== strategy)) {
        throwsCode(() => new BetterAuthSession({ secret: SECRET, strategy: pinned }).decode(data(strategy)), 'ERR_TOKEN_WRONG_KIND')
      }
    }
  })

  test('session token: verifySessionToken, and a token without its cache needs a lookup', () => {
    const ba = new BetterAuthSession({ secret: SECRET })
    const { setCookies, theirs } = made.compact
    const set = setCookies.find((c) => c.startsWith('better-auth.session_token=')).split(';')[0].split('=')[1]
    assert.match(set, /%3D$/)
    assert.equal(ba.verifySessionToken(set), theirs.session.token)
    assert.equal(ba.verifySessionToken(decodeURIComponent(set)), theirs.session.token)
    throwsCode(() => ba.verifySessionToken('x' + set), 'ERR_JWS_SIGNATURE_INVALID')
    throwsCode(() => ba.verifySessionToken('no-signature'), 'ERR_TOKEN_MALFORMED')
    throwsCode(() => ba.decodeCookieHeader(`better-auth.session_token=${set}`), 'ERR_SESSION_LOOKUP_REQUIRED')
    // A cache of another session beside this token: better-auth reads the database then.
    throwsCode(() => ba.decodeCookieHeader(`better-auth.session_token=${set}; better-auth.session_data=${data('jwt')}`), 'ERR_SESSION_LOOKUP_REQUIRED')
    throwsCode(() => ba.decodeCookieHeader(`better-auth.session_data=${data('compact')}`), 'ERR_TOKEN_MISSING')
    assert.equal(ba.decodeCookieHeader('theme=dark'), null)
    throwsCode(() => ba.decode(42), 'ERR_TOKEN_MALFORMED')
  })
})

describe('BetterAuthSession: secret versions (BETTER_AUTH_SECRETS) and rotation', () => {
  const OLD = 'old-secret-old-secret-old-secret-old-1'
  const NEW = 'new-secret-new-secret-new-secret-new-2'
  test('a jwe cache of every version decodes; compact/jwt and the token use the current secret only, as in better-auth', async () => {
    const before = await session({ strategy: 'jwe', secret: null, secrets: [{ version: 1, value: OLD }] })
    const after = await session({ strategy: 'jwe', secret: null, secrets: [{ version: 2, value: NEW }, { version: 1, value: OLD }] })
    const legacy = await session({ strategy: 'jwe' }) // BETTER_AUTH_SECRET only
    const rotated = new BetterAuthSession({ secrets: `2:${NEW},1:${OLD}`, secret: SECRET })
    assert.ok(after.theirs)
    assert.equal(rotated.decodeCookieHeader(after.header).user.email, EMAIL)
    for (const s of [before, legacy]) assert.equal(rotated.decode(cookieValue(s.header, 'better-auth.session_data')).user.email, EMAIL)
    // The same array form as betterAuth's `secrets`.
    assert.ok(new BetterAuthSession({ secrets: [{ version: 2, value: NEW }, { version: 1, value: OLD }] }).decode(cookieValue(before.header, 'better-auth.session_data')))
    // better-auth signs and checks the session token with the current secret alone: after
    // the rotation its own getSession refuses the old token, and so does this.
    const { auth } = makeAuth({ db, strategy: 'jwe', secret: null, secrets: [{ version: 2, value: NEW }, { version: 1, value: OLD }] })
    assert.equal(await getSession(auth, before.header), null)
    throwsCode(() => rotated.decodeCookieHeader(before.header), 'ERR_JWS_SIGNATURE_INVALID')
    // Version 1 retired.
    throwsCode(() => new BetterAuthSession({ secrets: `2:${NEW}` }).decode(cookieValue(before.header, 'better-auth.session_data')), 'ERR_JWE_NO_MATCHING_SECRET')
    for (const bad of [{}, { secrets: '' }, { secrets: 'nocolon' }, { secrets: [{ version: -1, value: 'x' }] }, { secrets: '1:a,1:b' }, { secret: SECRET, strategy: 'jws' }]) {
      throwsCode(() => new BetterAuthSession(bad), 'ERR_INVALID_OPTIONS')
    }
  })
})

describe('authbridge better-auth (command line)', () => {
  const BIN = fileURLToPath(new URL('../bin/authbridge.js', import.meta.url))
  const run = (args, env = { BETTER_AUTH_SECRET: SECRET }) => {
    const r = spawnSync(process.execPath, [BIN, 'better-auth', ...args], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' })
    for (const text of [r.stdout, r.stderr]) assert.ok(!text.includes(SECRET), 'the secret is never printed')
    return r
  }
  test('a Cookie header from better-auth: the session as JSON; the refusals with their codes', async () => {
    const plain = await session({ strategy: 'jwe' })
    let r = run(['--cookie', plain.header])
    assert.equal(r.status, 0, r.stderr)
    assert.equal(JSON.parse(r.stdout).user.id, plain.theirs.user.id)
    r = run(['--strategy', 'jwe', `Cookie: ${plain.header}`])
    assert.equal(JSON.parse(r.stdout).session.id, plain.theirs.session.id)
    r = run(['--cookie', plain.header], { BETTER_AUTH_SECRETS: `1:${SECRET}` })
    assert.equal(r.status, 0, r.stderr)
    r = run(['--cookie', plain.header.split('; ')[0]])
    assert.equal(r.status, 1)
    assert.match(r.stderr, /ERR_SESSION_LOOKUP_REQUIRED/)
    r = run(['--strategy', 'compact', '--cookie', plain.header])
    assert.equal(r.status, 1)
    assert.match(r.stderr, /ERR_TOKEN_WRONG_KIND/)
    const secure = await session({ strategy: 'compact', secure: true })
    r = run(['--cookie', secure.header])
    assert.equal(r.status, 1)
    assert.match(r.stderr, /no Better Auth session cookie .*add --secure-cookie/)
    r = run(['--secure-cookie', '--cookie', secure.header])
    assert.equal(JSON.parse(r.stdout).strategy, 'compact')
    r = run(['--cookie', plain.header], {})
    assert.equal(r.status, 2)
    assert.match(r.stderr, /BETTER_AUTH_SECRET/)
    r = run(['--secret', SECRET, plain.header])
    assert.equal(r.status, 2)
  })
})
