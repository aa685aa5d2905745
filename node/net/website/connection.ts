import { AbstractMultiaddrConnection, type AbstractMultiaddrConnectionInit } from '@libp2p/utils'
import type { SendResult } from '@libp2p/utils'
import type { AbortOptions } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import type { WebSocket } from 'ws'

/** Bytes handed to the socket but not yet written out, past which the writer is asked to wait. */
const MAX_BUFFERED = 4 * 1024 * 1024
/** What one WebSocket message carries at most, both ways: libp2p hands over larger writes in pieces. */
export const MAX_WEBSOCKET_MESSAGE = 256 * 1024

interface WebsiteConnectionInit extends Omit<AbstractMultiaddrConnectionInit, 'inactivityTimeout'> {
  websocket: WebSocket
}

/**
 * A libp2p connection over a node `ws` WebSocket. Unlike @libp2p/websockets (the browser
 * WebSocket API, which it must polyfill) it has real backpressure both ways: writes wait on the
 * socket's own write callbacks, reads pause the TCP socket.
 */
class WebsiteConnection extends AbstractMultiaddrConnection {
  private readonly websocket: WebSocket
  private buffered = 0
  private waitingForDrain = false

  constructor (init: WebsiteConnectionInit) {
    // libp2p's ping and the DM channel keep a chat connection busy; a socket idle for
    // 5 minutes is dead (a censor that freezes a flow sends no reset)
    super({ ...init, inactivityTimeout: 5 * 60_000, maxMessageSize: MAX_WEBSOCKET_MESSAGE })
    this.websocket = init.websocket
    this.websocket.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      if (!isBinary) { this.abort(new Error('text frame on a libp2p WebSocket')); return }
      const chunks = Array.isArray(data) ? data : [data instanceof ArrayBuffer ? Buffer.from(data) : data]
      for (const chunk of chunks) this.onData(chunk)
    })
    this.websocket.once('close', (code: number) => {
      if (code === 1000 || code === 1005) this.onTransportClosed()
      else this.onRemoteReset()
    })
    this.websocket.on('error', (err: Error) => { this.abort(err) })
  }

  sendData (data: Uint8ArrayList): SendResult {
    const bytes = data.byteLength
    this.buffered += bytes
    this.websocket.send(data.subarray(), { binary: true }, () => {
      this.buffered -= bytes
      if (this.waitingForDrain && this.buffered < MAX_BUFFERED / 2) {
        this.waitingForDrain = false
        this.safeDispatchEvent('drain')
      }
    })
    const canSendMore = this.buffered < MAX_BUFFERED
    if (!canSendMore) this.waitingForDrain = true
    return { sentBytes: bytes, canSendMore }
  }

  sendReset (): void {
    this.websocket.terminate()
  }

  async sendClose (options?: AbortOptions): Promise<void> {
    if (this.websocket.readyState === this.websocket.CLOSED) return
    await new Promise<void>(resolve => {
      const done = (): void => { options?.signal?.removeEventListener('abort', onAbort); resolve() }
      const onAbort = (): void => { this.websocket.terminate(); done() }
      this.websocket.once('close', done)
      options?.signal?.addEventListener('abort', onAbort, { once: true })
      this.websocket.close(1000)
    })
  }

  sendPause (): void {
    this.websocket.pause()
  }

  sendResume (): void {
    this.websocket.resume()
  }
}

export function websocketToConnection (init: WebsiteConnectionInit): AbstractMultiaddrConnection {
  return new WebsiteConnection(init)
}
