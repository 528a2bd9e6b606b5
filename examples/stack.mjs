// Starting and stopping the example apps as real processes, for `npm run demo:browser`
// and the browser test (__test__/e2e-browser.test.mjs): examples/nest-app compiled by tsc,
// examples/next-app (Auth.js) and examples/next-better-auth (Better Auth) built by
// `next build` and served by `next start`. Every process is stopped by its PID.
import { spawn, spawnSync } from 'node:child_process'
import { createServer } from 'node:net'
import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
export const NEXT_DIR = path.join(ROOT, 'examples', 'next-app')
export const NEXT_BETTER_AUTH_DIR = path.join(ROOT, 'examples', 'next-better-auth')
export const NEST_MAIN = path.join(ROOT, 'examples', 'nest-app', 'dist', 'main.mjs')
const NEXT_BIN = path.join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next')
const TSC_BIN = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')

/** A port that was free a moment ago (bound to 127.0.0.1:0, then released). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

function run(cmd, args, opts) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...opts })
  if (r.status !== 0) throw new Error(`${path.basename(args[0] ?? cmd)} ${args.slice(1).join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`)
  return r
}

export function buildNest() {
  run(process.execPath, [TSC_BIN, '-p', path.join(ROOT, 'examples', 'nest-app')], { cwd: ROOT })
}

/** Compiles the Nest example unless dist/ is newer than every source (npm test compiles it first). */
export function buildNestIfStale() {
  const app = path.join(ROOT, 'examples', 'nest-app')
  const src = path.join(app, 'src')
  const newest = Math.max(statSync(path.join(app, 'tsconfig.json')).mtimeMs, ...readdirSync(src).map((f) => statSync(path.join(src, f)).mtimeMs))
  const dist = readdirSync(src).map((f) => path.join(app, 'dist', f.replace(/\.mts$/, '.mjs')))
  if (!dist.every((f) => existsSync(f) && statSync(f).mtimeMs >= newest)) buildNest()
}

export function buildNext(dir = NEXT_DIR) {
  run(process.execPath, [NEXT_BIN, 'build'], { cwd: dir, env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } })
}

/**
 * `next build` of each directory, all at once (each in its own process): the builds overlap
 * where one waits and the other computes. Resolves when all have finished; when one failed,
 * rejects with its output once the others have finished too (no build is left running).
 */
export async function buildNextApps(dirs = [NEXT_DIR, NEXT_BETTER_AUTH_DIR]) {
  const results = await Promise.allSettled(
    dirs.map(
      (dir) =>
        new Promise((resolve, reject) => {
          const child = spawn(process.execPath, [NEXT_BIN, 'build'], { cwd: dir, env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' }, stdio: ['ignore', 'pipe', 'pipe'] })
          let output = ''
          child.stdout.on('data', (d) => (output += d))
          child.stderr.on('data', (d) => (output += d))
          child.on('error', reject)
          child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`next build in ${path.relative(ROOT, dir)} failed (${code ?? signal}):\n${output}`))))
        }),
    ),
  )
  const failed = results.find((r) => r.status === 'rejected')
  if (failed) throw failed.reason
}

export function nextBuilt(dir = NEXT_DIR) {
  return existsSync(path.join(dir, '.next', 'BUILD_ID'))
}

/** Spawns a long-running process and resolves once `ready` matches its output. */
function startProcess(name, args, { cwd, env, ready, timeoutMs = 90_000 }) {
  // Its own process group: `next start` runs the server in a child process, and stopping
  // signals the whole group (the PID is the group id).
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let output = ''
  const proc = {
    name,
    child,
    pid: child.pid,
    get output() {
      return output
    },
    stop() {
      return stopProcess(proc)
    },
  }
  return new Promise((resolve, reject) => {
    let done = false
    const timer = setTimeout(() => finish(new Error(`${name} did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs)
    const finish = (err) => {
      if (done) return
      done = true
      clearTimeout(timer)
      if (err) {
        stopProcess(proc).finally(() => reject(err))
      } else resolve(proc)
    }
    const onData = (d) => {
      output += d
      if (ready.test(output)) finish()
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('exit', (code, signal) => finish(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${output}`)))
  })
}

/** SIGTERM to the PID, SIGKILL after a grace period; resolves when the process has exited. */
export function stopProcess(proc) {
  const { child } = proc
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const kill = setTimeout(() => {
      try {
        process.kill(-proc.pid, 'SIGKILL')
      } catch {}
    }, 10_000)
    child.once('exit', () => {
      clearTimeout(kill)
      resolve()
    })
    try {
      process.kill(-proc.pid, 'SIGTERM')
    } catch {
      clearTimeout(kill)
      resolve()
    }
  })
}

/**
 * The compiled Nest example on a free port of 127.0.0.1.
 * env: AUTH_SECRET, JWT_SECRET, CORS_ORIGINS, SECURE_COOKIE, ...
 */
export async function startNest(env, port) {
  port = port ?? (await freePort())
  const proc = await startProcess('nest-app', [NEST_MAIN], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), ...env },
    ready: /listening on /,
  })
  return Object.assign(proc, { port })
}

/**
 * `next start` of a built Next.js example (`dir`, default examples/next-app) on a free port of 127.0.0.1.
 * env of next-app: AUTH_SECRET, API_URL, API_INTERNAL_URL, AUTH_COOKIE_DOMAIN, USE_SECURE_COOKIES, ...
 * env of next-better-auth: BETTER_AUTH_SECRET, BETTER_AUTH_URL, API_URL, USE_SECURE_COOKIES.
 */
export async function startNext(env, port, dir = NEXT_DIR) {
  port = port ?? (await freePort())
  const proc = await startProcess(path.basename(dir), [NEXT_BIN, 'start', '-H', '127.0.0.1', '-p', String(port)], {
    cwd: dir,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production', ...env },
    ready: /Ready in|ready started|started server/i,
  })
  return Object.assign(proc, { port })
}
