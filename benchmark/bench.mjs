// npm run bench: authbridge against every peer, in one process and one run.
// Each peer is used the way it is meant to be used (keys prepared once where it can),
// with the same token and the same claim checks (exp at least). Writes RESULTS.md.
//   node benchmark/bench.mjs [--quick] [--no-write] [--filter text] [--metrics otel|prom]
//   node benchmark/bench.mjs --filter "Better Auth" --runs 3 --interleave --section better-auth
//     (--section: only the filtered cases, each run --runs times, written to RESULTS.md as the
//     marked section <!-- name:start --> ... <!-- name:end -->, replacing that section alone;
//     --interleave: the peers take turns round by round, for a loaded machine)
import { createRequire } from 'node:module'
import crypto from 'node:crypto'
import os from 'node:os'
import fs from 'node:fs'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const ab = require('../js/index.js') // the package main (what `require('authbridge')` gives)
const jsonwebtoken = require('jsonwebtoken')
const fastJwt = require('fast-jwt')
const nodeRs = require('@node-rs/jsonwebtoken')
const jose = await import('jose')
const authCore = await import('@auth/core/jwt')

const args = process.argv.slice(2)
const QUICK = args.includes('--quick')
const WRITE = !args.includes('--no-write')
const FILTER = args.includes('--filter') ? args[args.indexOf('--filter') + 1] : null
const SECTION = args.includes('--section') ? args[args.indexOf('--section') + 1] : null
const RUNS = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 1
if (SECTION !== null && (!FILTER || !/^[\w-]+$/.test(SECTION))) throw new Error('--section takes a name ([\\w-]+) and needs --filter')
if (!(Number.isInteger(RUNS) && RUNS >= 1)) throw new Error('--runs takes a whole number >= 1')
const ROUNDS = QUICK ? 3 : 9
// --metrics otel | prom: the run with authbridge/metrics on (an sdk-metrics MeterProvider, or a
// prom-client Registry, subscribed for the whole run); default off (nobody subscribed).
const METRICS = args.includes('--metrics') ? args[args.indexOf('--metrics') + 1] : 'off'
if (METRICS === 'otel') {
  const { MeterProvider, MetricReader } = require('@opentelemetry/sdk-metrics')
  class Reader extends MetricReader {
    async onForceFlush() {}
    async onShutdown() {}
  }
  if (!require('../js/metrics/index.js').openTelemetryMetrics({ meterProvider: new MeterProvider({ readers: [new Reader()] }), traces: false }).enabled) throw new Error('metrics did not start')
} else if (METRICS === 'prom') {
  require('../js/metrics/index.js').prometheusMetrics({ registry: new (require('prom-client').Registry)() })
} else if (METRICS !== 'off') throw new Error('--metrics takes otel, prom or off')
const ROUND_MS = QUICK ? 40 : 120

// ---------------------------------------------------------------- timing
/** The batch size (calls of `fn`) that takes about ROUND_MS. */
async function calibrate(fn, isAsync) {
  let n = 1
  for (;;) {
    const t = process.hrtime.bigint()
    if (isAsync) for (let i = 0; i < n; i++) await fn()
    else for (let i = 0; i < n; i++) fn()
    const ms = Number(process.hrtime.bigint() - t) / 1e6
    if (ms >= ROUND_MS / 4 || n >= 1 << 24) return Math.max(1, Math.round((n * ROUND_MS) / Math.max(ms, 0.001)))
    n *= 4
  }
}

async function measure(fn, isAsync) {
  // Calibrate a batch to about ROUND_MS, then time ROUNDS batches.
  const n = await calibrate(fn, isAsync)
  const per = []
  for (let r = 0; r < ROUNDS; r++) {
    const t = process.hrtime.bigint()
    if (isAsync) for (let i = 0; i < n; i++) await fn()
    else for (let i = 0; i < n; i++) fn()
    per.push(Number(process.hrtime.bigint() - t) / n)
  }
  per.sort((a, b) => a - b)
  return { minNs: per[0], medNs: per[Math.floor(per.length / 2)] }
}

// --interleave: the peers of a case take turns round by round (each calibrated first), so a
// change in the machine's load falls on all of them alike (for a loaded, shared machine).
const INTERLEAVE = args.includes('--interleave')
async function measureInterleaved(peers) {
  const batches = []
  for (const [, fn, isAsync] of peers) batches.push(await calibrate(fn, isAsync))
  const per = peers.map(() => [])
  for (let r = 0; r < ROUNDS; r++) {
    for (let p = 0; p < peers.length; p++) {
      const [, fn, isAsync] = peers[p]
      const n = batches[p]
      const t = process.hrtime.bigint()
      if (isAsync) for (let i = 0; i < n; i++) await fn()
      else for (let i = 0; i < n; i++) fn()
      per[p].push(Number(process.hrtime.bigint() - t) / n)
    }
  }
  return per.map((x) => {
    x.sort((a, b) => a - b)
    return { minNs: x[0], medNs: x[Math.floor(x.length / 2)] }
  })
}

// ---------------------------------------------------------------- keys and tokens
const now = () => Math.floor(Date.now() / 1000)
const claims = () => ({ sub: 'user-42', email: 'ada@example.com', name: 'Ada Lovelace', role: 'member', iat: now(), exp: now() + 900 })
const secret = crypto.randomBytes(64).toString('base64url') // 86 chars: enough for HS512 too
const pairs = {
  rsa: crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }),
  p256: crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  p384: crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  ed: crypto.generateKeyPairSync('ed25519'),
}
const pem = (k) => k.export({ type: k.type === 'private' ? 'pkcs8' : 'spki', format: 'pem' })
const algs = {
  HS256: { kind: 'hmac', hash: 'sha256' },
  HS512: { kind: 'hmac', hash: 'sha512' },
  RS256: { kind: 'rsa', pair: pairs.rsa, hash: 'sha256' },
  PS256: { kind: 'pss', pair: pairs.rsa, hash: 'sha256' },
  ES256: { kind: 'ec', pair: pairs.p256, hash: 'sha256' },
  ES384: { kind: 'ec', pair: pairs.p384, hash: 'sha384' },
  EdDSA: { kind: 'ed', pair: pairs.ed, hash: null },
}
function materials(alg) {
  const a = algs[alg]
  if (a.kind === 'hmac') return { verifyKey: secret, signKey: secret, verifyKeyObject: crypto.createSecretKey(Buffer.from(secret)), signKeyObject: crypto.createSecretKey(Buffer.from(secret)) }
  return { verifyKey: pem(a.pair.publicKey), signKey: pem(a.pair.privateKey), verifyKeyObject: a.pair.publicKey, signKeyObject: a.pair.privateKey }
}

// The floor: node:crypto alone on the same signature with a prepared KeyObject, plus
// the JSON.parse and exp check every verifier does.
function floorVerifier(alg, m) {
  const a = algs[alg]
  return (token) => {
    const dot = token.lastIndexOf('.')
    const input = token.slice(0, dot)
    const sig = Buffer.from(token.slice(dot + 1), 'base64url')
    let ok
    if (a.kind === 'hmac') {
      const mac = crypto.createHmac(a.hash, m.verifyKeyObject).update(input).digest()
      ok = mac.length === sig.length && crypto.timingSafeEqual(mac, sig)
    } else {
      const key = a.kind === 'pss' ? { key: m.verifyKeyObject, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
        : a.kind === 'ec' ? { key: m.verifyKeyObject, dsaEncoding: 'ieee-p1363' } : m.verifyKeyObject
      ok = crypto.verify(a.hash, Buffer.from(input), key, sig)
    }
    if (!ok) throw new Error('bad signature')
    const payload = JSON.parse(Buffer.from(input.slice(input.indexOf('.') + 1), 'base64url').toString())
    if (!(payload.exp > Date.now() / 1000)) throw new Error('expired')
    return payload
  }
}

async function verifyPeers(alg, token) {
  const m = materials(alg)
  const peers = []
  const v = new ab.JwtVerifier({ algorithms: [alg], key: m.verifyKey })
  const vc = new ab.JwtVerifier({ algorithms: [alg], key: m.verifyKey, cache: true })
  peers.push(['authbridge', () => v.verify(token)])
  peers.push(['authbridge (cache)', () => vc.verify(token)])
  const fOff = fastJwt.createVerifier({ key: m.verifyKey, algorithms: [alg], cache: false })
  const fOn = fastJwt.createVerifier({ key: m.verifyKey, algorithms: [alg], cache: true })
  peers.push(['fast-jwt', () => fOff(token)])
  peers.push(['fast-jwt (cache)', () => fOn(token)])
  if (alg !== 'EdDSA') {
    // jsonwebtoken 9 has no EdDSA.
    peers.push(['jsonwebtoken (string key)', () => jsonwebtoken.verify(token, m.verifyKey, { algorithms: [alg] })])
    peers.push(['jsonwebtoken (KeyObject)', () => jsonwebtoken.verify(token, m.verifyKeyObject, { algorithms: [alg] })])
  }
  const joseKey = algs[alg].kind === 'hmac' ? new TextEncoder().encode(secret) : await jose.importSPKI(m.verifyKey, alg)
  peers.push(['jose (async)', () => jose.jwtVerify(token, joseKey, { algorithms: [alg] }), true])
  if (alg !== 'ES512') peers.push(['@node-rs/jsonwebtoken', () => nodeRs.verifySync(token, m.verifyKey, { algorithms: [alg], leeway: 0 })])
  const floor = floorVerifier(alg, m)
  peers.push(['node:crypto floor', () => floor(token)])
  return peers
}

// Tokens are made by jose (an independent implementation that covers every algorithm).
async function signWith(alg, c) {
  const key = algs[alg].kind === 'hmac' ? new TextEncoder().encode(secret) : materials(alg).signKeyObject
  return new jose.SignJWT(c).setProtectedHeader({ alg, typ: 'JWT' }).sign(key)
}

// ---------------------------------------------------------------- cases
const cases = []
for (const alg of Object.keys(algs)) {
  cases.push({ name: `verify ${alg}`, peers: async () => verifyPeers(alg, await signWith(alg, claims())) })
}
for (const alg of ['HS256', 'RS256']) {
  cases.push({
    name: `sign ${alg}`,
    peers: async () => {
      const m = materials(alg)
      const s = new ab.JwtSigner({ algorithm: alg, key: m.signKey, expiresIn: 900 })
      const fs_ = fastJwt.createSigner({ key: m.signKey, algorithm: alg, expiresIn: 900000 })
      const c = { sub: 'user-42', email: 'ada@example.com', name: 'Ada Lovelace', role: 'member' }
      const joseKey = alg === 'HS256' ? new TextEncoder().encode(secret) : await jose.importPKCS8(m.signKey, alg)
      return [
        ['authbridge', () => s.sign(c)],
        ['fast-jwt', () => fs_(c)],
        ['jsonwebtoken (string key)', () => jsonwebtoken.sign(c, m.signKey, { algorithm: alg, expiresIn: 900 })],
        ['jsonwebtoken (KeyObject)', () => jsonwebtoken.sign(c, m.signKeyObject, { algorithm: alg, expiresIn: 900 })],
        ['jose (async)', () => new jose.SignJWT(c).setProtectedHeader({ alg }).setIssuedAt().setExpirationTime('15m').sign(joseKey), true],
        ['@node-rs/jsonwebtoken', () => nodeRs.signSync({ ...c, exp: now() + 900 }, m.signKey, { algorithm: alg })],
      ]
    },
  })
}
for (const [what, make] of [
  ['bad signature', async () => { const t = await signWith('HS256', claims()); return t.slice(0, -2) + (t.endsWith('AA') ? 'BA' : 'AA') }],
  ['expired', async () => signWith('HS256', { ...claims(), iat: now() - 1000, exp: now() - 100 })],
]) {
  cases.push({
    name: `failing verify HS256 (${what})`,
    peers: async () => (await verifyPeers('HS256', await make())).map(([n, f, isAsync]) => [n, isAsync ? async () => { try { await f() } catch {} } : () => { try { f() } catch {} }, isAsync]),
  })
}

const AUTH_SECRET = crypto.randomBytes(32).toString('base64url')
const SALT = 'authjs.session-token'
const sessionClaims = { name: 'Ada Lovelace', email: 'ada@example.com', picture: 'https://example.com/ada.png', sub: 'user-42' }
function authjsFloor(secretValue) {
  // node:crypto alone: the same HKDF-derived key prepared once, HMAC-SHA512 tag check, AES-256-CBC, JSON.parse.
  const key = Buffer.from(crypto.hkdfSync('sha256', secretValue, SALT, `Auth.js Generated Encryption Key (${SALT})`, 64))
  const macKey = crypto.createSecretKey(key.subarray(0, 32))
  return (token) => {
    const [h, , iv64, ct64, tag64] = token.split('.')
    const iv = Buffer.from(iv64, 'base64url'); const ct = Buffer.from(ct64, 'base64url'); const tag = Buffer.from(tag64, 'base64url')
    const al = Buffer.alloc(8); al.writeBigUInt64BE(BigInt(h.length * 8))
    const mac = crypto.createHmac('sha512', macKey).update(h).update(iv).update(ct).update(al).digest().subarray(0, 32)
    if (!crypto.timingSafeEqual(mac, tag)) throw new Error('tag')
    const d = crypto.createDecipheriv('aes-256-cbc', key.subarray(32), iv)
    const payload = JSON.parse(Buffer.concat([d.update(ct), d.final()]).toString())
    if (!(payload.exp > Date.now() / 1000)) throw new Error('expired')
    return payload
  }
}
cases.push({
  name: 'Auth.js session decode (v5, A256CBC-HS512)',
  peers: async () => {
    const token = await authCore.encode({ token: sessionClaims, secret: AUTH_SECRET, salt: SALT })
    const s = new ab.AuthJsSession({ secret: AUTH_SECRET })
    return [
      ['authbridge', () => s.decode(token)],
      ['@auth/core/jwt (async)', () => authCore.decode({ token, secret: AUTH_SECRET, salt: SALT }), true],
      ['node:crypto floor', ((f) => () => f(token))(authjsFloor(AUTH_SECRET))],
    ]
  },
})
cases.push({
  name: 'Auth.js decode, rotated list of 3 (match last)',
  peers: async () => {
    const list = [crypto.randomBytes(32).toString('base64url'), crypto.randomBytes(32).toString('base64url'), AUTH_SECRET]
    const token = await authCore.encode({ token: sessionClaims, secret: AUTH_SECRET, salt: SALT })
    const s = new ab.AuthJsSession({ secret: list })
    return [
      ['authbridge', () => s.decode(token)],
      ['@auth/core/jwt (async)', () => authCore.decode({ token, secret: list, salt: SALT }), true],
    ]
  },
})
cases.push({
  name: 'handshake: chunked session cookie among others',
  peers: async () => {
    const big = { ...sessionClaims, roles: Array.from({ length: 120 }, (_, i) => `role-${i}-with-a-long-name`) }
    const token = await authCore.encode({ token: big, secret: AUTH_SECRET, salt: SALT })
    const chunks = []
    for (let i = 0; i * 3936 < token.length; i++) chunks.push(`${SALT}.${i}=${token.slice(i * 3936, (i + 1) * 3936)}`)
    const cookie = ['theme=dark', '_ga=GA1.1.1234567890.1700000000', chunks[1], 'authjs.csrf-token=abc%7Cdef', chunks[0], 'authjs.callback-url=http%3A%2F%2Flocalhost%3A3000', ...chunks.slice(2)].join('; ')
    const handshake = {
      headers: { host: 'localhost:3001', connection: 'Upgrade', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)', cookie, origin: 'http://localhost:3000', 'sec-websocket-version': '13' },
      auth: {},
      query: { EIO: '4', transport: 'websocket' },
    }
    const h = new ab.HandshakeAuthenticator({ authjs: { secret: AUTH_SECRET }, jwt: { algorithms: ['HS256'], key: secret }, allowedOrigins: ['http://localhost:3000'] })
    const s = new ab.AuthJsSession({ secret: AUTH_SECRET })
    return [
      ['authbridge authenticate(handshake)', () => h.authenticate(handshake)],
      ['authbridge bare decode (same token)', () => s.decode(token)],
      ['@auth/core getToken-style: decode (async)', () => authCore.decode({ token, secret: AUTH_SECRET, salt: SALT }), true],
    ]
  },
})

// Handshake overhead (issue 15): the authenticator against the bare call on the same token, in one run.
cases.push({
  name: 'handshake: cookie header with four cookies vs bare decode',
  peers: async () => {
    const token = await authCore.encode({ token: sessionClaims, secret: AUTH_SECRET, salt: SALT })
    const cookie = `theme=dark; _ga=GA1.1.1234567890.1700000000; authjs.csrf-token=abc%7Cdef; ${SALT}=${token}`
    const handshake = {
      headers: { host: 'localhost:3001', connection: 'Upgrade', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)', cookie, 'sec-websocket-version': '13' },
      auth: {},
      query: { EIO: '4', transport: 'websocket' },
    }
    const h = new ab.HandshakeAuthenticator({ authjs: { secret: AUTH_SECRET } })
    const s = new ab.AuthJsSession({ secret: AUTH_SECRET })
    return [
      ['authbridge authenticate(handshake)', () => h.authenticate(handshake)],
      ['authbridge bare decode (same token)', () => s.decode(token)],
    ]
  },
})
cases.push({
  name: 'handshake: auth.token HS256 vs bare verify',
  peers: async () => {
    const token = await signWith('HS256', claims())
    const handshake = {
      headers: { host: 'localhost:3001', connection: 'Upgrade', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)', 'sec-websocket-version': '13' },
      auth: { token },
      query: { EIO: '4', transport: 'websocket' },
    }
    const h = new ab.HandshakeAuthenticator({ jwt: { algorithms: ['HS256'], key: secret } })
    const v = new ab.JwtVerifier({ algorithms: ['HS256'], key: secret })
    const f = fastJwt.createVerifier({ key: secret, algorithms: ['HS256'], cache: false })
    return [
      ['authbridge authenticate(handshake)', () => h.authenticate(handshake)],
      ['authbridge bare verify (same token)', () => v.verify(token)],
      ['fast-jwt (no cache), same token', () => f(token)],
      ['jsonwebtoken.verify (string key), as the hand-written middleware', () => jsonwebtoken.verify(token, secret, { algorithms: ['HS256'] })],
    ]
  },
})

// The passport strategies, as passport calls them (authenticate on an object with success / fail).
function passportRunner(strategy, req) {
  const s = Object.create(strategy)
  let outcome = null
  s.success = (user) => (outcome = user)
  s.fail = (info) => {
    throw info instanceof Error ? info : new Error(String(info))
  }
  s.error = (err) => {
    throw err
  }
  return () => {
    outcome = null
    s.authenticate(req)
    if (!outcome) throw new Error('no synchronous success')
    return outcome
  }
}
for (const provider of [false, true]) {
  cases.push({
    name: `passport strategy, HS256 Bearer (${provider ? 'secretOrKeyProvider, a fresh Buffer per request' : 'secretOrKey'})`,
    peers: async () => {
      const { Strategy, ExtractJwt } = require('../js/passport/index.js')
      const PassportJwt = require('passport-jwt')
      const token = await signWith('HS256', claims())
      const req = { method: 'GET', url: '/', headers: { authorization: `Bearer ${token}` } }
      const verify = (payload, done) => done(null, payload)
      const options = (X) =>
        provider
          ? { jwtFromRequest: X.fromAuthHeaderAsBearerToken(), algorithms: ['HS256'], secretOrKeyProvider: (r, raw, done) => done(null, Buffer.from(secret)) }
          : { jwtFromRequest: X.fromAuthHeaderAsBearerToken(), algorithms: ['HS256'], secretOrKey: secret }
      return [
        ['authbridge/passport', passportRunner(new Strategy(options(ExtractJwt), verify), req)],
        ['passport-jwt (jsonwebtoken)', passportRunner(new PassportJwt.Strategy(options(PassportJwt.ExtractJwt), verify), req)],
        // The issue-15 target: the Strategy adds at most 10% to the bare verifier.
        ['JwtVerifier.verify (bare, same token)', ((v) => () => v.verify(token))(new ab.JwtVerifier({ algorithms: ['HS256'], key: secret }))],
      ]
    },
  })
}

cases.push({
  // @nestjs/jwt's JwtService as Nest apps inject it (JwtModule.register({ secret, verifyOptions })),
  // against authbridge's drop-in and the bare verifier: the issue-15 target is at most +10%.
  name: 'nest JwtService.verify, HS256',
  peers: async () => {
    const { JwtService } = require('../js/nest/jwt.js')
    const { JwtService: NestJwtService } = require('@nestjs/jwt')
    const token = await signWith('HS256', claims())
    const options = { secret, verifyOptions: { algorithms: ['HS256'] } }
    const ours = new JwtService(options)
    const theirs = new NestJwtService(options)
    return [
      ['authbridge/nest JwtService.verify', () => ours.verify(token)],
      ['@nestjs/jwt JwtService.verify (jsonwebtoken)', () => theirs.verify(token)],
      ['JwtVerifier.verify (bare, same token)', ((v) => () => v.verify(token))(new ab.JwtVerifier({ algorithms: ['HS256'], key: secret }))],
    ]
  },
})
cases.push({
  // The Strategy without jwtFromRequest (Bearer header or the Auth.js session cookie), on the
  // cookie a browser sends: what it adds to a bare decode.
  name: 'passport strategy, Auth.js session cookie among four',
  peers: async () => {
    const { Strategy } = require('../js/passport/index.js')
    const token = await authCore.encode({ token: sessionClaims, secret: AUTH_SECRET, salt: SALT })
    const req = { method: 'GET', url: '/', headers: { host: 'localhost:3001', cookie: `theme=dark; _ga=GA1.1.1234567890.1700000000; authjs.csrf-token=abc%7Cdef; ${SALT}=${token}` } }
    return [
      ['authbridge/passport', passportRunner(new Strategy({ authjs: { secret: AUTH_SECRET } }, (payload, done) => done(null, payload)), req)],
      ['AuthJsSession.decode (bare, same token)', ((s) => () => s.decode(token))(new ab.AuthJsSession({ secret: AUTH_SECRET }))],
    ]
  },
})

// ---------------------------------------------------------------- Better Auth
// Cookies set by real better-auth (sign-in through auth.handler, memory adapter), one per
// cookie-cache strategy. better-auth's getSession is measured on its cookie-cache path
// (the cache is valid: no database read); jose is what better-auth itself calls for the
// jwt (jwtVerify) and jwe (jwtDecrypt, key derived once here) strategies.
const BA = await import('../__test__/helpers/better-auth.mjs')
const { getCookieCache } = await import('better-auth/cookies')
const baDb = BA.memoryDb()
let baSignedUp = false
async function betterAuthCookie(strategy) {
  const { auth, baseURL } = BA.makeAuth({ db: baDb, strategy, maxAge: 3600 })
  if (!baSignedUp) {
    await BA.signUp(auth, baseURL, { email: 'ada@example.com', name: 'Ada Lovelace' })
    baSignedUp = true
  }
  const { setCookies } = await BA.signIn(auth, baseURL, 'ada@example.com')
  const header = BA.cookieHeader(setCookies)
  const value = decodeURIComponent(header.split('; ').find((c) => c.startsWith('better-auth.session_data=')).split('=')[1])
  return { auth, header, value }
}
for (const strategy of ['compact', 'jwt', 'jwe']) {
  cases.push({
    name: `Better Auth cookie cache (${strategy})`,
    peers: async () => {
      const { auth, header, value } = await betterAuthCookie(strategy)
      const s = new ab.BetterAuthSession({ secret: BA.SECRET, strategy })
      const headers = new Headers({ cookie: header })
      const getSession = async () => {
        const r = await auth.api.getSession({ headers })
        if (!r) throw new Error('better-auth getSession refused its own cookie')
        return r
      }
      const rows = [
        ['authbridge decode (cache value)', () => s.decode(value)],
        ['authbridge decodeCookieHeader (token + cache)', () => s.decodeCookieHeader(header)],
        ['better-auth auth.api.getSession (async)', getSession, true],
        ['better-auth getCookieCache (async)', () => getCookieCache(headers, { secret: BA.SECRET, strategy, isSecure: false }), true],
      ]
      if (strategy === 'jwt') {
        const key = new TextEncoder().encode(BA.SECRET)
        rows.push(['jose jwtVerify (async)', () => jose.jwtVerify(value, key), true])
      }
      if (strategy === 'jwe') {
        const key = new Uint8Array(crypto.hkdfSync('sha256', BA.SECRET, 'better-auth-session', 'BetterAuth.js Generated Encryption Key', 64))
        const opts = { clockTolerance: 15, keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256CBC-HS512', 'A256GCM'] }
        rows.push(['jose jwtDecrypt (async, key derived once)', () => jose.jwtDecrypt(value, key, opts), true])
      }
      return rows
    },
  })
}

// ---------------------------------------------------------------- run
const version = (name) => JSON.parse(fs.readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')).version
const fmtOps = (ns) => Math.round(1e9 / ns).toLocaleString('en-US')
const fmtUs = (ns) => (ns / 1000).toFixed(2)
const results = []
for (let run = 1; run <= RUNS; run++) {
  for (const c of cases) {
    if (FILTER && !c.name.includes(FILTER)) continue
    const peers = await c.peers()
    const rows = []
    if (INTERLEAVE) {
      for (const [, fn] of peers) await fn() // a peer that throws on a valid token stops the run
      const m = await measureInterleaved(peers)
      peers.forEach(([name], i) => rows.push({ name, ...m[i] }))
    } else {
      for (const [name, fn, isAsync] of peers) {
        await fn() // one call outside timing: a peer that throws on a valid token stops the run
        rows.push({ name, ...(await measure(fn, !!isAsync)) })
      }
    }
    const ours = rows[0]
    console.log(`\n${c.name}${RUNS > 1 ? ` (run ${run} of ${RUNS})` : ''}`)
    for (const r of rows) {
      const ratio = r === ours ? '' : `${(r.medNs / ours.medNs).toFixed(2)}x`
      console.log(`  ${r.name.padEnd(42)} ${fmtOps(r.medNs).padStart(12)} ops/s  median ${fmtUs(r.medNs).padStart(9)} us  min ${fmtUs(r.minNs).padStart(9)} us  ${ratio ? 'authbridge is ' + ratio : ''}`)
    }
    results.push({ name: c.name, run, rows })
  }
}

if (WRITE && SECTION !== null) {
  // One marked section of RESULTS.md, the rest of the file left as it is.
  const cpu = os.cpus()[0]
  const names = [...new Set(results.map((r) => r.name))]
  const lines = [
    `<!-- ${SECTION}:start -->`,
    `## ${FILTER} (benchmark/bench.mjs --filter "${FILTER}" --runs ${RUNS}${INTERLEAVE ? ' --interleave' : ''} --section ${SECTION})`,
    '',
    `- Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; ${cpu ? cpu.model : 'unknown'}, ${os.cpus().length} cores (load average ${os.loadavg().map((l) => l.toFixed(1)).join(', ')}); Node ${process.version}`,
    `- ${ROUNDS} rounds of about ${ROUND_MS} ms per peer and run${INTERLEAVE ? ', the peers taking turns round by round' : ''}; per run the median time per operation and the ratio (row's median / first authbridge row's median: above 1, authbridge is faster).`,
    '',
  ]
  for (const name of names) {
    const runs = results.filter((r) => r.name === name)
    lines.push(`### ${name}`, '', `| peer | ${runs.map((r) => `run ${r.run} median us | ratio`).join(' | ')} |`, `| --- |${runs.map(() => ' ---: | ---: |').join('')}`)
    for (let i = 0; i < runs[0].rows.length; i++) {
      lines.push(`| ${runs[0].rows[i].name} | ${runs.map((r) => `${fmtUs(r.rows[i].medNs)} | ${(r.rows[i].medNs / r.rows[0].medNs).toFixed(2)}`).join(' | ')} |`)
    }
    lines.push('')
  }
  lines.push(`<!-- ${SECTION}:end -->`)
  const out = fileURLToPath(new URL('./RESULTS.md', import.meta.url))
  const previous = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : ''
  const block = new RegExp(`<!-- ${SECTION}:start -->[\\s\\S]*?<!-- ${SECTION}:end -->`)
  const text = block.test(previous) ? previous.replace(block, () => lines.join('\n')) : `${previous.replace(/\n*$/, '\n\n')}${lines.join('\n')}\n`
  fs.writeFileSync(out, text)
  console.log(`\nwrote the ${SECTION} section of ${out}`)
}

if (WRITE && !FILTER) {
  const cpu = os.cpus()[0]
  const lines = [
    '# Benchmark results',
    '',
    'Generated by `npm run bench` (benchmark/bench.mjs); do not edit by hand.',
    '',
    `- Date: ${new Date().toISOString().slice(0, 10)}`,
    `- Machine: ${cpu ? cpu.model : 'unknown'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`,
    `- Node ${process.version}; peers: ${['fast-jwt', 'jsonwebtoken', 'jose', '@node-rs/jsonwebtoken', '@auth/core', '@nestjs/jwt'].map((p) => `${p} ${version(p)}`).join(', ')}`,
    `- Method: ${ROUNDS} rounds of about ${ROUND_MS} ms per peer, after calibration; median and min time per operation. "ratio" is the row's median time divided by that of the first authbridge row (above 1: authbridge is faster). Same token and same checks (signature, alg pinned, exp) for every peer; keys prepared once where the peer allows it.`,
    '',
  ]
  for (const r of results) {
    const ours = r.rows[0]
    lines.push(`## ${r.name}`, '', '| peer | ops/s (median) | median us | min us | ratio |', '| --- | ---: | ---: | ---: | ---: |')
    for (const x of r.rows) lines.push(`| ${x.name} | ${fmtOps(x.medNs)} | ${fmtUs(x.medNs)} | ${fmtUs(x.minNs)} | ${x === ours ? '1.00' : (x.medNs / ours.medNs).toFixed(2)} |`)
    lines.push('')
  }
  const out = fileURLToPath(new URL('./RESULTS.md', import.meta.url))
  // Keep the sections other scripts write (benchmark/remote-jwks.mjs, the issue-15 measurements).
  const previous = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : ''
  for (const kept of previous.matchAll(/<!-- ([\w-]+):start -->[\s\S]*?<!-- \1:end -->/g)) lines.push(kept[0], '')
  fs.writeFileSync(out, lines.join('\n'))
  console.log(`\nwrote ${out}`)
}
