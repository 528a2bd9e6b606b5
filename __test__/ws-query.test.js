'use strict'

// authbridge/ws reads the query of an upgrade URL only where the authenticator reads it (its
// `sources` has 'query'), and then only the `authField` parameter, as the WHATWG URL parser
// would give it (`new URL(req.url, base).searchParams.get(authField)`). A real `ws` server on
// 127.0.0.1 (port 0) and real `ws` clients; tokens from jsonwebtoken.

const { describe, test } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const { WebSocketServer } = require('ws')

const { HandshakeAuthenticator } = require('..')
const { wsVerifyClient, watchConnection, createWsContext, queryOf } = require('../js/ws/index.js')
const { queryParam } = require('../js/ws/request.js')
const h = require('./helpers/ws.js')

/** An HTTP server with a WebSocketServer guarded by wsVerifyClient, greeting with { sub, source }. */
async function server(t, options) {
  const verifyClient = wsVerifyClient(options)
  const httpServer = http.createServer()
  const wss = new WebSocketServer({ server: httpServer, verifyClient })
  wss.on('connection', (ws, req) => {
    if (!watchConnection(ws, req)) return
    ws.send(JSON.stringify({ hello: ws.data.user.sub, source: ws.data.auth.source }))
  })
  return `ws://127.0.0.1:${await h.listen(t, httpServer, wss)}/socket`
}

async function hello(t, url) {
  const { ws } = await h.open(url)
  t.after(() => ws.terminate())
  return h.nextMessage(ws, (m) => m.hello)
}

async function refusal(url) {
  const err = await h.open(url).then(
    () => assert.fail('expected the upgrade to be refused'),
    (e) => e,
  )
  assert.equal(err.status, 401, err.message)
  return err.body
}

const withQuery = (sources) => ({ ...h.options(), sources })

/** A small deterministic generator (xorshift32), so that a failure can be replayed. */
function rng(seed) {
  let x = seed >>> 0 || 1
  return (n) => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) % n
  }
}

describe('authbridge/ws: the query of an upgrade URL', () => {
  test('a token in the query is read when sources has query (the first of its name wins)', async (t) => {
    const url = await server(t, withQuery(['header', 'query']))
    const alice = h.accessToken('alice')
    assert.deepEqual(await hello(t, `${url}?token=${alice}`), { hello: 'alice', source: 'query' })
    // Repeated: the first value is the one read (as URLSearchParams#get), whatever follows.
    assert.deepEqual(await hello(t, `${url}?token=${alice}&token=not-a-token`), { hello: 'alice', source: 'query' })
    const bad = await refusal(`${url}?token=not-a-token&token=${alice}`)
    assert.equal(bad.code, 'ERR_TOKEN_MALFORMED')
    // The Authorization header comes first in these sources: a query token does not shadow it.
    const { ws } = await h.open(`${url}?token=not-a-token`, { headers: { authorization: `Bearer ${h.accessToken('bob')}` } })
    t.after(() => ws.terminate())
    assert.deepEqual(await h.nextMessage(ws, (m) => m.hello), { hello: 'bob', source: 'header' })
  })

  test('many and odd parameters: the token is found among them, encoded names and values decoded', async (t) => {
    const url = await server(t, withQuery(['query']))
    const token = h.accessToken('carol')
    const many = Array.from({ length: 800 }, (_, i) => `p${i}=${i}`).join('&')
    assert.deepEqual(await hello(t, `${url}?${many}&token=${token}`), { hello: 'carol', source: 'query' })
    const odd = `a=1&&=v&flag&x=%zz&y=%E2%82%AC+%2B&tokens=no&Token=no&%74oken=${token}&token=late`
    assert.deepEqual(await hello(t, `${url}?${odd}`), { hello: 'carol', source: 'query' })
    assert.deepEqual(await hello(t, `${url}?token=${encodeURIComponent(token)}`), { hello: 'carol', source: 'query' })
    // A name that only looks like it, or an empty value, is no token.
    assert.equal((await refusal(`${url}?${many}&tokens=${token}&token`)).code, 'ERR_TOKEN_MISSING')
    assert.equal((await refusal(`${url}?%zzoken=${token}`)).code, 'ERR_TOKEN_MISSING')
  })

  test('the query is ignored, and not read, when sources exclude it', async (t) => {
    const token = h.accessToken('dave')
    for (const options of [h.options(), withQuery(['auth', 'header', 'cookie'])]) {
      const url = await server(t, options)
      assert.equal((await refusal(`${url}?token=${token}`)).code, 'ERR_TOKEN_MISSING')
      const ctx = createWsContext(options)
      assert.equal(ctx.queryField, null)
      assert.deepEqual(queryOf(ctx, { url: `/socket?token=${token}&a=1` }), {})
    }
    // Where it is read, only the authenticator's field is: nothing else of the URL.
    const ctx = createWsContext(new HandshakeAuthenticator({ ...withQuery(['query']), authField: 'access' }))
    assert.deepEqual(queryOf(ctx, { url: `/socket?a=1&access=${token}&token=x` }), { access: token })
    assert.deepEqual(queryOf(ctx, { url: '/socket?a=1&token=x' }), {})
    assert.deepEqual(queryOf(ctx, { url: '/socket' }), {})
    assert.deepEqual(queryOf(ctx, { url: 42 }), {})
    assert.deepEqual(queryOf(ctx, null), {})
  })

  test('reading the parameter costs the length of the query (16x the pairs: far less than 256x the time)', () => {
    // Pairs without '=' and a last one far away: a reader that looked for '=' from each pair
    // to the end of the URL would be quadratic here.
    const urlOf = (n) => `/socket?${'flag&'.repeat(n)}other=1&token=x`
    // Per call, timed over runs of the same length (16 small calls to 1 large one), so that a
    // busy machine slows both alike; the best of interleaved rounds.
    const perCall = (url, calls) => {
      const t0 = process.hrtime.bigint()
      for (let i = 0; i < calls; i++) assert.equal(queryParam(url, 'token'), 'x')
      return Number(process.hrtime.bigint() - t0) / calls
    }
    const small = urlOf(2000)
    const large = urlOf(16 * 2000)
    perCall(small, 160)
    let [bestSmall, bestLarge] = [Infinity, Infinity]
    for (let round = 0; round < 9; round++) {
      bestSmall = Math.min(bestSmall, perCall(small, 160))
      bestLarge = Math.min(bestLarge, perCall(large, 10))
    }
    const ratio = bestLarge / bestSmall
    assert.ok(ratio < 100, `16x the pairs cost ${ratio.toFixed(1)}x the time`)
  })

  test('the parameter is what new URL(url).searchParams.get gives, for generated URLs of every shape', () => {
    const parts = ['/', '?', '#', '&', '=', '+', '%', '%7', '%74', '%zz', '%C3%A9', '%FF', 'token', 'tok%65n', 't', 'o', 'k', 'e', 'n', 'x', ' ', '\t', '\n', '\r', '\0', '\x7f', 'é', '€', '😀', '\ud800', '\ufffd', '\u00a0', '\ufeff', '\\', '//', 'http://h', 'http://[', ':99999', ';']
    const names = ['token', 't', 'tok en', 'a+b', 'é', '', 'a\ufffd']
    const reference = (url, name) => {
      try {
        return new URL(url, 'http://localhost').searchParams.get(name)
      } catch {
        return null
      }
    }
    const next = rng(0x5eed)
    let checked = 0
    for (let i = 0; i < 20000; i++) {
      let url = next(5) === 0 ? '' : '/'
      const len = next(24)
      for (let j = 0; j < len; j++) url += parts[next(parts.length)]
      if (!url.includes('?')) url += '?'
      for (const name of names) {
        assert.equal(queryParam(url, name), reference(url, name), `${JSON.stringify(url)} ${JSON.stringify(name)}`)
        checked++
      }
    }
    assert.equal(checked, 140000)
  })
})
