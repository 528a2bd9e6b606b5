'use strict'
// Peer dependencies (Nest, Socket.IO) are loaded from the APPLICATION's node_modules, never
// from a copy next to authbridge. When authbridge is installed as a `file:` link, a workspace
// package or with `npm link`, its real path is outside the application, and a plain
// require() would find (or fail to find) a second copy of Nest beside authbridge; an
// IoAdapter from that copy then crashes with "server.listeners is not a function".
// Order: the application's entry point (require.main, else process.argv[1] for ES modules),
// then process.cwd(), then authbridge's own location (a normal install: the same copy).

const path = require('node:path')
const { createRequire } = require('node:module')
const { isModuleNotFound, peerMissing } = require('./errors.js')

function bases() {
  const out = []
  if (require.main && typeof require.main.filename === 'string') out.push(require.main.filename)
  if (typeof process.argv[1] === 'string' && process.argv[1]) out.push(path.resolve(process.argv[1]))
  out.push(path.join(process.cwd(), 'noop.js'))
  return out
}

const cache = new Map()

/** The path `id` resolves to from the application, or null when only authbridge's own copy (or none) exists. */
function resolveFromApp(id) {
  for (const base of bases()) {
    try {
      return createRequire(base).resolve(id)
    } catch {
      // not reachable from this base; try the next
    }
  }
  return null
}

/**
 * require(id) as the application would; falls back to authbridge's own resolution. A peer
 * that is not installed (or misses a module of its own) is ERR_PEER_MISSING, naming `feature`.
 */
function requirePeer(id, feature = 'authbridge') {
  if (cache.has(id)) return cache.get(id)
  let mod
  try {
    const resolved = resolveFromApp(id)
    mod = resolved ? require(resolved) : require(id)
  } catch (err) {
    throw isModuleNotFound(err) ? peerMissing(id, feature, err) : err
  }
  cache.set(id, mod)
  return mod
}

module.exports = { requirePeer, resolveFromApp }
