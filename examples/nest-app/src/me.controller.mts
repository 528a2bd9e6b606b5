import { Controller, Get, Req, UseGuards } from '@nestjs/common'
import { AuthGuard } from '@nestjs/passport'

@Controller()
export class MeController {
  @UseGuards(AuthGuard('jwt'))
  @Get('me')
  me(@Req() req: { user: unknown }) {
    return req.user
  }
}
