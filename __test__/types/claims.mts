// Compiled (not run) by __test__/types-claims.test.mjs under `strict`: the claims types of
// index.d.ts and the subpath declarations. Every `@ts-expect-error` line must fail to
// compile (tsc reports an unused one), so this file shows what is refused as well.
import { JwtVerifier, AuthJsSession, HandshakeAuthenticator, expiresAtOf, type JwtClaims, type AuthJsClaims, type VerifiedClaims, type ExpOptional } from 'authbridge'
import { expiresAtOf as expiresAtOfSocket, type AuthSocketData } from 'authbridge/socket.io'
import { Strategy, type StrategyPayload } from 'authbridge/passport'
import { JwtService } from 'authbridge/nest'
import type { Server, Socket } from 'socket.io'

const verifier = new JwtVerifier({ algorithms: ['HS256'], key: 'k'.repeat(32) })

// Registered claims are typed: exp is a number (every verifier requires it by default).
const claims = verifier.verify('t')
const ms: number = claims.exp * 1000
const iss: string | undefined = claims.iss
const aud: string | string[] | undefined = claims.aud
const iatMaybe: number | undefined = claims.iat
const other: unknown = claims.anything
// @ts-expect-error iat is not required: it may be absent, strict mode says so
const iatMs: number = claims.iat * 1000
// A verifier that does not require exp (ignoreExpiration, requiredClaims: []): ExpOptional.
const lax = new JwtVerifier({ algorithms: ['HS256'], key: 'k'.repeat(32), ignoreExpiration: true })
const laxClaims: ExpOptional<JwtClaims> = lax.verify('t')
const laxSub: string | undefined = laxClaims.sub
const laxExp: number | undefined = laxClaims.exp
// @ts-expect-error exp may be absent there: strict mode says so
const unchecked: number = laxClaims.exp * 1000
// @ts-expect-error sub is a string, not a number
const wrongSub: number | undefined = claims.sub
// @ts-expect-error an app claim is unknown until the app names it
claims.role.toUpperCase()

// The app's own claims: verify<T>() gives JwtClaims & T.
interface AppClaims { role: 'admin' | 'user'; tenant: string }
const app = verifier.verify<AppClaims>('t')
const role: 'admin' | 'user' = app.role
const exp: number = app.exp
// @ts-expect-error 'root' is not a role
const badRole: typeof app.role = 'root'
async function later() {
  const a = await verifier.verifyAsync<AppClaims>('t')
  const t: string = a.tenant
  const complete = verifier.verifyComplete('t')
  const e: number = complete.payload.exp * 1000
}

// Auth.js sessions: AuthJsClaims (name, email, picture, sub, iat, exp, jti) & T.
const session = new AuthJsSession({ secret: 's'.repeat(32) })
const s = session.decode('t')
const email: string | null | undefined = s.email
const until: number = s.exp * 1000
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
const rExp: number = r.claims.exp * 1000
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
  const uUntil: number = user.exp * 1000
  const expiresAt: number | null = socket.data.auth.expiresAt
  // @ts-expect-error a claim the app did not name is unknown
  user.plan.toUpperCase()
}
declare const io: Server<{}, {}, {}, AuthSocketData>

// passport: the verify callback's payload with new Strategy<T>, and StrategyPayload for validate / req.user.
const strategy = new Strategy<AppClaims>({ secretOrKey: 'k'.repeat(32), algorithms: ['HS256'] }, (payload, done) => {
  const pRole: 'admin' | 'user' = payload.role
  const pExp: number = payload.exp * 1000
  done(null, { id: payload.sub })
})
const withReq = new Strategy<AppClaims>({ secretOrKey: 'k'.repeat(32), algorithms: ['HS256'], passReqToCallback: true }, (req, payload, done) => {
  const t: string = payload.tenant
  done(null, payload)
})
function validate(payload: StrategyPayload<AppClaims>) {
  return { id: payload.sub, role: payload.role, until: payload.exp * 1000 }
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
const tExp: number = typed.exp * 1000
// A call that ignores expiration may return claims without exp.
const ignoring = jwt.verify<AppClaims>('t', { ignoreExpiration: true })
const iRole: 'admin' | 'user' = ignoring.role
// @ts-expect-error exp may be absent when the call ignores expiration
const iExp: number = ignoring.exp * 1000
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

// VerifiedClaims<T>: one type for what every entry point hands the app.
function audit(user: VerifiedClaims<AppClaims>) {
  const until: number = user.exp * 1000
  const who: string | undefined = user.sub
  const r2: 'admin' | 'user' = user.role
  // @ts-expect-error a claim the app did not name is unknown
  user.plan.toUpperCase()
  return { until, who, r2 }
}
const asVerified: VerifiedClaims = verifier.verify('t')
export { audit, asVerified }
