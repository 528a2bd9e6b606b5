// Separate sites (app.example.com and api.other.net): the browser does not send the
// session cookie to the API, so the page asks its own server for the raw session token
// and passes it as io(url, { auth: { token } }) or Authorization: Bearer. authbridge
// accepts the raw Auth.js JWE there as it accepts the cookie: no second secret, no
// separately minted access token.
// getToken({ raw: true }) returns the cookie's value WITHOUT checking it, so auth() checks
// the session first; the answer is for the same origin only (no CORS) and never cached.
import { getToken } from 'next-auth/jwt'
import { auth, sessionCookieName } from '../../../auth.js'

export const dynamic = 'force-dynamic'

export async function GET(req) {
  const headers = { 'cache-control': 'no-store' }
  const session = await auth()
  if (!session) return Response.json({ error: 'not signed in' }, { status: 401, headers })
  const token = await getToken({ req, raw: true, cookieName: sessionCookieName, secureCookie: sessionCookieName.startsWith('__Secure-') })
  if (!token) return Response.json({ error: 'not signed in' }, { status: 401, headers })
  return Response.json({ token }, { headers })
}
