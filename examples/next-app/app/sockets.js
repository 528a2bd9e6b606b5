'use client'
// A client component: Socket.IO on two namespaces and a REST call, from the browser.
// mode 'cookie' (same site): the browser sends the session cookie itself
//   (withCredentials: true; the API allows this origin with credentials in CORS).
// mode 'token' (separate sites): the raw session token from /api/token goes in
//   auth.token (Socket.IO) and Authorization: Bearer (REST).
import { useEffect, useState } from 'react'
import { io } from 'socket.io-client'

async function tokenFromOwnServer() {
  const res = await fetch('/api/token', { cache: 'no-store' })
  return res.ok ? (await res.json()).token : null
}

function connect(url, options, onReady) {
  const socket = io(url, { ...options, reconnection: false, timeout: 20000 })
  return new Promise((resolve) => {
    socket.on('connect_error', (err) => resolve({ state: 'refused', detail: err.data?.code ?? err.message }))
    socket.on('connect', () => onReady(socket, resolve))
  }).then((r) => ({ ...r, socket }))
}

export default function Sockets({ apiUrl, mode }) {
  const [rows, setRows] = useState({})
  const set = (k, v) => setRows((r) => ({ ...r, [k]: v }))

  useEffect(() => {
    let sockets = []
    let stopped = false
    ;(async () => {
      const token = mode === 'token' ? await tokenFromOwnServer() : null
      const options = mode === 'token' ? { auth: token ? { token } : {} } : { withCredentials: true }
      const headers = token ? { authorization: `Bearer ${token}` } : {}

      const rest = fetch(`${apiUrl}/me`, { credentials: mode === 'cookie' ? 'include' : 'omit', headers })
        .then(async (res) => ({ state: String(res.status), detail: await res.text() }))
        .catch((err) => ({ state: 'error', detail: err.message }))

      const main = connect(`${apiUrl}/`, options, (socket, done) =>
        socket.emit('whoami', (reply) => done({ state: 'connected', detail: JSON.stringify(reply) })),
      )
      const chat = connect(`${apiUrl}/chat`, options, (socket, done) => {
        socket.once('message', (m) => done({ state: 'connected', detail: JSON.stringify(m) }))
        socket.emit('message', 'hello from the browser')
      })
      const [r, m, c] = await Promise.all([rest, main, chat])
      sockets = [m.socket, c.socket]
      if (stopped) return sockets.forEach((s) => s.close())
      set('rest', r)
      set('/', { state: m.state, detail: m.detail })
      set('/chat', { state: c.state, detail: c.detail })
      set('done', { state: 'yes', detail: mode })
    })()
    return () => {
      stopped = true
      sockets.forEach((s) => s.close())
    }
  }, [apiUrl, mode])

  const row = (key, label) => (
    <tr>
      <td>{label}</td>
      <td data-testid={`state-${key}`}>{rows[key]?.state ?? '...'}</td>
      <td>
        <code data-testid={`detail-${key}`}>{rows[key]?.detail ?? ''}</code>
      </td>
    </tr>
  )
  return (
    <section>
      <h2>From the browser ({mode === 'token' ? 'raw session token in auth.token' : 'session cookie'})</h2>
      <table>
        <tbody>
          {row('rest', `GET ${apiUrl}/me`)}
          {row('/', 'Socket.IO / (whoami)')}
          {row('/chat', 'Socket.IO /chat (message)')}
          {row('done', 'finished')}
        </tbody>
      </table>
    </section>
  )
}
