'use strict'
// Bounded waits and tokens for the plain WebSocket and graphql-ws tests (real `ws` clients
// over loopback; every wait has a timeout).

const crypto = require('node:crypto')
const WebSocket = require('ws')
const jsonwebtoken = require('jsonwebtoken')

const JWT_SECRET = crypto.randomBytes(32).toString('hex')
const AUTH_SECRET = crypto.randomBytes(32).toString('base64')
const COOKIE = 'authjs.session-token'
const DAY_S = 24 * 3600

const options = () => ({ jwt: { algorithms: ['HS256'], key: JWT_SECRET }, authjs: { secret: AUTH_SECRET } })

/** An access token as a NextAuth session callback mints it (jsonwebtoken). */
const accessToken = (sub = 'user-1', signOptions = {}) =>
  jsonwebtoken.sign({ sub, email: `${sub}@example.com` }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '15m', jwtid: crypto.randomUUID(), ...signOptions })

/** An Auth.js session token, by @auth/core's encode (maxAge in seconds; Auth.js's default is 30 days). */
async function sessionToken(claims = {}, maxAge = 30 * DAY_S) {
  const { encode } = await import('@auth/core/jwt')
  return encode({ token: { sub: 'user-1', name: 'Ada Lovelace', ...claims }, secret: AUTH_SECRET, salt: COOKIE, maxAge })
}

/**
 * Opens a `ws` client; resolves { ws, messages } once open, or rejects with
 * err.status / err.body (the JSON of a refused upgrade) / err.closeCode.
 */
function open(url, wsOptions = {}, ms = 5000) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, wsOptions)
    // Every message, kept until a nextMessage takes it (none is lost between awaits).
    const messages = []
    ws.authbridgeInbox = { messages, waiters: new Set() }
    ws.on('message', (d) => {
      let m
      try {
        m = JSON.parse(String(d))
      } catch {
        m = String(d)
      }
      for (const w of ws.authbridgeInbox.waiters) if (w(m)) return
      messages.push(m)
    })
    const timer = setTimeout(() => {
      ws.terminate()
      reject(new Error(`no answer after ${ms} ms`))
    }, ms)
    ws.once('open', () => {
      clearTimeout(timer)
      resolve({ ws, messages })
    })
    ws.once('unexpected-response', (req, res) => {
      let body = ''
      res.on('data', (c) => (body += c))
      res.on('end', () => {
        clearTimeout(timer)
        const err = new Error(`refused with ${res.statusCode}`)
        err.status = res.statusCode
        err.contentType = res.headers['content-type']
        try {
          err.body = JSON.parse(body)
        } catch {
          err.body = body
        }
        ws.terminate()
        reject(err)
      })
    })
    ws.once('close', (code, reason) => {
      clearTimeout(timer)
      const err = new Error(`closed with ${code}`)
      err.closeCode = code
      err.reason = String(reason)
      reject(err)
    })
    ws.once('error', () => {})
  })
}

/** Resolves with { code, reason } when `ws` closes; rejects after `ms`. */
function closed(ws, ms = 5000) {
  return new Promise((resolve, reject) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve({ code: null, reason: '' })
    const timer = setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms)
    ws.once('close', (code, reason) => {
      clearTimeout(timer)
      resolve({ code, reason: String(reason) })
    })
  })
}

/** Resolves with the next message (kept or coming) satisfying `pred`, and takes it; rejects after `ms`. */
function nextMessage(ws, pred = () => true, ms = 5000) {
  const inbox = ws.authbridgeInbox
  const i = inbox.messages.findIndex((m) => pred(m))
  if (i >= 0) return Promise.resolve(inbox.messages.splice(i, 1)[0])
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      inbox.waiters.delete(waiter)
      reject(new Error(`no message after ${ms} ms`))
    }, ms)
    const waiter = (m) => {
      if (!pred(m)) return false
      clearTimeout(timer)
      inbox.waiters.delete(waiter)
      resolve(m)
      return true
    }
    inbox.waiters.add(waiter)
  })
}

/** Listens on 127.0.0.1 (port 0); at the end of test `t` terminates the clients and closes `wss` and `httpServer`. Resolves with the port. */
async function listen(t, httpServer, wss) {
  await new Promise((r) => httpServer.listen(0, '127.0.0.1', r))
  t.after(async () => {
    for (const c of wss.clients) c.terminate()
    await new Promise((r) => wss.close(r))
    httpServer.closeAllConnections?.()
    await new Promise((r) => httpServer.close(r))
  })
  return httpServer.address().port
}

module.exports = { JWT_SECRET, AUTH_SECRET, COOKIE, DAY_S, options, accessToken, sessionToken, open, closed, nextMessage, listen }
