import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway, WebSocketServer } from '@nestjs/websockets'
import type { Namespace, Socket } from 'socket.io'

/** A second namespace, protected exactly like '/' (server.use() alone would not cover it). */
@WebSocketGateway({ namespace: '/chat' })
export class ChatGateway {
  @WebSocketServer()
  server!: Namespace

  @SubscribeMessage('message')
  onMessage(@MessageBody() text: string, @ConnectedSocket() socket: Socket) {
    this.server.emit('message', { from: socket.data.user.sub, text: String(text) })
  }

  broadcast(event: string, data: unknown) {
    this.server.emit(event, data)
  }
}
