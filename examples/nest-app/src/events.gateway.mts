import { ConnectedSocket, OnGatewayConnection, SubscribeMessage, WebSocketGateway, WebSocketServer } from '@nestjs/websockets'
import type { Server, Socket } from 'socket.io'

/**
 * The default namespace. No guard is needed: AuthenticatedSocketAdapter refused every
 * unauthenticated handshake before this gateway ever sees a socket.
 */
@WebSocketGateway()
export class EventsGateway implements OnGatewayConnection {
  @WebSocketServer()
  server!: Server

  handleConnection(socket: Socket) {
    socket.emit('welcome', { sub: socket.data.user.sub, kind: socket.data.auth.kind })
  }

  @SubscribeMessage('whoami')
  whoami(@ConnectedSocket() socket: Socket) {
    // groups: a large claim (the Next.js example's big@example.com), whose cookie comes in chunks.
    const groups = socket.data.user.groups
    return { sub: socket.data.user.sub, kind: socket.data.auth.kind, source: socket.data.auth.source, ...(Array.isArray(groups) ? { groups } : {}) }
  }

  /** Sends to every (authenticated) socket of '/'. */
  broadcast(event: string, data: unknown) {
    this.server.emit(event, data)
  }
}
