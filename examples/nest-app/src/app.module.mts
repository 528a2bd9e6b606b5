import { DynamicModule, Module } from '@nestjs/common'
import { PassportModule } from '@nestjs/passport'
import { AUTH_OPTIONS, AppAuthConfig, handshakeOptions } from './auth.config.mjs'
import { ChatGateway } from './chat.gateway.mjs'
import { EventsGateway } from './events.gateway.mjs'
import { JwtStrategy } from './jwt.strategy.mjs'
import { MeController } from './me.controller.mjs'

@Module({})
export class AppModule {
  static forRoot(config: AppAuthConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [PassportModule],
      controllers: [MeController],
      providers: [{ provide: AUTH_OPTIONS, useValue: handshakeOptions(config) }, JwtStrategy, EventsGateway, ChatGateway],
    }
  }
}
