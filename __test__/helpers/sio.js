'use strict'
// Bounded, event-driven waits for Socket.IO client sockets (every wait has a timeout).

/** Resolves with the arguments of the next `event`; rejects after `ms`. */
function next(emitter, event, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, on)
      reject(new Error(`timed out after ${ms} ms waiting for '${event}'`))
    }, ms)
    const on = (...args) => {
      clearTimeout(timer)
      resolve(args)
    }
    emitter.once(event, on)
  })
}

/** Waits for the client socket to connect; rejects on connect_error (with its code) or timeout. */
function connected(socket, ms = 5000) {
  return new Promise((resolve, reject) => {
    const done = (fn, v) => {
      clearTimeout(timer)
      socket.off('connect', onConnect)
      socket.off('connect_error', onError)
      fn(v)
    }
    const onConnect = () => done(resolve, socket)
    const onError = (err) => done(reject, new Error(`expected a connection, got connect_error ${err.message} ${JSON.stringify(err.data)}`))
    const timer = setTimeout(() => done(reject, new Error(`no connection after ${ms} ms`)), ms)
    socket.on('connect', onConnect)
    socket.on('connect_error', onError)
  })
}

/** Waits for connect_error; rejects if the socket connects instead, or on timeout. */
function refused(socket, ms = 5000) {
  return new Promise((resolve, reject) => {
    const done = (fn, v) => {
      clearTimeout(timer)
      socket.off('connect', onConnect)
      socket.off('connect_error', onError)
      fn(v)
    }
    const onConnect = () => done(reject, new Error('connected, but the handshake should have been refused'))
    const onError = (err) => done(resolve, err)
    const timer = setTimeout(() => done(reject, new Error(`no connect_error after ${ms} ms`)), ms)
    socket.on('connect', onConnect)
    socket.on('connect_error', onError)
  })
}

/** Records every `event` a client socket receives. */
function record(socket, event = 'news') {
  const got = []
  socket.on(event, (...args) => got.push(args))
  return got
}

/**
 * Records every EVENT packet that reaches the client's connection for namespace `nsp`,
 * connected or not: what a hand-written client would read off the wire.
 */
function wire(client, nsp = '/') {
  const got = []
  client.io.on('packet', (p) => {
    if (p.nsp === nsp && (p.type === 2 || p.type === 5)) got.push(p.data)
  })
  return got
}

module.exports = { next, connected, refused, record, wire }
