// Auth.js v5 (next-auth 5 beta): the session is a JWE cookie encrypted with AUTH_SECRET.
// The NestJS back end (examples/nest-app) decodes that same cookie with authbridge: both
// sides are configured with the same AUTH_SECRET, and nothing else is shared.
import NextAuth from 'next-auth'
import Credentials from 'next-auth/providers/credentials'

// HTTPS: Auth.js names the cookie __Secure-authjs.session-token when the site is served over
// https (from AUTH_URL or the request). USE_SECURE_COOKIES=true forces it (the browser test
// uses it on http://localhost, which browsers treat as a secure context); the back end must
// then be started with SECURE_COOKIE=true (authjs.secureCookie).
const secure = process.env.USE_SECURE_COOKIES === 'true' || (process.env.AUTH_URL ?? '').startsWith('https:')
const cookieName = `${secure ? '__Secure-' : ''}authjs.session-token`

// Subdomains (app.example.com -> api.example.com): Auth.js cookies are host-only unless a
// domain is set. AUTH_COOKIE_DOMAIN=example.com makes the browser send the session cookie
// to the API's host too.
const domain = process.env.AUTH_COOKIE_DOMAIN || undefined

// Demo users. `big` carries large claims: its session cookie is split into chunks
// (authjs.session-token.0, .1, ...), which authbridge joins like Auth.js does.
const USERS = {
  'ada@example.com': { id: 'user-ada', name: 'Ada Lovelace', email: 'ada@example.com' },
  'grace@example.com': { id: 'user-grace', name: 'Grace Hopper', email: 'grace@example.com' },
  'big@example.com': {
    id: 'user-big',
    name: 'Big Claims',
    email: 'big@example.com',
    groups: Array.from({ length: 160 }, (_, i) => `group-${String(i).padStart(3, '0')}-with-a-long-descriptive-name`),
  },
}
const DEMO_PASSWORD = process.env.DEMO_PASSWORD ?? 'authbridge'

export const { handlers, auth, signIn, signOut } = NextAuth({
  // AUTH_SECRET comes from the environment (the same value as the back end's AUTH_SECRET).
  trustHost: true,
  session: { strategy: 'jwt' },
  useSecureCookies: secure,
  cookies: {
    sessionToken: { name: cookieName, options: { httpOnly: true, sameSite: 'lax', path: '/', secure, domain } },
  },
  providers: [
    Credentials({
      credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
      authorize(credentials) {
        const user = USERS[String(credentials?.email ?? '').toLowerCase()]
        return user && credentials.password === DEMO_PASSWORD ? user : null
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user?.groups) token.groups = user.groups
      // The sign-in time, kept when Auth.js re-encodes the session: the API orders a revoked
      // user's sessions by it (without it, every session of a revoked user is refused until
      // the revocation expires). `revocationJwtCallback` from authbridge/authjs does this and
      // also ends revoked sessions here (README, "Revocation").
      if (user && typeof token.auth_time !== 'number') token.auth_time = Math.floor(Date.now() / 1000)
      return token
    },
  },
})

export const sessionCookieName = cookieName
