'use strict'

// The addon in worker_threads and in several processes: it loads in 4 workers at once
// and in 2 forked processes, each verifying a few thousand tokens of every kind
// (HS256, RS256 through a JWK Set, ES256, EdDSA, Auth.js sessions, and failures of
// every family), and every result (claims, payload bytes, error code and claim) is
// identical to the main thread's. Workers and processes must exit on their own with
// code 0 and write nothing to stderr; a worker terminated in the middle of its work
// must not take the process down.
//
// This one file is the test, the worker and the child process: the worker and child
// branches run when the file is loaded with the marker below, and never load node:test.
//
// Run: node --test __test__/

const path = require('node:path')
const { isMainThread, workerData, parentPort } = require('node:worker_threads')

const ADDON = path.join(__dirname, '..')
const WORKER_MARK = 'authbridge-threads-worker'
const CHILD_FLAG = '--authbridge-threads-child'

// ---------------------------------------------------------------------------
// The job: the same code in the main thread, the workers and the children
// ---------------------------------------------------------------------------

/** Builds every verifier from the key material (PEMs, JWKs, secrets as text). */
function buildVerifiers(m) {
  const ab = require(ADDON)
  const hsKey = Buffer.from(m.hsSecret, 'hex')
  return {
    ab,
    hs: new ab.JwtVerifier({ algorithms: ['HS256'], key: hsKey, audience: 'api' }),
    rs: new ab.JwtVerifier({ algorithms: ['RS256', 'PS256'], jwks: { keys: m.rsJwks } }),
    es: new ab.JwtVerifier({ algorithms: ['ES256'], key: m.esPem }),
    ed: new ab.JwtVerifier({ algorithms: ['EdDSA'], jwk: m.edJwk }),
    session: new ab.AuthJsSession({ secret: [m.authSecret, m.oldAuthSecret] }),
    handshake: new ab.HandshakeAuthenticator({ jwt: { algorithms: ['HS256'], key: hsKey, audience: 'api' }, authjs: { secret: m.authSecret } }),
    jwsOptions: { algorithms: ['HS256'], key: hsKey },
  }
}

/** One call's outcome as a string: the claims' JSON, the payload bytes, or code/claim. */
function outcome(fn) {
  try {
    const r = fn()
    if (r === null) return 'null'
    if (Buffer.isBuffer(r.payload)) return `jws:${JSON.stringify(r.header)}:${r.payload.toString('base64url')}`
    return `ok:${JSON.stringify(r)}`
  } catch (e) {
    return `err:${e && e.code}/${(e && e.claim) || ''}`
  }
}

/** Every entry point on one token. */
function runOne(v, token) {
  const insp = v.ab.inspect(token)
  return [
    outcome(() => v.hs.verify(token)),
    outcome(() => v.hs.verifyComplete(token)),
    outcome(() => v.rs.verify(token)),
    outcome(() => v.es.verify(token)),
    outcome(() => v.ed.verify(token)),
    outcome(() => v.session.decode(token)),
    outcome(() => v.session.fromCookieHeader(`a=1; authjs.session-token=${token}; b=2`)),
    outcome(() => v.handshake.verifyToken(token)),
    outcome(() => v.handshake.authenticate({ auth: { token }, headers: {}, query: {} })),
    outcome(() => v.ab.verifyJws(token, v.jwsOptions)),
    outcome(() => v.ab.decodeUnverified(token)),
    // inspect's relative times depend on the clock; kind, alg, enc, kid, claims and error do not
    `inspect:${JSON.stringify([insp.kind, insp.authJsSession, insp.alg, insp.enc, insp.kid, insp.claims, insp.error])}`,
  ].join('\n')
}

/**
 * Verifies `rounds` passes over the tokens in an order given by `seed`. Returns the
 * outcome of each distinct token and any token whose outcome changed between passes.
 */
function runJob(material, tokens, rounds, seed) {
  const v = buildVerifiers(material)
  const results = new Array(tokens.length)
  const unstable = []
  let calls = 0
  let state = seed >>> 0 || 1
  const next = () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return (state >>> 0) / 4294967296
  }
  for (let round = 0; round < rounds; round++) {
    const order = tokens.map((_, i) => i)
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1))
      ;[order[i], order[j]] = [order[j], order[i]]
    }
    for (const i of order) {
      const r = runOne(v, tokens[i])
      calls++
      if (results[i] === undefined) results[i] = r
      else if (results[i] !== r && !unstable.includes(i)) unstable.push(i)
    }
  }
  return { results, unstable, calls }
}

// ---------------------------------------------------------------------------
// Worker and child branches
// ---------------------------------------------------------------------------

if (!isMainThread && workerData && workerData.mark === WORKER_MARK) {
  const { material, tokens, rounds, seed, forever } = workerData
  if (forever) {
    // Verifies until terminated (the terminate test).
    parentPort.postMessage('started')
    for (;;) runJob(material, tokens, 1, seed)
  }
  parentPort.postMessage(runJob(material, tokens, rounds, seed))
} else if (process.argv.includes(CHILD_FLAG)) {
  process.once('message', ({ material, tokens, rounds, seed }) => {
    const out = runJob(material, tokens, rounds, seed)
    process.send({ ...out, pid: process.pid }, () => process.disconnect())
  })
} else {
  main()
}

// ---------------------------------------------------------------------------
// The tests (main thread only)
// ---------------------------------------------------------------------------

function main() {
  const { test } = require('node:test')
  const assert = require('node:assert/strict')
  const crypto = require('node:crypto')
  const { Worker } = require('node:worker_threads')
  const { fork } = require('node:child_process')
  const jsonwebtoken = require('jsonwebtoken')
  const jose = require('jose')

  const b64u = (x) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url')
  const nowSec = () => Math.floor(Date.now() / 1000)
  const ROUNDS = 5

  let fixture
  /** Key material (serializable) and ~300 distinct tokens of every kind. */
  function fixtures() {
    fixture ??= (async () => {
      const hsSecret = crypto.randomBytes(32)
      const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
      const rsa2 = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
      const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
      const ed = crypto.generateKeyPairSync('ed25519')
      const authSecret = crypto.randomBytes(32).toString('base64')
      const oldAuthSecret = crypto.randomBytes(32).toString('base64')
      const otherAuthSecret = crypto.randomBytes(32).toString('base64')
      const material = {
        hsSecret: hsSecret.toString('hex'),
        rsJwks: [
          { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1' },
          { ...rsa2.publicKey.export({ format: 'jwk' }), kid: 'rsa-2' },
        ],
        esPem: ec.publicKey.export({ type: 'spki', format: 'pem' }),
        edJwk: ed.publicKey.export({ format: 'jwk' }),
        authSecret,
        oldAuthSecret,
      }
      const { encode } = await import('@auth/core/jwt')
      const exp = nowSec() + 3600
      const tokens = []
      const tamper = (t) => {
        const p = t.split('.')
        const i = p.length === 3 ? 2 : 3
        p[i] = (p[i][0] === 'A' ? 'B' : 'A') + p[i].slice(1)
        return p.join('.')
      }
      for (let i = 0; i < 30; i++) {
        const sub = `user-${i}`
        const hs = jsonwebtoken.sign({ sub, aud: 'api', n: i, tags: ['a', i] }, hsSecret, { algorithm: 'HS256', expiresIn: 3600 })
        const rs = jsonwebtoken.sign({ sub, scope: 'read' }, rsa.privateKey, { algorithm: i % 2 ? 'RS256' : 'PS256', expiresIn: 3600, ...(i % 3 ? { keyid: 'rsa-1' } : {}) })
        const rs2 = jsonwebtoken.sign({ sub, scope: 'write' }, rsa2.privateKey, { algorithm: 'RS256', expiresIn: 3600, keyid: 'rsa-2' })
        const es = jsonwebtoken.sign({ sub, unicode: 'Zoë ✓' }, ec.privateKey, { algorithm: 'ES256', expiresIn: 3600 })
        const eddsa = await new jose.SignJWT({ sub, exp }).setProtectedHeader({ alg: 'EdDSA' }).sign(ed.privateKey)
        const session = await encode({ token: { sub, name: `Name ${i}`, __proto__: null }, secret: authSecret, salt: 'authjs.session-token' })
        const oldSession = await encode({ token: { sub, rotated: true }, secret: oldAuthSecret, salt: 'authjs.session-token' })
        tokens.push(hs, rs, rs2, es, eddsa, session, oldSession)
        // failures of every family
        tokens.push(
          jsonwebtoken.sign({ sub, aud: 'api' }, hsSecret, { algorithm: 'HS256', expiresIn: -60 - i }), // expired
          jsonwebtoken.sign({ sub, aud: 'api', nbf: nowSec() + 3600 + i }, hsSecret, { algorithm: 'HS256', expiresIn: 7200 }), // not active
          jsonwebtoken.sign({ sub, aud: 'web' }, hsSecret, { algorithm: 'HS256', expiresIn: 3600 }), // audience
          jsonwebtoken.sign({ sub, aud: 'api' }, Buffer.concat([hsSecret, hsSecret]), { algorithm: 'HS512', expiresIn: 3600 }), // alg not pinned
          tamper(hs), // signature
          tamper(rs2),
          tamper(session), // ciphertext: tag mismatch
          jsonwebtoken.sign({ sub }, rsa2.privateKey, { algorithm: 'RS256', expiresIn: 3600, keyid: 'rsa-9' }), // unknown kid
          `${b64u({ alg: 'none' })}.${b64u({ sub, exp })}.`, // alg none
          `${b64u({ alg: 'HS256' })}.${b64u(`{"sub":"${sub}","sub":"admin","exp":${exp}}`)}.${b64u('x')}`, // duplicate claims, bad sig
          await encode({ token: { sub }, secret: otherAuthSecret, salt: 'authjs.session-token' }), // another AUTH_SECRET
          [b64u({ alg: 'dir', enc: 'A256GCM', zip: 'DEF' }), '', 'AAAAAAAAAAAAAAAA', 'AAAA', 'AAAAAAAAAAAAAAAAAAAAAA'].join('.'), // zip
          `Bearer ${hs}`,
          '.'.repeat(i + 1),
        )
      }
      tokens.push('', 'not a token', 'a.b.c', 'a.b.c.d.e', `${'x'.repeat(20000)}`)
      return { material, tokens }
    })()
    return fixture
  }

  function startWorker(data, options = {}) {
    const worker = new Worker(__filename, { workerData: { mark: WORKER_MARK, ...data }, execArgv: [], stderr: true, ...options })
    let stderr = ''
    worker.stderr.on('data', (d) => (stderr += d))
    const exited = new Promise((resolve) => worker.on('exit', (code) => resolve(code)))
    const errored = new Promise((_, reject) => worker.on('error', reject))
    return { worker, exited, errored, stderr: () => stderr }
  }

  const withTimeout = (promise, ms, what) =>
    Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms).unref())])

  /** Compares a job's results with the main thread's, token by token. */
  function assertSame(got, expected, tokens, who) {
    assert.deepEqual(got.unstable, [], `${who}: a token's outcome changed between passes`)
    assert.equal(got.results.length, expected.results.length)
    const diffs = []
    for (let i = 0; i < tokens.length; i++) {
      if (got.results[i] !== expected.results[i]) diffs.push(`token #${i} (${tokens[i].slice(0, 24)}...):\n  main:   ${expected.results[i].replace(/\n/g, ' | ')}\n  ${who}: ${got.results[i].replace(/\n/g, ' | ')}`)
    }
    assert.deepEqual(diffs.slice(0, 5), [], `${who}: ${diffs.length} tokens differ from the main thread`)
  }

  test('sanity: the token set covers accepted tokens and every failure family', async () => {
    const { material, tokens } = await fixtures()
    const expected = runJob(material, tokens, 1, 1)
    const all = expected.results.join('\n')
    for (const needle of [
      'ok:{"sub":"user-1"', 'ERR_JWT_EXPIRED/exp', 'ERR_JWT_NOT_ACTIVE/nbf', 'ERR_JWT_CLAIM_INVALID/aud', 'ERR_JWS_ALG_NOT_ALLOWED/',
      'ERR_JWS_SIGNATURE_INVALID/', 'ERR_JWKS_NO_MATCHING_KEY/', 'ERR_TOKEN_MALFORMED/', 'ERR_TOKEN_WRONG_KIND/', 'ERR_TOKEN_TOO_LARGE/',
      'ERR_JWE_NO_MATCHING_SECRET/', 'ERR_JWE_DECRYPTION_FAILED/', 'ERR_JWE_UNSUPPORTED/', '"rotated":true', 'jws:', '"unicode":"Zoë ✓"',
    ]) {
      assert.ok(all.includes(needle), `no outcome includes ${needle}`)
    }
    assert.ok(tokens.length * ROUNDS >= 3000, `${tokens.length} tokens x ${ROUNDS} rounds`)
  })

  test('4 worker_threads at once: identical results to the main thread, clean exits', async () => {
    const { material, tokens } = await fixtures()
    const workers = [1, 2, 3, 4].map((seed) => startWorker({ material, tokens, rounds: ROUNDS, seed: seed * 7919 }))
    const messages = workers.map((w) => new Promise((resolve) => w.worker.once('message', resolve)))
    // The main thread verifies at the same time as the workers.
    const expected = runJob(material, tokens, ROUNDS, 12345)
    assert.deepEqual(expected.unstable, [], 'main: a token outcome changed between passes')
    const results = await withTimeout(Promise.race([Promise.all(messages), ...workers.map((w) => w.errored)]), 15000, 'workers')
    results.forEach((r, i) => {
      assert.equal(r.calls, tokens.length * ROUNDS)
      assertSame(r, expected, tokens, `worker ${i + 1}`)
    })
    const codes = await withTimeout(Promise.all(workers.map((w) => w.exited)), 5000, 'worker exit')
    assert.deepEqual(codes, [0, 0, 0, 0], 'exit codes')
    workers.forEach((w, i) => assert.equal(w.stderr(), '', `worker ${i + 1} wrote to stderr`))
    // and the main thread still works after the workers' environments were torn down
    assert.equal(runJob(material, tokens.slice(0, 7), 1, 1).results.join(), expected.results.slice(0, 7).join())
  })

  test('workers loaded one after another, and a worker terminated mid-verification, leave the process healthy', async () => {
    const { material, tokens } = await fixtures()
    const expected = runJob(material, tokens, 1, 1)
    for (let i = 0; i < 6; i++) {
      const w = startWorker({ material, tokens: tokens.slice(0, 21), rounds: 1, seed: i + 1 })
      const r = await withTimeout(Promise.race([new Promise((resolve) => w.worker.once('message', resolve)), w.errored]), 10000, `worker ${i}`)
      assert.deepEqual(r.results, expected.results.slice(0, 21))
      assert.equal(await w.exited, 0)
    }
    const busy = startWorker({ material, tokens, rounds: 1, seed: 99, forever: true })
    await withTimeout(Promise.race([new Promise((resolve) => busy.worker.once('message', resolve)), busy.errored]), 10000, 'busy worker start')
    await new Promise((resolve) => setTimeout(resolve, 150))
    await busy.worker.terminate()
    assert.equal(await busy.exited, 1, 'terminate() exit code')
    assert.equal(busy.stderr(), '', 'the terminated worker wrote to stderr')
    assert.equal(runJob(material, tokens, 1, 2).results.join('\n'), expected.results.join('\n'), 'main thread after terminate')
  })

  test('two forked processes at once: identical results to the main thread, clean exits', async () => {
    const { material, tokens } = await fixtures()
    const expected = runJob(material, tokens, 1, 1)
    const children = [1, 2].map((seed) => {
      const child = fork(__filename, [CHILD_FLAG], { execArgv: [], silent: true })
      let stderr = ''
      child.stderr.on('data', (d) => (stderr += d))
      child.stdout.resume()
      const result = new Promise((resolve, reject) => {
        child.once('message', resolve)
        child.once('error', reject)
      })
      const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
      child.send({ material, tokens, rounds: ROUNDS, seed: seed * 104729 })
      return { child, result, exited, stderr: () => stderr }
    })
    try {
      const results = await withTimeout(Promise.all(children.map((c) => c.result)), 15000, 'children')
      assert.notEqual(results[0].pid, results[1].pid)
      results.forEach((r, i) => {
        assert.equal(r.calls, tokens.length * ROUNDS)
        assertSame(r, expected, tokens, `process ${i + 1}`)
      })
      const exits = await withTimeout(Promise.all(children.map((c) => c.exited)), 5000, 'child exit')
      assert.deepEqual(exits, [{ code: 0, signal: null }, { code: 0, signal: null }])
      children.forEach((c, i) => assert.equal(c.stderr(), '', `process ${i + 1} wrote to stderr`))
    } finally {
      for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL')
    }
  })
}
