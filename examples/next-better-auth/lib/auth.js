// Better Auth (better-auth 1.7) on the Next.js server. The NestJS back end (examples/nest-app)
// reads the same session cookies with authbridge: both sides get the same BETTER_AUTH_SECRET,
// and nothing else is shared (no database, no call from the API to this app).
import { betterAuth } from 'better-auth'
import { memoryAdapter } from 'better-auth/adapters/memory'

// The demo's users and sessions live in memory (one object for the whole server process; a
// real app gives betterAuth its database). The back end never reads it: it reads the cookie cache.
const db = (globalThis.__betterAuthDemoDb ??= { user: [], session: [], account: [], verification: [] })

// HTTPS: better-auth names its cookies __Secure-better-auth.* when baseURL is https (or with
// useSecureCookies). The back end must then be started with SECURE_COOKIE=true (betterAuth.secureCookie).
const baseURL = process.env.BETTER_AUTH_URL ?? 'http://localhost:3000'
const secure = process.env.USE_SECURE_COOKIES === 'true' || baseURL.startsWith('https:')

export const auth = betterAuth({
  baseURL,
  // BETTER_AUTH_SECRET: the same value as the back end's.
  secret: process.env.BETTER_AUTH_SECRET,
  database: memoryAdapter(db),
  emailAndPassword: { enabled: true },
  session: {
    // The cookie cache is what the back end reads: `better-auth.session_data`, sent with every
    // request and socket handshake next to `better-auth.session_token`. Strategy `jwe`: the
    // session and user are encrypted (the cookie travels to another server; nothing in it is
    // readable on the way), with the same construction as Auth.js's session cookie. The back
    // end pins the same strategy. maxAge: how long the back end trusts the cache without a
    // database (better-auth rewrites it on each getSession of this app); 5 minutes here.
    cookieCache: { enabled: true, strategy: 'jwe', maxAge: 5 * 60 },
  },
  advanced: { useSecureCookies: secure },
  telemetry: { enabled: false },
})
