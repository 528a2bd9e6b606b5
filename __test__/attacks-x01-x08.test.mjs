// Issue 22, X01 and X08, written as the attacks: one unauthenticated request whose
// Authorization header (X01) or URL query (X08) is long and shaped for the parser's worst
// case. Before the fix the header went through passport-jwt's unanchored /(\S+)\s+(\S+)/
// (a 16 KB header without white space: ~n^2/2 steps, 120-200 ms of event loop per request)
// and the query through URLSearchParams.getAll once per occurrence (a 16 KB URL of `a&a&...`:
// 0.3-1.2 s). Real servers over loopback: express + passport with authbridge's Strategy, an
// http.Server whose header limit the app raised to 64 KB (Node's default, 16 KB, would
// answer 431 before the parser runs). Tokens from jsonwebtoken.
//
// Bounded time is asserted as a growth ratio (project rule: never a wall-clock limit): the
// fastest of nine requests at 16 KB against the fastest at 1 KB. Linear parsing keeps it under 16
// (the same cost per byte; in practice ~1-2, the request itself dominates); the quadratic
// parsers gave 60-300.
// Run: node --test __test__/attacks-x01-x08.test.mjs

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import http from 'node:http'
import querystring from 'node:querystring'
import url from 'node:url'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const express = require('express')
const passport = require('passport')
const jsonwebtoken = require('jsonwebtoken')
const { Strategy, ExtractJwt } = require('../js/passport/index.js')
const { parseAuthHeader } = require('../js/passport/extract-jwt.js')
const upstream = require('passport-jwt').ExtractJwt

const SECRET = crypto.randomBytes(48).toString('base64url')
const token = (sub) => jsonwebtoken.sign({ sub }, SECRET, { algorithm: 'HS256', expiresIn: '5m' })
const KB = 1024
// The same cost per byte at 16 KB as at 1 KB gives 16; margins for a loaded 2-core machine.
const MAX_GROWTH = 16

/** express + passport + the Strategy with `jwtFromRequest` on GET /me: { base, get(path, headers) -> [status, body] }. */
async function app(t, jwtFromRequest) {
  const p = new passport.Passport()
  p.use('authbridge', new Strategy({ jwtFromRequest, secretOrKey: SECRET, algorithms: ['HS256'] }, (claims, done) => done(null, claims)))
  const a = express()
  a.get('/me', (req, res) =>
    p.authenticate('authbridge', { session: false }, (err, user, info) => {
      if (err) return res.status(500).json({ error: String(err.message) })
      res.status(user ? 200 : 401).json(user ? { sub: user.sub } : { message: info && info.message })
    })(req, res),
  )
  const server = http.createServer({ maxHeaderSize: 64 * KB }, a)
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  t.after(() => new Promise((r) => server.close(r)))
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  t.after(() => agent.destroy())
  const { port } = server.address()
  const get = (path, headers = {}) =>
    new Promise((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path, headers, agent, timeout: 60000 }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c) => (body += c))
        res.on('end', () => resolve([res.statusCode, JSON.parse(body)]))
      })
      req.on('timeout', () => req.destroy(new Error('no answer in 60 s')))
      req.on('error', reject)
    })
  return { get }
}

/**
 * Benchmark-style growth: `request(n)` timed at `small` and `large` bytes, interleaved, after
 * a warm-up; returns the ratio of the fastest times (each size's cost floor: a loaded machine
 * only adds to a request, so the minimum is the steadiest figure) and the figures (ms).
 */
async function growth(request, small, large, rounds = 9) {
  for (let i = 0; i < 3; i++) await request(small)
  await request(large)
  const times = { [small]: [], [large]: [] }
  for (let i = 0; i < rounds; i++) {
    for (const n of [small, large]) {
      const t0 = process.hrtime.bigint()
      await request(n)
      times[n].push(Number(process.hrtime.bigint() - t0) / 1e6)
    }
  }
  const a = Math.min(...times[small])
  const b = Math.min(...times[large])
  return { ratio: b / a, small: a, large: b }
}

const show = (g) => `${g.large.toFixed(2)} ms at 16 KB against ${g.small.toFixed(2)} ms at 1 KB: x${g.ratio.toFixed(1)}`

describe('X01: an Authorization header without white space costs its length', () => {
  const headerExtractors = {
    'fromAuthHeaderAsBearerToken()': () => ExtractJwt.fromAuthHeaderAsBearerToken(),
    "fromAuthHeaderWithScheme('JWT')": () => ExtractJwt.fromAuthHeaderWithScheme('JWT'),
    'versionOneCompatibility({})': () => ExtractJwt.versionOneCompatibility({}),
    'fromExtractors([bearer, query])': () => ExtractJwt.fromExtractors([ExtractJwt.fromAuthHeaderAsBearerToken(), ExtractJwt.fromUrlQueryParameter('t')]),
  }
  for (const [label, extractor] of Object.entries(headerExtractors)) {
    test(`${label}: a 16 KB header costs no more per byte than a 1 KB one`, { timeout: 120000 }, async (t) => {
      const { get } = await app(t, extractor())
      // The attack: one long run of non-space characters, answered 401 (no token).
      const attack = async (n) => {
        const [status] = await get('/me', { authorization: 'a'.repeat(n) })
        assert.equal(status, 401)
      }
      const g = await growth(attack, KB, 16 * KB)
      t.diagnostic(show(g))
      assert.ok(g.ratio < MAX_GROWTH, `the header parser is not linear: ${show(g)}`)
      // Valid requests still pass, as passport-jwt reads them.
      const scheme = label.includes('JWT') || label.startsWith('version') ? 'JWT' : 'Bearer'
      assert.deepEqual(await get('/me', { authorization: `${scheme} ${token('u1')}` }), [200, { sub: 'u1' }])
      assert.deepEqual(await get('/me', { authorization: `  ${scheme.toUpperCase()}\t ${token('u2')} trailing` }), [200, { sub: 'u2' }])
    })
  }
})

describe('X08: a long query costs its length', () => {
  const queryExtractors = {
    "fromUrlQueryParameter('auth_token')": () => ExtractJwt.fromUrlQueryParameter('auth_token'),
    'versionOneCompatibility({})': () => ExtractJwt.versionOneCompatibility({}),
  }
  for (const [label, extractor] of Object.entries(queryExtractors)) {
    test(`${label}: a 16 KB URL of repeated names costs no more per byte than a 1 KB one`, { timeout: 120000 }, async (t) => {
      const { get } = await app(t, extractor())
      // The attack: the same name over and over (each occurrence was a getAll over all of them).
      const attack = async (n) => {
        const [status] = await get(`/me?${'a&'.repeat(n / 2)}`)
        assert.equal(status, 401)
      }
      const g = await growth(attack, KB, 16 * KB)
      t.diagnostic(show(g))
      assert.ok(g.ratio < MAX_GROWTH, `the query parser is not linear: ${show(g)}`)
      // A long query of distinct names too.
      const distinct = async (n) => {
        let q = ''
        for (let i = 0; q.length < n; i++) q += `k${i}=v&`
        const [status] = await get(`/me?${q}`)
        assert.equal(status, 401)
      }
      const d = await growth(distinct, KB, 16 * KB)
      t.diagnostic(show(d))
      assert.ok(d.ratio < MAX_GROWTH, `the query parser is not linear: ${show(d)}`)
      // Valid requests still pass.
      assert.deepEqual(await get(`/me?x=1&auth_token=${token('q1')}&y=2`), [200, { sub: 'q1' }])
    })
  }
})

describe('the parsers give passport-jwt 4.0.1 results', () => {
  test("parseAuthHeader reads what passport-jwt's /(\\S+)\\s+(\\S+)/ reads (random headers over JS white space)", () => {
    const re = /(\S+)\s+(\S+)/
    const alphabet = ['a', 'B', '.', ' ', '\t', '\r\n', '\v', '\f', '\u00a0', '\u1680', '\u2000', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff', '\u0085', '\u180e', '\u200b', '\ud83d', 'é']
    let seed = 22
    const rand = (n) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n)
    for (let k = 0; k < 50000; k++) {
      let s = rand(3) === 0 ? ['Bearer', 'JWT', 'bearer'][rand(3)] : ''
      for (let j = rand(10); j > 0; j--) s += alphabet[rand(alphabet.length)]
      const m = re.exec(s)
      const p = parseAuthHeader(s)
      assert.deepEqual(p && { scheme: p.scheme, value: p.value }, m && { scheme: m[1], value: m[2] }, JSON.stringify(s))
    }
    assert.equal(parseAuthHeader(undefined), null)
    assert.equal(parseAuthHeader(['Bearer x']), null)
  })

  test('the extractors give what passport-jwt gives for the same request', () => {
    const t = token('same')
    const requests = [
      { headers: { authorization: `Bearer ${t}` } },
      { headers: { authorization: `bearer\t${t}` } },
      { headers: { authorization: `JWT ${t}` } },
      { headers: { authorization: `Basic ${t}` } },
      { headers: { authorization: t } },
      { headers: { authorization: '' } },
      { headers: {} },
      { headers: {}, url: `/me?auth_token=${t}` },
      { headers: {}, url: `/me?auth_token=${t}&auth_token=second` },
      { headers: {}, url: `/me?auth_token=a+b%20c%zz&x` },
      { headers: {}, url: `/me?a=1#auth_token=${t}` },
      { headers: {}, url: `/me#x?auth_token=${t}` },
      { headers: {}, url: `  /me?auth_token=${t}\t ` },
      { headers: {}, url: `/me?x=1?auth_token=${t}` },
      { headers: {}, url: `http://host.example/me?auth_token=${t}` },
      { headers: {}, url: `/me?${'k=v&'.repeat(999)}auth_token=${t}` }, // the 1000th pair: seen
      { headers: {}, url: `/me?${'k=v&'.repeat(1000)}auth_token=${t}` }, // the 1001st: not seen (querystring's maxKeys)
      { headers: {}, url: '/me?__proto__=x&constructor=y&auth_token' },
      { headers: {}, url: '/me' },
      { headers: {}, body: { auth_token: t }, url: '/me' },
    ]
    const names = [
      ['fromAuthHeaderAsBearerToken', []],
      ['fromAuthHeaderWithScheme', ['JWT']],
      ['fromAuthHeaderWithScheme', ['basic']],
      ['fromUrlQueryParameter', ['auth_token']],
      ['fromUrlQueryParameter', ['constructor']],
      ['fromUrlQueryParameter', ['__proto__']],
      ['versionOneCompatibility', [{}]],
      ['versionOneCompatibility', [{ authScheme: 'Bearer', tokenQueryParameterName: 'k' }]],
    ]
    for (const req of requests) {
      const r = { url: '/', ...req }
      for (const [name, args] of names) {
        assert.deepEqual(ExtractJwt[name](...args)(r), upstream[name](...args)(r), `${name}(${JSON.stringify(args)}) on ${JSON.stringify(r).slice(0, 200)}`)
      }
    }
  })

  test('the query reader gives url.parse(url, true).query for random URLs', () => {
    const parts = ['a', 'auth_token', '=', '&', '?', '#', '%', '%2', '%41', '%E9', '%C3%A9', '+', ' ', '\t', '\u00a0', '\ufeff', 'é', '\\', '/']
    let seed = 8
    const rand = (n) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n)
    const ex = ExtractJwt.fromUrlQueryParameter('auth_token')
    for (let k = 0; k < 20000; k++) {
      let u = rand(4) === 0 ? ' ' : '/p'
      for (let j = rand(14); j > 0; j--) u += parts[rand(parts.length)]
      const q = url.parse(u, true).query
      const expected = Object.prototype.hasOwnProperty.call(q, 'auth_token') ? q.auth_token : null
      assert.deepEqual(ex({ url: u }), expected, JSON.stringify(u))
    }
    assert.equal(typeof querystring.parse, 'function')
  })
})
