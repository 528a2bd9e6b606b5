'use strict'

// RemoteJwks against a local HTTP server on 127.0.0.1 that serves a real JWK Set (keys
// from node:crypto, tokens signed by jose) and every fault the key endpoint can show:
// status errors, a hung response, a huge body, bad JSON, foreign redirects, a wrong
// content type, empty and unusable sets, oct and private keys, 304 with ETag. Each fault
// gives its code and the good set stays in place. Every RemoteJwks is closed (t.after).

const { describe, test } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const crypto = require('node:crypto')
const { once } = require('node:events')
const { setTimeout: sleep } = require('node:timers/promises')

const ab = require('..')
const { RemoteJwks, JwtVerifier, HandshakeAuthenticator, verifyJws, verifyJwsAsync } = ab
const { throwsCode } = require('./helpers/assert.js')

let jose
const joseReady = import('jose').then((m) => {
  jose = m
})

// ---------------------------------------------------------------------------
// Keys and tokens
// ---------------------------------------------------------------------------

function rsaKey(kid, bits = 2048) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: bits })
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }, privateJwk: privateKey.export({ format: 'jwk' }) }
}

const K1 = rsaKey('k1')
const K2 = rsaKey('k2')
const SMALL = rsaKey('small', 1024)

async function token(key, claims = {}, header = {}) {
  await joseReady
  return new jose.SignJWT({ sub: 'user-1', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, ...header })
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(key.privateKey)
}

// ---------------------------------------------------------------------------
// The key server: `mode` decides each answer; requests are counted per path.
// ---------------------------------------------------------------------------

async function startServer(t, handler) {
  const server = http.createServer((req, res) => handler(req, res))
  const sockets = new Set()
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => {
    for (const s of sockets) s.destroy()
    server.close()
  })
  return `http://127.0.0.1:${server.address().port}`
}

function json(res, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  res.writeHead(200, { 'content-type': 'application/json', ...headers })
  res.end(text)
}

async function keyServer(t) {
  const state = { mode: 'good', keys: [K1.jwk], count: 0, paths: [], ifNoneMatch: [], headers: [] }
  const other = await startServer(t, (req, res) => json(res, { keys: [K2.jwk] }))
  const base = await startServer(t, (req, res) => {
    state.paths.push(req.url)
    state.headers.push(req.headers)
    if (req.url === '/elsewhere') return json(res, { keys: [K1.jwk, K2.jwk] })
    if (req.url !== '/jwks') {
      res.writeHead(404)
      return res.end()
    }
    state.count++
    state.ifNoneMatch.push(req.headers['if-none-match'])
    switch (state.mode) {
      case 'good':
        return json(res, { keys: state.keys }, { etag: `"v${state.keys.map((k) => k.kid).join('-')}"` })
      case '500':
        res.writeHead(500)
        return res.end('boom')
      case '404':
        res.writeHead(404)
        return res.end()
      case 'hang':
        return // never answers
      case 'huge':
        return json(res, { keys: [K1.jwk], pad: 'x'.repeat(2 * 1024 * 1024) })
      case 'huge-chunked': {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.write('{"keys": [], "pad": "')
        const chunk = 'x'.repeat(64 * 1024)
        let sent = 0
        const more = () => {
          while (sent < 2 * 1024 * 1024) {
            sent += chunk.length
            if (!res.write(chunk)) return res.once('drain', more)
          }
          res.end('"}')
        }
        return more()
      }
      case 'not-json':
        return json(res, '{"keys": [')
      case 'foreign-redirect':
        res.writeHead(302, { location: `${other}/jwks` })
        return res.end()
      case 'same-redirect':
        res.writeHead(302, { location: '/elsewhere' })
        return res.end()
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html' })
        return res.end(JSON.stringify({ keys: [K1.jwk] }))
      case 'empty':
        return json(res, { keys: [] })
      case 'unusable':
        return json(res, { keys: [SMALL.jwk, { kty: 'XYZ', kid: 'x' }, { ...K2.jwk, use: 'enc' }] })
      case 'oct':
        return json(res, { keys: [{ kty: 'oct', kid: 'o', k: crypto.randomBytes(32).toString('base64url') }] })
      case 'private':
        return json(res, { keys: [{ ...K2.privateJwk, kid: 'k2' }] })
      case 'etag':
        if (req.headers['if-none-match'] === '"fixed"') {
          res.writeHead(304, { etag: '"fixed"' })
          return res.end()
        }
        return json(res, { keys: state.keys }, { etag: '"fixed"' })
      default:
        throw new Error(`unknown mode ${state.mode}`)
    }
  })
  return { state, base, uri: `${base}/jwks`, other }
}

function remote(t, options) {
  const r = new RemoteJwks({ allowHttp: true, ...options })
  t.after(() => r.close())
  return r
}

async function rejectsCode(promise, code) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.code, code, `got ${err.code}: ${err.message}`)
    return true
  })
}

// ---------------------------------------------------------------------------

describe('RemoteJwks: loading and synchronous verification', () => {
  test('jwksUri: ready(), then a token with a known kid verifies synchronously with no fetch', async (t) => {
    const { state, uri } = await keyServer(t)
    const tok = await token(K1)
    const jwks = remote(t, { jwksUri: uri })
    const v = new JwtVerifier({ algorithms: ['RS256'], jwks })
    throwsCode(() => v.verify(tok), 'ERR_JWKS_NOT_READY', 'before ready')
    await jwks.ready()
    const before = state.count
    for (let i = 0; i < 50; i++) assert.equal(v.verify(tok).sub, 'user-1')
    assert.equal(state.count, before, 'a cache hit makes no request')
    const st = jwks.status()
    assert.deepEqual(st.keyIds, ['k1'])
    assert.equal(st.stale, false)
    assert.equal(st.lastError, undefined)
    assert.ok(st.lastRefresh > Date.now() / 1000 - 60)
    assert.equal(v.remoteJwks, jwks)
    // verifyJws and HandshakeAuthenticator read the same set.
    assert.equal(verifyJws(tok, { algorithms: ['RS256'], jwks }).header.kid, 'k1')
    const auth = new HandshakeAuthenticator({ jwt: { algorithms: ['RS256'], jwks } })
    assert.equal(auth.authenticate({ auth: { token: tok } }).claims.sub, 'user-1')
  })

  test('options: jwksUri on JwtVerifier builds a RemoteJwks; http refused without allowHttp; bad options coded', async (t) => {
    const { uri } = await keyServer(t)
    const v = new JwtVerifier({ algorithms: ['RS256'], jwksUri: uri, jwksOptions: { allowHttp: true } })
    t.after(() => v.remoteJwks.close())
    await v.remoteJwks.ready()
    assert.equal(v.verify(await token(K1)).sub, 'user-1')
    throwsCode(() => new RemoteJwks({ jwksUri: uri }), 'ERR_INVALID_OPTIONS', 'http without allowHttp')
    throwsCode(() => new RemoteJwks({ jwksUri: 'ftp://x/jwks' }), 'ERR_INVALID_OPTIONS', 'ftp')
    throwsCode(() => new RemoteJwks({}), 'ERR_INVALID_OPTIONS', 'no source')
    throwsCode(() => new RemoteJwks({ jwksUri: uri, issuer: 'https://x' }), 'ERR_INVALID_OPTIONS', 'both sources')
    throwsCode(() => new RemoteJwks({ jwksUri: uri, allowHttp: true, cooldown: -1 }), 'ERR_INVALID_OPTIONS', 'cooldown')
    throwsCode(() => new RemoteJwks({ jwksUri: uri, allowHttp: true, maxKeys: 1.5 }), 'ERR_INVALID_OPTIONS', 'maxKeys')
    const r = remote(t, { jwksUri: uri })
    throwsCode(() => new JwtVerifier({ algorithms: ['HS256'], jwks: r }), 'ERR_INVALID_OPTIONS', 'HMAC with a remote set')
  })

  test('an unknown kid: sync verify fails retryable and starts one refresh; verifyAsync waits and retries once', async (t) => {
    const { state, uri } = await keyServer(t)
    const jwks = remote(t, { jwksUri: uri, cooldown: 0 })
    const v = new JwtVerifier({ algorithms: ['RS256'], jwks })
    await jwks.ready()
    const fetched = state.count
    state.keys = [K1.jwk, K2.jwk] // the provider rotates in k2
    const tok2 = await token(K2)
    const err = throwsCode(() => v.verify(tok2), 'ERR_JWKS_KID_UNKNOWN')
    assert.equal(err.retryable, true)
    assert.equal(jwks.status().fetches, fetched + 1, 'the miss started a fetch')
    assert.equal((await v.verifyAsync(tok2)).sub, 'user-1')
    assert.equal(state.count, fetched + 1, 'exactly one extra fetch: verifyAsync joined the one in flight')
    assert.equal(v.verify(tok2).sub, 'user-1')
    // verifyJwsAsync too; a token for a kid the provider never has stays refused.
    state.keys = [K1.jwk]
    await jwks.refresh()
    throwsCode(() => v.verify(tok2), 'ERR_JWKS_KID_UNKNOWN', 'a key removed at the provider stops verifying after a good refresh')
    await rejectsCode(verifyJwsAsync(tok2, { algorithms: ['RS256'], jwks }), 'ERR_JWKS_KID_UNKNOWN')
  })

  test('verifyAsync before the first load waits for it', async (t) => {
    const { uri } = await keyServer(t)
    const jwks = remote(t, { jwksUri: uri })
    const v = new JwtVerifier({ algorithms: ['RS256'], jwks })
    assert.equal((await v.verifyAsync(await token(K1))).sub, 'user-1')
  })
})

describe('RemoteJwks: faults keep the good set', () => {
  const cases = [
    ['500', 'ERR_JWKS_FETCH_FAILED', (e) => assert.equal(e.status, 500)],
    ['404', 'ERR_JWKS_FETCH_FAILED', (e) => assert.equal(e.status, 404)],
    ['hang', 'ERR_JWKS_TIMEOUT'],
    ['huge', 'ERR_JWKS_TOO_LARGE'],
    ['huge-chunked', 'ERR_JWKS_TOO_LARGE'],
    ['not-json', 'ERR_JWKS_INVALID'],
    ['foreign-redirect', 'ERR_JWKS_FETCH_FAILED', (e) => assert.match(e.message, /another origin/)],
    ['html', 'ERR_JWKS_FETCH_FAILED', (e) => assert.match(e.message, /content type/)],
    ['empty', 'ERR_JWKS_INVALID'],
    ['unusable', 'ERR_JWKS_INVALID'],
    ['oct', 'ERR_JWKS_INVALID', (e) => assert.match(e.message, /oct/)],
    ['private', 'ERR_JWKS_INVALID', (e) => assert.match(e.message, /private member/)],
  ]
  for (const [mode, code, more] of cases) {
    test(`${mode}: ${code}`, async (t) => {
      const { state, uri } = await keyServer(t)
      const jwks = remote(t, { jwksUri: uri, timeout: mode === 'hang' ? 0.5 : 5 })
      const v = new JwtVerifier({ algorithms: ['RS256'], jwks })
      await jwks.ready()
      const tok = await token(K1)
      state.mode = mode
      let failure = null
      jwks.on('refreshError', (e) => {
        failure = e
      })
      await assert.rejects(jwks.refresh(), (err) => {
        assert.equal(err.code, code, `got ${err.code}: ${err.message}`)
        if (more) more(err)
        return true
      })
      assert.equal(failure && failure.code, code, 'the refreshError event carries the error')
      assert.equal(v.verify(tok).sub, 'user-1', 'the good set stays in place')
      const st = jwks.status()
      assert.deepEqual(st.keyIds, ['k1'])
      assert.ok(st.lastError.startsWith(code), st.lastError)
      assert.equal(st.stale, false)
    })
  }

  test('a custom fetch that follows a foreign redirect itself is refused too', async (t) => {
    const { state, uri } = await keyServer(t)
    const jwks = remote(t, { jwksUri: uri, fetch: (u, o) => fetch(u, { ...o, redirect: 'follow' }) })
    await jwks.ready()
    state.mode = 'foreign-redirect'
    await assert.rejects(jwks.refresh(), (e) => e.code === 'ERR_JWKS_FETCH_FAILED' && /another origin/.test(e.message))
    assert.deepEqual(jwks.status().keyIds, ['k1'], 'the good set stays (the other origin serves k2)')
  })

  test('a same-origin redirect is followed', async (t) => {
    const { state, uri } = await keyServer(t)
    const jwks = remote(t, { jwksUri: uri })
    await jwks.ready()
    state.mode = 'same-redirect'
    await jwks.refresh()
    assert.deepEqual(jwks.status().keyIds, ['k1', 'k2'])
  })

  test('more than maxKeys keys: ERR_JWKS_TOO_LARGE', async (t) => {
    const { state, uri } = await keyServer(t)
    state.keys = [K1.jwk, K2.jwk]
    const jwks = remote(t, { jwksUri: uri, maxKeys: 1 })
    await rejectsCode(jwks.ready(), 'ERR_JWKS_TOO_LARGE')
  })

  test('304 with ETag: If-None-Match is sent, the set stays and is fresh', async (t) => {
    const { state, uri } = await keyServer(t)
    state.mode = 'etag'
    const jwks = remote(t, { jwksUri: uri })
    await jwks.ready()
    const tok = await token(K1)
    await jwks.refresh()
    await jwks.refresh()
    assert.deepEqual(state.ifNoneMatch, [undefined, '"fixed"', '"fixed"'])
    assert.equal(new JwtVerifier({ algorithms: ['RS256'], jwks }).verify(tok).sub, 'user-1')
    assert.equal(jwks.status().lastError, undefined)
  })
})

describe('RemoteJwks: floods, outages, cold starts', () => {
  test('1,000 concurrent unknown kids: at most one fetch per cooldown window; good tokens keep verifying synchronously', async (t) => {
    const { state, uri } = await keyServer(t)
    const COOLDOWN = 3
    const jwks = remote(t, { jwksUri: uri, cooldown: COOLDOWN })
    const v = new JwtVerifier({ algorithms: ['RS256'], jwks })
    await jwks.ready()
    const loadedAt = Date.now()
    const good = await token(K1)
    const forged = []
    for (let i = 0; i < 1000; i++) forged.push(await token(K2, {}, { kid: crypto.randomBytes(8).toString('hex') }))
    // Within the cooldown after the initial load, misses make no request at all.
    if (Date.now() - loadedAt < COOLDOWN * 1000 - 500) {
      const before = state.count
      await Promise.allSettled(forged.slice(0, 100).map((f) => v.verifyAsync(f)))
      assert.equal(state.count, before, 'no fetch within the cooldown')
    }
    await sleep(Math.max(0, loadedAt + COOLDOWN * 1000 + 200 - Date.now()))
    const before = state.count
    const start = Date.now()
    const settled = Promise.allSettled(forged.map((f) => v.verifyAsync(f)))
    for (let i = 0; i < 100; i++) assert.equal(v.verify(good).sub, 'user-1')
    const results = await settled
    assert.ok(results.every((r) => r.status === 'rejected' && r.reason.code === 'ERR_JWKS_KID_UNKNOWN' && r.reason.retryable === true))
    await Promise.allSettled(forged.map((f) => v.verifyAsync(f)))
    const windows = 1 + Math.floor((Date.now() - start) / (COOLDOWN * 1000))
    const fetches = state.count - before
    assert.ok(fetches >= 1, 'the first miss after the cooldown fetched')
    assert.ok(fetches <= windows, `${fetches} fetches in ${windows} cooldown window(s)`)
    assert.equal(v.verify(good).sub, 'user-1')
  })

  test('outage: the last good set is served for staleWhileError, then ERR_JWKS_STALE; recovery when the provider returns', async (t) => {
    const { state, uri } = await keyServer(t)
    const jwks = remote(t, { jwksUri: uri, staleWhileError: 1 })
    const v = new JwtVerifier({ algorithms: ['RS256'], jwks, cache: true })
    await jwks.ready()
    const tok = await token(K1)
    assert.equal(v.verify(tok).sub, 'user-1')
    state.mode = '500'
    const failedAt = Date.now()
    await rejectsCode(jwks.refresh(), 'ERR_JWKS_FETCH_FAILED')
    assert.equal(v.verify(tok).sub, 'user-1', 'served while within staleWhileError')
    // Wait past the deadline (a lower bound only: a loaded machine just waits longer).
    await sleep(Math.max(0, failedAt + 1500 - Date.now()))
    assert.equal(jwks.status().stale, true)
    throwsCode(() => v.verify(tok), 'ERR_JWKS_STALE', 'after staleWhileError, even from the verified-token cache')
    state.mode = 'good'
    await jwks.refresh()
    assert.equal(v.verify(tok).sub, 'user-1')
    assert.equal(jwks.status().stale, false)
  })

  test('initialJwks serves at once; onUpdate and update receive each new set; custom fetch and headers are used', async (t) => {
    const { state, uri } = await keyServer(t)
    state.keys = [K1.jwk, K2.jwk]
    const updates = []
    const events = []
    let calls = 0
    const jwks = remote(t, {
      jwksUri: uri,
      initialJwks: { keys: [K1.jwk] },
      onUpdate: (set) => updates.push(set.keys.map((k) => k.kid)),
      headers: { 'x-tenant': 'acme' },
      fetch: (...args) => {
        calls++
        return fetch(...args)
      },
    })
    jwks.on('update', (info) => events.push(info.keyIds))
    const v = new JwtVerifier({ algorithms: ['RS256'], jwks })
    assert.equal(v.verify(await token(K1)).sub, 'user-1', 'the initial set verifies before any fetch completes')
    await jwks.refresh()
    assert.deepEqual(updates.at(-1), ['k1', 'k2'])
    assert.deepEqual(events.at(-1), ['k1', 'k2'])
    assert.ok(calls >= 1)
    assert.equal(state.headers.at(-1)['x-tenant'], 'acme')
    throwsCode(() => remote(t, { jwksUri: uri, initialJwks: { keys: [] } }), 'ERR_JWKS_INVALID', 'an unusable initial set')
  })

  test('the background refresh runs every refreshInterval; close() stops it', async (t) => {
    const { state, uri } = await keyServer(t)
    const jwks = remote(t, { jwksUri: uri, refreshInterval: 1 })
    await jwks.ready()
    const before = state.count
    // refreshInterval 1 s: the background refresh comes on its own.
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no background refresh within 30 s')), 30000)
      const check = setInterval(() => {
        if (state.count > before) {
          clearInterval(check)
          clearTimeout(timer)
          resolve()
        }
      }, 50)
    })
    jwks.close()
    const closedAt = state.count
    await sleep(1500)
    assert.equal(state.count, closedAt, 'no fetch after close()')
  })
})

describe('discovery', () => {
  async function provider(t, { issuerPath = '', mismatch = false, oidc = true } = {}) {
    const k = await keyServer(t)
    let base
    base = await startServer(t, (req, res) => {
      const issuer = `${base}${issuerPath}`
      if (oidc && req.url === `${issuerPath}/.well-known/openid-configuration`) {
        return json(res, { issuer: mismatch ? `${issuer}/` : issuer, jwks_uri: k.uri })
      }
      if (!oidc && req.url === `/.well-known/oauth-authorization-server${issuerPath}`) return json(res, { issuer, jwks_uri: k.uri })
      res.writeHead(404)
      res.end()
    })
    return { issuer: `${base}${issuerPath}`, k }
  }

  test('OpenID Connect discovery finds jwks_uri; JwtVerifier with only an issuer discovers it', async (t) => {
    const { issuer } = await provider(t, { issuerPath: '/realms/demo' })
    const jwks = remote(t, { issuer })
    await jwks.ready()
    assert.equal(new JwtVerifier({ algorithms: ['RS256'], jwks, issuer }).verify(await token(K1, { iss: issuer })).iss, issuer)
    const v = new JwtVerifier({ algorithms: ['RS256'], issuer, jwksOptions: { allowHttp: true } })
    t.after(() => v.remoteJwks.close())
    assert.equal((await v.verifyAsync(await token(K1, { iss: issuer }))).iss, issuer)
  })

  test('RFC 8414 fallback', async (t) => {
    const { issuer } = await provider(t, { issuerPath: '/tenant', oidc: false })
    const jwks = remote(t, { issuer })
    await jwks.ready()
    assert.deepEqual(jwks.status().keyIds, ['k1'])
  })

  test('issuer mismatch and missing metadata are coded', async (t) => {
    const { issuer } = await provider(t, { mismatch: true })
    await rejectsCode(remote(t, { issuer }).ready(), 'ERR_DISCOVERY_ISSUER_MISMATCH')
    const base = await startServer(t, (req, res) => {
      res.writeHead(404)
      res.end()
    })
    await rejectsCode(remote(t, { issuer: base }).ready(), 'ERR_DISCOVERY_FAILED')
  })
})

describe('RFC 9864 and RFC 9068', () => {
  test('Ed25519: accepted where pinned, signed by sign(), verified by jose; EdDSA and Ed25519 pinned separately', async () => {
    await joseReady
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519')
    const pub = publicKey.export({ format: 'jwk' })
    const fromJose = await new jose.SignJWT({ sub: 'e' }).setProtectedHeader({ alg: 'Ed25519' }).setExpirationTime('1h').sign(privateKey)
    assert.equal(new JwtVerifier({ algorithms: ['Ed25519'], jwk: pub }).verify(fromJose).sub, 'e')
    assert.equal(new JwtVerifier({ algorithms: ['EdDSA', 'Ed25519'], jwk: pub }).verify(fromJose).sub, 'e')
    throwsCode(() => new JwtVerifier({ algorithms: ['EdDSA'], jwk: pub }).verify(fromJose), 'ERR_JWS_ALG_NOT_ALLOWED')
    const mine = ab.sign({ sub: 'm' }, privateKey.export({ format: 'jwk' }), { algorithm: 'Ed25519', expiresIn: 60 })
    const { protectedHeader, payload } = await jose.jwtVerify(mine, publicKey, { algorithms: ['Ed25519'] })
    assert.equal(protectedHeader.alg, 'Ed25519')
    assert.equal(payload.sub, 'm')
    const ed448 = crypto.generateKeyPairSync('ed448').publicKey.export({ format: 'jwk' })
    throwsCode(() => new JwtVerifier({ algorithms: ['Ed25519'], jwk: ed448 }), 'ERR_INVALID_KEY', 'Ed25519 never takes an Ed448 key')
  })

  test('rfc9068: at+jwt access tokens pass, an ID-token-shaped JWT is refused, options checked', async () => {
    await joseReady
    const key = K1
    const base = { iss: 'https://as', aud: 'api', sub: 'u', client_id: 'c', jti: 'j1' }
    const at = await new jose.SignJWT(base).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt' }).setIssuedAt().setExpirationTime('5m').sign(key.privateKey)
    const idt = await new jose.SignJWT(base).setProtectedHeader({ alg: 'RS256', typ: 'JWT' }).setIssuedAt().setExpirationTime('5m').sign(key.privateKey)
    const noClient = await new jose.SignJWT({ ...base, client_id: undefined }).setProtectedHeader({ alg: 'RS256', typ: 'application/at+jwt' }).setIssuedAt().setExpirationTime('5m').sign(key.privateKey)
    const v = new JwtVerifier({ algorithms: ['RS256'], jwk: key.jwk, rfc9068: true, issuer: 'https://as', audience: 'api' })
    assert.equal(v.verify(at).client_id, 'c')
    assert.equal(throwsCode(() => v.verify(idt), 'ERR_JWT_CLAIM_INVALID').claim, 'typ')
    assert.equal(throwsCode(() => v.verify(noClient), 'ERR_JWT_CLAIM_MISSING').claim, 'client_id')
    throwsCode(() => new JwtVerifier({ algorithms: ['RS256'], jwk: key.jwk, rfc9068: true, audience: 'api' }), 'ERR_INVALID_OPTIONS', 'no issuer')
    throwsCode(() => new JwtVerifier({ algorithms: ['RS256'], jwk: key.jwk, rfc9068: true, issuer: 'x', audience: 'api', typ: 'JWT' }), 'ERR_INVALID_OPTIONS', 'typ')
  })
})

describe('integrations', () => {
  const path = require('node:path')
  const { execFile } = require('node:child_process')
  const cli = (args) =>
    new Promise((resolve) => {
      execFile(process.execPath, [path.join(__dirname, '..', 'bin', 'authbridge.js'), ...args], { timeout: 60000 }, (error, stdout, stderr) => {
        resolve({ code: error ? error.code : 0, stdout, stderr })
      })
    })

  test('CLI: verify --jwks-uri and verify --issuer (discovery)', async (t) => {
    const { uri } = await keyServer(t)
    const tok = await token(K1, { iss: 'x' })
    const ok = await cli(['verify', '--alg', 'RS256', '--jwks-uri', uri, '--allow-http', tok])
    assert.equal(ok.code, 0, ok.stderr)
    assert.equal(JSON.parse(ok.stdout).sub, 'user-1')
    const noHttp = await cli(['verify', '--alg', 'RS256', '--jwks-uri', uri, tok])
    assert.equal(noHttp.code, 1)
    assert.match(noHttp.stderr, /ERR_INVALID_OPTIONS/)
    assert.ok(!noHttp.stderr.includes(tok), 'never the token')
    const unknown = await cli(['verify', '--alg', 'RS256', '--jwks-uri', uri, '--allow-http', await token(K2)])
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /ERR_JWKS_KID_UNKNOWN/)

    let base
    base = await startServer(t, (req, res) => {
      if (req.url === '/.well-known/openid-configuration') return json(res, { issuer: base, jwks_uri: uri })
      res.writeHead(404)
      res.end()
    })
    const discovered = await cli(['verify', '--alg', 'RS256', '--issuer', base, '--allow-http', await token(K1, { iss: base })])
    assert.equal(discovered.code, 0, discovered.stderr)
    assert.equal(JSON.parse(discovered.stdout).iss, base)
    const wrongIss = await cli(['verify', '--alg', 'RS256', '--issuer', base, '--allow-http', tok])
    assert.equal(wrongIss.code, 1)
    assert.match(wrongIss.stderr, /ERR_JWT_CLAIM_INVALID/)
  })

  test('JwtService (authbridge/nest): jwks: RemoteJwks, onModuleInit awaits the first load, verifyAsync follows a rotation', async (t) => {
    const { JwtService } = require('../js/nest/jwt.js')
    const { state, uri } = await keyServer(t)
    const jwks = remote(t, { jwksUri: uri, cooldown: 0 })
    const svc = new JwtService({ jwks, verifyOptions: { algorithms: ['RS256'] } })
    await svc.onModuleInit()
    assert.equal(svc.verify(await token(K1)).sub, 'user-1')
    state.keys = [K2.jwk]
    const tok2 = await token(K2)
    await assert.rejects(Promise.resolve().then(() => svc.verify(tok2)), (e) => e.code === 'ERR_JWKS_KID_UNKNOWN' && e.name === 'JsonWebTokenError')
    assert.equal((await svc.verifyAsync(tok2)).sub, 'user-1')
    // Per-call options verify with the same remote set.
    assert.equal(svc.verify(tok2, { subject: 'user-1' }).sub, 'user-1')
    await assert.rejects(svc.verifyAsync(tok2, { subject: 'someone-else' }), (e) => e.code === 'ERR_JWT_CLAIM_INVALID')
    // jwksUri builds one, closed with the module.
    const built = new JwtService({ jwksUri: uri, jwksOptions: { allowHttp: true }, verifyOptions: { algorithms: ['RS256'] } })
    t.after(() => built.onModuleDestroy())
    await built.onModuleInit()
    assert.equal(built.verify(tok2).sub, 'user-1')
  })
})

describe('process lifetime', () => {
  const { execFile } = require('node:child_process')
  const run = (script, args) =>
    new Promise((resolve) => {
      execFile(process.execPath, ['-e', script, ...args], { timeout: 60000 }, (error, stdout, stderr) => resolve({ code: error ? error.code ?? error.signal : 0, stdout, stderr }))
    })

  test('no unhandled rejection, and the process exits on its own (with close(), and even without it: timers are unref\'d)', async (t) => {
    const { state, uri } = await keyServer(t)
    const script = `
      process.on('unhandledRejection', (e) => { console.error('UNHANDLED', e && e.code); process.exit(3) })
      const { RemoteJwks, JwtVerifier } = require(${JSON.stringify(require.resolve('..'))})
      const [uri, closeIt] = process.argv.slice(1)
      const jwks = new RemoteJwks({ jwksUri: uri, allowHttp: true, timeout: 0.3, refreshInterval: 1 })
      const v = new JwtVerifier({ algorithms: ['RS256'], jwks })
      jwks.ready().then(() => console.log('ready'), (e) => console.log('failed', e.code))
      try { v.verify('a.b.c') } catch (e) { console.log('sync', e.code) }
      v.verifyAsync('a.b.c').catch((e) => console.log('async', e.code))
      if (closeIt === 'close') setTimeout(() => jwks.close(), 500).unref()
    `
    const good = await run(script, [uri, 'close'])
    assert.equal(good.code, 0, good.stderr)
    assert.match(good.stdout, /ready/)
    const unclosed = await run(script, [uri, 'keep'])
    assert.equal(unclosed.code, 0, unclosed.stderr)
    state.mode = 'hang'
    const hung = await run(script, [uri, 'keep'])
    assert.equal(hung.code, 0, hung.stderr)
    assert.match(hung.stdout, /failed ERR_JWKS_TIMEOUT/)
  })
})
