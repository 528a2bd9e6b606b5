// A server component: reads the session with better-auth's own getSession (which also keeps
// the cookie cache fresh), then renders the sign-in form or the live connection to the API.
import { headers } from 'next/headers'
import { auth } from '../lib/auth.js'
import SignIn from './sign-in.js'
import Live from './live.js'

export const dynamic = 'force-dynamic'

// API_URL: the NestJS API as the browser reaches it.
const apiUrl = () => process.env.API_URL ?? 'http://localhost:3001'

export default async function Home() {
  const session = await auth.api.getSession({ headers: await headers() })
  return (
    <main>
      <h1>authbridge: Next.js + Better Auth + NestJS</h1>
      {session ? (
        <>
          <p>
            Signed in (Better Auth) as <b data-testid="session-email">{session.user.email}</b> (user{' '}
            <code data-testid="user-id">{session.user.id}</code>), session{' '}
            <code data-testid="session-id">{session.session.id}</code>.
          </p>
          <Live apiUrl={apiUrl()} />
        </>
      ) : (
        <>
          <p>
            <span data-testid="session-email">not signed in</span>.
          </p>
          <SignIn />
        </>
      )}
    </main>
  )
}
