import { Controller, HttpCode, Post, Query, Req, UseGuards } from '@nestjs/common'
import { AuthGuard } from '@nestjs/passport'
import { RevocationService } from 'authbridge/nest'
import type { StrategyPayload } from 'authbridge/passport'

/**
 * POST /sign-out: signs the user out everywhere (every token issued until now, on every
 * node; their open sockets get `auth_revoked` and are closed). With ?scope=token, only the
 * token of this request is revoked (by its jti).
 */
@Controller()
export class SignOutController {
  constructor(private readonly revocation: RevocationService) {}

  @UseGuards(AuthGuard('jwt'))
  @Post('sign-out')
  @HttpCode(204)
  async signOut(@Req() req: { user: { id: string; claims: StrategyPayload } }, @Query('scope') scope?: string) {
    const { jti, exp } = req.user.claims
    // exp is typed a number: every kind of verified token has one.
    if (scope === 'token' && typeof jti === 'string') {
      await this.revocation.revokeToken(jti, exp)
    } else {
      await this.revocation.revokeSubject(req.user.id)
    }
  }
}
