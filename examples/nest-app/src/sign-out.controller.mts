import { Controller, HttpCode, Post, Query, Req, UseGuards } from '@nestjs/common'
import { AuthGuard } from '@nestjs/passport'
import { RevocationService } from 'authbridge/nest'

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
  async signOut(@Req() req: { user: { id: string; claims?: Record<string, unknown> } }, @Query('scope') scope?: string) {
    const claims = req.user.claims ?? {}
    if (scope === 'token' && typeof claims.jti === 'string' && typeof claims.exp === 'number') {
      await this.revocation.revokeToken(claims.jti, claims.exp)
    } else {
      await this.revocation.revokeSubject(req.user.id)
    }
  }
}
