'use strict'
// A private redis-server for a test file: a free loopback port, no persistence, stopped by
// its PID. When redis-server is not installed the tests skip with what to install, except
// under CI, where they fail.

const { spawn, spawnSync } = require('node:child_process')
const net = require('node:net')

const INSTALL = 'redis-server is not installed: apt-get install redis-server (Debian/Ubuntu) or brew install redis (macOS)'

function redisAvailable() {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' })
  return !r.error && r.status === 0
}

/** For node:test: `{ skip }` when redis-server is missing (a failure under CI). */
function redisSkip() {
  if (redisAvailable()) return false
  if (process.env.CI) throw new Error(`CI is set and ${INSTALL}`)
  return INSTALL
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

function waitForPort(port, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = net.connect(port, '127.0.0.1')
      s.once('connect', () => {
        s.end()
        resolve()
      })
      s.once('error', () => {
        s.destroy()
        if (Date.now() > deadline) reject(new Error(`redis-server did not listen on ${port}`))
        else setTimeout(attempt, 50)
      })
    }
    attempt()
  })
}

/** Starts redis-server; returns { port, url, pid, stop(), restart() }. */
async function startRedis(port) {
  const p = port || (await freePort())
  const child = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  await Promise.race([waitForPort(p), exited.then(() => Promise.reject(new Error('redis-server exited at start')))])
  return {
    port: p,
    url: `redis://127.0.0.1:${p}`,
    pid: child.pid,
    /** Stops this instance by its PID and waits for it to exit. */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid, 'SIGTERM')
        await exited
      }
    },
  }
}

module.exports = { startRedis, redisSkip, freePort, INSTALL }
