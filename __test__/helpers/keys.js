'use strict'
// Shared test keys, generated once per process with node:crypto, and a small
// builder of self-signed X.509 certificates (DER written by hand, signed with
// node:crypto, checked with crypto.X509Certificate by the tests).

const crypto = require('node:crypto')

const cache = new Map()
function once(name, make) {
  if (!cache.has(name)) cache.set(name, make())
  return cache.get(name)
}

/** A key pair with its PEM (SPKI / PKCS#8) and JWK forms. */
function pair(type, options = {}) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync(type, options)
  return {
    privateKey,
    publicKey,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }),
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    publicJwk: publicKey.export({ format: 'jwk' }),
    privateJwk: privateKey.export({ format: 'jwk' }),
  }
}

const rsa = (name = 'main', modulusLength = 2048) => once(`rsa:${name}:${modulusLength}`, () => pair('rsa', { modulusLength }))
const ec = (namedCurve, name = 'main') => once(`ec:${namedCurve}:${name}`, () => pair('ec', { namedCurve }))
const ed25519 = (name = 'main') => once(`ed25519:${name}`, () => pair('ed25519'))

/** HMAC secret of `bytes` random bytes (as a Buffer). */
const secret = (bytes, name = 'main') => once(`secret:${bytes}:${name}`, () => crypto.randomBytes(bytes))

/** The key pair an algorithm needs. */
function keysFor(alg) {
  if (/^(RS|PS)/.test(alg)) return rsa()
  if (alg === 'ES256') return ec('P-256')
  if (alg === 'ES384') return ec('P-384')
  if (alg === 'ES512') return ec('P-521')
  if (alg === 'EdDSA') return ed25519()
  throw new Error(`no key pair for ${alg}`)
}

/** Minimum HMAC secret length for an HS algorithm (RFC 7518 3.2). */
const hmacBytes = (alg) => Number(alg.slice(2)) / 8

// --- Minimal DER writer, enough for a v1 self-signed certificate ---------------

function tlv(tag, content) {
  const len = content.length
  let header
  if (len < 0x80) header = Buffer.from([tag, len])
  else {
    const bytes = []
    for (let n = len; n > 0; n >>= 8) bytes.unshift(n & 0xff)
    header = Buffer.from([tag, 0x80 | bytes.length, ...bytes])
  }
  return Buffer.concat([header, content])
}
const seq = (...items) => tlv(0x30, Buffer.concat(items))
const set = (...items) => tlv(0x31, Buffer.concat(items))
const integer = (n) => tlv(0x02, Buffer.from([n]))
const nul = () => Buffer.from([0x05, 0x00])
const utf8 = (s) => tlv(0x0c, Buffer.from(s, 'utf8'))
const utcTime = (d) => tlv(0x17, Buffer.from(d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z'))
const bitString = (buf) => tlv(0x03, Buffer.concat([Buffer.from([0]), buf]))
function oid(dotted) {
  const [a, b, ...rest] = dotted.split('.').map(Number)
  const out = [40 * a + b]
  for (const n of rest) {
    const groups = []
    let v = n
    do {
      groups.unshift(v & 0x7f)
      v = Math.floor(v / 128)
    } while (v > 0)
    groups.forEach((g, i) => out.push(i < groups.length - 1 ? g | 0x80 : g))
  }
  return tlv(0x06, Buffer.from(out))
}

/** A self-signed X.509 (v1) certificate in PEM for an RSA or EC key pair. */
function selfSignedCertificate({ privateKey, publicKey }) {
  const isRsa = publicKey.asymmetricKeyType === 'rsa'
  const sigAlg = isRsa
    ? seq(oid('1.2.840.113549.1.1.11'), nul()) // sha256WithRSAEncryption
    : seq(oid('1.2.840.10045.4.3.2')) // ecdsa-with-SHA256
  const name = seq(set(seq(oid('2.5.4.3'), utf8('authbridge test'))))
  const now = Date.now()
  const tbs = seq(
    integer(1),
    sigAlg,
    name,
    seq(utcTime(new Date(now - 3600e3)), utcTime(new Date(now + 86400e3))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
  )
  const signature = crypto.sign('sha256', tbs, privateKey) // DER ECDSA signature, as X.509 wants
  const der = seq(tbs, sigAlg, bitString(signature))
  const b64 = der.toString('base64').match(/.{1,64}/g).join('\n')
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`
}

module.exports = { rsa, ec, ed25519, secret, keysFor, hmacBytes, selfSignedCertificate }
