'use client'
// A client component: the Socket.IO connection to the API and a REST call, both with the
// session cookies (withCredentials / credentials: 'include'; the API allows this origin with
// credentials in CORS), and the sign-out.
import { useEffect, useRef, useState } from 'react'
import { io } from 'socket.io-client'
import { authClient } from '../lib/auth-client.js'

export default function Live({ apiUrl }) {
  const [rest, setRest] = useState({ state: '...', detail: '' })
  const [socket, setSocket] = useState({ attempt: 0, state: '...', detail: '' })
  const [events, setEvents] = useState([])
  const [signedOut, setSignedOut] = useState(false)
  const current = useRef(null)
  const attempts = useRef(0)

  function connect() {
    const attempt = ++attempts.current
    current.current?.close()
    // A replaced socket's own 'disconnect' does not overwrite the new attempt's state.
    const show = (state, detail) => attempt === attempts.current && setSocket({ attempt, state, detail })
    show('connecting', '')
    // reconnection: false: the demo shows each attempt; an app keeps Socket.IO's retries.
    const s = io(apiUrl, { withCredentials: true, reconnection: false })
    current.current = s
    const log = (event, data) => setEvents((e) => [...e, `${event} ${JSON.stringify(data ?? null)}`])
    // Only an authenticated socket gets 'welcome': the API refuses every other handshake.
    s.on('welcome', (data) => {
      log('welcome', data)
      // Who the API says this socket is, and where its session came from ('cookie').
      s.emit('whoami', (me) => show('connected', JSON.stringify(me)))
    })
    // The API closes the socket when the session is revoked (or expires).
    s.on('auth_revoked', (data) => log('auth_revoked', data))
    s.on('auth_expired', (data) => log('auth_expired', data))
    s.on('disconnect', (reason) => {
      log('disconnect', reason)
      show('closed', reason)
    })
    s.on('connect_error', (err) => show('refused', err.data?.code ?? err.message))
  }

  useEffect(() => {
    fetch(`${apiUrl}/me`, { credentials: 'include' })
      .then(async (res) => setRest({ state: String(res.status), detail: await res.text() }))
      .catch((err) => setRest({ state: 'error', detail: err.message }))
    connect()
    return () => current.current?.close()
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [apiUrl])

  async function signOut() {
    // 1. The API revokes this session (POST /sign-out?scope=token: the session id, until its
    //    expiry), on every node: the open socket gets `auth_revoked` and is closed, and a copy
    //    of the cookies kept elsewhere is refused from now on. It needs the cookies: call it first.
    const api = await fetch(`${apiUrl}/sign-out?scope=token`, { method: 'POST', credentials: 'include' })
    // 2. Better Auth's own sign-out: deletes the session and clears both cookies.
    const { error } = await authClient.signOut()
    setSignedOut(error ? `API ${api.status}; Better Auth: ${error.message}` : `API ${api.status}; Better Auth: signed out`)
  }

  return (
    <section>
      <table>
        <tbody>
          <tr>
            <td>GET {apiUrl}/me</td>
            <td data-testid="rest-state">{rest.state}</td>
            <td>
              <code data-testid="rest-detail">{rest.detail}</code>
            </td>
          </tr>
          <tr>
            <td>Socket.IO {apiUrl}/</td>
            <td data-testid="socket-state" data-attempt={socket.attempt}>
              {socket.state}
            </td>
            <td>
              <code data-testid="socket-detail">{socket.detail}</code>
            </td>
          </tr>
        </tbody>
      </table>
      <p>
        <button onClick={signOut} disabled={!!signedOut}>
          Sign out
        </button>{' '}
        <button onClick={connect}>Reconnect</button> <span data-testid="signed-out">{signedOut || ''}</span>
      </p>
      <h2>Events from the API</h2>
      <pre data-testid="events">{events.join('\n')}</pre>
    </section>
  )
}
