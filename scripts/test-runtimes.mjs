#!/usr/bin/env node
// npm run test:runtimes: the package on every runtime README's compatibility table names.
// Installs Node 22 and 24 (the npm `node` package), Bun 1 (npm `bun`) and Deno 2 (npm `deno`)
// from the registry into a cache folder outside git (AUTHBRIDGE_RUNTIMES_DIR, default
// <tmp>/authbridge-runtimes; an install already there is reused), stages the package as an
// app installs it (the files `npm pack` ships plus the built addon, in node_modules/authbridge
// of a scratch app whose other dependencies are the repo's), makes the tokens with the real
// libraries under this Node, then runs __test__/runtimes/checks.mjs on each runtime: the load,
// a verify, an Auth.js decode, a Socket.IO handshake, a plain WebSocket handshake (authbridge/ws
// with the `ws` package), a graphql-ws subscription (authbridge/graphql-ws with graphql-ws's
// useServer) and the Nest example (examples/nest-app, compiled here with tsc). Prints one TAP line per check and runtime, then `N passed, N failed`;
// exits 1 when a check failed or a runtime could not be installed.
//
// Options: --only=node22,bun (ids: node, node22, node24, bun, deno); --no-build (reuse
// examples/nest-app/dist).

import { spawnSync, execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const cache = path.resolve(process.env.AUTHBRIDGE_RUNTIMES_DIR || path.join(os.tmpdir(), 'authbridge-runtimes'))
const args = process.argv.slice(2)
const only = (args.find((a) => a.startsWith('--only=')) || '').slice('--only='.length).split(',').filter(Boolean)
const started = Date.now()

/**
 * Deno's permissions. authbridge itself (the load, verify, decode: `--core`) needs exactly
 * these; each is proven needed by the run without it (README "Runtimes"):
 * - --allow-ffi: dlopen of the addon;
 * - --allow-env=NAPI_RS_*: the loader napi-rs generates (index.js) reads NAPI_RS_NATIVE_LIBRARY_PATH,
 *   NAPI_RS_ENFORCE_VERSION_CHECK, NAPI_RS_FORCE_WASI and NAPI_RS_WASI_FLAVOR, with no build option
 *   to leave them out (@napi-rs/cli 3.10), and Deno throws on a read it does not permit;
 * - --allow-read=/usr/bin/ldd (Linux): the loader's glibc/musl test (without it, the fallback
 *   needs --allow-sys).
 * The Socket.IO, ws, graphql-ws and Nest checks add: --allow-env whole (socket.io's `debug` dependency lists
 * the environment), --allow-net (loopback servers and clients) and --allow-read of the app's
 * folder (the Nest example is imported by path).
 */
const DENO_CORE_FLAGS = ['--allow-ffi', '--allow-env=NAPI_RS_*', '--allow-read=/usr/bin/ldd']
const DENO_APP_FLAGS = ['--allow-ffi', '--allow-env', '--allow-read=.,/usr/bin/ldd', '--allow-net=127.0.0.1']

const RUNTIMES = [
  { id: 'node', name: `node ${process.version} (this)`, bin: () => process.execPath, major: /^v\d+\./ },
  { id: 'node22', name: 'node 22', pkg: 'node@22', bins: ['node_modules/node/bin/node'], script: ['node_modules/node', 'installArchSpecificPackage'], major: /^v22\./ },
  { id: 'node24', name: 'node 24', pkg: 'node@24', bins: ['node_modules/node/bin/node'], script: ['node_modules/node', 'installArchSpecificPackage'], major: /^v24\./ },
  { id: 'bun', name: 'bun 1', pkg: 'bun@1', bins: ['node_modules/bun/bin/bun.exe', 'node_modules/.bin/bun'], script: ['node_modules/bun', 'install.js'], major: /^1\./ },
  { id: 'deno', name: 'deno 2', pkg: 'deno@2', bins: ['node_modules/deno/deno', 'node_modules/.bin/deno'], script: ['node_modules/deno', 'install.cjs'], major: /^deno 2\./, args: ['run', ...DENO_APP_FLAGS] },
  // The same binary, with only what authbridge itself needs, on the core checks.
  { id: 'deno', name: 'deno 2 (authbridge alone)', pkg: 'deno@2', bins: ['node_modules/deno/deno', 'node_modules/.bin/deno'], script: ['node_modules/deno', 'install.cjs'], major: /^deno 2\./, args: ['run', ...DENO_CORE_FLAGS], core: true },
].filter((r) => only.length === 0 || only.includes(r.id))

const childEnv = { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', DENO_DIR: path.join(cache, 'deno-dir') }
delete childEnv.NODE_OPTIONS

/** The first line of `<bin> --version`, or null when it does not run. */
function versionOf(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', env: childEnv, timeout: 30000 })
  return r.status === 0 ? r.stdout.trim().split('\n')[0] : null
}

/** The runtime's binary, installed from the registry into the cache when it is not there yet. */
function install(rt) {
  if (rt.bin) return rt.bin()
  const prefix = path.join(cache, rt.id)
  const find = () => {
    for (const b of rt.bins) {
      const bin = path.join(prefix, b)
      const v = fs.existsSync(bin) ? versionOf(bin) : null
      if (v && rt.major.test(v)) return bin
    }
    return null
  }
  let bin = find()
  if (bin) return bin
  fs.mkdirSync(prefix, { recursive: true })
  const t = Date.now()
  const npm = spawnSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', rt.pkg], { encoding: 'utf8', env: process.env, timeout: 600000 })
  if (npm.status !== 0) throw new Error(`npm install ${rt.pkg} failed: ${(npm.stderr || '').trim().split('\n').slice(-3).join(' | ')}`)
  bin = find()
  if (!bin) {
    // npm may have skipped the package's install script (an install-scripts policy): run it.
    const [dir, script] = rt.script
    spawnSync(process.execPath, [script], { cwd: path.join(prefix, dir), encoding: 'utf8', env: process.env, timeout: 600000 })
    bin = find()
  }
  if (!bin) throw new Error(`${rt.pkg} installed in ${prefix} but no binary of the right major runs`)
  console.log(`# installed ${rt.pkg} (${versionOf(bin)}) in ${((Date.now() - t) / 1000).toFixed(1)} s`)
  return bin
}

/** A scratch app with the package as `npm install` lays it out, and the repo's other dependencies. */
function stage() {
  // One scratch app per run (two runs may share the cache); removed at the end.
  const app = path.join(cache, `app-${process.pid}`)
  fs.rmSync(app, { recursive: true, force: true })
  const mods = path.join(app, 'node_modules')
  const pkgDir = path.join(mods, 'authbridge')
  fs.mkdirSync(pkgDir, { recursive: true })
  const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))
  const files = packed[0].files.map((f) => f.path)
  // The addon ships in a per-platform package; the loader finds it next to index.js first.
  files.push(...fs.readdirSync(root).filter((f) => f.startsWith('authbridge.') && f.endsWith('.node')))
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(pkgDir, f)), { recursive: true })
    fs.copyFileSync(path.join(root, f), path.join(pkgDir, f))
  }
  const repoMods = path.join(root, 'node_modules')
  for (const name of fs.readdirSync(repoMods)) {
    if (name === 'authbridge' || name.startsWith('.')) continue
    fs.symlinkSync(fs.realpathSync(path.join(repoMods, name)), path.join(mods, name))
  }
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'authbridge-runtimes-app', private: true }, null, 2))
  fs.cpSync(path.join(root, 'examples', 'nest-app', 'dist'), path.join(app, 'nest-app'), { recursive: true })
  fs.copyFileSync(path.join(root, '__test__', 'runtimes', 'checks.mjs'), path.join(app, 'checks.mjs'))
  return { app, files }
}

/** The tokens, made by the real libraries under this Node (JSON, given to checks.mjs as its last argument). */
async function fixtures() {
  const require = createRequire(path.join(root, 'package.json'))
  const jwt = require('jsonwebtoken')
  const { encode } = await import('@auth/core/jwt')
  const authSecret = 'runtimes-auth-secret-' + 'x'.repeat(24)
  const jwtSecret = 'runtimes-access-token-secret-' + 'y'.repeat(16)
  const f = {
    authSecret,
    jwtSecret,
    accessToken: jwt.sign({ sub: 'user-42', email: 'ada@example.com' }, jwtSecret, { algorithm: 'HS256', expiresIn: '15m' }),
    forgedToken: jwt.sign({ sub: 'admin' }, 'a-guessed-secret-' + 'z'.repeat(20), { algorithm: 'HS256', expiresIn: '15m' }),
    sessionCookie: await encode({ token: { sub: 'user-42', name: 'Ada', email: 'ada@example.com' }, secret: authSecret, salt: 'authjs.session-token' }),
  }
  return JSON.stringify(f)
}

let n = 0
let passed = 0
let failed = 0
let skipped = 0
const report = (ok, name, why) => {
  n++
  if (ok) passed++
  else failed++
  console.log(`${ok ? 'ok' : 'not ok'} ${n} - ${name}${why ? `\n  # ${why}` : ''}`)
}
const skip = (name, why) => {
  n++
  skipped++
  console.log(`ok ${n} - ${name} # SKIP ${why}`)
}

if (!args.includes('--no-build')) {
  const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'examples', 'nest-app')], { cwd: root, encoding: 'utf8' })
  if (tsc.status !== 0) {
    console.log(tsc.stdout + tsc.stderr)
    report(false, 'tsc -p examples/nest-app')
  }
}
fs.mkdirSync(cache, { recursive: true })
const { app } = stage()
const fixturesJson = await fixtures()
console.log(`# cache ${cache}; package staged in ${path.join(app, 'node_modules', 'authbridge')}`)

for (const rt of RUNTIMES) {
  let bin
  try {
    bin = install(rt)
  } catch (err) {
    // The registry out of reach: a skip saying so, except under CI, where it fails.
    if (process.env.CI === 'true') report(false, `${rt.name}: install`, err.message)
    else skip(`${rt.name}: install`, `${err.message} (npm must reach the registry to install ${rt.pkg}; CI=true makes this a failure)`)
    continue
  }
  const version = versionOf(bin)
  const t = Date.now()
  const r = spawnSync(bin, [...(rt.args || []), 'checks.mjs', ...(rt.core ? ['--core'] : []), fixturesJson], { cwd: app, encoding: 'utf8', env: childEnv, timeout: 180000 })
  const seconds = ((Date.now() - t) / 1000).toFixed(1)
  console.log(`# ${rt.name}: ${version}, ${seconds} s${rt.args ? `, ${rt.args.join(' ')}` : ''}`)
  const lines = (r.stdout || '').split('\n')
  for (const line of lines) {
    const m = /^(ok|not ok) (.+?)(?: - (.*))?$/.exec(line)
    if (m) report(m[1] === 'ok', `${rt.name}: ${m[2]}`, m[3])
  }
  if (!lines.includes('# done')) {
    const tail = `${r.stderr || ''}${r.error ? r.error.message : ''}`.trim().split('\n').slice(-4).join(' | ')
    report(false, `${rt.name}: ran to the end`, `exit ${r.status ?? r.signal}: ${tail}`)
  }
}

// The Deno flags README gives are needed, each: without one, the load is refused with the
// reason. (When napi-rs's loader stops reading NAPI_RS_*, the first of these fails: then README
// can drop --allow-env.)
const deno = RUNTIMES.find((r) => r.id === 'deno')
if (deno) {
  const without = [
    ['--allow-env=NAPI_RS_*', /NotCapable: Requires env access to "NAPI_RS_/],
    ['--allow-ffi', /Cannot find native binding/],
    ['--allow-read=/usr/bin/ldd', /NotCapable: Requires sys access/],
  ]
  let bin = null
  try {
    bin = install(deno)
  } catch {}
  for (const [flag, expected] of bin ? without : []) {
    const flags = DENO_CORE_FLAGS.filter((f) => f !== flag)
    const r = spawnSync(bin, ['run', ...flags, 'checks.mjs', '--core', fixturesJson], { cwd: app, encoding: 'utf8', env: childEnv, timeout: 60000 })
    const line = (r.stdout || '').split('\n').find((l) => l.startsWith('not ok load')) || ''
    report(expected.test(line), `deno 2: without ${flag} the load is refused`, expected.test(line) ? null : `got: ${(line || r.stdout + r.stderr).slice(0, 300)}`)
  }
}

console.log(`1..${n}`)
console.log(`# ${((Date.now() - started) / 1000).toFixed(1)} s in all`)
fs.rmSync(app, { recursive: true, force: true })
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exitCode = failed > 0 || n === 0 ? 1 : 0
