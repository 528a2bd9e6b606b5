'use strict'
// Private Redis servers for a test file, on free loopback ports, no persistence, stopped by
// their PIDs: one redis-server (startRedis), a Redis Cluster of masters (startCluster:
// redis-server --cluster-enabled yes, then redis-cli --cluster create), and a Sentinel set-up
// (startSentinel: a master, a replica and three sentinels). When redis-server (or redis-cli)
// is not installed the tests skip with what to install, except under CI, where they fail.

const { spawn, spawnSync, execFile } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const net = require('node:net')

const INSTALL = 'redis-server is not installed: apt-get install redis-server (Debian/Ubuntu) or brew install redis (macOS)'
const INSTALL_CLI = 'redis-cli is not installed: apt-get install redis-tools (Debian/Ubuntu) or brew install redis (macOS)'

function available(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' })
  return !r.error && r.status === 0
}
function redisAvailable() {
  return available('redis-server')
}

/** For node:test: `{ skip }` when redis-server is missing (a failure under CI). */
function redisSkip() {
  if (redisAvailable()) return false
  if (process.env.CI) throw new Error(`CI is set and ${INSTALL}`)
  return INSTALL
}

/** As redisSkip, for tests that also need redis-cli (a cluster is created with it). */
function clusterSkip() {
  const why = redisSkip()
  if (why) return why
  if (available('redis-cli')) return false
  if (process.env.CI) throw new Error(`CI is set and ${INSTALL_CLI}`)
  return INSTALL_CLI
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

function portFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer()
    srv.once('error', () => resolve(false))
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)))
  })
}

/** A free port p whose cluster bus port p + 10000 is free too (and below 65536). */
async function freeClusterPort() {
  for (let i = 0; i < 200; i++) {
    const p = 20000 + Math.floor(Math.random() * 35000)
    if ((await portFree(p)) && (await portFree(p + 10000))) return p
  }
  throw new Error('no free port pair for a cluster node')
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

/** Runs redis-cli with args; resolves its stdout. */
function cli(args, timeoutMs = 30000) {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stdout, stderr }))
      else resolve(stdout)
    })
  })
}

/** Spawns one server process with `args` on `port`; resolves { pid, stop(), kill(), exited }. */
async function spawnServer(port, args) {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'inherit'] })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  await Promise.race([waitForPort(port), exited.then(() => Promise.reject(new Error(`redis-server exited at start (port ${port})`)))])
  const signal = async (sig) => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid, sig)
      await exited
    }
  }
  return { pid: child.pid, exited, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') }
}

const plainArgs = (p) => ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']

/** Starts redis-server; returns { port, url, pid, stop(), kill() (SIGKILL: gone at once, nothing saved) }. */
async function startRedis(port, extraArgs = []) {
  const p = port || (await freePort())
  const server = await spawnServer(p, [...plainArgs(p), ...extraArgs])
  return { port: p, url: `redis://127.0.0.1:${p}`, pid: server.pid, stop: server.stop, kill: server.kill }
}

function tmpDir(name) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `authbridge-${name}-`))
}

async function until(what, fn, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      if (await fn()) return
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/**
 * A Redis Cluster of `masters` masters (no replicas) on loopback, no persistence (the cluster
 * config file in a temporary directory). Returns { nodes: [{ port, url, pid }], rootNodes,
 * restart(i) (SIGKILL node i and start it again empty: it keeps its slots), stop() }.
 */
async function startCluster(masters = 3) {
  const dir = tmpDir('cluster')
  const nodes = []
  const args = (p) => [...plainArgs(p), '--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, `nodes-${p}.conf`), '--dir', dir, '--cluster-node-timeout', '2000']
  const ok = (n) => cli(['-p', String(n.port), 'cluster', 'info']).then((out) => /cluster_state:ok/.test(out))
  const allOk = async () => (await Promise.all(nodes.map(ok))).every(Boolean)
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freeClusterPort()
      nodes.push({ port, url: `redis://127.0.0.1:${port}`, server: await spawnServer(port, args(port)) })
    }
    await cli(['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'])
    await until('cluster_state:ok on every node', allOk)
  } catch (err) {
    await Promise.all(nodes.map((n) => n.server.kill()))
    fs.rmSync(dir, { recursive: true, force: true })
    throw err
  }
  return {
    nodes,
    rootNodes: nodes.map((n) => ({ url: n.url })),
    startupNodes: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
    /** The port of the master that serves `key`'s slot. */
    async masterOf(key) {
      const slot = Number((await cli(['-p', String(nodes[0].port), 'cluster', 'keyslot', key])).trim())
      const out = await cli(['-p', String(nodes[0].port), 'cluster', 'nodes'])
      for (const line of out.trim().split('\n')) {
        const f = line.split(' ')
        if (!f[2].includes('master') || f[2].includes('fail')) continue
        for (const range of f.slice(8)) {
          const [a, b] = range.split('-').map(Number)
          if (slot >= a && slot <= (b === undefined ? a : b)) return Number(f[1].split(':')[1].split('@')[0])
        }
      }
      throw new Error(`no master for slot ${slot}`)
    },
    /** SIGKILLs the node on `port` and starts it again, empty, with its cluster config (its slots). */
    async restart(port) {
      const n = nodes.find((x) => x.port === port)
      await n.server.kill()
      n.server = await spawnServer(port, args(port))
      await until('cluster_state:ok after the restart', allOk)
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.server.kill()))
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * A master, a replica and three sentinels (monitoring name `name`, quorum 2, down after 1 s,
 * failover timeout 3 s). Returns { name, master, replica, sentinels: [{ host, port }],
 * masterPort() (asked of a sentinel), killMaster() (SIGKILL), stop() }.
 */
async function startSentinel(name = 'authbridge') {
  const dir = tmpDir('sentinel')
  const mPort = await freePort()
  const rPort = await freePort()
  const servers = []
  try {
    return await sentinelSetUp(name, dir, mPort, rPort, servers)
  } catch (err) {
    await Promise.all(servers.map((s) => s.kill()))
    fs.rmSync(dir, { recursive: true, force: true })
    throw err
  }
}

async function sentinelSetUp(name, dir, mPort, rPort, servers) {
  servers.push(await spawnServer(mPort, [...plainArgs(mPort), '--dir', dir]))
  servers.push(await spawnServer(rPort, [...plainArgs(rPort), '--dir', dir, '--replicaof', '127.0.0.1', String(mPort)]))
  await until('the replica in sync', async () => /master_link_status:up/.test(await cli(['-p', String(rPort), 'info', 'replication'])))
  const sentinels = []
  for (let i = 0; i < 3; i++) {
    const port = await freePort()
    const conf = path.join(dir, `sentinel-${port}.conf`)
    fs.writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${mPort} 2`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 3000`,
        `sentinel parallel-syncs ${name} 1`,
        '',
      ].join('\n'),
    )
    servers.push(await spawnServer(port, [conf, '--sentinel']))
    sentinels.push({ host: '127.0.0.1', port })
  }
  const masterPort = async () => Number((await cli(['-p', String(sentinels[0].port), 'sentinel', 'get-master-addr-by-name', name])).trim().split('\n')[1])
  // Every sentinel knows the replica and the other sentinels before a failover can work.
  await until('the sentinels see the replica and each other', async () => {
    const out = await cli(['-p', String(sentinels[0].port), 'sentinel', 'master', name])
    const f = out.trim().split('\n')
    const get = (k) => Number(f[f.indexOf(k) + 1])
    return get('num-slaves') >= 1 && get('num-other-sentinels') >= 2
  })
  return {
    name,
    sentinels,
    masterPort,
    ports: { master: mPort, replica: rPort },
    /** SIGKILLs the server that is master now; resolves its port. */
    async killMaster() {
      const port = await masterPort()
      const server = servers[port === mPort ? 0 : 1]
      await server.kill()
      return port
    },
    async stop() {
      await Promise.all(servers.map((s) => s.kill()))
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

module.exports = { startRedis, startCluster, startSentinel, redisSkip, clusterSkip, freePort, cli, INSTALL }
