import { ConnectedSocket, MessageBody, OnGatewayConnection, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets'
import type { WebSocket } from 'ws'
import type { WsData } from 'authbridge/ws'

/** A `ws` client admitted by AuthenticatedWsAdapter: the claims and their source in `data`. */
type AuthenticatedWs = WebSocket & { data: WsData<{ sub: string }> }

/**
 * A plain WebSocket gateway (@nestjs/platform-ws). No guard: AuthenticatedWsAdapter refused
 * every unauthenticated upgrade (401 / 403 with `{ code }`) before this gateway sees a client,
 * and closes it at expiry (4401) and on revocation (4403).
 */
@WebSocketGateway({ path: '/ws' })
export class WsEventsGateway implements OnGatewayConnection {
  handleConnection(client: AuthenticatedWs) {
    client.send(JSON.stringify({ event: 'welcome', data: { sub: client.data.user.sub, kind: client.data.auth.kind } }))
  }

  @SubscribeMessage('whoami')
  whoami(@ConnectedSocket() client: AuthenticatedWs, @MessageBody() body: unknown) {
    const { sub } = client.data.user
    const { kind, source, expiresAt } = client.data.auth
    return { event: 'whoami', data: { sub, kind, source, expiresAt, body } }
  }
}
