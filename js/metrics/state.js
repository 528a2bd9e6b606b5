'use strict'
// What the gauges and health() read on collection: the tracked connection watches, revocation
// lists, authbridge/redis handles and RemoteJwks instances (js/core/channels.js tracks
// them), plus the bare verifiers' native counters. Read only when a collector or a probe asks.

const { live } = require('../core/channels.js')

/** The bare verifiers' native outcome counters: [{ verifier: 'jwt' | 'authjs' | 'betterauth', code: string | null, count }]. */
function nativeCounts() {
  // The addon leaves `code` out for accepted calls: null here, as documented.
  return require('../../index.js')._verifierCounts().map((c) => ({ verifier: c.verifier, code: c.code == null ? null : c.code, count: c.count }))
}

/**
 * HandshakeAuthenticator's public methods called directly (not through an integration),
 * counted natively: [{ kind, source, code, count }] (kind, source and code null when
 * unknown or, for code, when accepted).
 */
function directCounts() {
  return require('../../index.js')._directHandshakeCounts().map((c) => ({ kind: c.kind == null ? null : c.kind, source: c.source == null ? null : c.source, code: c.code == null ? null : c.code, count: c.count }))
}

/** A key set's URL without query or fragment (a label; never a credential in a query). */
function jwksLabel(st) {
  if (!st || typeof st.jwksUri !== 'string') return 'unknown'
  try {
    const u = new URL(st.jwksUri)
    return u.origin + u.pathname
  } catch {
    return 'unknown'
  }
}

/** The store name of an authbridge/redis handle: its key prefix (`{prefix}`), or 'redis'. */
function storeOf(handle) {
  const ch = handle && handle.keys && handle.keys.channel
  return typeof ch === 'string' && ch.endsWith('changes') ? ch.slice(0, -'changes'.length) : 'redis'
}

/** Connections held now, per transport: Map transport -> count (the three transports always present). */
function connections() {
  const out = new Map([
    ['socket.io', 0],
    ['ws', 0],
    ['graphql-ws', 0],
  ])
  for (const w of live('watch')) out.set(w.transport, (out.get(w.transport) || 0) + w.entries.size)
  return out
}

/**
 * The revocation lists in use (those of live watches and of authbridge/redis handles), each
 * once, with the store it syncs from ('local' when none): [{ store, tokens, subjects }].
 */
function revocationLists() {
  const storeOfList = new Map()
  for (const h of live('redis')) if (h.list) storeOfList.set(h.list, storeOf(h))
  for (const w of live('watch')) for (const l of w.lists) if (!storeOfList.has(l)) storeOfList.set(l, 'local')
  const byStore = new Map()
  for (const [list, store] of storeOfList) {
    let size
    try {
      size = list.size()
    } catch {
      continue
    }
    const s = byStore.get(store) || { store, tokens: 0, subjects: 0 }
    s.tokens += size.tokens
    s.subjects += size.subjects
    byStore.set(store, s)
  }
  return [...byStore.values()]
}

/** One authbridge/redis handle's sync: { store, stale, lastSync (s since the epoch), age (s, null: never) }. */
function syncOf(h, nowMs = Date.now()) {
  const st = h.status()
  return { store: storeOf(h), stale: !!st.stale, lastSync: st.lastSync, age: st.lastSync > 0 ? Math.max(0, nowMs / 1000 - st.lastSync) : null }
}

/** One RemoteJwks: { jwks, keys, ready, stale, failures, lastRefresh, age, lastError }. */
function keySetOf(j, nowMs = Date.now()) {
  const st = j.status()
  return {
    jwks: jwksLabel(st),
    keys: st.keyIds.length,
    ready: !!st.ready,
    stale: !!st.stale,
    failures: st.failures || 0,
    lastRefresh: st.lastRefresh === undefined ? null : st.lastRefresh,
    age: st.lastRefresh === undefined ? null : Math.max(0, nowMs / 1000 - st.lastRefresh),
    lastError: st.lastError === undefined ? null : st.lastError,
  }
}

/** `read` of each live object of `what`, skipping any whose status() throws. */
function each(what, read, nowMs) {
  const out = []
  for (const obj of live(what)) {
    try {
      out.push(read(obj, nowMs))
    } catch {
      // a closed or broken object reports nothing
    }
  }
  return out
}

/** Every live authbridge/redis handle's sync (syncOf). */
const revocationSyncs = (nowMs = Date.now()) => each('redis', syncOf, nowMs)

/** Every live RemoteJwks (keySetOf). */
const keySets = (nowMs = Date.now()) => each('jwks', keySetOf, nowMs)

module.exports = { nativeCounts, directCounts, connections, revocationLists, revocationSyncs, keySets, keySetOf, syncOf, jwksLabel }
