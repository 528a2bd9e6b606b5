// Compiled (not run) by __test__/types.test.mjs: passport-jwt and @nestjs/jwt code, with only
// the imports changed, type-checks against authbridge's hand-written declarations.
import { Strategy, ExtractJwt, type VerifiedCallback, type StrategyOptions, type StrategyFailure } from 'authbridge/passport'
import { PassportStrategy } from '@nestjs/passport'
import { JwtService, JsonWebTokenError, TokenExpiredError, NotBeforeError, type JwtVerifyOptions } from 'authbridge/nest'

const options: StrategyOptions = {
  jwtFromRequest: ExtractJwt.fromExtractors([ExtractJwt.fromAuthHeaderAsBearerToken(), ExtractJwt.fromUrlQueryParameter('t'), ExtractJwt.fromSessionCookie()]),
  secretOrKey: 'k'.repeat(32),
  algorithms: ['HS256'],
  issuer: 'https://issuer',
  audience: [/^api:/, 'web'],
  ignoreExpiration: false,
  jsonWebTokenOptions: { maxAge: '1h', clockTolerance: 5, nonce: 'n', jwtid: 'j', complete: false, subject: 's' },
}
const plain = new Strategy(options, (payload: any, done: VerifiedCallback) => done(null, { id: payload.sub }))
const withReq = new Strategy(
  { ...options, secretOrKey: undefined, passReqToCallback: true, secretOrKeyProvider: (req, raw, done) => done(null, Buffer.from('k'.repeat(32))) },
  (req: any, payload: any, done: VerifiedCallback) => done(null, false, { message: 'nope' }),
)
const name: string = plain.name
// authbridge's allowedOrigins for cookie tokens (a list of origins, RegExps and functions).
const cookieOptions: StrategyOptions = {
  ...options,
  allowedOrigins: ['https://app.example.com', /^https:\/\/[a-z]+\.example\.com$/, (origin: string) => origin.endsWith('.test')],
}
const fromCookie = new Strategy(cookieOptions, (payload: any, done: VerifiedCallback) => done(null, payload))

class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor() {
    super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: 'k'.repeat(32), algorithms: ['HS256'] })
  }
  async validate(payload: { sub: string }) {
    return { id: payload.sub }
  }
}

const failure = (info: StrategyFailure) => [info.code, info.reason, info.expiredAt] as const

const jwt = new JwtService({ secret: 'k'.repeat(32), verifyOptions: { algorithms: ['HS256'], audience: /^api/ } })
const verifyOptions: JwtVerifyOptions = { audience: ['a', /b/], maxAge: '1h', complete: false }
try {
  jwt.verify<{ sub: string }>('t', verifyOptions)
} catch (e) {
  if (e instanceof TokenExpiredError) console.log(e.expiredAt.toISOString(), e.code, e.reason)
  else if (e instanceof NotBeforeError) console.log(e.date)
  else if (e instanceof JsonWebTokenError) console.log(e.message, e.claim)
}

export { withReq, name, JwtStrategy, failure }

// authbridge/nest's BetterAuthModule / BetterAuthService (issue 24).
import { BetterAuthModule, BetterAuthService } from 'authbridge/nest'
export const betterAuthModule = BetterAuthModule.forRoot({ secret: 'a-better-auth-secret', strategy: 'jwe', global: false })
export async function betterAuthUse(s: BetterAuthService, req: { headers: Record<string, string | undefined> }) {
  const d = s.decodeRequest(req)
  const id: string | undefined = d?.user.id
  const looked = await s.getSession({ handshake: { headers: { cookie: 'a=b' } } })
  const strategy: 'compact' | 'jwt' | 'jwe' | 'lookup' | undefined = looked?.strategy
  const token: string = s.verifySessionToken('token.signature')
  return [id, strategy, token, s.dataCookieName, s.decodeCookieHeader('a=b')?.expiresAt]
}
