import { Inject, Injectable } from '@nestjs/common'
import { PassportStrategy } from '@nestjs/passport'
import { Strategy, type StrategyPayload } from 'authbridge/passport'
import type { HandshakeOptions } from 'authbridge'
import { AUTH_OPTIONS } from './auth.config.mjs'

/** HTTP routes accept the same tokens as the sockets: a Bearer access token or the session cookie. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(@Inject(AUTH_OPTIONS) options: HandshakeOptions) {
    super(options)
  }

  validate(claims: StrategyPayload) {
    const user = { id: claims.sub, email: claims.email ?? null, name: claims.name ?? null }
    // The claims ride along, not serialized: the sign-out endpoint reads jti and exp.
    return Object.defineProperty(user, 'claims', { value: claims, enumerable: false })
  }
}
