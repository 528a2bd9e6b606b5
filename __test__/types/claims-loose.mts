// Compiled by __test__/types-claims.test.mjs with `strict` but `strictNullChecks: false`
// (the tsconfig `nest new` writes): `claims.exp * 1000` compiles as it is.
import { JwtVerifier, AuthJsSession } from 'authbridge'
import { JwtService } from 'authbridge/nest'

const verifier = new JwtVerifier({ algorithms: ['HS256'], key: 'k'.repeat(32) })
const claims = verifier.verify('t')
const ms: number = claims.exp * 1000
const session = new AuthJsSession({ secret: 's'.repeat(32) })
const sessionMs: number = session.decode('t').exp * 1000
const jwt = new JwtService({ secret: 'k'.repeat(32), verifyOptions: { algorithms: ['HS256'] } })
const nestMs: number = jwt.verify<{ role: string }>('t').exp * 1000
// @ts-expect-error exp is a number, even without strictNullChecks
const wrong: string = claims.exp
// @ts-expect-error email is a string
session.decode('t').email.toFixed()

export { ms, sessionMs, nestMs, wrong }
