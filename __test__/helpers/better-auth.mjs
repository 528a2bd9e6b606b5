// Real better-auth 1.7 driven through its own handler: betterAuth() with the memory
// adapter, e-mail and password, the cookie cache in a given strategy; sign-up and
// sign-in are requests to auth.handler, and the cookies are the Set-Cookie headers it
// answers with. Used by __test__/better-auth.test.mjs, benchmark/bench.mjs and
// __test__/fixtures/better-auth/make-vectors.mjs.

import { betterAuth } from 'better-auth'
import { memoryAdapter } from 'better-auth/adapters/memory'

export const SECRET = 'better-auth-test-secret-0123456789abcdefghij'
export const PASSWORD = 'correct horse battery staple'

/** One shared in-memory database (users signed up once serve every auth instance). */
export function memoryDb() {
  return { user: [], session: [], account: [], verification: [] }
}

/**
 * betterAuth() for one set-up: { strategy, secure, secret, secrets, version, maxAge,
 * prefix, db, additionalFields, crossSubDomain, plugins }.
 */
export function makeAuth(o = {}) {
  const baseURL = o.secure ? 'https://app.example.com' : 'http://localhost:3000'
  const options = {
    baseURL,
    database: memoryAdapter(o.db ?? memoryDb()),
    emailAndPassword: { enabled: true },
    session: {
      cookieCache: {
        enabled: true,
        strategy: o.strategy ?? 'compact',
        ...(o.maxAge !== undefined ? { maxAge: o.maxAge } : {}),
        ...(o.version !== undefined ? { version: o.version } : {}),
      },
    },
    logger: { disabled: true },
    telemetry: { enabled: false },
  }
  if (o.secrets) options.secrets = o.secrets
  if (o.secret !== null) options.secret = o.secret ?? SECRET
  if (o.prefix) options.advanced = { cookiePrefix: o.prefix }
  if (o.crossSubDomain) options.advanced = { ...options.advanced, crossSubDomainCookies: { enabled: true, domain: 'example.com' } }
  if (o.additionalFields) options.user = { additionalFields: o.additionalFields }
  if (o.plugins) options.plugins = o.plugins
  return { auth: betterAuth(options), baseURL }
}

async function post(auth, baseURL, path, body) {
  const res = await auth.handler(
    new Request(`${baseURL}/api/auth${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: baseURL },
      body: JSON.stringify(body),
    }),
  )
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${await res.text()}`)
  // authToken: the bearer plugin's set-auth-token header (the signed session token), when on.
  return { setCookies: res.headers.getSetCookie(), authToken: res.headers.get('set-auth-token'), body: await res.json() }
}

/** The Cookie header a browser would send back for these Set-Cookie headers (live ones only). */
export function cookieHeader(setCookies) {
  return setCookies
    .filter((c) => !/;\s*Max-Age=0(;|$)/i.test(c))
    .map((c) => c.split(';')[0])
    .join('; ')
}

export async function signUp(auth, baseURL, user) {
  return post(auth, baseURL, '/sign-up/email', { password: PASSWORD, ...user })
}

export async function signIn(auth, baseURL, email) {
  return post(auth, baseURL, '/sign-in/email', { email, password: PASSWORD })
}

/** better-auth's own answer for a Cookie header: auth.api.getSession. */
export async function getSession(auth, cookie) {
  return auth.api.getSession({ headers: new Headers({ cookie }) })
}
