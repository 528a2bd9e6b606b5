// Issue 22 R06 and R02, written as the attacks.
// R06: a revoked Auth.js session came back: the front end's own /api/auth/session (what
// `useSession` refetches) re-encodes the cookie with a fresh iat and jti, and authbridge
// accepted the new one. Driven through @auth/core's own handler (Auth() with a Credentials
// provider and JWT sessions), as Next.js runs it.
// R02: a token whose iat is ahead of the clock survived revokeSubject.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { createRequire } from 'node:module'
import { Auth } from '@auth/core'
import Credentials from '@auth/core/providers/credentials'
import jsonwebtoken from 'jsonwebtoken'

const require = createRequire(import.meta.url)
const { RevocationList, AuthJsSession, HandshakeAuthenticator, JwtVerifier } = require('../js/index.js')
const { revocationJwtCallback } = require('../js/authjs/index.js')
const { throwsCode } = require('./helpers/assert.js')

const SECRET = crypto.randomBytes(32).toString('base64')
const JWT_SECRET = crypto.randomBytes(32).toString('hex')
const BASE = 'http://localhost:3000/api/auth'
const COOKIE = 'authjs.session-token'

function config(callbacks) {
  return {
    secret: SECRET,
    trustHost: true,
    basePath: '/api/auth',
    session: { strategy: 'jwt' },
    providers: [Credentials({ credentials: { username: {} }, authorize: async (c) => ({ id: `id-${c.username}`, name: String(c.username) }) })],
    callbacks,
  }
}

const cookiesOf = (res) => Object.fromEntries(res.headers.getSetCookie().map((c) => c.split(';')[0].split(/=(.*)/s).slice(0, 2)))
const header = (jar) => Object.entries(jar).map(([k, v]) => `${k}=${v}`).join('; ')

/** Signs in through the Credentials provider as the browser does; returns the cookie jar. */
async function signIn(cfg, username) {
  const csrf = await Auth(new Request(`${BASE}/csrf`), cfg)
  const jar = cookiesOf(csrf)
  const { csrfToken } = await csrf.json()
  const res = await Auth(
    new Request(`${BASE}/callback/credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: header(jar) },
      body: new URLSearchParams({ csrfToken, username }),
    }),
    cfg,
  )
  Object.assign(jar, cookiesOf(res))
  assert.ok(jar[COOKIE], `signed in (status ${res.status})`)
  return jar
}

/** GET /api/auth/session as useSession refetches it; returns the body and the cookie jar after. */
async function refetch(cfg, jar) {
  const res = await Auth(new Request(`${BASE}/session`, { headers: { cookie: header(jar) } }), cfg)
  return { body: await res.json(), jar: { ...jar, ...cookiesOf(res) } }
}

const nextSecond = () => new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20))

test('R06: a revoked session re-encoded by /api/auth/session stays refused (AuthJsSession, HandshakeAuthenticator)', async () => {
  const list = new RevocationList()
  const sessions = new AuthJsSession({ secret: SECRET, revocation: list })
  const handshake = new HandshakeAuthenticator({ authjs: { secret: SECRET }, revocation: list })
  const cfg = config() // no helper: the app has not adopted auth_time
  const jar = await signIn(cfg, 'ada')
  const first = sessions.decode(jar[COOKIE])
  assert.equal(first.sub, 'id-ada')
  assert.equal(first.auth_time, undefined)

  await nextSecond()
  list.revokeSubject('id-ada') // sign out everywhere, on the API
  throwsCode(() => sessions.decode(jar[COOKIE]), 'ERR_TOKEN_REVOKED')
  await nextSecond()
  // The front end refetches its session: @auth/core re-encodes it with a fresh iat and jti.
  const { body, jar: after } = await refetch(cfg, jar)
  assert.equal(body.user.name, 'ada', 'without the helper, Auth.js keeps re-issuing the session')
  assert.notEqual(after[COOKIE], jar[COOKIE])
  const reissued = new AuthJsSession({ secret: SECRET }).decode(after[COOKIE])
  assert.ok(reissued.iat > first.iat && reissued.jti !== first.jti, 'fresh iat and jti')
  // Ordered by iat (the JWT rule) it would pass: that was the hole.
  assert.equal(list.refusal(reissued), null)
  // As a session it is refused: no auth_time, its subject revoked.
  assert.equal(list.refusal(reissued, { kind: 'authjs' }), 'ERR_TOKEN_REVOKED')
  throwsCode(() => sessions.decode(after[COOKIE]), 'ERR_TOKEN_REVOKED', 'AuthJsSession')
  throwsCode(() => handshake.authenticate({ headers: { cookie: `${COOKIE}=${after[COOKIE]}` } }), 'ERR_TOKEN_REVOKED', 'handshake')
  throwsCode(() => sessions.fromCookieHeader(`${COOKIE}=${after[COOKIE]}`), 'ERR_TOKEN_REVOKED', 'REST (cookie header)')
})

test('R06: with revocationJwtCallback the handler stops re-issuing a revoked session; signing in again works', async () => {
  const list = new RevocationList()
  const sessions = new AuthJsSession({ secret: SECRET, revocation: list })
  let calls = 0
  const cfg = config({
    jwt: revocationJwtCallback(list, async ({ token, user }) => {
      calls++
      if (user) token.role = 'member'
      return token
    }),
  })
  const jar = await signIn(cfg, 'bob')
  const claims = sessions.decode(jar[COOKIE])
  assert.equal(typeof claims.auth_time, 'number', 'auth_time stamped at sign-in')
  assert.ok(Math.abs(claims.auth_time - Date.now() / 1000) < 5)
  assert.equal(claims.role, 'member', 'your own callback still runs')
  // A refetch keeps auth_time (every claim but iat/exp/jti survives the re-encode).
  await nextSecond()
  const kept = await refetch(cfg, jar)
  assert.equal(kept.body.user.name, 'bob')
  const reencoded = sessions.decode(kept.jar[COOKIE])
  assert.equal(reencoded.auth_time, claims.auth_time)
  assert.ok(reencoded.iat > claims.iat)

  list.revokeSubject('id-bob')
  await nextSecond()
  const gone = await refetch(cfg, kept.jar)
  assert.equal(gone.body, null, 'no session any more')
  assert.equal(gone.jar[COOKIE], '', 'the session cookie is deleted')
  // Had the re-encode happened anyway (a front end without the helper), it stays refused.
  throwsCode(() => sessions.decode(kept.jar[COOKIE]), 'ERR_TOKEN_REVOKED')
  assert.ok(calls >= 3)

  // Signing in after the revocation: a later auth_time, accepted by both sides.
  const again = await signIn(cfg, 'bob')
  assert.equal(sessions.decode(again[COOKIE]).sub, 'id-bob')
  assert.equal((await refetch(cfg, again)).body.user.name, 'bob')
  assert.throws(() => revocationJwtCallback({}), (e) => e.code === 'ERR_INVALID_OPTIONS')
})

test('R02: a token whose iat is ahead of the clock does not survive revokeSubject', () => {
  const list = new RevocationList() // clockTolerance 60 s by default
  const verifier = new JwtVerifier({ algorithms: ['HS256'], key: JWT_SECRET, revocation: list })
  const handshake = new HandshakeAuthenticator({ jwt: { algorithms: ['HS256'], key: JWT_SECRET }, revocation: list })
  const now = Math.floor(Date.now() / 1000)
  // Forged by the issuer (or its clock far ahead): iat in ten years.
  const forged = jsonwebtoken.sign({ sub: 'mallory', iat: now + 10 * 365 * 86400 }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '15m' })
  const skewed = jsonwebtoken.sign({ sub: 'mallory', iat: now + 600 }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '15m' })
  assert.equal(verifier.verify(forged).sub, 'mallory')
  list.revokeSubject('mallory')
  throwsCode(() => verifier.verify(forged), 'ERR_TOKEN_REVOKED', 'forged iat')
  throwsCode(() => verifier.verify(skewed), 'ERR_TOKEN_REVOKED', 'iat 10 min ahead')
  throwsCode(() => handshake.authenticate({ auth: { token: forged } }), 'ERR_TOKEN_REVOKED', 'handshake')
  assert.equal(list.refusal(JSON.parse(Buffer.from(forged.split('.')[1], 'base64url'))), 'ERR_TOKEN_REVOKED')
  // Within the tolerance: a token issued after the revocation by an issuer a little ahead.
  const fresh = jsonwebtoken.sign({ sub: 'mallory', iat: now + 30 }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '15m' })
  assert.equal(verifier.verify(fresh).sub, 'mallory')
  const strict = new RevocationList({ clockTolerance: 0 })
  strict.revokeSubject('mallory', now)
  assert.equal(strict.clockTolerance, 0)
  assert.equal(strict.refusal({ sub: 'mallory', iat: now + 30 }), 'ERR_TOKEN_REVOKED')
  assert.equal(strict.refusal({ sub: 'mallory', iat: now }), null)
  throwsCode(() => new RevocationList({ clockTolerance: -1 }), 'ERR_INVALID_OPTIONS')
})
