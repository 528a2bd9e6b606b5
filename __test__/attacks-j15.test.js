'use strict'
// Issue 22, J15, written as the attack: a token whose header `kid` or `alg` holds a bidi
// override (U+202E) or another invisible character, so that the error message (and the log
// line it ends up in) is shown reordered or split. Before the fix the message quoted the
// value with only C0/C1 controls replaced; now every message is made through one place
// (src/error.rs, util::escape_invisible) that writes Cc, Cf, Zl, Zp and default-ignorable
// code points as \u{hex}. Tokens from jose (kid) and, for an alg no library would sign
// with, a header written by hand and signed with node:crypto's HMAC (as an attacker does).
// Run: node --test __test__/attacks-j15.test.js

const { test, describe } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const jose = require('jose')
const { JwtVerifier, HandshakeAuthenticator } = require('../js/index.js')
const { Strategy, ExtractJwt } = require('../js/passport/index.js')
const { run, request } = require('./helpers/strategy.js')

const SECRET = crypto.randomBytes(32)
const b64u = (x) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url')
const RLO = '\u202E'
// Every character that must never reach a message as itself: controls, format characters
// (bidi embeddings, overrides, isolates, marks, zero-width, tags), line/paragraph separators
// and default-ignorable code points, by this Node's own Unicode tables.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u
const INVISIBLE_G = new RegExp(INVISIBLE.source, 'gu')

/** A token with header `header`, HMAC-signed by hand (jose refuses to sign an unknown alg). */
function handSigned(header, claims) {
  const input = `${b64u(header)}.${b64u(claims)}`
  return `${input}.${crypto.createHmac('sha256', SECRET).update(input).digest('base64url')}`
}

const clean = (message) => {
  assert.equal(typeof message, 'string')
  assert.ok(!INVISIBLE.test(message), `an invisible character in ${JSON.stringify(message)}`)
  return message
}

describe('J15: header values quoted in error messages cannot reorder or hide text', () => {
  test("a kid holding U+202E (jose-signed): the message shows it as \\u{202e}", async () => {
    const kid = `${RLO}gpj.exe`
    const token = await new jose.SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'HS256', kid }).setExpirationTime('5m').sign(SECRET)
    const jwk = { kty: 'oct', k: SECRET.toString('base64url'), kid: 'the-only-key', alg: 'HS256' }
    const verifier = new JwtVerifier({ algorithms: ['HS256'], jwks: { keys: [jwk] } })
    assert.throws(() => verifier.verify(token), (e) => {
      assert.equal(e.code, 'ERR_JWKS_NO_MATCHING_KEY')
      assert.ok(clean(e.message).includes("kid '\\u{202e}gpj.exe'"), e.message)
      return true
    })
  })

  test('an alg holding U+202E and other invisible characters: the message escapes each', () => {
    for (const [alg, shown] of [
      [`HS256${RLO}`, 'HS256\\u{202e}'],
      ['\u2066HS\u2069256', '\\u{2066}HS\\u{2069}256'],
      ['HS\u200F\u061C\u200E', 'HS\\u{200f}\\u{61c}\\u{200e}'],
      ['HS\r\n256', 'HS\\u{d}\\u{a}256'],
      ['\u200B\u2028\uFEFF', '\\u{200b}\\u{2028}\\u{feff}'],
    ]) {
      const token = handSigned({ alg, typ: 'JWT' }, { sub: 'x', exp: Math.floor(Date.now() / 1000) + 300 })
      const verifier = new JwtVerifier({ algorithms: ['HS256'], key: SECRET })
      assert.throws(() => verifier.verify(token), (e) => {
        assert.equal(e.code, 'ERR_JWS_ALG_NOT_ALLOWED')
        assert.ok(clean(e.message).includes(`'${shown}'`), e.message)
        return true
      })
    }
  })

  test('the same token through the Socket.IO authenticator and the passport Strategy', async () => {
    const token = handSigned({ alg: `HS256${RLO}` }, { sub: 'x' })
    const authenticator = new HandshakeAuthenticator({ jwt: { algorithms: ['HS256'], key: SECRET } })
    assert.throws(() => authenticator.authenticate({ auth: { token } }), (e) => {
      assert.equal(e.code, 'ERR_JWS_ALG_NOT_ALLOWED')
      assert.ok(clean(e.message).includes('\\u{202e}'))
      return true
    })
    // passport-jwt's message for a refused alg is fixed ('invalid algorithm'); the Strategy
    // keeps authbridge's reason on req.authbridgeError.
    const s = new Strategy({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: SECRET, algorithms: ['HS256'] }, (c, done) => done(null, c))
    const out = await run(s, request({ headers: { authorization: `Bearer ${token}` } }))
    assert.equal(out.kind, 'fail')
    clean(out.info.message)
    for (const v of Object.values(out.req.authbridgeError)) if (typeof v === 'string') clean(v)
  })

  test("every such code point of this Node's Unicode is escaped (quoted through the Origin refusal)", () => {
    const all = []
    for (let c = 0; c <= 0x10ffff; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue
      const s = String.fromCodePoint(c)
      if (INVISIBLE.test(s)) all.push(s)
    }
    assert.ok(all.length > 4000, `${all.length}`)
    const authenticator = new HandshakeAuthenticator({ authjs: { secret: crypto.randomBytes(32).toString('base64') } })
    const headers = { cookie: 'authjs.session-token=x', host: 'api.example.com' }
    for (let i = 0; i < all.length; i += 60) {
      const chunk = all.slice(i, i + 60)
      const origin = chunk.join('')
      assert.throws(() => authenticator.authenticate({ headers: { ...headers, origin } }), (e) => {
        assert.equal(e.code, 'ERR_ORIGIN_NOT_ALLOWED')
        clean(e.message)
        const expected = origin.replace(INVISIBLE_G, (ch) => `\\u{${ch.codePointAt(0).toString(16)}}`)
        assert.ok(e.message.includes(`'${expected}'`), `${chunk.map((ch) => ch.codePointAt(0).toString(16)).join(' ')}: ${e.message}`)
        return true
      })
    }
  })

  test('visible text is kept as it is', () => {
    const token = handSigned({ alg: 'HS256é日本' }, { sub: 'x' })
    assert.throws(() => new JwtVerifier({ algorithms: ['HS256'], key: SECRET }).verify(token), (e) => e.message.includes("'HS256é日本'"))
  })
})
