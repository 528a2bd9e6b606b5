import { DynamicModule, Module } from '@nestjs/common'
import { PassportModule } from '@nestjs/passport'
import { RevocationModule, RevocationService } from 'authbridge/nest'
import { AUTH_OPTIONS, AppAuthConfig, handshakeOptions } from './auth.config.mjs'
import { ChatGateway } from './chat.gateway.mjs'
import { EventsGateway } from './events.gateway.mjs'
import { JwtStrategy } from './jwt.strategy.mjs'
import { MeController } from './me.controller.mjs'
import { SignOutController } from './sign-out.controller.mjs'

@Module({})
export class AppModule {
  /** `redis`: a connected node-redis or ioredis client, when the app runs on several nodes. */
  static forRoot(config: AppAuthConfig, redis?: unknown): DynamicModule {
    return {
      module: AppModule,
      imports: [PassportModule, RevocationModule.forRoot({ redis: redis ? { client: redis as any, ...config.revocation } : undefined })],
      controllers: [MeController, SignOutController],
      providers: [
        // Sockets and HTTP share one revocation list: a sign-out refuses the token everywhere.
        { provide: AUTH_OPTIONS, useFactory: (r: RevocationService) => ({ ...handshakeOptions(config), revocation: r.list }), inject: [RevocationService] },
        JwtStrategy,
        EventsGateway,
        ChatGateway,
      ],
    }
  }
}
