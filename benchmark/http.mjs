// Request-level benchmark (issue 15): one NestJS route (GET /me, express) behind
// AuthGuard('jwt'), with different passport strategies behind the guard, driven by autocannon
// over loopback. Each server runs in its own child process, so the load generator (this
// process) and the server do not share an event loop. Servers of one case run side by side and
// are measured in turn (interleaved rounds); the medians over the rounds are reported.
//   node benchmark/http.mjs [--warmup 5] [--duration 10] [--rounds 5] [--connections 20]
//                           [--case HS256|RS256|cookie] [--only text] [--json file] [--no-pin]
// With two or more cores (and taskset), the load generator runs on core 0 and the servers on
// the others, so a server's rate is its own cost rather than the scheduler's mix of the two.
// The guard's share of a request: (no-guard rate - rate) / no-guard rate. Also the server's own
// CPU time per request (process.cpuUsage() around each round / requests served), and the guard's
// CPU per request (minus the no-guard server's): less exposed to the load generator sharing the cores.
import { execFileSync, fork } from 'node:child_process'
import crypto from 'node:crypto'
import os from 'node:os'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const SELF = fileURLToPath(import.meta.url)
const SALT = 'authjs.session-token'

// ---------------------------------------------------------------- the variants
// Each builds a passport strategy class (or null: no guard) from the case's key material.
// The minimal strategies do what a hand-written one does: take the Bearer token (or the session
// cookie), verify it, hand the payload to Nest's validate through passport's verify callback.
function bearer(req) {
  const h = req.headers.authorization
  return typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7) : null
}
function sessionCookie(req) {
  const c = req.headers.cookie
  if (typeof c !== 'string') return null
  for (const part of c.split(';')) {
    const i = part.indexOf('=')
    if (i > 0 && part.slice(0, i).trim() === SALT) return part.slice(i + 1).trim()
  }
  return null
}

async function strategyFor(variant, kase, m) {
  const { Strategy: PassportBase } = require('passport-strategy')
  // A strategy around a synchronous or async verify(token) -> payload.
  const minimal = (extract, verify) =>
    class MinimalStrategy extends PassportBase {
      constructor(cb) {
        super()
        this.name = 'jwt'
        this._cb = cb
      }
      authenticate(req) {
        const token = extract(req)
        if (!token) return this.fail(new Error('No auth token'))
        const done = (err, user) => (err ? this.error(err) : user ? this.success(user) : this.fail())
        let payload
        try {
          payload = verify(token)
        } catch (err) {
          return this.fail(err)
        }
        if (payload && typeof payload.then === 'function') payload.then((p) => (p ? this._cb(p, done) : this.fail()), (err) => this.fail(err))
        else this._cb(payload, done)
      }
    }
  const jwtKey = kase === 'RS256' ? m.publicPem : m.secret
  switch (variant) {
    case 'no guard':
      return null
    case 'do-nothing strategy':
      // Reads nothing, verifies nothing: the cost of passport + AuthGuard + validate alone.
      return class NoopStrategy extends PassportBase {
        constructor(cb) {
          super()
          this.name = 'jwt'
          this._cb = cb
        }
        authenticate() {
          this._cb({ sub: 'user-42' }, (err, user) => (err ? this.error(err) : this.success(user)))
        }
      }
    case 'authbridge Strategy': {
      const { Strategy, ExtractJwt } = require('../js/passport/index.js')
      if (kase === 'cookie') {
        return class extends Strategy {
          constructor(cb) {
            super({ authjs: { secret: m.authSecret } }, cb)
          }
        }
      }
      return class extends Strategy {
        constructor(cb) {
          super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: jwtKey, algorithms: [kase] }, cb)
        }
      }
    }
    case 'passport-jwt + jsonwebtoken': {
      const { Strategy, ExtractJwt } = require('passport-jwt')
      return class extends Strategy {
        constructor(cb) {
          super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: jwtKey, algorithms: [kase] }, cb)
        }
      }
    }
    case 'fast-jwt, minimal strategy': {
      const { createVerifier } = require('fast-jwt')
      return minimal(bearer, createVerifier({ key: jwtKey, algorithms: [kase], cache: false }))
    }
    case 'node:crypto floor, minimal strategy': {
      // The least any verifier can do for RS256: OpenSSL's signature check (node:crypto, key
      // prepared once), the payload parsed, exp checked. What is left of the route's rate is
      // the bound for every RS256 verifier.
      const key = crypto.createPublicKey(m.publicPem)
      return minimal(bearer, (token) => {
        const dot = token.lastIndexOf('.')
        if (!crypto.verify('sha256', Buffer.from(token.slice(0, dot)), key, Buffer.from(token.slice(dot + 1), 'base64url'))) throw new Error('bad signature')
        const payload = JSON.parse(Buffer.from(token.slice(token.indexOf('.') + 1, dot), 'base64url').toString())
        if (!(payload.exp > Date.now() / 1000)) throw new Error('expired')
        return payload
      })
    }
    case 'JwtVerifier.verify, minimal strategy': {
      const { JwtVerifier } = require('../js/index.js')
      const v = new JwtVerifier({ algorithms: [kase], key: jwtKey })
      return minimal(bearer, (t) => v.verify(t))
    }
    case 'AuthJsSession.decode, minimal strategy': {
      const { AuthJsSession } = require('../js/index.js')
      const s = new AuthJsSession({ secret: m.authSecret })
      return minimal(sessionCookie, (t) => s.decode(t))
    }
    case '@auth/core/jwt decode, minimal strategy': {
      const { decode } = await import('@auth/core/jwt')
      return minimal(sessionCookie, (t) => decode({ token: t, secret: m.authSecret, salt: SALT }))
    }
    default:
      throw new Error(`unknown variant ${variant}`)
  }
}

const VARIANTS = {
  HS256: ['no guard', 'do-nothing strategy', 'authbridge Strategy', 'JwtVerifier.verify, minimal strategy', 'fast-jwt, minimal strategy', 'passport-jwt + jsonwebtoken'],
  RS256: ['no guard', 'do-nothing strategy', 'authbridge Strategy', 'JwtVerifier.verify, minimal strategy', 'node:crypto floor, minimal strategy', 'fast-jwt, minimal strategy', 'passport-jwt + jsonwebtoken'],
  cookie: ['no guard', 'do-nothing strategy', 'authbridge Strategy', 'AuthJsSession.decode, minimal strategy', '@auth/core/jwt decode, minimal strategy'],
}

// ---------------------------------------------------------------- child: one Nest server
async function serve({ variant, kase, material }) {
  await import('reflect-metadata')
  const { Controller, Get, Injectable, Module, Req, UseGuards } = await import('@nestjs/common')
  const { NestFactory } = await import('@nestjs/core')
  const { AuthGuard, PassportStrategy } = await import('@nestjs/passport')

  const Base = await strategyFor(variant, kase, material)
  const providers = []
  if (Base) {
    class JwtStrategy extends PassportStrategy(Base, 'jwt') {
      validate(payload) {
        return { id: payload.sub, email: payload.email ?? null }
      }
    }
    Injectable()(JwtStrategy)
    providers.push(JwtStrategy)
  }
  class MeController {
    me(req) {
      return { id: req.user ? req.user.id : null }
    }
  }
  Controller()(MeController)
  const desc = Object.getOwnPropertyDescriptor(MeController.prototype, 'me')
  Req()(MeController.prototype, 'me', 0)
  if (Base) UseGuards(AuthGuard('jwt'))(MeController.prototype, 'me', desc)
  Get('me')(MeController.prototype, 'me', desc)
  class AppModule {}
  Module({ controllers: [MeController], providers })(AppModule)

  const app = await NestFactory.create(AppModule, { logger: false })
  await app.listen(0, '127.0.0.1')
  process.send({ port: app.getHttpServer().address().port })
  process.on('message', (msg) => {
    if (msg === 'stop') app.close().then(() => process.exit(0))
    // The server's own CPU time (user + system, us): per request, it is what the guard costs
    // on a request, free of the load generator's share of the cores.
    else if (msg === 'cpu') {
      const u = process.cpuUsage()
      process.send({ cpu: u.user + u.system })
    }
  })
  process.on('disconnect', () => process.exit(0)) // the load generator is gone (finished or failed)
}

if (process.argv[2] === '--serve') {
  process.once('message', (msg) => serve(msg).catch((err) => {
    console.error(err)
    process.exit(1)
  }))
} else {
  await main()
}

// ---------------------------------------------------------------- parent: the load generator
function canPin() {
  try {
    execFileSync('taskset', ['-c', '-p', String(process.pid)], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

async function main() {
  const autocannon = require('autocannon')
  const jwt = require('jsonwebtoken')
  const { encode } = await import('@auth/core/jwt')
  const args = process.argv.slice(2)
  const arg = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt)
  const WARMUP = Number(arg('--warmup', 5))
  const DURATION = Number(arg('--duration', 10))
  const ROUNDS = Number(arg('--rounds', 5))
  const CONNECTIONS = Number(arg('--connections', 20))
  const CASES = arg('--case', 'HS256,RS256,cookie').split(',')
  const ONLY = arg('--only', null)
  const JSON_OUT = arg('--json', null)
  const cores = os.cpus().length
  const pin = !args.includes('--no-pin') && cores >= 2 && canPin()
  // taskset -a: every thread of the process (the load generator's, the server's V8 and libuv).
  const pinTo = (pid, cpus) => execFileSync('taskset', ['-a', '-c', '-p', cpus, String(pid)], { stdio: 'ignore' })
  if (pin) pinTo(process.pid, '0')

  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
  const material = {
    secret: crypto.randomBytes(32).toString('base64url'),
    publicPem: rsa.publicKey.export({ type: 'spki', format: 'pem' }),
    authSecret: crypto.randomBytes(32).toString('base64url'),
  }
  const claims = { sub: 'user-42', email: 'ada@example.com', name: 'Ada Lovelace', role: 'member' }
  const ttl = WARMUP + ROUNDS * DURATION * 10 + 3600
  const session = await encode({ token: { ...claims, picture: 'https://example.com/ada.png' }, secret: material.authSecret, salt: SALT, maxAge: ttl })
  const headersFor = {
    HS256: { authorization: `Bearer ${jwt.sign(claims, material.secret, { algorithm: 'HS256', expiresIn: ttl })}` },
    RS256: { authorization: `Bearer ${jwt.sign(claims, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { algorithm: 'RS256', expiresIn: ttl })}` },
    // What a browser sends to a Next.js + Nest app: the session among a few other cookies.
    cookie: { cookie: `theme=dark; _ga=GA1.1.1234567890.1700000000; authjs.csrf-token=abc%7Cdef; ${SALT}=${session}` },
  }

  const start = (variant, kase) =>
    new Promise((resolve, reject) => {
      const child = fork(SELF, ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
      child.once('error', reject)
      child.once('exit', (code) => reject(new Error(`${variant} (${kase}) exited with ${code}`)))
      child.once('message', (m) => resolve({ child, url: `http://127.0.0.1:${m.port}/me` }))
      if (pin) pinTo(child.pid, `1-${cores - 1}`)
      child.send({ variant, kase, material })
    })
  const cpuOf = (child) =>
    new Promise((resolve) => {
      const on = (m) => {
        if (m && typeof m.cpu === 'number') {
          child.off('message', on)
          resolve(m.cpu)
        }
      }
      child.on('message', on)
      child.send('cpu')
    })
  const load = (url, headers, seconds) =>
    autocannon({ url, headers, connections: CONNECTIONS, duration: seconds, pipelining: 1 })

  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b)
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
  }
  const out = { pinned: pin ? `load generator on core 0, servers on 1-${cores - 1}` : false, warmup: WARMUP, duration: DURATION, rounds: ROUNDS, connections: CONNECTIONS, node: process.version, cpu: os.cpus()[0]?.model, cores: os.cpus().length, cases: {} }
  for (const kase of CASES) {
    const headers = headersFor[kase]
    const variants = VARIANTS[kase].filter((v) => !ONLY || v === 'no guard' || v.includes(ONLY))
    const servers = []
    for (const variant of variants) {
      const s = await start(variant, kase)
      // One request first: a server that refuses the valid token stops the run.
      const res = await fetch(s.url, { headers })
      const body = await res.json()
      if (res.status !== 200 || (variant !== 'no guard' && variant !== 'do-nothing strategy' && body.id !== 'user-42')) {
        throw new Error(`${variant} (${kase}): ${res.status} ${JSON.stringify(body)}`)
      }
      servers.push({ variant, ...s, rates: [], p99s: [], cpus: [], errors: 0 })
    }
    for (const s of servers) await load(s.url, headers, WARMUP)
    for (let r = 0; r < ROUNDS; r++) {
      for (const s of servers) {
        const cpu0 = await cpuOf(s.child)
        const res = await load(s.url, headers, DURATION)
        const cpu1 = await cpuOf(s.child)
        s.cpus.push((cpu1 - cpu0) / Math.max(1, res.requests.total))
        s.rates.push(res.requests.average)
        s.p99s.push(res.latency.p99)
        s.errors += res.errors + res.timeouts + res.non2xx
        console.error(`${kase} round ${r + 1}/${ROUNDS} ${s.variant}: ${Math.round(res.requests.average)} req/s, p99 ${res.latency.p99} ms, server CPU ${s.cpus[s.cpus.length - 1].toFixed(1)} us/request`)
      }
    }
    for (const s of servers) {
      s.child.removeAllListeners('exit')
      s.child.send('stop')
    }
    const base = median(servers[0].rates)
    const baseCpu = median(servers[0].cpus)
    const rows = servers.map((s) => ({
      cpuPerRequest: median(s.cpus),
      guardCpu: s.variant === 'no guard' ? null : median(s.cpus) - baseCpu,
      variant: s.variant,
      reqPerSec: Math.round(median(s.rates)),
      rounds: s.rates.map(Math.round),
      p99ms: median(s.p99s),
      errors: s.errors,
      guardShare: s.variant === 'no guard' ? null : (base - median(s.rates)) / base,
    }))
    // authbridge's rate over each other server's, round by round (each pair measured back to
    // back, so a slow spell of the machine weighs on both): the median and the range.
    const ab = servers.find((s) => s.variant === 'authbridge Strategy')
    const paired = ab
      ? servers.filter((s) => s !== ab).map((s) => {
          const ratios = ab.rates.map((r, i) => r / s.rates[i])
          return { against: s.variant, median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) }
        })
      : []
    out.cases[kase] = { rows, paired }
    console.log(`\n${kase} (${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION} s after ${WARMUP} s warm-up; medians${pin ? `; ${out.pinned}` : ''})`)
    console.log('| strategy behind AuthGuard(\'jwt\') | req/s | p99 ms | guard\'s share | server CPU us/request | guard\'s CPU us/request | rounds (req/s) | errors |')
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |')
    for (const r of rows) {
      const guardCpu = r.guardCpu === null ? '-' : r.guardCpu.toFixed(1)
      console.log(`| ${r.variant} | ${r.reqPerSec.toLocaleString('en-US')} | ${r.p99ms} | ${r.guardShare === null ? '-' : (100 * r.guardShare).toFixed(1) + '%'} | ${r.cpuPerRequest.toFixed(1)} | ${guardCpu} | ${r.rounds.join(', ')} | ${r.errors} |`)
    }
    if (paired.length) {
      console.log(`\nauthbridge Strategy's req/s over each server's, round by round (${ROUNDS} rounds): median (range)`)
      console.log('| against | ratio | range |')
      console.log('| --- | ---: | --- |')
      for (const p of paired) console.log(`| ${p.against} | ${p.median.toFixed(3)}x | ${p.min.toFixed(3)}-${p.max.toFixed(3)}x |`)
    }
  }
  if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify(out, null, 2))
}
