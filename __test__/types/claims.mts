// Compiled (not run) by __test__/types-claims.test.mjs under `strict`: the claims types of
// index.d.ts and the subpath declarations. Every `@ts-expect-error` line must fail to
// compile (tsc reports an unused one), so this file shows what is refused as well.
import { JwtVerifier, AuthJsSession, HandshakeAuthenticator, expiresAtOf, type JwtClaims, type AuthJsClaims } from 'authbridge'
import { expiresAtOf as expiresAtOfSocket, type AuthSocketData } from 'authbridge/socket.io'
import { Strategy, type StrategyPayload } from 'authbridge/passport'
import { JwtService } from 'authbridge/nest'
import type { Server, Socket } from 'socket.io'

const verifier = new JwtVerifier({ algorithms: ['HS256'], key: 'k'.repeat(32) })

// Registered claims are typed: exp is a number once present (it is unless ignoreExpiration).
const claims = verifier.verify('t')
if (claims.exp !== undefined) {
  const ms: number = claims.exp * 1000
}
const iss: string | undefined = claims.iss
const aud: string | string[] | undefined = claims.aud
const other: unknown = claims.anything
// @ts-expect-error exp may be absent (ignoreExpiration, requiredClaims: []): strict mode says so
const unchecked: number = claims.exp * 1000
// @ts-expect-error sub is a string, not a number
const wrongSub: number | undefined = claims.sub
// @ts-expect-error an app claim is unknown until the app names it
claims.role.toUpperCase()

// The app's own claims: verify<T>() gives JwtClaims & T.
interface AppClaims { role: 'admin' | 'user'; tenant: string }
const app = verifier.verify<AppClaims>('t')
const role: 'admin' | 'user' = app.role
const exp: number | undefined = app.exp
// @ts-expect-error 'root' is not a role
const badRole: typeof app.role = 'root'
async function later() {
  const a = await verifier.verifyAsync<AppClaims>('t')
  const t: string = a.tenant
  const complete = verifier.verifyComplete('t')
  const e: number | undefined = complete.payload.exp
}

// Auth.js sessions: AuthJsClaims (name, email, picture, sub, iat, exp, jti) & T.
const session = new AuthJsSession({ secret: 's'.repeat(32) })
const s = session.decode('t')
const email: string | null | undefined = s.email
if (s.exp) {
  const until: number = s.exp * 1000
}
const s2 = session.decode<{ roles: string[] }>('t')
const roles: string[] = s2.roles
const fromCookie = session.fromCookieHeader<{ roles: string[] }>('c=1')
const maybeRoles: string[] | undefined = fromCookie?.roles
// @ts-expect-error picture is a string (or null), not a number
const pic: number | undefined = s.picture

// Handshakes: authenticate / verifyToken with the app's claims.
const auth = new HandshakeAuthenticator({ jwt: { algorithms: ['HS256'], key: 'k'.repeat(32) } })
const r = auth.authenticate<AppClaims>({ headers: {} })
const rRole: 'admin' | 'user' = r.claims.role
const rExp: number | undefined = r.claims.exp
const kind: 'jwt' | 'authjs' | 'better-auth' = r.kind
const v = auth.verifyToken<AppClaims>('t')
const vTenant: string = v.claims.tenant
// @ts-expect-error claims.sub is a string
const vSub: boolean | undefined = auth.verifyToken('t').claims.sub

// expiresAtOf, from the root and from authbridge/socket.io (the same function).
const at: number | null = expiresAtOf(claims)
const at2: number | null = expiresAtOfSocket(s)
// @ts-expect-error it may be null
const at3: number = expiresAtOf(claims)

// socket.data typed through Socket.IO's SocketData parameter.
function onConnection(socket: Socket<{}, {}, {}, AuthSocketData<AppClaims>>) {
  const user = socket.data.user
  const uRole: 'admin' | 'user' = user.role
  const uSub: string | undefined = user.sub
  const expiresAt: number | null = socket.data.auth.expiresAt
  // @ts-expect-error a claim the app did not name is unknown
  user.plan.toUpperCase()
}
declare const io: Server<{}, {}, {}, AuthSocketData>

// passport: the verify callback's payload with new Strategy<T>, and StrategyPayload for validate / req.user.
const strategy = new Strategy<AppClaims>({ secretOrKey: 'k'.repeat(32), algorithms: ['HS256'] }, (payload, done) => {
  const pRole: 'admin' | 'user' = payload.role
  const pExp: number | undefined = payload.exp
  done(null, { id: payload.sub })
})
const withReq = new Strategy<AppClaims>({ secretOrKey: 'k'.repeat(32), algorithms: ['HS256'], passReqToCallback: true }, (req, payload, done) => {
  const t: string = payload.tenant
  done(null, payload)
})
function validate(payload: StrategyPayload<AppClaims>) {
  return { id: payload.sub, role: payload.role, until: payload.exp === undefined ? null : payload.exp * 1000 }
}
declare const user: StrategyPayload
// @ts-expect-error iat is a number
const iat: string | undefined = user.iat

// JwtService: any by default (as @nestjs/jwt), JwtClaims & T when T is named.
const jwt = new JwtService({ secret: 'k'.repeat(32), verifyOptions: { algorithms: ['HS256'] } })
const untyped = jwt.verify('t')
const anyThing: number = untyped.whatever
const typed = jwt.verify<AppClaims>('t')
const tRole: 'admin' | 'user' = typed.role
const tExp: number | undefined = typed.exp
// @ts-expect-error jti is a string
const tJti: number | undefined = typed.jti
const complete = jwt.verify<AppClaims>('t', { complete: true })
const cRole: 'admin' | 'user' = complete.payload.role

export { later, onConnection, io, strategy, withReq, validate }

// Better Auth: the kind, its claims, lookupSession and betterAuthRedisLookup.
import { betterAuthRedisLookup, type BetterAuthClaims } from 'authbridge'
const ba = new HandshakeAuthenticator({ betterAuth: { secret: 's'.repeat(32), lookupSession: betterAuthRedisLookup({ client: { get: async (_k: string) => null } }), lookupMaxAge: 60 } })
const baResult = ba.authenticate<BetterAuthClaims>({ headers: {} })
const baSid: string = baResult.claims.sid
const baUserId: string = baResult.claims.user.id
// @ts-expect-error the session token is no claim
const baToken: string = baResult.claims.session.token
