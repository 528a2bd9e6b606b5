'use strict'
// inspect(): the diagnostics that explain a token without any key (and that
// `authbridge inspect` prints). Also exercised elsewhere: every hostile input of
// hostile.test.js goes through inspect, attacks.test.js checks that the CLI's inspect
// output cannot be forged by control characters, threads.test.js runs it in workers.

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const jose = require('jose') // ESM-only; require(esm) works on Node >= 20.19

const { inspect } = require('..')
const keys = require('./helpers/keys')
const { now, enc, parts, joseJwt, validHs256, noneToken, jweDir } = require('./helpers/tokens')

const INSPECT_INPUTS = [
  '', '.', '..', '....', '.....', 'a.b.c', 'a.b.c.d.e', 'Bearer ', 'Bearer', '"', "''", '%', '%zz', '%E2%82', '\u0000', ' \n\t ',
  'x'.repeat(100000), 'a.'.repeat(5000), 'x'.repeat((1 << 20) + 1), '{"alg":"none"}', 'ééééé', '€€€.€€€.€€€', '😀'.repeat(10),
  42, 0, -1, NaN, null, undefined, true, {}, [], ['a.b.c'], Buffer.from('a.b.c'), () => 'a.b.c', Symbol('t'), 10n, new Date(),
]

test('inspect never throws and always returns kind and hints', () => {
  for (const input of INSPECT_INPUTS) {
    let out
    assert.doesNotThrow(() => { out = inspect(input) }, `input ${typeof input}`)
    assert.ok(['jws', 'jwe', 'unknown'].includes(out.kind), `kind for ${typeof input}`)
    assert.ok(Array.isArray(out.hints))
  }
  assert.match(inspect(42).hints.join(' '), /must be a string, got number/)
  assert.match(inspect(null).hints.join(' '), /got null/)
  assert.equal(inspect('x'.repeat((1 << 20) + 1)).kind, 'unknown')
})

test('inspect of a string with non-ASCII text in its first bytes gives a full Inspection, not ERR_INTERNAL', async () => {
  const token = await validHs256()
  for (const input of ['ééééé', '€€€', 'ääää' + token, 'Jéton: ' + token]) {
    const out = inspect(input)
    assert.notEqual(out.error, 'ERR_INTERNAL', `inspect(${JSON.stringify(input.slice(0, 12))}) panicked`)
    for (const field of ['header', 'alg', 'claims', 'times', 'authJsSession']) assert.ok(field in out, `${field} missing`)
  }
})

test('inspect never writes the token to stderr (a Rust panic message quotes its input)', async () => {
  const token = await validHs256()
  const headerAndPayload = parts(token).slice(0, 2).join('.')
  const script = `require(${JSON.stringify(path.join(__dirname, '..'))}).inspect(process.argv[1])`
  const child = spawnSync(process.execPath, ['-e', script, '€€€' + token], { encoding: 'utf8' })
  assert.equal(child.status, 0)
  assert.ok(!child.stderr.includes(headerAndPayload), `stderr repeats the token:\n${child.stderr.slice(0, 300)}`)
})

test('inspect: a valid JWS gives its header, claims and times', async () => {
  const iat = now()
  const token = await joseJwt({ sub: 'u1', iat, exp: iat + 840, nbf: iat }, { header: { kid: 'k1' } })
  const out = inspect(token)
  assert.equal(out.kind, 'jws')
  assert.equal(out.authJsSession, false)
  assert.deepEqual(out.header, { alg: 'HS256', typ: 'JWT', kid: 'k1' })
  assert.equal(out.alg, 'HS256')
  assert.equal(out.kid, 'k1')
  assert.equal(out.enc, null)
  assert.deepEqual(out.claims, { sub: 'u1', iat, exp: iat + 840, nbf: iat })
  assert.equal(out.times.exp.at, iat + 840)
  assert.equal(out.times.exp.iso, new Date((iat + 840) * 1000).toISOString().replace('.000Z', 'Z'))
  assert.match(out.times.exp.relative, /^expires in 1[34] min$/)
  assert.match(out.times.iat.relative, /^issued \d+ s ago$/)
  assert.equal(out.error, null)
  assert.ok(!out.hints.some((h) => /expired|Bearer|quotes|URL/.test(h)), out.hints.join(' | '))
})

test('inspect hints: Bearer prefix, quotes, URL-encoding, whitespace, expired, no exp, alg none, JWE', async () => {
  const token = await validHs256()
  const hinted = (input, re) => {
    const out = inspect(input)
    assert.ok(out.hints.some((h) => re.test(h)), `no hint ${re} for ${input.slice(0, 20)}: ${out.hints.join(' | ')}`)
    return out
  }
  for (const input of ['Bearer ' + token, 'bearer ' + token]) assert.equal(hinted(input, /Bearer/).claims.sub, 'user-1')
  assert.equal(hinted(JSON.stringify(token), /quotes/).claims.sub, 'user-1')
  assert.equal(hinted(`'${token}'`, /quotes/).claims.sub, 'user-1')
  assert.equal(hinted(token.replace(/\./g, '%2E'), /URL-encoded/).claims.sub, 'user-1')
  assert.equal(hinted(`  ${token}\n`, /whitespace/).claims.sub, 'user-1')

  const expired = inspect(await validHs256({ exp: now() - 180 }))
  assert.ok(expired.hints.some((h) => /expired 3 min ago/.test(h)), expired.hints.join(' | '))
  assert.match(expired.times.exp.relative, /^expired/)
  hinted(await joseJwt({ sub: 'x' }), /no exp claim/)
  hinted(noneToken('none'), /none/)

  const jwe = await jweDir()
  const out = hinted(jwe, /AuthJsSession/)
  assert.equal(out.kind, 'jwe')
  assert.equal(out.authJsSession, true)
  assert.equal(out.enc, 'A256GCM')
  assert.equal(out.claims, null)
  const kw = await new jose.CompactEncrypt(enc.encode('x')).setProtectedHeader({ alg: 'A256KW', enc: 'A128GCM' }).encrypt(keys.secret(32, 'kw'))
  const outKw = inspect(kw)
  assert.equal(outKw.kind, 'jwe')
  assert.equal(outKw.authJsSession, false)
  assert.ok(outKw.hints.some((h) => /JWE/.test(h)))
})

test('inspect output never contains the signature, nor a JWE iv, ciphertext or tag', async () => {
  const token = await validHs256({ exp: now() - 5 })
  const sig = parts(token)[2]
  const jwe = await jweDir()
  const [, , iv, ciphertext, tag] = parts(jwe)
  const inputs = [token, 'Bearer ' + token, JSON.stringify(token), ` ${token} `, token.replace(/\./g, '%2E'), token + '.x', `${parts(token)[0]}.!!.${sig}`, `x.${parts(token)[1]}.${sig}`]
  for (const input of inputs) {
    const text = JSON.stringify(inspect(input))
    assert.ok(!text.includes(sig), `signature repeated for ${input.slice(0, 16)}…`)
  }
  for (const input of [jwe, 'Bearer ' + jwe, JSON.stringify(jwe)]) {
    const text = JSON.stringify(inspect(input))
    for (const part of [iv, ciphertext, tag]) assert.ok(!text.includes(part), 'JWE part repeated')
  }
})
