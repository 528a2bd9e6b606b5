// A server component: renders the session and calls the NestJS API server-side.
// The browser's cookie does not travel with a server-side fetch by itself: forward it.
import { cookies } from 'next/headers'
import { auth, sessionCookieName } from '../auth.js'
import Sockets from './sockets.js'

export const dynamic = 'force-dynamic'

// API_URL: where the browser reaches the API. API_INTERNAL_URL: where this server does
// (often a private address); defaults to API_URL.
const apiUrl = () => process.env.API_URL ?? 'http://localhost:3001'
const apiInternalUrl = () => process.env.API_INTERNAL_URL ?? apiUrl()

async function callApiAsTheUser() {
  // Forward only the session cookie (and its chunks .0, .1, ...), not every cookie.
  const jar = await cookies()
  const cookie = jar
    .getAll()
    .filter((c) => c.name === sessionCookieName || c.name.startsWith(sessionCookieName + '.'))
    .map((c) => `${c.name}=${c.value}`)
    .join('; ')
  try {
    const res = await fetch(`${apiInternalUrl()}/me`, { headers: cookie ? { cookie } : {}, cache: 'no-store' })
    return { status: res.status, body: await res.text() }
  } catch (err) {
    return { status: 0, body: `API unreachable: ${err.message}` }
  }
}

export default async function Home({ searchParams }) {
  const session = await auth()
  const server = await callApiAsTheUser()
  const mode = (await searchParams)?.mode === 'token' ? 'token' : 'cookie'
  return (
    <main>
      <h1>authbridge: Next.js + Auth.js v5 + NestJS</h1>
      <section>
        <h2>Session (Auth.js)</h2>
        {session ? (
          <p>
            Signed in as <b data-testid="session-email">{session.user?.email}</b>.{' '}
            <a href="/api/auth/signout">Sign out</a>
          </p>
        ) : (
          <p>
            <span data-testid="session-email">not signed in</span>.{' '}
            <a href="/api/auth/signin?callbackUrl=/">Sign in</a> (ada@example.com or big@example.com, password{' '}
            <code>authbridge</code>)
          </p>
        )}
      </section>
      <section>
        <h2>Server component to NestJS GET /me (cookie forwarded)</h2>
        <p>
          status <b data-testid="server-status">{server.status}</b>
        </p>
        <pre data-testid="server-body">{server.body}</pre>
      </section>
      <Sockets apiUrl={apiUrl()} mode={mode} />
    </main>
  )
}
