import { CanActivate, ExecutionContext, Inject, Injectable, UseGuards } from '@nestjs/common'
import { Context, Query, Resolver, Subscription } from '@nestjs/graphql'
import type { GraphqlWsAuth, GraphqlWsContext } from 'authbridge/graphql-ws'

/** The schema (schema-first): one query and one subscription, both behind GqlAuthGuard. */
export const typeDefs = `
  type Me { sub: String!, kind: String!, source: String! }
  type Query { me: Me! }
  type Subscription { ticks: String! }
`

/** The app's graphqlWsAuth(...) object: its onConnect / context go to GraphQLModule, its guard here. */
export const GRAPHQL_AUTH = Symbol('GRAPHQL_AUTH')

/**
 * The ready guard of authbridge/graphql-ws as a Nest provider: a query needs an Authorization
 * header or the session cookie; a subscription passes on the connection graphqlWsAuth admitted.
 */
@Injectable()
export class GqlAuthGuard implements CanActivate {
  private readonly guard: CanActivate
  constructor(@Inject(GRAPHQL_AUTH) auth: GraphqlWsAuth) {
    this.guard = new auth.GqlAuthGuard()
  }
  canActivate(context: ExecutionContext) {
    return this.guard.canActivate(context)
  }
}

type Claims = { sub: string }

@Resolver()
export class MeResolver {
  @UseGuards(GqlAuthGuard)
  @Query('me')
  me(@Context() ctx: GraphqlWsContext<Claims>) {
    return { sub: ctx.user.sub, kind: ctx.auth.kind, source: ctx.auth.source }
  }

  /**
   * `${sub}:${n}` every 200 ms while the subscription lasts. The connection was authenticated
   * on connection_init (connectionParams or the upgrade's header / cookie) and is closed at
   * the token's expiry (4401) and on revocation (4403).
   */
  @UseGuards(GqlAuthGuard)
  @Subscription('ticks')
  ticks(@Context() ctx: GraphqlWsContext<Claims>) {
    const sub = ctx.user.sub
    return (async function* () {
      for (let n = 0; ; n++) {
        yield { ticks: `${sub}:${n}` }
        await new Promise((r) => setTimeout(r, 200))
      }
    })()
  }
}
