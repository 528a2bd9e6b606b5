// authbridge/ws (and, below, authbridge/graphql-ws and the Nest adapters) as an app writes them.
import http from 'node:http'
import { WebSocketServer } from 'ws'
import { wsVerifyClient, watchConnection, CLOSE_EXPIRED, type WsData, type WsAuthRefreshed } from 'authbridge/ws'

const server = http.createServer()
const verifyClient = wsVerifyClient({ jwt: { algorithms: ['HS256'], key: 'k'.repeat(32) } }, { allowedOrigins: ['https://app.example.com'], onFailure: (i) => console.log(i.code, i.transport) })
const wss = new WebSocketServer({ server, verifyClient })
wss.on('connection', (ws, req) => {
  if (!watchConnection(ws, req)) return
  const data = (ws as unknown as { data: WsData<{ sub: string }> }).data
  const sub: string = data.user.sub
  const at: number | null = data.auth.expiresAt
  // The verified claims: exp is a number (every kind requires it), other claims unknown until named.
  const until: number = data.user.exp * 1000
  // @ts-expect-error a claim the app did not name is unknown
  data.user.plan.toUpperCase()
  void until
  ws.on('close', (code) => code === CLOSE_EXPIRED)
  void sub, at
})
const noServer = new WebSocketServer({ noServer: true })
server.on('upgrade', (req, socket, head) => verifyClient.handleUpgrade(noServer, req, socket, head))
const answer: WsAuthRefreshed = { type: 'auth_refreshed', ok: false, code: 'ERR_JWT_CLAIM_INVALID' }
void answer

import { AuthenticatedWsAdapter } from 'authbridge/nest'
declare const app: any
const wsAdapter = new AuthenticatedWsAdapter(app, { authjs: { secret: 's' } }, { onFailure: (i) => i.path, closeCodes: { expired: 4001 } })
void wsAdapter.verifyClient.watch.stats().connections

import { graphqlWsAuth, mercuriusSubscriptionAuth, CLOSE_FORBIDDEN, type GraphqlWsContext } from 'authbridge/graphql-ws'
const gql = graphqlWsAuth({ authjs: { secret: 's' } }, { revocation: undefined, context: () => ({ tenant: 'acme' }) })
const apolloConfig = { subscriptions: { 'graphql-ws': { ...gql } } }
const mercuriusConfig = { subscription: { ...gql.mercurius } }
const AuthGuard = gql.GqlAuthGuard
void new AuthGuard().canActivate({})
const resolve = (ctx: GraphqlWsContext<{ sub: string }>) => ctx.user.sub + ctx.auth.kind + ctx.user.exp * 1000
// @ts-expect-error iat is optional: strict mode says it may be absent
const iatOf = (ctx: GraphqlWsContext) => ctx.user.iat * 1000
void iatOf
void mercuriusSubscriptionAuth, apolloConfig, mercuriusConfig, resolve, CLOSE_FORBIDDEN
