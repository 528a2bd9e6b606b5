// One node of the cluster demo and tests: the example Nest app (examples/nest-app, built
// by tsc) with REDIS_URL, so that Socket.IO broadcasts go through the Redis adapter and
// sign-outs reach every node's revocation list. Run as a child process with an IPC
// channel: it sends { ready: url } once listening; it takes { broadcast: { event, data } }
// (sent from this node through the Redis adapter) and { close: true }.
import { createApp, EventsGateway } from '../nest-app/dist/main.mjs'

const config = {
  authSecret: process.env.AUTH_SECRET,
  jwtSecret: process.env.JWT_SECRET,
  redisUrl: process.env.REDIS_URL,
  // A Redis Cluster (comma-separated node URLs): the sharded Socket.IO adapter.
  redisClusterUrls: process.env.REDIS_CLUSTER ? process.env.REDIS_CLUSTER.split(',') : undefined,
  revocation: {
    resyncInterval: process.env.RESYNC_INTERVAL ? Number(process.env.RESYNC_INTERVAL) : undefined,
    maxStaleness: process.env.MAX_STALENESS ? Number(process.env.MAX_STALENESS) : undefined,
    onStale: process.env.ON_STALE || undefined,
  },
}
const app = await createApp(config)
await app.listen(Number(process.env.PORT || 0), '127.0.0.1')
const url = (await app.getUrl()).replace('[::1]', '127.0.0.1')

let closing = false
const close = async () => {
  if (closing) return
  closing = true
  await app.close()
  process.disconnect?.()
}
process.on('message', async (m) => {
  if (m && m.broadcast) {
    app.get(EventsGateway).broadcast(m.broadcast.event, m.broadcast.data)
    process.send({ broadcasted: m.broadcast.event })
  }
  if (m && m.close) await close()
})
process.on('SIGTERM', close)
process.on('disconnect', close)
process.send ? process.send({ ready: url }) : console.log(`listening on ${url}`)
