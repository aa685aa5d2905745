import { AbstractMultiaddrConnection } from '@libp2p/utils'
import type { AbortOptions, Logger, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/**
 * A stream made into a connection the upgrader can run Noise and yamux over. The same as
 * circuit-relay-v2's stream-to-conn.ts, which that package does not export.
 */
class StreamConnection extends AbstractMultiaddrConnection {
  private readonly stream: Stream

  constructor (init: { stream: Stream, remoteAddr: Multiaddr, log: Logger }) {
    super({ ...init, direction: init.stream.direction })
    this.stream = init.stream
    this.stream.addEventListener('close', (evt: any) => { this.onTransportClosed(evt.error) })
    this.stream.addEventListener('remoteCloseWrite', () => {
      this.onRemoteCloseWrite()
      this.close().catch(err => { this.abort(err) })
    })
    this.stream.addEventListener('message', (evt: any) => { this.onData(evt.data) })
    this.stream.addEventListener('drain', () => { this.safeDispatchEvent('drain') })
  }

  sendData (data: any): { sentBytes: number, canSendMore: boolean } {
    return { sentBytes: data.byteLength, canSendMore: this.stream.send(data) }
  }

  async sendClose (options?: AbortOptions): Promise<void> { await this.stream.close(options) }
  sendReset (): void { this.stream.abort(new Error('the chained connection was reset')) }
  sendPause (): void { this.stream.pause() }
  sendResume (): void { this.stream.resume() }
}

export function streamToConnection (stream: Stream, remoteAddr: Multiaddr, log: Logger): StreamConnection {
  return new StreamConnection({ stream, remoteAddr, log })
}
