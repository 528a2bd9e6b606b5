import { Module } from '@nestjs/common'
import type { DynamicModule, INestApplication } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { GraphQLModule } from '@nestjs/graphql'
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo'
import { RevocationList } from 'authbridge'
import { RevocationModule } from 'authbridge/nest'
import { graphqlWsAuth } from 'authbridge/graphql-ws'
import type { WsAuthFailure } from 'authbridge/ws'
import { AppAuthConfig, handshakeOptions } from './auth.config.mjs'
import { GRAPHQL_AUTH, GqlAuthGuard, MeResolver, typeDefs } from './graphql.resolver.mjs'

@Module({})
class GraphqlAppModule {
  static forRoot(config: AppAuthConfig, options: { onFailure?: (info: WsAuthFailure) => void }): DynamicModule {
    // One list for RevocationService (sign-outs) and the subscription watch.
    const list = new RevocationList()
    const auth = graphqlWsAuth(handshakeOptions(config), { revocation: list, onFailure: options.onFailure })
    return {
      module: GraphqlAppModule,
      imports: [
        RevocationModule.forRoot({ list }),
        // graphql-ws's onConnect / context: no subscription connection without a valid token.
        GraphQLModule.forRoot<ApolloDriverConfig>({ driver: ApolloDriver, typeDefs, subscriptions: { 'graphql-ws': { ...auth } } }),
      ],
      providers: [{ provide: GRAPHQL_AUTH, useValue: auth }, GqlAuthGuard, MeResolver],
    }
  }
}

/**
 * GraphQL on the same rules (@nestjs/graphql with the Apollo driver, graphql-ws for
 * subscriptions at /graphql): queries through GqlAuthGuard (Authorization header or session
 * cookie), subscriptions authenticated on connection_init (connectionParams `token` /
 * `authorization`, or the upgrade's header / cookie), refused with 4401 / 4403.
 */
export async function createGraphqlApp(config: AppAuthConfig, options: { onFailure?: (info: WsAuthFailure) => void } = {}): Promise<INestApplication> {
  return NestFactory.create(GraphqlAppModule.forRoot(config, options), { logger: ['error', 'warn'] })
}
