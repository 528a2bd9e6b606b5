// authbridge installed as a `file:` link (monorepos, workspaces, `npm link`): the package's
// real path is outside the application, next to a SECOND copy of Nest (authbridge's own
// node_modules). authbridge/nest must take Nest and Socket.IO from the application's copy;
// an IoAdapter from the other copy crashed the app at start-up
// ("server.listeners is not a function").
//
// The application is laid out as npm lays out a `file:` dependency: node_modules/authbridge
// is a symlink to this repository. Its @nestjs packages are its own copies (different real
// paths, so different module instances); its other dependencies link to the repository's.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, realpathSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ROOT, buildNestIfStale, freePort, stopProcess } from '../examples/stack.mjs'

const require = createRequire(import.meta.url)
const { io } = require('socket.io-client')

const AUTH_SECRET = 'link-test-auth-secret-' + 'l'.repeat(24)
const JWT_SECRET = 'link-test-jwt-secret-' + 'j'.repeat(24)
let dir = null
let proc = null

before(() => {
  buildNestIfStale()
  dir = mkdtempSync(path.join(tmpdir(), 'authbridge-link-app-'))
  const nm = path.join(dir, 'node_modules')
  mkdirSync(path.join(nm, '@nestjs'), { recursive: true })
  for (const entry of readdirSync(path.join(ROOT, 'node_modules'))) {
    if (entry === '@nestjs' || entry === 'authbridge' || entry.startsWith('.')) continue
    symlinkSync(path.join(ROOT, 'node_modules', entry), path.join(nm, entry))
  }
  for (const pkg of readdirSync(path.join(ROOT, 'node_modules', '@nestjs'))) {
    cpSync(path.join(ROOT, 'node_modules', '@nestjs', pkg), path.join(nm, '@nestjs', pkg), { recursive: true })
  }
  // What `npm install ../authbridge` (a file: dependency) creates: a symlink.
  symlinkSync(ROOT, path.join(nm, 'authbridge'), 'dir')
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'linked-app', private: true, dependencies: { authbridge: `file:${ROOT}` } }))
  cpSync(path.join(ROOT, 'examples', 'nest-app', 'dist'), path.join(dir, 'dist'), { recursive: true })
})

after(async () => {
  if (proc) await stopProcess(proc)
  if (dir) rmSync(dir, { recursive: true, force: true })
})

test('the layout has two copies of Nest: the application resolves its own, authbridge (by its real path) another', () => {
  const fromApp = createRequire(path.join(dir, 'dist', 'main.mjs')).resolve('@nestjs/platform-socket.io')
  const fromAuthbridge = createRequire(path.join(ROOT, 'js', 'nest', 'index.js')).resolve('@nestjs/platform-socket.io')
  assert.ok(realpathSync(fromApp).startsWith(realpathSync(dir)), fromApp)
  assert.notEqual(realpathSync(fromApp), realpathSync(fromAuthbridge))
})

test('authbridge/nest, loaded through the link, extends the application\'s IoAdapter and uses its @nestjs/common', () => {
  const script = `
    const nest = require('authbridge/nest')
    const { IoAdapter } = require('@nestjs/platform-socket.io')
    const common = require('@nestjs/common')
    const jwt = require('authbridge/nest').JwtModule
    console.log(JSON.stringify({
      sameIoAdapter: Object.getPrototypeOf(nest.AuthenticatedSocketAdapter) === IoAdapter,
      authbridgeReal: require('node:fs').realpathSync(require.resolve('authbridge/nest')),
      jwtModuleIsClass: typeof jwt === 'function',
      commonPath: require.resolve('@nestjs/common'),
    }))`
  const r = spawnSync(process.execPath, ['-r', 'reflect-metadata', '-e', script], { cwd: dir, encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  const out = JSON.parse(r.stdout)
  assert.equal(out.sameIoAdapter, true)
  assert.equal(out.authbridgeReal, realpathSync(path.join(ROOT, 'js', 'nest', 'index.js')))
  assert.ok(realpathSync(out.commonPath).startsWith(realpathSync(dir)))
})

test('the example boots from the linked install and authenticates sockets and REST', { timeout: 120_000 }, async () => {
  const { encode } = await import('@auth/core/jwt')
  const port = await freePort()
  const child = spawn(process.execPath, [path.join(dir, 'dist', 'main.mjs')], {
    cwd: dir,
    env: { ...process.env, AUTH_SECRET, JWT_SECRET, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  proc = { child, pid: child.pid }
  let output = ''
  await new Promise((resolve, reject) => {
    const onData = (d) => {
      output += d
      if (output.includes('listening on')) resolve()
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('exit', (code) => reject(new Error(`the linked app exited (${code}):\n${output}`)))
  })
  const url = `http://127.0.0.1:${port}`
  const session = await encode({ token: { sub: 'user-link', email: 'link@example.com' }, secret: AUTH_SECRET, salt: 'authjs.session-token' })
  const cookie = `authjs.session-token=${session}`

  const connect = (nsp, extraHeaders) =>
    new Promise((resolve) => {
      const s = io(url + nsp, { extraHeaders, transports: ['websocket'], reconnection: false, forceNew: true })
      s.on('connect', () => resolve({ s, ok: true }))
      s.on('connect_error', (e) => resolve({ s, ok: false, code: e.data && e.data.code }))
    })
  const main = await connect('/', { cookie })
  assert.equal(main.ok, true, `refused: ${main.code}\n${output}`)
  const who = await main.s.timeout(20_000).emitWithAck('whoami')
  assert.deepEqual([who.sub, who.kind, who.source], ['user-link', 'authjs', 'cookie'])
  const anon = await connect('/chat', {})
  assert.deepEqual([anon.ok, anon.code], [false, 'ERR_TOKEN_MISSING'])
  main.s.close()
  anon.s.close()

  assert.equal((await fetch(url + '/me', { headers: { cookie } })).status, 200)
  assert.equal((await fetch(url + '/me')).status, 401)
})
